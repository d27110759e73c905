# mk/found.mk - the tests found by their file names, read by GNU make (not
# automake, which would take these functions for test names): a new
# tests/cli/tNNNN-*.sh, tests/e2e/*.sh or tests/fuzz/fuzz-*.c is a new test.
# The longest first (t8001 takes over 3 minutes under ASan): make -j2 check
# then ends with two short tests, not one long one beside an idle job.
CLI_TESTS_LONG = tests/cli/t8001-crash.sh tests/cli/t8002-concurrency-50.sh tests/cli/t0012-engine-install-url.sh
CLI_TESTS_FOUND = $(sort $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/tests/cli/t[0-9][0-9][0-9][0-9]-*.sh)))
CLI_TESTS_ALL = $(filter $(CLI_TESTS_LONG),$(CLI_TESTS_FOUND)) $(filter-out $(CLI_TESTS_LONG),$(CLI_TESTS_FOUND))
ifeq ($(MC_WITH_LIBVIRT),yes)
CLI_TESTS = $(CLI_TESTS_ALL)
else
# without libvirt: no test that needs its module
CLI_TESTS = $(filter-out tests/cli/t3001-libvirt-test-uri.sh tests/cli/t3002-iso.sh \
	tests/cli/t3005-os-release.sh tests/cli/t3008-shares.sh,$(CLI_TESTS_ALL))
endif
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS_ALL)

# Real VMs: every tests/e2e/*.sh but its libraries, the boot benchmark and the
# swarm loop (run by hand: tests/e2e/swarm-loop.sh).
E2E_TESTS = $(filter-out tests/e2e/lib-% tests/e2e/iso-bench.sh tests/e2e/swarm-loop.sh,$(sort $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/tests/e2e/*.sh))))

FUZZ_TARGETS = $(sort $(patsubst $(srcdir)/tests/fuzz/fuzz-%.c,%,$(wildcard $(srcdir)/tests/fuzz/fuzz-*.c)))

# make distcheck's `make check`: the unit tests and the CLI tests that show the
# tarball is whole and works from a read-only source tree (the fixtures of
# tests/lib, the release server, the libvirt module, the docs and man pages,
# the sources the shape rules read, install), not the whole CLI suite again:
# scripts/test has run that already, under ASan+UBSan, and distcheck's second
# run cost 10 minutes of CI (doc/packaging.md, "CI time").  The whole suite:
#   make distcheck DISTCHECK_TESTS='$(TESTS)'
DISTCHECK_CLI_TESTS = \
	tests/cli/t0001-basics.sh \
	tests/cli/t0002-none-driver.sh \
	tests/cli/t1002-engine-fixture.sh \
	tests/cli/t2002-ssh-exec.sh \
	tests/cli/t3001-libvirt-test-uri.sh \
	tests/cli/t3005-os-release.sh \
	tests/cli/t6001-docs-agree.sh \
	tests/cli/t6002-man-lint.sh \
	tests/cli/t6005-install.sh \
	tests/cli/t6007-code-shape.sh
DISTCHECK_TESTS = $(UNIT_TESTS) $(filter $(DISTCHECK_CLI_TESTS),$(CLI_TESTS))
distcheck: AM_MAKEFLAGS += TESTS='$(DISTCHECK_TESTS)'
# A renamed or removed test must not drop out of distcheck unseen.
distcheck: distcheck-tests-exist
.PHONY: distcheck-tests-exist
distcheck-tests-exist:
	@missing='$(filter-out $(CLI_TESTS_ALL),$(DISTCHECK_CLI_TESTS))'; \
	test -z "$$missing" || { echo "mk/found.mk: DISTCHECK_CLI_TESTS names no test: $$missing"; exit 1; }
