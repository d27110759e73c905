# swarm-up / swarm-down error cases and ls's SWARM column, against
# tests/lib/tls-fixture (a stateful fake of dockerd's swarm API; certs/local.mk
# builds it).  See doc/swarm.md.
CLI_TESTS += \
	tests/cli/t7001-swarm-up.sh \
	tests/cli/t7002-swarm-errors.sh \
	tests/cli/t7003-ls-swarm.sh \
	tests/cli/t7004-swarm-create.sh
EXTRA_DIST += doc/swarm.md tests/lib/swarm-lib.sh

# swarm.c against the same fixture.
if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-swarm
endif
tests_unit_test_swarm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_swarm_LDADD = $(UNIT_LDADD)
