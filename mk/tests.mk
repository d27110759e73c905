# mk/tests.mk - every test: cmocka unit tests (tests/unit), numbered CLI tests
# that run the real binary (tests/cli/tNNNN-*.sh, TAP, registered by their
# name: a new file there is a new test), real-VM tests (tests/e2e), the fuzz
# targets, valgrind, and the fixtures and plugins the tests use.
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
# ASan's intercept_tls_get_addr=0: GCC 12's LeakSanitizer otherwise crashed at
# exit ("Tracer caught signal 11", a garbage dynamic-TLS range) after lazily
# loaded libraries with TLS (libssh's Kerberos) joined a process linked with
# libssl.
AM_TESTS_ENVIRONMENT = \
	MC_BIN='$(abs_top_builddir)/machinectl'; export MC_BIN; \
	MC_SRCDIR='$(abs_top_srcdir)'; export MC_SRCDIR; \
	MC_BUILDDIR='$(abs_top_builddir)'; export MC_BUILDDIR; \
	MACHINECTL_DRIVER_PATH='$(abs_top_builddir)/tests/.libs:$(abs_top_builddir)/drivers/libvirt/.libs'; export MACHINECTL_DRIVER_PATH; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS;

# --- unit tests: tests/unit/test-NAME.c, linked with the core library ---
UNIT_TESTS = \
	tests/unit/test-certs tests/unit/test-config tests/unit/test-console tests/unit/test-engine \
	tests/unit/test-gen tests/unit/test-hyperv tests/unit/test-iso tests/unit/test-machine \
	tests/unit/test-opts tests/unit/test-proc tests/unit/test-proc-child tests/unit/test-provision \
	tests/unit/test-ssh tests/unit/test-store tests/unit/test-swarm tests/unit/test-template \
	tests/unit/test-userdata tests/unit/test-util tests/unit/test-vhd tests/unit/test-virtualbox
if HAVE_LIBVIRT
UNIT_TESTS += tests/unit/test-libvirt
endif
if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
LDADD = libmccore.la $(CMOCKA_LIBS)
EXTRA_DIST += tests/unit/unit.h tests/unit/fixture.h
# What some of them need beyond that:
tests_unit_test_certs_LDADD = $(LDADD) $(OPENSSL_LIBS)
tests_unit_test_iso_CPPFLAGS = $(AM_CPPFLAGS) -DMC_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_iso_LDADD = $(LDADD) $(OPENSSL_LIBS)
# failures injected at poll, read and pipe2 (the descriptor-leak test)
tests_unit_test_proc_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=poll,--wrap=read,--wrap=pipe2
tests_unit_test_hyperv_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/hyperv
tests_unit_test_vhd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/hyperv
tests_unit_test_virtualbox_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/virtualbox
# The module's sources linked into the test: the lifecycle runs in one process
# against libvirt's test:///default (its state does not outlive a process).
tests_unit_test_libvirt_SOURCES = tests/unit/test-libvirt.c $(LV_MODULE_SOURCES)
tests_unit_test_libvirt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/libvirt
tests_unit_test_libvirt_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS)
tests_unit_test_libvirt_LDADD = $(LDADD) $(LIBVIRT_LIBS)

# --- CLI tests: every tests/cli/tNNNN-*.sh (mk/found.mk) ---
EXTRA_DIST += tests/golden tests/lib tests/fakes tests/data mk/found.mk
if HAVE_LIBVIRT
MC_WITH_LIBVIRT = yes
endif
# GNU make reads mk/found.mk itself (automake would take its functions for
# test names): the lists of tests found by their names.
-include $(srcdir)/mk/found.mk

# The fixtures the CLI tests start: a loopback HTTPS peer that speaks enough of
# the Docker API, and certificates made with certs/ (back-dated ones too,
# which `openssl x509` cannot make).
check_PROGRAMS += tests/lib/tls-fixture tests/lib/tls-mkcert
tests_lib_tls_fixture_SOURCES = tests/lib/tls-fixture.c
tests_lib_tls_fixture_LDADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)
tests_lib_tls_mkcert_SOURCES = tests/lib/tls-mkcert.c

