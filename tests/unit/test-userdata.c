/* src/userdata.c: the boot2docker data-disk tar and the sparse raw disk. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "proc.h"
#include "userdata.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests machinectl:t"

static unsigned long octal_field(const char *f, size_t n)
{
	char buf[16] = "";

	memcpy(buf, f, n);
	return strtoul(buf, NULL, 8);
}

/* GNU tar with up to four arguments (the unused ones NULL): it must
 * succeed; returns its stdout, malloc'd. */
static char *gnu_tar(const char *a, const char *b, const char *c, const char *d)
{
	const char *argv[] = { "tar", a, b, c, d, NULL };
	struct mc_error err = { 0 };
	struct mc_run_result r = { 0 };
	char *out;

	assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
	assert_int_equal(r.status, 0);
	out = mc_strdup(r.out);
	mc_run_result_free(&r);
	return out;
}

static void first_member_is_the_magic(void **state)
{
	_cleanup_free_ char *tar = NULL;
	struct mc_error err = { 0 };
	unsigned sum = 0;
	size_t len;

	assert_int_equal(mc_userdata_tar(KEY, false, &tar, &len, &err), 0);
	assert_int_equal(len % 512, 0);
	/* The first 512-byte header names the magic file; its data is the magic. */
	assert_string_equal(tar, MC_USERDATA_MAGIC);
	assert_memory_equal(tar, "boot2docker, please format-me", 29);
	assert_int_equal(tar[156], '0');
	assert_memory_equal(tar + 257, "ustar\0" "00", 8);
	assert_int_equal(octal_field(tar + 124, 12), strlen(MC_USERDATA_MAGIC));
	assert_int_equal(octal_field(tar + 100, 8), 0644);
	assert_memory_equal(tar + 512, MC_USERDATA_MAGIC, strlen(MC_USERDATA_MAGIC));
	/* The header checksum: the sum of the header with the field as spaces. */
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)tar[i];
	assert_int_equal(octal_field(tar + 148, 7), sum);
	/* Ends with two zero blocks. */
	for (size_t i = len - 1024; i < len; i++)
		assert_int_equal(tar[i], 0);
}

static void tar_lists_members_with_modes(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "u.tar");
	_cleanup_free_ char *tar = NULL, *x = mc_path_join(dir, "x");
	_cleanup_free_ char *ak = NULL, *ak2 = NULL, *akp = NULL, *ak2p = NULL, *list = NULL;
	struct mc_error err = { 0 };
	size_t len;

	assert_int_equal(mc_userdata_tar(KEY "\n", false, &tar, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(path, tar, len, 0600, &err), 0);
	list = gnu_tar("-tvf", path, NULL, NULL);
	/* GNU tar: "-rw-r--r-- root/root 29 DATE boot2docker, please format-me" */
	assert_non_null(strstr(list, "-rw-r--r-- root/root        29 "));
	assert_true(mc_startswith(list, "-rw-r--r--"));
	assert_non_null(strstr(list, " boot2docker, please format-me\n"));
	assert_non_null(strstr(list, "drwx------ root/root         0 "));
	assert_non_null(strstr(list, " .ssh/\n"));
	assert_non_null(strstr(list, " .ssh/authorized_keys\n"));
	assert_non_null(strstr(list, " .ssh/authorized_keys2\n"));
	/* Order: the magic first. */
	assert_true(strstr(list, "format-me") < strstr(list, ".ssh/"));
	assert_int_equal(mc_mkdir_p(x, 0700, &err), 0);
	free(gnu_tar("-xf", path, "-C", x));
	akp = mc_path_join(x, ".ssh/authorized_keys");
	ak2p = mc_path_join(x, ".ssh/authorized_keys2");
	assert_int_equal(mc_read_file(akp, &ak, NULL, &err), 0);
	assert_int_equal(mc_read_file(ak2p, &ak2, NULL, &err), 0);
	/* One trailing newline, never two. */
	assert_string_equal(ak, KEY "\n");
	assert_string_equal(ak2, KEY "\n");
	unit_rmdir(MC_TAKE(dir));
}

