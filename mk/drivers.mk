# mk/drivers.mk - the driver ABI (installed as <machinectl/driver.h>), the
# built-in drivers (part of the core library) and the libvirt module.
machinectlincludedir = $(includedir)/machinectl
machinectlinclude_HEADERS = drivers/driver.h

libmccore_la_SOURCES += \
	drivers/none/none.c \
	drivers/generic/generic.c \
	drivers/virtualbox/virtualbox.c drivers/virtualbox/vbox-parse.c drivers/virtualbox/vbox.h \
	drivers/hyperv/hyperv.c drivers/hyperv/hv.h drivers/hyperv/hv-proto.c \
	drivers/hyperv/hv-vhd.c drivers/hyperv/hv-vhd.h
# The Hyper-V shim is installed with the program: $(pkgdatadir)/machinectl-hyperv.ps1.
dist_pkgdata_DATA = drivers/hyperv/machinectl-hyperv.ps1

# The libvirt module links nothing of the core: it asks ctx->host for what it
# needs (drivers/driver.h), and exports only mc_driver_entry.  libvirt is not
# linked either: drivers/libvirt/lv-lazy.c loads it on first use, so `env` and
# `url` do not pay for it (doc/performance.md).
LV_MODULE_SOURCES = \
	drivers/libvirt/libvirt.c \
	drivers/libvirt/lv.h \
	drivers/libvirt/lv-xml.c \
	drivers/libvirt/lv-kvm.c \
	drivers/libvirt/lv-vol.c \
	drivers/libvirt/lv-net.c
if HAVE_LIBVIRT
pkgdriver_LTLIBRARIES += drivers/libvirt/machinectl-driver-libvirt.la
endif
drivers_libvirt_machinectl_driver_libvirt_la_SOURCES = $(LV_MODULE_SOURCES) drivers/libvirt/lv-lazy.c
drivers_libvirt_machinectl_driver_libvirt_la_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS)
drivers_libvirt_machinectl_driver_libvirt_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^mc_driver_entry$$'
drivers_libvirt_machinectl_driver_libvirt_la_LIBADD = $(JANSSON_LIBS)
