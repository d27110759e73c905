# Tests: cmocka unit tests, numbered CLI shell tests (TAP), the test driver plugin.
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
AM_TESTS_ENVIRONMENT = \
	MC_BIN='$(abs_top_builddir)/machinectl'; export MC_BIN; \
	MC_SRCDIR='$(abs_top_srcdir)'; export MC_SRCDIR; \
	MC_BUILDDIR='$(abs_top_builddir)'; export MC_BUILDDIR; \
	MACHINECTL_DRIVER_PATH='$(abs_top_builddir)/tests/.libs:$(abs_top_builddir)/drivers/libvirt/.libs'; export MACHINECTL_DRIVER_PATH; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS;

# The test driver plugin, and a copy built with a wrong ABI number.
check_LTLIBRARIES += tests/machinectl-driver-test.la tests/machinectl-driver-badabi.la
tests_machinectl_driver_test_la_SOURCES = tests/lib/driver-test.c
tests_machinectl_driver_test_la_CPPFLAGS = $(AM_CPPFLAGS) -DTESTDRV_NAME='"test"'
tests_machinectl_driver_test_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_machinectl_driver_test_la_LIBADD = $(JANSSON_LIBS)
tests_machinectl_driver_badabi_la_SOURCES = tests/lib/driver-test.c
tests_machinectl_driver_badabi_la_CPPFLAGS = $(AM_CPPFLAGS) -DTESTDRV_NAME='"badabi"' -DTESTDRV_ABI=999
tests_machinectl_driver_badabi_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_machinectl_driver_badabi_la_LIBADD = $(JANSSON_LIBS)

UNIT_TESTS = \
	tests/unit/test-config \
	tests/unit/test-machine \
	tests/unit/test-opts \
	tests/unit/test-proc \
	tests/unit/test-provision \
	tests/unit/test-store \
	tests/unit/test-template \
	tests/unit/test-util
if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = libmccore.la $(CMOCKA_LIBS)
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_machine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_machine_LDADD = $(UNIT_LDADD)
tests_unit_test_opts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_opts_LDADD = $(UNIT_LDADD)
tests_unit_test_proc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proc_LDADD = $(UNIT_LDADD)
# Failures injected at poll, read and pipe2 (the descriptor-leak test).
tests_unit_test_proc_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=poll,--wrap=read,--wrap=pipe2
tests_unit_test_provision_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_provision_LDADD = $(UNIT_LDADD)
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_template_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_template_LDADD = $(UNIT_LDADD)
tests_unit_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_util_LDADD = $(UNIT_LDADD)

CLI_TESTS = \
	tests/cli/t0001-basics.sh \
	tests/cli/t0002-none-driver.sh \
	tests/cli/t0003-lifecycle.sh \
	tests/cli/t0004-ls.sh \
	tests/cli/t0005-bad-input.sh \
	tests/cli/t0006-concurrency.sh \
	tests/cli/t0007-config-ini.sh \
	tests/cli/t0008-migration.sh \
	tests/cli/t0009-store-permissions.sh \
	tests/cli/t0010-store-leftovers.sh \
	tests/cli/t0011-terminal-safety.sh \
	tests/cli/t0012-engine-install-url.sh \
	tests/cli/t3003-upgrade.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/golden tests/lib/cli-lib.sh tests/lib/netns.sh tests/unit/unit.h tests/unit/fixture.h

# Real VMs (root, QEMU/libvirt inside network namespaces the tests create;
# the boot ISO is built or reused by scripts/build-iso).  One at a time:
# each test boots at most two VMs, and booting is CPU-bound under TCG.
E2E_TESTS = \
	tests/e2e/iso-boot.sh \
	tests/e2e/iso-cidata.sh \
	tests/e2e/libvirt-lifecycle.sh \
	tests/e2e/libvirt-remote.sh \
	tests/e2e/tutorial.sh \
	tests/e2e/demo.sh
EXTRA_DIST += $(E2E_TESTS) tests/e2e/lib-libvirtd.sh tests/e2e/lib-image.sh tests/e2e/swarm-loop.sh scripts/setup scripts/test scripts/demo
.PHONY: check-e2e
check-e2e: all
	$(MAKE) $(AM_MAKEFLAGS) -j1 check TESTS='$(E2E_TESTS)'

# Reliability and security (issue 11; t8001-t8003 are in mk/fuzz.mk).
CLI_TESTS += \
	tests/cli/t8004-hostile-strings.sh \
	tests/cli/t8005-interrupt-pty.sh
EXTRA_DIST += tests/lib/guest-fixture.sh tests/lib/shell-rules.py
