# mk/found.mk - the tests found by their file names, read by GNU make (not
# automake, which would take these functions for test names): a new
# tests/cli/tNNNN-*.sh, tests/e2e/*.sh or tests/fuzz/fuzz-*.c is a new test.
CLI_TESTS_ALL = $(sort $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/tests/cli/t[0-9][0-9][0-9][0-9]-*.sh)))
ifeq ($(MC_WITH_LIBVIRT),yes)
CLI_TESTS = $(CLI_TESTS_ALL)
else
# without libvirt: no test that needs its module
CLI_TESTS = $(filter-out tests/cli/t3001-libvirt-test-uri.sh tests/cli/t3002-iso.sh \
	tests/cli/t3005-os-release.sh,$(CLI_TESTS_ALL))
endif
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS_ALL)

# Real VMs: every tests/e2e/*.sh but its libraries and the boot benchmark.
E2E_TESTS = $(filter-out tests/e2e/lib-% tests/e2e/iso-bench.sh,$(sort $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/tests/e2e/*.sh))))

FUZZ_TARGETS = $(sort $(patsubst $(srcdir)/tests/fuzz/fuzz-%.c,%,$(wildcard $(srcdir)/tests/fuzz/fuzz-*.c)))
