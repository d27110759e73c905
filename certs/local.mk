# TLS certificates and the Docker Engine API client (issue 3).
# Append to libmccore_la_SOURCES, machinectl_SOURCES, UNIT_TESTS (inside `if HAVE_CMOCKA`),
# CLI_TESTS and check_PROGRAMS here.
libmccore_la_SOURCES += certs/certs.c certs/certs.h src/engine.c src/engine.h
machinectl_SOURCES += src/cmd/certs.c

# A loopback HTTPS peer that speaks enough of the Docker API (tests and benchmarks).
check_PROGRAMS += tests/lib/tls-fixture
tests_lib_tls_fixture_SOURCES = tests/lib/tls-fixture.c
tests_lib_tls_fixture_LDADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)
# Test certificates made with certs/ (back-dated ones too, which `openssl x509` cannot make).
check_PROGRAMS += tests/lib/tls-mkcert
tests_lib_tls_mkcert_SOURCES = tests/lib/tls-mkcert.c
tests_lib_tls_mkcert_LDADD = libmccore.la

if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-certs tests/unit/test-engine
endif
tests_unit_test_certs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_certs_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
tests_unit_test_engine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_engine_LDADD = $(UNIT_LDADD)

CLI_TESTS += \
	tests/cli/t1001-certs-files.sh \
	tests/cli/t1002-engine-fixture.sh \
	tests/cli/t1003-tls-refusals.sh \
	tests/cli/t1004-ls-many.sh \
	tests/cli/t1005-regenerate-certs.sh \
	tests/cli/t1006-tls-resume.sh
EXTRA_DIST += tests/lib/tls-lib.sh tests/bench/bench-certs.sh doc/tls.md
