/*
 * Direct kernel boot: the kernel, initrd and command line that a boot ISO's
 * ISOLINUX configuration boots, read from the ISO 9660 image and kept in the
 * store's cache, so that a hypervisor can start the kernel without BIOS
 * calls reading the initrd from the emulated CD.  And the machine OS's
 * features, from the release file at the ISO's root.
 */
#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iso.h"
#include "util.h"

#define SECTOR 2048
#define MAX_CFG (64 << 10)
#define MAX_FILE (1LL << 30)

struct extent {
	uint32_t lba;
	uint32_t size;
	bool dir;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void record_extent(const unsigned char *r, struct extent *e)
{
	e->lba = le32(r + 2);
	e->size = le32(r + 10);
	e->dir = r[25] & 2;
}

/* An ISO 9660 name ("VMLINUZ.;1", "isolinux.cfg;1") against a path
 * component, as ISOLINUX compares them: case aside, no version, no
 * trailing dot; and a '-' may be stored as '_' (ISO 9660's own character
 * set, which xorriso's mkisofs mode maps names to: "MACHINECTL_OS_RELEASE.;1"). */
static bool name_is(const unsigned char *n, size_t len, const char *want, size_t wlen)
{
	const unsigned char *semi = memchr(n, ';', len);

	if (semi)
		len = (size_t)(semi - n);
	if (len > 0 && n[len - 1] == '.')
		len--;
	if (len != wlen)
		return false;
	for (size_t i = 0; i < len; i++)
		if (tolower(n[i]) != tolower((unsigned char)want[i]) && !(want[i] == '-' && n[i] == '_'))
			return false;
	return true;
}

static bool extent_fits(const struct extent *e, off_t image)
{
	return (off_t)e->lba * SECTOR + (off_t)e->size <= image;
}

/* The entry name (wlen bytes) in the directory dir; false when absent. */
static bool dir_find(int fd, off_t image, const struct extent *dir, const char *want, size_t wlen,
		     struct extent *out)
{
	unsigned char sec[SECTOR];

	if (!dir->dir || !extent_fits(dir, image) || dir->size > (16u << 20))
		return false;
	for (uint32_t off = 0; off < dir->size; off += SECTOR) {
		if (pread(fd, sec, SECTOR, (off_t)(dir->lba) * SECTOR + off) != SECTOR)
			return false;
		for (size_t i = 0; i + 33 < SECTOR;) {
			size_t len = sec[i], nlen = sec[i + 32];

			if (len == 0)
				break;  /* records do not cross sectors: the rest is padding */
			if (len < 34 || i + len > SECTOR || 33 + nlen > len)
				return false;
			if (name_is(sec + i + 33, nlen, want, wlen)) {
				record_extent(sec + i, out);
				return extent_fits(out, image);
			}
			i += len;
		}
	}
	return false;
}

/* An absolute path ("/boot/vmlinuz") in the image; false when absent. */
static bool lookup(int fd, off_t image, const struct extent *root, const char *path, struct extent *out)
{
	struct extent cur = *root;

	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (!dir_find(fd, image, &cur, p, n, &cur))
			return false;
		p += n;
	}
	*out = cur;
	return !cur.dir;
}

struct cfg {
	char *def;               /* DEFAULT label */
	char *kernel, *initrd, *append;
	bool in_default;         /* inside the LABEL block DEFAULT names */
	bool seen_label;
};

static char *trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return mc_strndup(s, n);
}

/* One line of an ISOLINUX configuration: DEFAULT, LABEL and, inside the
 * default label (or the first label when there is no DEFAULT), KERNEL or
 * LINUX, INITRD and APPEND. */
static void cfg_line(struct cfg *c, const char *line)
{
	const char *kw = line, *arg;
	size_t n;

	while (*kw == ' ' || *kw == '\t')
		kw++;
	n = strcspn(kw, " \t");
	arg = kw + n;
#define IS(word) (n == strlen(word) && !strncasecmp(kw, word, n))
	if (IS("default")) {
		free(c->def);
		c->def = trimmed(arg);
	} else if (IS("label")) {
		_cleanup_free_ char *l = trimmed(arg);

		c->in_default = c->def ? mc_streq(l, c->def) : !c->seen_label;
		c->seen_label = true;
	} else if (c->in_default && (IS("kernel") || IS("linux"))) {
		free(c->kernel);
		c->kernel = trimmed(arg);
	} else if (c->in_default && IS("initrd")) {
		free(c->initrd);
		c->initrd = trimmed(arg);
	} else if (c->in_default && IS("append")) {
		free(c->append);
		c->append = trimmed(arg);
	}
#undef IS
}

