# mk/fuzz.mk - reliability and security tests (issue 11); included at the end
# of Makefile.am.  See doc/testing.md, "Reliability and security".
#
#   make fuzz            build the libFuzzer targets (tests/fuzz/fuzz-*.c) with
#                        clang -fsanitize=fuzzer,address,undefined and run each
#                        for FUZZ_SECONDS (default 10)
#   make check-fuzz      CI: replay the committed seeds, then FUZZ_CHECK_SECONDS
#                        (default 5) of fuzzing per target
#   make check-valgrind  the foundation CLI tests (t0001-t0008) with the binary
#                        under valgrind memcheck (a build without sanitizers)
#
# The fuzz build is separate from the program's (its own objects in fuzz/,
# compiled by $(FUZZ_CC)); it needs clang and libclang-rt-14-dev (scripts/setup).

FUZZ_CC = clang
FUZZ_SECONDS = 10
FUZZ_CHECK_SECONDS = 5
FUZZ_TARGETS = machine-json config-ini template filter scp-spec vbox hyperv engine-reply pem provision
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

# --- crash safety, concurrency, security (tests/cli/t8xxx) ---
CLI_TESTS += \
	tests/cli/t8001-crash.sh \
	tests/cli/t8002-concurrency-50.sh \
	tests/cli/t8003-security.sh

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
