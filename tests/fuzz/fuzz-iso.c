/*
 * ISO 9660 images (src/iso-boot.c, src/iso.c): a boot ISO is a user's file
 * or a download.  Direct kernel boot reads its /isolinux/isolinux.cfg and
 * copies out the kernel and initrd the default label names
 * (mc_iso_boot_files); the machine OS's features come from its
 * /machinectl-os-release (mc_iso_os_features); the volume ID from the
 * primary volume descriptor (mc_iso_volume_id).  Input: the image from
 * sector 16 (that descriptor) on; sectors 0-15, the system area nothing
 * reads, are zeros.  Seeds (corpus/iso): two images of seven sectors (the
 * descriptor, /, /isolinux, /machinectl-os-release, /vmlinuz, /initrd.img,
 * /isolinux/isolinux.cfg), one with DEFAULT and two labels, one with
 * initrd= in APPEND and CRLF lines.
 */
#include "buildconf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "iso.h"
#include "util.h"

#define SYSTEM_AREA (16 * 2048)

static char *dir, *image, *cache;
static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void cleanup(void)
{
	mc_rm_rf(dir, NULL);
}

static off_t file_size(const char *path)
{
	struct stat st;

	FUZZ_ASSERT(stat(path, &st) == 0);
	return st.st_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char zeros[SYSTEM_AREA];
	struct mc_iso_boot boot;
	struct mc_error err = { 0 };
	char *features = NULL, *vid = NULL;
	int fd;

	if (!dir) {
		char tmpl[] = "/tmp/mc-fuzz-iso.XXXXXX";

		FUZZ_ASSERT(mkdtemp(tmpl));
		dir = mc_strdup(tmpl);
		image = mc_path_join(dir, "image.iso");
		cache = mc_path_join(dir, "cache");
		atexit(cleanup);
	}
	fd = open(image, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, zeros, sizeof(zeros)) == (ssize_t)sizeof(zeros));
	FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
	FUZZ_ASSERT(close(fd) == 0);

	if (mc_iso_volume_id(image, &vid, &err) == 0) {
		FUZZ_ASSERT(strlen(vid) <= 32);
		free(vid);
	}
	if (mc_iso_os_features(image, &features, &err) == 0) {
		FUZZ_ASSERT(features && !strchr(features, '\n'));
		free(features);
	}
	if (mc_iso_boot_files(dir, image, sha, &boot, &err) == 0 && boot.kernel) {
		/* What direct kernel boot hands the hypervisor: two files that
		 * lie inside the image, one line of command line. */
		FUZZ_ASSERT(boot.initrd && boot.cmdline && !strchr(boot.cmdline, '\n'));
		FUZZ_ASSERT(file_size(boot.kernel) > 0 && file_size(boot.kernel) <= (off_t)(SYSTEM_AREA + size));
		FUZZ_ASSERT(file_size(boot.initrd) <= (off_t)(SYSTEM_AREA + size));
		mc_iso_boot_clear(&boot);
	}
	mc_rm_rf(cache, NULL);
	return 0;
}
