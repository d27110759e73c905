/* Fixed-size VHD writer.  See vhd.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "driver.h"
#include "hv-vhd.h"

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

void mc_vhd_chs(uint64_t total_sectors, struct mc_vhd_chs *g)
{
	uint64_t spt, heads, cth;

	if (total_sectors > MC_VHD_MAX_CHS_SECTORS)
		total_sectors = MC_VHD_MAX_CHS_SECTORS;
	if (total_sectors >= 65535ULL * 16 * 63) {
		spt = 255;
		heads = 16;
		cth = total_sectors / spt;
	} else {
		spt = 17;
		cth = total_sectors / spt;
		heads = (cth + 1023) / 1024;
		if (heads < 4)
			heads = 4;
		if (cth >= heads * 1024 || heads > 16) {
			spt = 31;
			heads = 16;
			cth = total_sectors / spt;
		}
		if (cth >= heads * 1024) {
			spt = 63;
			heads = 16;
			cth = total_sectors / spt;
		}
	}
	g->cylinders = (unsigned)(cth / heads);
	g->heads = (unsigned)heads;
	g->sectors = (unsigned)spt;
}

uint64_t mc_vhd_round_size(uint64_t size)
{
	uint64_t n = (size + 511) / 512;

	if (n == 0)
		n = 1;
	/* Grow one cylinder at a time until the geometry of n is exactly n; the
	 * geometry's regime changes a handful of times at most on the way. */
	for (int i = 0; i < 4096 && n < MC_VHD_MAX_CHS_SECTORS; i++) {
		struct mc_vhd_chs g;
		uint64_t track;

		mc_vhd_chs(n, &g);
		track = (uint64_t)g.heads * g.sectors;
		if ((uint64_t)g.cylinders * track == n)
			return n * 512;
		n = ((uint64_t)g.cylinders + 1) * track;
	}
	return n * 512;
}

uint32_t mc_vhd_checksum(const unsigned char footer[MC_VHD_FOOTER_SIZE])
{
	uint32_t sum = 0;

	for (size_t i = 0; i < MC_VHD_FOOTER_SIZE; i++)
		if (i < 64 || i >= 68)
			sum += footer[i];
	return ~sum;
}

void mc_vhd_footer(unsigned char f[MC_VHD_FOOTER_SIZE], uint64_t size, time_t when,
		   const unsigned char uuid[16])
{
	struct mc_vhd_chs g;
	long long stamp = (long long)when - MC_VHD_EPOCH;

	memset(f, 0, MC_VHD_FOOTER_SIZE);
	memcpy(f, MC_VHD_COOKIE, 8);                    /* cookie */
	put_be32(f + 8, 0x00000002);                     /* features: the reserved bit, always set */
	put_be32(f + 12, 0x00010000);                    /* file format version 1.0 */
	put_be64(f + 16, UINT64_MAX);                    /* data offset: none for a fixed disk */
	put_be32(f + 24, (uint32_t)(stamp > 0 ? stamp : 0)); /* timestamp */
	memcpy(f + 28, "mctl", 4);                       /* creator application */
	put_be32(f + 32, 0x00010000);                    /* creator version */
	memcpy(f + 36, "Wi2k", 4);                       /* creator host OS: the disk is for Hyper-V */
	put_be64(f + 40, size);                          /* original size */
	put_be64(f + 48, size);                          /* current size */
	mc_vhd_chs(size / 512, &g);
	put_be16(f + 56, (uint16_t)g.cylinders);         /* disk geometry */
	f[58] = (unsigned char)g.heads;
	f[59] = (unsigned char)g.sectors;
	put_be32(f + 60, 2);                             /* disk type: fixed */
	memcpy(f + 68, uuid, 16);                        /* unique id */
	f[84] = 0;                                       /* saved state */
	put_be32(f + 64, mc_vhd_checksum(f));
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int mc_vhd_write_fixed(const char *path, const void *data, size_t len, uint64_t size,
		       uint64_t *actual, struct mc_error *err)
{
	unsigned char footer[MC_VHD_FOOTER_SIZE], uuid[16];
	_cleanup_close_ int fd = -1;
	int r;

	size = mc_vhd_round_size(size < len ? len : size);
	if (size > (1ULL << 41))
		return mc_error_set(err, MC_E_INVALID,
				    "cannot make %s: %llu bytes is more than a VHD holds (2 TiB)", path,
				    (unsigned long long)size);
	if (getrandom(uuid, sizeof(uuid), 0) != (ssize_t)sizeof(uuid))
		return mc_error_errno(err, errno, "cannot make a unique id for %s", path);
	uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40);  /* RFC 4122 version 4 */
	uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);
	mc_vhd_footer(footer, size, time(NULL), uuid);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot create the disk image %s", path);
	/* ftruncate first, so the zeros between the data and the footer are holes. */
	if (ftruncate(fd, (off_t)(size + MC_VHD_FOOTER_SIZE)) < 0)
		r = -errno;
	else if ((r = write_all(fd, data, len, 0)) == 0 &&
		 (r = write_all(fd, footer, sizeof(footer), (off_t)size)) == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return mc_error_errno(err, -r, "cannot write the disk image %s", path);
	}
	if (actual)
		*actual = size;
	return 0;
}