static void cfg_clear(struct cfg *c)
{
	free(c->def);
	free(c->kernel);
	free(c->initrd);
	free(c->append);
}

/* initrd=X in APPEND (the older way to name it) moves to c->initrd. */
static void cfg_initrd_from_append(struct cfg *c)
{
	char *p = c->append, *end;

	if (!p)
		return;
	for (; *p; p = end + strspn(end, " ")) {
		end = p + strcspn(p, " ");
		if (strncmp(p, "initrd=", 7) != 0)
			continue;
		if (!c->initrd)
			c->initrd = mc_strndup(p + 7, (size_t)(end - p - 7));
		memmove(p, end + strspn(end, " "), strlen(end + strspn(end, " ")) + 1);
		end = p;
	}
}

static int copy_out(int fd, const struct extent *e, const char *path, struct mc_error *err)
{
	_cleanup_close_ int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	char buf[1 << 16];
	off_t at = (off_t)e->lba * SECTOR;

	if (out < 0)
		return mc_error_errno(err, errno, "cannot write %s", path);
	for (uint32_t left = e->size; left > 0;) {
		size_t k = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t r = pread(fd, buf, k, at);

		if (r <= 0)
			return mc_error_errno(err, r < 0 ? errno : EIO, "cannot read the boot ISO");
		for (ssize_t w, done = 0; done < r; done += w) {
			w = write(out, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return mc_error_errno(err, errno, "cannot write %s", path);
		}
		at += r;
		left -= (uint32_t)r;
	}
	if (fsync(out) < 0)
		return mc_error_errno(err, errno, "cannot write %s", path);
	return 0;
}

/* The image's size and root directory; 0 with root->dir false when fd is
 * not an ISO 9660 image. */
static int iso_root(int fd, off_t *image, struct extent *root, struct mc_error *err)
{
	unsigned char pvd[SECTOR];
	struct stat st;

	*root = (struct extent){ 0 };
	if (fstat(fd, &st) < 0)
		return mc_error_errno(err, errno, "cannot read the boot ISO");
	*image = st.st_size;
	if (pread(fd, pvd, SECTOR, 16 * SECTOR) == SECTOR && pvd[0] == 1 && memcmp(pvd + 1, "CD001", 5) == 0)
		record_extent(pvd + 156, root);
	return 0;
}

/* The file at path, NUL-terminated, when the image has it and it is at most
 * MAX_CFG bytes; 0 with *text NULL otherwise. */
static int read_small(int fd, off_t image, const struct extent *root, const char *path, char **text,
		      struct mc_error *err)
{
	struct extent x;

	*text = NULL;
	if (!root->dir || !lookup(fd, image, root, path, &x) || x.size > MAX_CFG)
		return 0;
	*text = mc_malloc(x.size + 1);
	if (pread(fd, *text, x.size, (off_t)x.lba * SECTOR) != (ssize_t)x.size) {
		free(MC_TAKE(*text));
		return mc_error_errno(err, errno ? errno : EIO, "cannot read the boot ISO");
	}
	(*text)[x.size] = '\0';
	return 0;
}

/* Reads the ISO's /isolinux/isolinux.cfg (machinectl's machine OS; other
 * layouts, boot2docker's /boot/isolinux, are booted from the CD) and finds
 * what its default label boots.  0 with *found false when it names nothing
 * usable. */
static int read_boot(int fd, bool *found, struct extent *kernel, struct extent *initrd, char **cmdline,
		     struct mc_error *err)
{
	struct extent root;
	_cleanup_free_ char *text = NULL;
	struct cfg c = { 0 };
	off_t image;
	char *line, *save = NULL;

	*found = false;
	if (iso_root(fd, &image, &root, err) < 0 ||
	    read_small(fd, image, &root, "/isolinux/isolinux.cfg", &text, err) < 0)
		return -1;
	if (!text)
		return 0;
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
		cfg_line(&c, line);
	cfg_initrd_from_append(&c);
	/* One initrd (ISOLINUX takes a comma list; we boot one file). */
	if (c.kernel && c.initrd && !strchr(c.initrd, ',') &&
	    lookup(fd, image, &root, c.kernel, kernel) && lookup(fd, image, &root, c.initrd, initrd) &&
	    kernel->size > 0 && (long long)initrd->size <= MAX_FILE) {
		*cmdline = mc_strdup(c.append ? c.append : "");
		*found = true;
	}
	cfg_clear(&c);
	return 0;
}

int mc_iso_boot_files(const char *store_root, const char *iso, const char *sha256, struct mc_iso_boot *out,
		      struct mc_error *err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL, *cmdline = NULL, *k = NULL, *i = NULL, *c = NULL;
	_cleanup_close_ int fd = -1;
	struct extent kernel, initrd;
	bool found;

	*out = (struct mc_iso_boot){ 0 };
	if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return mc_error_set(err, MC_E_INVALID, "no SHA-256 for the boot ISO %s", iso);
	dir = mc_asprintf("%s/cache/boot-%s", store_root, sha256);
	k = mc_path_join(dir, "vmlinuz");
	i = mc_path_join(dir, "initrd.img");
	c = mc_path_join(dir, "cmdline");
	if (!mc_file_exists(c)) {
		fd = open(iso, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return mc_error_errno(err, errno, "cannot read the boot ISO %s", iso);
		if (read_boot(fd, &found, &kernel, &initrd, &cmdline, err) < 0)
			return -1;
		if (!found)
			return 0;
		/* Made aside and renamed: a concurrent create sees all or nothing. */
		_cleanup_free_ char *cache = mc_path_join(store_root, "cache");

		tmp = mc_asprintf("%s/.boot-%s.XXXXXX", cache, sha256);
		if (mc_mkdir_p(cache, 0700, err) < 0)
			return -1;
		if (!mkdtemp(tmp))
			return mc_error_errno(err, errno, "cannot make a directory in %s", cache);
		{
			_cleanup_free_ char *tk = mc_path_join(tmp, "vmlinuz"), *ti = mc_path_join(tmp, "initrd.img");
			_cleanup_free_ char *tc = mc_path_join(tmp, "cmdline");
			_cleanup_free_ char *line = mc_asprintf("%s\n", cmdline);
			int r = copy_out(fd, &kernel, tk, err);

			if (r == 0)
				r = copy_out(fd, &initrd, ti, err);
			if (r == 0 && mc_write_file_atomic(tc, line, strlen(line), 0644, err) < 0)
				r = -1;
			if (r == 0 && chmod(tmp, 0755) < 0)
				r = mc_error_errno(err, errno, "cannot write %s", tmp);
			if (r == 0 && rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
				r = mc_error_errno(err, errno, "cannot make %s", dir);
			mc_rm_rf(tmp, NULL);
			if (r < 0)
				return -1;
		}
	}
	if (mc_read_file(c, &out->cmdline, NULL, err) < 0)
		return -1;
	out->cmdline[strcspn(out->cmdline, "\n")] = '\0';
	out->kernel = MC_TAKE(k);
	out->initrd = MC_TAKE(i);
	return 0;
}

void mc_iso_boot_clear(struct mc_iso_boot *b)
{
	free(b->kernel);
	free(b->initrd);
	free(b->cmdline);
	*b = (struct mc_iso_boot){ 0 };
}

int mc_iso_os_features(const char *iso, char **features, struct mc_error *err)
{
	_cleanup_close_ int fd = open(iso, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct extent root;
	off_t image;
	char *line, *save = NULL;

	*features = NULL;
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot read the boot ISO %s", iso);
	if (iso_root(fd, &image, &root, err) < 0 ||
	    read_small(fd, image, &root, "/machinectl-os-release", &text, err) < 0)
		return -1;
	for (line = text ? strtok_r(text, "\r\n", &save) : NULL; line; line = strtok_r(NULL, "\r\n", &save)) {
		size_t n;

		if (!mc_startswith(line, "FEATURES="))
			continue;
		line += strlen("FEATURES=");
		n = strlen(line);
		if (n >= 2 && line[0] == '"' && line[n - 1] == '"')
			*features = mc_strndup(line + 1, n - 2);
		else
			*features = mc_strdup(line);
		return 0;
	}
	*features = mc_strdup("");
	return 0;
}

bool mc_iso_has_feature(const char *features, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = features; p && *p;) {
		size_t k;

		p += strspn(p, " \t");
		k = strcspn(p, " \t");
		if (k == n && !strncmp(p, name, n))
			return true;
		p += k;
	}
	return false;
}
