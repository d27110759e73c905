/*
 * Fixed-size VHD images (Microsoft's Virtual Hard Disk Image Format
 * Specification, v1.0): the raw disk data followed by one 512-byte footer.
 *
 * The hyperv driver writes the boot2docker data disk this way (the userdata
 * tar at offset 0) and has Hyper-V convert it to a dynamic disk; a fixed VHD
 * needs no block allocation table, so it is simple to write correctly, and
 * the file is sparse (only the tar and the footer take space).
 */
#ifndef MC_VHD_H
#define MC_VHD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "driver.h"

#define MC_VHD_FOOTER_SIZE 512
#define MC_VHD_COOKIE "conectix"
/* Seconds from the Unix epoch to the VHD epoch, 2000-01-01 00:00:00 UTC. */
#define MC_VHD_EPOCH 946684800LL
/* The largest CHS geometry: 65535 cylinders, 16 heads, 255 sectors per track. */
#define MC_VHD_MAX_CHS_SECTORS (65535ULL * 16 * 255)

struct mc_vhd_chs {
	unsigned cylinders, heads, sectors;  /* sectors per track */
};

/* The CHS geometry of a disk of total_sectors 512-byte sectors, by the
 * spec's algorithm (Appendix, "CHS Calculation"). */
void mc_vhd_chs(uint64_t total_sectors, struct mc_vhd_chs *g);

/* The smallest size >= size (bytes) that its own CHS geometry describes
 * exactly (cylinders x heads x sectors x 512), so every reader agrees on the
 * disk's size whether it uses the geometry or the size field.  Beyond the
 * largest geometry: size rounded up to a sector. */
uint64_t mc_vhd_round_size(uint64_t size);

/* Fill footer for a fixed disk of size bytes (a multiple of 512), made at
 * `when` (Unix time) with unique id uuid; the checksum is set. */
void mc_vhd_footer(unsigned char footer[MC_VHD_FOOTER_SIZE], uint64_t size, time_t when,
		   const unsigned char uuid[16]);

/* The footer's checksum: the one's complement of the sum of its bytes, the
 * checksum field (bytes 64-67) excluded. */
uint32_t mc_vhd_checksum(const unsigned char footer[MC_VHD_FOOTER_SIZE]);

/* Create PATH (which must not exist) as a fixed VHD of at least size bytes
 * (rounded with mc_vhd_round_size) whose data starts with data[0..len).  The
 * file is sparse.  *actual (optional) receives the disk size.  On failure
 * nothing is left behind. */
int mc_vhd_write_fixed(const char *path, const void *data, size_t len, uint64_t size,
		       uint64_t *actual, struct mc_error *err);

#endif