static void disk_is_sparse_and_exact(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "disk.raw");
	_cleanup_free_ char *tar = NULL, *list = NULL;
	struct mc_error err = { 0 };
	struct stat st;
	char head[64];
	size_t len;
	int fd;

	assert_int_equal(mc_userdata_write_disk(path, KEY, false, 2000, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 2000LL << 20);
	assert_true(st.st_blocks * 512 <= 64 * 1024);   /* only the tar's blocks */
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, head, sizeof(head)), sizeof(head));
	close(fd);
	assert_memory_equal(head, MC_USERDATA_MAGIC, 29);
	/* The disk starts with exactly the tar. */
	assert_int_equal(mc_userdata_tar(KEY, false, &tar, &len, &err), 0);
	{
		_cleanup_free_ char *buf = mc_malloc(len);

		fd = open(path, O_RDONLY);
		assert_int_equal(read(fd, buf, len), (ssize_t)len);
		close(fd);
		/* Same layout (mtimes may differ by a second): names and sizes. */
		assert_memory_equal(buf, tar, 100);
		assert_memory_equal(buf + 512, tar + 512, 512);
	}
	list = gnu_tar("-tf", path, NULL, NULL);
	assert_string_equal(list, "boot2docker, please format-me\n.ssh/\n.ssh/authorized_keys\n"
				  ".ssh/authorized_keys2\n");
	/* Never overwrites an existing disk. */
	assert_int_equal(mc_userdata_write_disk(path, KEY, false, 10, &err), -1);
	assert_int_equal(err.code, MC_E_IO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 2000LL << 20);
	unit_rmdir(MC_TAKE(dir));
}

/* await_provisioning adds .machinectl/await-provisioning ("300\n") after the
 * key, which the machine OS reads (scripts/iso datadisk); GNU tar agrees. */
static void await_member(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "disk.raw");
	_cleanup_free_ char *x = mc_path_join(dir, "x"), *await = NULL, *got = NULL, *list = NULL;
	struct mc_error err = { 0 };

	assert_int_equal(mc_userdata_write_disk(path, KEY, true, 10, &err), 0);
	list = gnu_tar("-tvf", path, NULL, NULL);
	assert_true(mc_startswith(list, "-rw-r--r-- root/root        29 "));
	assert_non_null(strstr(list, " .ssh/authorized_keys2\ndrwx------ root/root         0 "));
	assert_non_null(strstr(list, " .machinectl/\n-rw-r--r-- root/root         4 "));
	assert_string_equal(list + strlen(list) - 32, " .machinectl/await-provisioning\n");
	assert_int_equal(mc_mkdir_p(x, 0700, &err), 0);
	free(gnu_tar("-xf", path, "-C", x));
	await = mc_path_join(x, MC_USERDATA_AWAIT);
	assert_int_equal(mc_read_file(await, &got, NULL, &err), 0);
	assert_string_equal(got, "300\n");
	unit_rmdir(MC_TAKE(dir));
}

static void bad_input(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "disk.raw");
	_cleanup_free_ char *nodir = mc_path_join(dir, "no/such/disk.raw");
	struct mc_error err = { 0 };

	assert_int_equal(mc_userdata_write_disk(path, KEY, false, 0, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_false(mc_file_exists(path));
	mc_error_clear(&err);
	assert_int_equal(mc_userdata_write_disk(path, "", false, 10, &err), -1);
	assert_non_null(strstr(err.msg, "no SSH public key"));
	assert_false(mc_file_exists(path));
	mc_error_clear(&err);
	assert_int_equal(mc_userdata_write_disk(nodir, KEY, false, 10, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	unit_rmdir(MC_TAKE(dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_member_is_the_magic),
		cmocka_unit_test(tar_lists_members_with_modes),
		cmocka_unit_test(disk_is_sparse_and_exact),
		cmocka_unit_test(await_member),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
