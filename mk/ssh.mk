# SSH layer, ssh/scp/mount verbs and the generic driver (issue 4).
# Append to libmccore_la_SOURCES, machinectl_SOURCES, UNIT_TESTS (inside `if HAVE_CMOCKA`),
# CLI_TESTS and check_PROGRAMS here.
libmccore_la_SOURCES += src/ssh.c src/ssh.h src/ssh-internal.h src/ssh-copy.c \
	drivers/generic/generic.c
machinectl_SOURCES += src/cmd/ssh-scp.c

if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-ssh
endif
tests_unit_test_ssh_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ssh_LDADD = $(UNIT_LDADD)

# Against a real OpenSSH sshd on 127.0.0.1 (tests/lib/sshd-fixture.sh).
CLI_TESTS += \
	tests/cli/t2001-ssh-keys-generic.sh \
	tests/cli/t2002-ssh-exec.sh \
	tests/cli/t2003-scp.sh \
	tests/cli/t2004-ssh-hostkey-pin.sh \
	tests/cli/t2005-ssh-pty.sh \
	tests/cli/t2006-mount.sh \
	tests/cli/t2007-ssh-api.sh \
	tests/cli/t2008-ssh-endpoint-checks.sh
EXTRA_DIST += tests/lib/sshd-fixture.sh tests/bench/bench-ssh.sh doc/ssh.md
