/* src/vhd.c: the fixed VHD footer, its CHS geometry, and the files qemu-img reads. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "userdata.h"
#include "hv-vhd.h"

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A disk image whole (malloc'd): larger than mc_read_file takes. */
static char *read_image(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = mc_malloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		assert_true(r > 0);
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static void chs_follows_the_spec(void **state)
{
	struct mc_vhd_chs g;

	/* Small disks: 17 sectors per track, at least 4 heads. */
	mc_vhd_chs(20480, &g);   /* 10 MiB */
	assert_int_equal(g.sectors, 17);
	assert_int_equal(g.heads, 4);
	assert_int_equal(g.cylinders, 301);
	/* 1 GiB: 63 sectors, 16 heads. */
	mc_vhd_chs(2097152, &g);
	assert_int_equal(g.sectors, 63);
	assert_int_equal(g.heads, 16);
	assert_int_equal(g.cylinders, 2080);
	/* From 65535*16*63 sectors on: 255 sectors per track. */
	mc_vhd_chs(65535ULL * 16 * 63, &g);
	assert_int_equal(g.sectors, 255);
	assert_int_equal(g.heads, 16);
	/* Capped at the largest geometry. */
	mc_vhd_chs(MC_VHD_MAX_CHS_SECTORS * 4, &g);
	assert_int_equal(g.cylinders, 65535);
	assert_int_equal(g.heads, 16);
	assert_int_equal(g.sectors, 255);
}

static void rounded_sizes_are_exact_geometries(void **state)
{
	static const uint64_t mb[] = { 1, 3, 10, 64, 100, 1000, 4096, 20000, 65536, 130000 };

	for (size_t i = 0; i < MC_ARRAY_SIZE(mb); i++) {
		uint64_t want = mb[i] << 20, got = mc_vhd_round_size(want);
		struct mc_vhd_chs g;

		assert_true(got >= want);
		assert_int_equal(got % 512, 0);
		/* Never more than one cylinder of the largest kind over. */
		assert_true(got - want <= 16ULL * 255 * 512 * 2);
		mc_vhd_chs(got / 512, &g);
		assert_int_equal((uint64_t)g.cylinders * g.heads * g.sectors * 512, got);
		assert_int_equal(mc_vhd_round_size(got), got);
	}
	/* Beyond the largest geometry: sectors only. */
	assert_int_equal(mc_vhd_round_size(200ULL << 30), 200ULL << 30);
}

static void footer_fields(void **state)
{
	unsigned char f[MC_VHD_FOOTER_SIZE], uuid[16];
	uint64_t size = mc_vhd_round_size(10ULL << 20);
	uint32_t sum = 0;

	for (int i = 0; i < 16; i++)
		uuid[i] = (unsigned char)(i * 17);
	mc_vhd_footer(f, size, (time_t)(MC_VHD_EPOCH + 1234), uuid);
	assert_memory_equal(f, "conectix", 8);
	assert_int_equal(be(f + 8, 4), 2);
	assert_int_equal(be(f + 12, 4), 0x00010000);
	assert_true(be(f + 16, 8) == UINT64_MAX);
	assert_int_equal(be(f + 24, 4), 1234);
	assert_memory_equal(f + 28, "mctl", 4);
	assert_memory_equal(f + 36, "Wi2k", 4);
	assert_int_equal(be(f + 40, 8), size);
	assert_int_equal(be(f + 48, 8), size);
	assert_int_equal(be(f + 56, 2) * f[58] * f[59] * 512, size);
	assert_int_equal(be(f + 60, 4), 2);
	assert_memory_equal(f + 68, uuid, 16);
	assert_int_equal(f[84], 0);
	for (int i = 85; i < 512; i++)
		assert_int_equal(f[i], 0);
	/* One's complement of the byte sum without the checksum field. */
	for (int i = 0; i < 512; i++)
		if (i < 64 || i >= 68)
			sum += f[i];
	assert_int_equal(be(f + 64, 4), (uint32_t)~sum);
	assert_int_equal(mc_vhd_checksum(f), be(f + 64, 4));
}

static void writes_a_sparse_file_with_the_data_first(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *path = mc_path_join(dir, "fixed.vhd"), *buf = NULL;
	struct mc_error err = { 0 };
	uint64_t actual = 0;
	struct stat st;
	size_t len;

	assert_int_equal(mc_vhd_write_fixed(path, "hello", 5, 64ULL << 20, &actual, &err), 0);
	assert_int_equal(actual, mc_vhd_round_size(64ULL << 20));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, actual + 512);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Sparse: far less allocated than the disk's size. */
	assert_true((uint64_t)st.st_blocks * 512 < actual / 4);
	buf = read_image(path, &len);
	assert_int_equal(len, actual + 512);
	assert_memory_equal(buf, "hello", 5);
	assert_memory_equal(buf + actual, "conectix", 8);
	assert_int_equal(mc_vhd_checksum((unsigned char *)buf + actual),
			 be((unsigned char *)buf + actual + 64, 4));
	/* An existing file is never overwritten. */
	assert_int_equal(mc_vhd_write_fixed(path, "x", 1, 1 << 20, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "File exists"));
	unit_rmdir(dir);
}

/* qemu-img (qemu-utils) reads it as a vpc image of the right size, and its
 * raw data starts with the userdata tar. */
static void qemu_img_reads_it(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *path = mc_path_join(dir, "disk.vhd"), *raw = mc_path_join(dir, "disk.raw");
	_cleanup_free_ char *tar = NULL, *data = NULL, *qemu = mc_proc_which("qemu-img");
	struct mc_error err = { 0 };
	struct mc_run_result r;
	_cleanup_json_ json_t *info = NULL;
	uint64_t actual;
	size_t len, rlen;

	if (!qemu) {
		unit_rmdir(dir);
		skip();
	}
	assert_int_equal(mc_userdata_tar("ssh-ed25519 AAAAtest t", false, NULL, &tar, &len, &err), 0);
	assert_int_equal(mc_vhd_write_fixed(path, tar, len, 100ULL << 20, &actual, &err), 0);
	{
		const char *argv[] = { "qemu-img", "info", "-f", "vpc", "--output=json", path, NULL };

		assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
		assert_int_equal(r.status, 0);
		info = json_loads(r.out, 0, NULL);
		mc_run_result_free(&r);
	}
	assert_non_null(info);
	assert_string_equal(mc_json_str(info, "format"), "vpc");
	assert_int_equal(mc_json_int(info, "virtual-size", 0), (long long)actual);
	{
		const char *argv[] = { "qemu-img", "convert", "-f", "vpc", "-O", "raw", path, raw, NULL };

		assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
		assert_int_equal(r.status, 0);
		mc_run_result_free(&r);
	}
	data = read_image(raw, &rlen);
	assert_int_equal(rlen, actual);
	assert_memory_equal(data, tar, len);
	assert_string_equal(data, MC_USERDATA_MAGIC);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chs_follows_the_spec),
		cmocka_unit_test(rounded_sizes_are_exact_geometries),
		cmocka_unit_test(footer_fields),
		cmocka_unit_test(writes_a_sparse_file_with_the_data_first),
		cmocka_unit_test(qemu_img_reads_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
