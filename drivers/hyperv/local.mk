# The Hyper-V driver (built in) with its PowerShell shim, the fixed VHD
# writer, the OS layer and long-lived child processes (issue 9).
libmccore_la_SOURCES += \
	src/os.h src/os-posix.c \
	src/proc-child.c src/proc-child.h \
	drivers/hyperv/hv-vhd.c drivers/hyperv/hv-vhd.h \
	drivers/hyperv/hyperv.c drivers/hyperv/hv.h drivers/hyperv/hv-proto.c

# The shim is installed with the program: $(pkgdatadir)/machinectl-hyperv.ps1.
dist_pkgdata_DATA = drivers/hyperv/machinectl-hyperv.ps1

if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-vhd tests/unit/test-hyperv tests/unit/test-proc-child
endif
tests_unit_test_vhd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/hyperv
tests_unit_test_vhd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proc_child_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proc_child_LDADD = $(UNIT_LDADD)
tests_unit_test_vhd_LDADD = $(UNIT_LDADD)
tests_unit_test_hyperv_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/hyperv
tests_unit_test_hyperv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hyperv_LDADD = $(UNIT_LDADD)

# Through tests/fakes/powershell.exe (a stand-in for the shim, see its header).
CLI_TESTS += \
	tests/cli/t5001-hyperv-lifecycle.sh \
	tests/cli/t5002-hyperv-failures.sh \
	tests/cli/t5003-hyperv-vhd.sh \
	tests/cli/t5004-windows-env.sh \
	tests/cli/t5005-hyperv-real-tool.sh
EXTRA_DIST += tests/fakes/powershell.exe tests/fakes/wslpath tests/lib/hyperv-lib.sh tests/lib/ps-check.py \
	tests/data/hyperv-cmdlets.txt doc/hyperv.md doc/windows.md
