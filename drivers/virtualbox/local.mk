# The virtualbox driver (issue 8): built in (it only runs VBoxManage).
libmccore_la_SOURCES += \
	drivers/virtualbox/virtualbox.c \
	drivers/virtualbox/vbox-parse.c \
	drivers/virtualbox/vbox.h

if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test-virtualbox
endif
tests_unit_test_virtualbox_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/drivers/virtualbox
tests_unit_test_virtualbox_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_virtualbox_LDADD = $(UNIT_LDADD)

# CLI tests against tests/fakes/VBoxManage (python3).
CLI_TESTS += \
	tests/cli/t4001-virtualbox-lifecycle.sh \
	tests/cli/t4002-virtualbox-failures.sh \
	tests/cli/t4003-virtualbox-real-tool.sh
EXTRA_DIST += tests/fakes/VBoxManage tests/fakes/vbox-lib.sh doc/virtualbox.md
