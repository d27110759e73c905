/*
 * config.ini (mc_config_load, src/config.c, on inih).  The input is written
 * to a memfd and loaded through its /proc/self/fd path, as a file would be.
 */
#define _GNU_SOURCE
#include "buildconf.h"

#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_error err = { 0 };
	struct mc_config *c = NULL;
	static const char *const flags[] = { "virtualbox-memory", "libvirt-cpu-count", "iso",
					     "hyperv-disk-size", "libvirt-network", "x" };

	if (fd < 0) {
		fd = memfd_create("config.ini", MFD_CLOEXEC);
		FUZZ_ASSERT(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_ASSERT(ftruncate(fd, 0) == 0);
	FUZZ_ASSERT(pwrite(fd, data, size, 0) == (ssize_t)size);
	if (mc_config_load(path, &c, &err) < 0) {
		FUZZ_ASSERT(c == NULL && err.msg[0]);
		return 0;
	}
	(void)mc_config_get(c, "defaults", "driver");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *v = mc_config_driver_flag(c, "libvirt", flags[i], NULL);

		if (v)
			(void)strlen(v);
	}
	mc_config_free(c);
	return 0;
}
