/* src/userdata.c: the boot2docker data-disk tar and the sparse raw disk. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "proc.h"
#include "shares.h"
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

	assert_int_equal(mc_userdata_tar(KEY, false, NULL, &tar, &len, &err), 0);
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

	assert_int_equal(mc_userdata_tar(KEY "\n", false, NULL, &tar, &len, &err), 0);
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

	assert_int_equal(mc_userdata_write_disk(path, KEY, false, NULL, 2000, &err), 0);
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
	assert_int_equal(mc_userdata_tar(KEY, false, NULL, &tar, &len, &err), 0);
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
	assert_int_equal(mc_userdata_write_disk(path, KEY, false, NULL, 10, &err), -1);
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

	assert_int_equal(mc_userdata_write_disk(path, KEY, true, NULL, 10, &err), 0);
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

	assert_int_equal(mc_userdata_write_disk(path, KEY, false, NULL, 0, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_false(mc_file_exists(path));
	mc_error_clear(&err);
	assert_int_equal(mc_userdata_write_disk(path, "", false, NULL, 10, &err), -1);
	assert_non_null(strstr(err.msg, "no SSH public key"));
	assert_false(mc_file_exists(path));
	mc_error_clear(&err);
	assert_int_equal(mc_userdata_write_disk(nodir, KEY, false, NULL, 10, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	unit_rmdir(MC_TAKE(dir));
}

/* The mounts member: read back by GNU tar, with fstab escapes. */
static void mounts_member(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "u.tar");
	_cleanup_free_ char *tar = NULL, *list = NULL, *m = NULL, *text = NULL;
	_cleanup_json_ json_t *sh = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "Host", "/h/a b", "Guest",
					      "/h/a b", "Tag", "mc0", "Host", "/x", "Guest", "/back\\slash", "Tag",
					      "c/Users");
	struct mc_error err = { 0 };
	size_t len;

	assert_null(mc_shares_mounts(NULL, "9p"));
	{
		_cleanup_json_ json_t *empty = json_array();

		assert_null(mc_shares_mounts(empty, "9p"));
	}
	text = mc_shares_mounts(sh, "9p");
	assert_string_equal(text, "# machinectl shared folders: FSTYPE SOURCE GUESTPATH\n"
				  "9p mc0 /h/a\\040b\n"
				  "9p c/Users /back\\134slash\n");
	assert_int_equal(mc_userdata_tar(KEY, true, &(struct mc_userdata_more){ .mounts = text }, &tar, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(path, tar, len, 0600, &err), 0);
	list = gnu_tar("-tf", path, NULL, NULL);
	/* One .machinectl/ directory for both members. */
	assert_non_null(strstr(list, ".machinectl/\n.machinectl/await-provisioning\n.machinectl/mounts\n"));
	m = gnu_tar("-xOf", path, ".machinectl/mounts", NULL);
	assert_string_equal(m, text);
	free(tar);
	free(list);
	tar = NULL;
	assert_int_equal(mc_userdata_tar(KEY, false, &(struct mc_userdata_more){ .mounts = text }, &tar, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(path, tar, len, 0600, &err), 0);
	list = gnu_tar("-tf", path, NULL, NULL);
	assert_non_null(strstr(list, ".machinectl/\n.machinectl/mounts\n"));
	assert_null(strstr(list, "await"));
	unit_rmdir(MC_TAKE(dir));
}

/* The provisioning files for the first boot: a tar in the tar, 0600, beside
 * await-provisioning (which older machine OS versions obey). */
static void provision_member(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *path = mc_path_join(dir, "u.tar");
	_cleanup_free_ char *inner = mc_path_join(dir, ".machinectl/provision.tar");
	_cleanup_free_ char *tar = NULL, *list = NULL, *verbose = NULL, *profile = NULL;
	struct mc_userdata_more more = { 0 };
	struct mc_error err = { 0 };
	size_t len;

	(void)state;
	mc_tar_add(&more.provision, "profile", '0', 0600, "EXTRA_ARGS=x\n", 13, 0);
	mc_tar_end(&more.provision);
	assert_int_equal(mc_userdata_tar(KEY, true, &more, &tar, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(path, tar, len, 0600, &err), 0);
	list = gnu_tar("-tf", path, NULL, NULL);
	assert_non_null(strstr(list, ".machinectl/\n.machinectl/await-provisioning\n.machinectl/provision.tar\n"));
	verbose = gnu_tar("-tvf", path, ".machinectl/provision.tar", NULL);
	assert_true(mc_startswith(verbose, "-rw-------"));
	free(gnu_tar("-xf", path, "-C", dir));
	profile = gnu_tar("-xOf", inner, "profile", NULL);
	assert_string_equal(profile, "EXTRA_ARGS=x\n");
	free(more.provision.data);
	unit_rmdir(MC_TAKE(dir));
}

/* --share specs: what is accepted, what is refused, the default. */
static void shares_resolve(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *a = mc_path_join(dir, "a b"), *b = mc_path_join(dir, "b");
	_cleanup_free_ char *file = mc_path_join(dir, "f"), *sum = NULL, *ab = NULL;
	struct mc_error err = { 0 };
	json_t *out = NULL;
	struct {
		const char *spec, *msg;
	} bad[] = {
		{ "rel/dir", "is not an absolute path" },
		{ "", "use HOST[:GUEST]" },
		{ "/nonexistent-mc-dir", "is not an existing directory" },
		{ "@F", "is not an existing directory" },
		{ "@A:/", "would cover the machine's own /" },
		{ "@A:/home", "would cover the machine's own /home/docker" },
		{ "@A:/etc/x", "would cover the machine's own /etc" },
		{ "@A:/var/lib/docker", "would cover the machine's own /var/lib/docker" },
		{ "@A:/srv//x", "is not normalised" },
		{ "@A:/srv/x/", "is not normalised" },
		{ "@A:/srv/../x", "is not normalised" },
		{ "@A:", "GUEST is empty" },
		{ "@A:/srv/a\nb", "control character" },
	};

	assert_int_equal(mc_mkdir_p(a, 0700, &err), 0);
	assert_int_equal(mc_mkdir_p(b, 0700, &err), 0);
	assert_int_equal(mc_write_file_atomic(file, "x", 1, 0600, &err), 0);
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		const char *sp = bad[i].spec;
		_cleanup_free_ char *s = sp[0] == '@' ? mc_asprintf("%s%s", sp[1] == 'A' ? a : file, sp + 2) : mc_strdup(sp);
		char *specs[] = { s, NULL };

		mc_error_clear(&err);
		assert_int_equal(mc_shares_resolve(specs, NULL, false, a, &out, &err), -1);
		assert_int_equal(err.code, MC_E_USAGE);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: %s", s, err.msg);
		assert_null(out);
	}
	/* Same guest path twice. */
	{
		_cleanup_free_ char *s2 = mc_asprintf("%s:%s", b, a);
		char *specs[] = { a, s2, NULL };

		mc_error_clear(&err);
		assert_int_equal(mc_shares_resolve(specs, NULL, false, NULL, &out, &err), -1);
		assert_non_null(strstr(err.msg, "is already shared from"));
	}
	/* --share with --no-share. */
	{
		char *specs[] = { a, NULL };

		mc_error_clear(&err);
		assert_int_equal(mc_shares_resolve(specs, NULL, true, NULL, &out, &err), -1);
		assert_non_null(strstr(err.msg, "--share and --no-share"));
	}
	/* Good: HOST alone (a space in it), HOST:GUEST; tags in order. */
	{
		char *specs[] = { a, NULL, NULL };

		specs[1] = ab = mc_asprintf("%s:/srv/b", b);
		assert_int_equal(mc_shares_resolve(specs, NULL, false, "/home/ignored", &out, &err), 0);
		assert_int_equal(json_array_size(out), 2);
		assert_string_equal(mc_json_str(json_array_get(out, 0), "Host"), a);
		assert_string_equal(mc_json_str(json_array_get(out, 0), "Guest"), a);
		assert_string_equal(mc_json_str(json_array_get(out, 0), "Tag"), "mc0");
		assert_string_equal(mc_json_str(json_array_get(out, 1), "Host"), b);
		assert_string_equal(mc_json_str(json_array_get(out, 1), "Guest"), "/srv/b");
		assert_string_equal(mc_json_str(json_array_get(out, 1), "Tag"), "mc1");
		assert_false(mc_json_bool(json_array_get(out, 0), "Default"));
		sum = mc_shares_summary(out);
		free(ab);
		ab = mc_asprintf("%s,%s:/srv/b", a, b);
		assert_string_equal(sum, ab);
		json_decref(out);
	}
	/* The default: home at the same path; none with --no-share, nor when
	 * home is the guest's own (/root) or missing. */
	assert_int_equal(mc_shares_resolve(NULL, NULL, false, b, &out, &err), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(mc_json_str(json_array_get(out, 0), "Guest"), b);
	assert_true(mc_json_bool(json_array_get(out, 0), "Default"));
	json_decref(out);
	assert_int_equal(mc_shares_resolve(NULL, NULL, true, b, &out, &err), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	assert_int_equal(mc_shares_resolve(NULL, NULL, false, "/root", &out, &err), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	assert_int_equal(mc_shares_resolve(NULL, NULL, false, "/nonexistent-mc-home", &out, &err), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
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
		cmocka_unit_test(mounts_member),
		cmocka_unit_test(provision_member),
		cmocka_unit_test(shares_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