# The test driver plugin; a copy built with a wrong ABI number; one whose
# flag declares its values (t6008).
check_LTLIBRARIES += tests/machinectl-driver-test.la tests/machinectl-driver-badabi.la \
	tests/machinectl-driver-facts.la
TESTDRV_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_machinectl_driver_test_la_SOURCES = tests/lib/driver-test.c
tests_machinectl_driver_test_la_CPPFLAGS = $(AM_CPPFLAGS) -DTESTDRV_NAME='"test"'
tests_machinectl_driver_test_la_LDFLAGS = $(TESTDRV_LDFLAGS)
tests_machinectl_driver_test_la_LIBADD = $(JANSSON_LIBS)
tests_machinectl_driver_badabi_la_SOURCES = tests/lib/driver-test.c
tests_machinectl_driver_badabi_la_CPPFLAGS = $(AM_CPPFLAGS) -DTESTDRV_NAME='"badabi"' -DTESTDRV_ABI=999
tests_machinectl_driver_badabi_la_LDFLAGS = $(TESTDRV_LDFLAGS)
tests_machinectl_driver_badabi_la_LIBADD = $(JANSSON_LIBS)
tests_machinectl_driver_facts_la_SOURCES = tests/lib/driver-test.c
tests_machinectl_driver_facts_la_CPPFLAGS = $(AM_CPPFLAGS) -DTESTDRV_NAME='"facts"' -DTESTDRV_FACTS
tests_machinectl_driver_facts_la_LDFLAGS = $(TESTDRV_LDFLAGS)
tests_machinectl_driver_facts_la_LIBADD = $(JANSSON_LIBS)

# --- real VMs: every tests/e2e/*.sh but the libraries and the benchmark ---
# (root, QEMU/libvirt inside network namespaces the tests create; the boot
# ISO is built or reused by scripts/build-iso, one build at a time).  At most
# two VMs boot at once (booting is CPU-bound under TCG): the tests that boot
# one VM at a time run two side by side, the longest first (E2E_LONG, in that
# order); the tutorial, which boots two at once, runs alone after them.
EXTRA_DIST += tests/e2e scripts/setup scripts/test scripts/demo
E2E_SOLO = tests/e2e/tutorial.sh
E2E_LONG = tests/e2e/libvirt-lifecycle.sh tests/e2e/iso-boot.sh tests/e2e/iso-guests.sh \
	tests/e2e/installed-release.sh
E2E_PAIRED = $(foreach t,$(E2E_LONG),$(filter $(t),$(E2E_TESTS))) \
	$(filter-out $(E2E_SOLO) $(E2E_LONG),$(E2E_TESTS))
.PHONY: check-e2e
check-e2e: all
	@rc=0; \
	$(MAKE) $(AM_MAKEFLAGS) -j2 check TESTS='$(E2E_PAIRED)' || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) -j1 check TESTS='$(filter $(E2E_SOLO),$(E2E_TESTS))' || rc=1; \
	exit $$rc

