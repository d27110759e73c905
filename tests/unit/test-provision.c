/* src/provision.c: what the guest's detect output says. */
#include "unit.h"

#include "provision.h"

#define MOS "NAME=machinectl-os\nVERSION=0.1.0\nBUILD_DATE=20261127\n"
#define DEBIAN "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"

static void detect_guests(void **state)
{
	static const struct {
		const char *out, *name;
		enum mc_guest_os os;
	} cases[] = {
		{ MOS "PROVISION=1\n\n---\n" DEBIAN, "machinectl-os 0.1.0", MC_GUEST_MACHINECTL_OS },
		{ MOS "\n---\n" DEBIAN, "machinectl-os 0.1.0", MC_GUEST_MACHINECTL_OS },
		{ "\n---\nID=boot2docker\nVERSION_ID=19.03.12\n", "boot2docker 19.03.12", MC_GUEST_BOOT2DOCKER },
		{ "\n---\n" DEBIAN, "debian 12", MC_GUEST_SYSTEMD_DEBIAN },
		{ "\n---\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "linuxmint", MC_GUEST_SYSTEMD_DEBIAN },
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(cases); i++) {
		struct mc_error err = { 0 };
		enum mc_guest_os os;
		_cleanup_free_ char *name = NULL;

		assert_int_equal(mc_provision_detect(cases[i].out, &os, &name, &err), 0);
		assert_int_equal(os, cases[i].os);
		assert_string_equal(name, cases[i].name);
	}
	{
		struct mc_error err = { 0 };
		enum mc_guest_os os;
		char *name = NULL;

		assert_int_equal(mc_provision_detect("\n---\nID=fedora\n", &os, &name, &err), -1);
		assert_int_equal(err.code, MC_E_UNSUPPORTED);
		assert_non_null(strstr(err.msg, "ID=fedora"));
		assert_null(name);
	}
}

/* Only the machine OS's own part (before ---) can ask for the one-step
 * provisioning, and only with PROVISION=1 (scripts/iso's provision script). */
static void one_step_only_when_the_guest_has_it(void **state)
{
	assert_true(mc_provision_one_step(MOS "PROVISION=1\n\n---\n" DEBIAN));
	assert_true(mc_provision_one_step("PROVISION=1\n\n---\n"));
	assert_false(mc_provision_one_step(MOS "\n---\n" DEBIAN));
	assert_false(mc_provision_one_step(MOS "PROVISION=2\n\n---\n" DEBIAN));
	assert_false(mc_provision_one_step(MOS "PROVISION=10\n\n---\n" DEBIAN));
	assert_false(mc_provision_one_step("\n---\nPROVISION=1\nID=debian\n"));
	assert_false(mc_provision_one_step(MOS "PROVISION=1\n"));   /* no separator */
	assert_false(mc_provision_one_step(""));
}

/* The installed files follow the "--- installed" line, byte for byte
 * (empty when the guest has none); without the line there is nothing. */
static void installed_part(void **state)
{
	(void)state;
	assert_string_equal(mc_provision_installed(MOS "PROVISION=1\n\n---\n" DEBIAN "\n--- installed\nCERT\nEXTRA_ARGS=''\n"),
			    "CERT\nEXTRA_ARGS=''\n");
	assert_string_equal(mc_provision_installed(MOS "PROVISION=1\n\n---\n" DEBIAN "\n--- installed\n"), "");
	assert_null(mc_provision_installed(MOS "PROVISION=1\n\n---\n" DEBIAN));
	assert_null(mc_provision_installed("--- installed\nX"));   /* not a line of its own */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detect_guests),
		cmocka_unit_test(one_step_only_when_the_guest_has_it),
		cmocka_unit_test(installed_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
