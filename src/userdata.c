#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "userdata.h"
#include "util.h"

#define BLOCK 512

static void octal(char *field, size_t size, unsigned long long v)
{
	/* size-1 octal digits, zero-padded, then NUL (ustar); v always fits here. */
	field[size - 1] = '\0';
	for (size_t i = size - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

static char *tar_block(struct mc_tar *t)
{
	t->data = mc_realloc(t->data, t->len + BLOCK);
	memset(t->data + t->len, 0, BLOCK);
	t->len += BLOCK;
	return t->data + t->len - BLOCK;
}

void mc_tar_add(struct mc_tar *t, const char *name, char type, unsigned mode, const char *data,
		size_t size, time_t mtime)
{
	char *h = tar_block(t);
	unsigned sum = 0;

	/* Names here are short and fixed: no prefix/long-name handling. */
	if (strlen(name) >= 100)
		abort();
	memcpy(h, name, strlen(name));               /* name[100] */
	octal(h + 100, 8, mode);                     /* mode */
	octal(h + 108, 8, 0);                        /* uid */
	octal(h + 116, 8, 0);                        /* gid */
	octal(h + 124, 12, size);                    /* size */
	octal(h + 136, 12, (unsigned long long)mtime);
	memset(h + 148, ' ', 8);                     /* chksum: spaces while summing */
	h[156] = type;                               /* typeflag */
	memcpy(h + 257, "ustar", 6);                 /* magic "ustar\0" */
	memcpy(h + 263, "00", 2);                    /* version */
	memcpy(h + 265, "root", 4);                  /* uname */
	memcpy(h + 297, "root", 4);                  /* gname */
	for (int i = 0; i < BLOCK; i++)
		sum += (unsigned char)h[i];
	octal(h + 148, 7, sum);                      /* six digits, NUL, space */
	h[155] = ' ';
	for (size_t off = 0; off < size; off += BLOCK) {
		char *b = tar_block(t);
		size_t n = size - off < BLOCK ? size - off : BLOCK;

		memcpy(b, data + off, n);
	}
}

void mc_tar_end(struct mc_tar *t)
{
	tar_block(t);  /* end of archive: two zero blocks */
	tar_block(t);
}

int mc_userdata_tar(const char *pubkey, bool await_provisioning, const struct mc_userdata_more *more,
		    char **out, size_t *len, struct mc_error *err)
{
	const char *mounts = more ? more->mounts : NULL;
	const struct mc_tar *prov = more && more->provision.len ? &more->provision : NULL;
	struct mc_tar t = { NULL, 0 };
	_cleanup_free_ char *key = NULL;
	size_t klen;
	time_t now = time(NULL);

	if (!pubkey || !*pubkey)
		return mc_error_set(err, MC_E_INVALID, "no SSH public key to put on the data disk");
	klen = strlen(pubkey);
	key = pubkey[klen - 1] == '\n' ? mc_strdup(pubkey) : mc_asprintf("%s\n", pubkey);
	klen = strlen(key);

	mc_tar_add(&t, MC_USERDATA_MAGIC, '0', 0644, MC_USERDATA_MAGIC, strlen(MC_USERDATA_MAGIC), now);
	mc_tar_add(&t, ".ssh/", '5', 0700, NULL, 0, now);
	mc_tar_add(&t, ".ssh/authorized_keys", '0', 0644, key, klen, now);
	mc_tar_add(&t, ".ssh/authorized_keys2", '0', 0644, key, klen, now);
	if (await_provisioning || mounts || prov)
		mc_tar_add(&t, ".machinectl/", '5', 0700, NULL, 0, now);
	if (await_provisioning) {
		char secs[16];
		int n = snprintf(secs, sizeof(secs), "%d\n", MC_USERDATA_AWAIT_S);

		mc_tar_add(&t, MC_USERDATA_AWAIT, '0', 0644, secs, (size_t)n, now);
	}
	if (mounts)
		mc_tar_add(&t, MC_USERDATA_MOUNTS, '0', 0644, mounts, strlen(mounts), now);
	if (prov)
		mc_tar_add(&t, MC_USERDATA_PROVISION, '0', 0600, prov->data, prov->len, now);
	mc_tar_end(&t);
	*out = t.data;
	*len = t.len;
	return 0;
}

int mc_userdata_write_disk(const char *path, const char *pubkey, bool await_provisioning,
			   const struct mc_userdata_more *more, long long size_mb, struct mc_error *err)
{
	_cleanup_free_ char *tar = NULL;
	_cleanup_close_ int fd = -1;
	size_t len, off = 0;
	off_t size;

	if (size_mb < 1 || size_mb > (1LL << 30))
		return mc_error_set(err, MC_E_INVALID,
				    "invalid disk size %lld MB for %s: it must be between 1 and %lld",
				    size_mb, path, 1LL << 30);
	size = (off_t)size_mb << 20;
	if (mc_userdata_tar(pubkey, await_provisioning, more, &tar, &len, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot create the data disk %s", path);
	/* ftruncate first: the file is sparse, only the tar's blocks are written. */
	if (ftruncate(fd, size) < 0) {
		mc_error_errno(err, errno, "cannot make %s %lld MB", path, size_mb);
		goto fail;
	}
	while (off < len) {
		ssize_t n = pwrite(fd, tar + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mc_error_errno(err, n < 0 ? errno : EIO, "cannot write the data disk %s", path);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		mc_error_errno(err, errno, "cannot write the data disk %s", path);
		goto fail;
	}
	return 0;

fail:
	unlink(path);
	return -1;
}
