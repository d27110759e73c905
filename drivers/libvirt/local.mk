# The libvirt driver (a loadable module), the boot ISO and the userdata disk (issue 6).
# Core: src/userdata.c (the boot2docker data disk, shared by every VM driver)
# and src/iso.c (--iso: paths, file:// and http(s):// URLs, the cache).
libmccore_la_SOURCES += src/userdata.c src/userdata.h src/iso.c src/iso.h

# The module links nothing of the core: it asks ctx->host for what it needs
# (drivers/driver.h), and exports only mc_driver_entry.
LV_MODULE_SOURCES = \
	drivers/libvirt/libvirt.c \
	drivers/libvirt/lv.h \
	drivers/libvirt/lv-xml.c \
	drivers/libvirt/lv-kvm.c \
	drivers/libvirt/lv-vol.c
if HAVE_LIBVIRT
pkgdriver_LTLIBRARIES += drivers/libvirt/machinectl-driver-libvirt.la
endif
# libvirt is not linked: drivers/libvirt/lv-lazy.c loads it on first use, so
# `env` and `url` do not pay for it (doc/performance.md).
drivers_libvirt_machinectl_driver_libvirt_la_SOURCES = $(LV_MODULE_SOURCES) drivers/libvirt/lv-lazy.c
drivers_libvirt_machinectl_driver_libvirt_la_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS)
drivers_libvirt_machinectl_driver_libvirt_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^mc_driver_entry$$'
drivers_libvirt_machinectl_driver_libvirt_la_LIBADD = $(JANSSON_LIBS)

if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-userdata tests/unit/test-iso
if HAVE_LIBVIRT
UNIT_TESTS += tests/unit/test-libvirt
endif
endif
tests_unit_test_userdata_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_userdata_LDADD = $(UNIT_LDADD)
tests_unit_test_iso_CPPFLAGS = $(AM_CPPFLAGS) -DMC_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_iso_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_iso_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
# The driver's sources linked into the test: the lifecycle runs in one process
# against libvirt's test:///default (its state does not outlive a process).
tests_unit_test_libvirt_SOURCES = tests/unit/test-libvirt.c $(LV_MODULE_SOURCES)
tests_unit_test_libvirt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/libvirt
tests_unit_test_libvirt_CFLAGS = $(UNIT_CFLAGS) $(LIBVIRT_CFLAGS)
tests_unit_test_libvirt_LDADD = $(UNIT_LDADD) $(LIBVIRT_LIBS)

if HAVE_LIBVIRT
CLI_TESTS += tests/cli/t3001-libvirt-test-uri.sh tests/cli/t3002-iso.sh
endif
EXTRA_DIST += doc/libvirt.md tests/lib/http-range-server.py
