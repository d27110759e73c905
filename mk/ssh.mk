# SSH layer, ssh/scp/mount verbs and the generic driver (issue 4).
# Append to libmccore_la_SOURCES, machinectl_SOURCES, UNIT_TESTS (inside `if HAVE_CMOCKA`),
# CLI_TESTS and check_PROGRAMS here.
