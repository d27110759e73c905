# TLS certificates and the Docker Engine API client (issue 3).
# Append to libmccore_la_SOURCES, machinectl_SOURCES, UNIT_TESTS (inside `if HAVE_CMOCKA`),
# CLI_TESTS and check_PROGRAMS here.