# --- fuzzing: tests/fuzz/fuzz-NAME.c over the core's sources (doc/testing.md) ---
#   make fuzz            build the libFuzzer targets with clang
#                        -fsanitize=fuzzer,address,undefined and run each for
#                        FUZZ_SECONDS (default 10)
#   make check-fuzz      CI: replay the committed seeds, then FUZZ_CHECK_SECONDS
#                        (default 5) of fuzzing per target
# The fuzz build is separate from the program's (its own objects in fuzz/,
# compiled by $(FUZZ_CC)); it needs clang and libclang-rt-14-dev (scripts/setup).
FUZZ_CC = clang
FUZZ_SECONDS = 10
FUZZ_CHECK_SECONDS = 5
FUZZ_ENV = FUZZ_CC='$(FUZZ_CC)' FUZZ_SRCDIR='$(abs_top_srcdir)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	FUZZ_CPPFLAGS='$(DEFS) -I$(abs_top_builddir) -I$(abs_top_srcdir)/src -I$(abs_top_srcdir)/src/ops -I$(abs_top_srcdir)/drivers \
	-I$(abs_top_srcdir)/certs -I$(abs_top_srcdir)/drivers/virtualbox -I$(abs_top_srcdir)/drivers/hyperv \
	-DMC_DRIVERDIR="\"$(pkgdriverdir)\"" -DMC_PKGDATADIR="\"$(pkgdatadir)\"" -std=gnu11 -pthread \
	$(WARN_CFLAGS) -Wno-format-nonliteral -Wno-unused-function $(JANSSON_CFLAGS) $(INIH_CFLAGS) $(OPENSSL_CFLAGS) $(LIBCURL_CFLAGS) $(LIBSSH_CFLAGS)' \
	FUZZ_LIBS='$(JANSSON_LIBS) $(INIH_LIBS) $(OPENSSL_LIBS) $(LIBCURL_LIBS) $(LIBSSH_LIBS) -pthread' \
	FUZZ_CORE='$(libmccore_la_SOURCES)'
FUZZ_SH = $(FUZZ_ENV) $(SHELL) $(abs_top_srcdir)/tests/fuzz/fuzz.sh

.PHONY: fuzz fuzz-build check-fuzz
fuzz-build: buildconf.h
	@$(FUZZ_SH) build
fuzz: fuzz-build
	@$(FUZZ_SH) run $(FUZZ_SECONDS)
check-fuzz: fuzz-build
	@$(FUZZ_SH) replay && $(FUZZ_SH) run $(FUZZ_CHECK_SECONDS)
EXTRA_DIST += tests/fuzz

# --- valgrind memcheck over the foundation CLI tests ---
# `make check-valgrind MC_VALGRIND=1` in a build configured WITHOUT
# --enable-sanitizers: MC_BIN becomes tests/fuzz/valgrind-mc.sh, which runs
# the binary under memcheck (exit 99 on any error or definite leak); the
# reports of failing runs stay in tests/valgrind-logs/.
VALGRIND_TESTS = \
	tests/cli/t0001-basics.sh \
	tests/cli/t0002-none-driver.sh \
	tests/cli/t0003-lifecycle.sh \
	tests/cli/t0004-ls.sh \
	tests/cli/t0005-bad-input.sh \
	tests/cli/t0006-concurrency.sh \
	tests/cli/t0007-config-ini.sh \
	tests/cli/t0008-migration.sh
AM_TESTS_ENVIRONMENT += \
	if test -n "$$MC_VALGRIND"; then \
		MC_VALGRIND_BIN='$(abs_top_builddir)/machinectl'; export MC_VALGRIND_BIN; \
		MC_VALGRIND_LOG='$(abs_top_builddir)/tests/valgrind-logs'; export MC_VALGRIND_LOG; \
		mkdir -p "$$MC_VALGRIND_LOG"; \
		MC_BIN='$(abs_top_srcdir)/tests/fuzz/valgrind-mc.sh'; export MC_BIN; \
	fi;
.PHONY: check-valgrind
check-valgrind: all
	@if test -n '$(SAN_CFLAGS)'; then \
		echo "check-valgrind: this build has sanitizers; configure another build dir without --enable-sanitizers"; exit 1; fi
	@rm -rf tests/valgrind-logs
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(VALGRIND_TESTS)' MC_VALGRIND=1
	@find tests/valgrind-logs -name "vg.*.log" -empty -delete 2>/dev/null; \
	if test -n "`ls tests/valgrind-logs/vg.*.log 2>/dev/null`"; then \
		echo "check-valgrind: reports in tests/valgrind-logs:"; head -n 40 tests/valgrind-logs/vg.*.log; exit 1; fi
