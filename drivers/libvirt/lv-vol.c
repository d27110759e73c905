/*
 * Storage volumes: for a hypervisor on another host (qemu+ssh://host/system,
 * or --libvirt-storage-pool), the boot ISO and the data disk cannot be files
 * of this machine, so they are uploaded into a storage pool there and the
 * domain uses the volumes' paths.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "lv.h"

int lv_pool(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *name, int code,
	    virStoragePoolPtr *out, struct mc_error *err)
{
	*out = virStoragePoolLookupByName(conn, name);
	if (!*out)
		return ctx->host->error_set(err, code,
					    "no storage pool \"%s\" on the libvirt host (%s): the boot ISO and the data disk are uploaded into one; make it with 'virsh pool-define-as %s dir --target /var/lib/libvirt/images && virsh pool-build %s && virsh pool-start %s', or choose one with --libvirt-storage-pool",
					    name, lverr(), name, name, name);
	if (virStoragePoolIsActive(*out) != 1 && virStoragePoolCreate(*out, 0) < 0) {
		ctx->host->error_set(err, code, "cannot start the storage pool \"%s\": %s", name, lverr());
		virStoragePoolFree(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int lv_pool_make(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *name, struct mc_error *err)
{
	_cleanup_free_ char *esc = lv_xml_escape(name);
	_cleanup_free_ char *xml = NULL;
	virStoragePoolPtr p = virStoragePoolLookupByName(conn, name);

	if (p) {
		virStoragePoolFree(p);
		return 0;
	}
	xml = mc_asprintf("<pool type='dir'><name>%s</name><target><path>" LV_POOL_DIR "</path></target></pool>", esc);
	ctx->host->phase(ctx, "Making the storage pool \"%s\" (" LV_POOL_DIR ", started at boot)...",
			 name);
	p = virStoragePoolDefineXML(conn, xml, 0);
	if (!p)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot define the storage pool \"%s\": %s", name, lverr());
	if (virStoragePoolBuild(p, 0) < 0 || virStoragePoolCreate(p, 0) < 0 || virStoragePoolSetAutostart(p, 1) < 0) {
		ctx->host->error_set(err, MC_E_FAILED, "cannot start the storage pool \"%s\" (" LV_POOL_DIR "): %s",
				     name, lverr());
		virStoragePoolFree(p);
		return -1;
	}
	virStoragePoolFree(p);
	return 0;
}

struct source {
	int fd;             /* a file, or -1: the buffer */
	const char *buf;
	size_t len, off;
};

static int send_chunk(virStreamPtr st, char *data, size_t n, void *opaque)
{
	struct source *s = opaque;
	size_t k;

	if (s->fd >= 0)
		return (int)read(s->fd, data, n);
	k = s->len - s->off < n ? s->len - s->off : n;
	memcpy(data, s->buf + s->off, k);
	s->off += k;
	return (int)k;
}

/* Upload src into vol from offset 0. */
static int upload(struct mc_driver_ctx *ctx, virStorageVolPtr vol, struct source *src,
		  unsigned long long len, struct mc_error *err)
{
	/* Names first: every libvirt call resets the last error that lverr() reads. */
	const char *name = virStorageVolGetName(vol);
	virStreamPtr st = virStreamNew(virStorageVolGetConnect(vol), 0);
	int r = -1;

	if (!st)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot open a libvirt stream: %s", lverr());
	if (virStorageVolUpload(vol, st, 0, len, 0) == 0 && virStreamSendAll(st, send_chunk, src) == 0 &&
	    virStreamFinish(st) == 0)
		r = 0;
	else {
		ctx->host->error_set(err, MC_E_FAILED, "cannot upload into the storage volume %s: %s", name,
				     lverr());
		virStreamAbort(st);
	}
	virStreamFree(st);
	return r;
}

static virStorageVolPtr new_volume(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, const char *name,
				   unsigned long long capacity, unsigned long long allocation,
				   struct mc_error *err)
{
	const char *pname = virStoragePoolGetName(pool);
	_cleanup_free_ char *esc = lv_xml_escape(name);
	_cleanup_free_ char *xml = mc_asprintf(
		"<volume><name>%s</name><capacity unit='bytes'>%llu</capacity>"
		"<allocation unit='bytes'>%llu</allocation>"
		"<target><format type='raw'/><permissions><mode>0600</mode></permissions></target></volume>",
		esc, capacity, allocation);
	virStorageVolPtr vol = virStorageVolCreateXML(pool, xml, 0);

	if (!vol)
		ctx->host->error_set(err, MC_E_FAILED, "cannot create the storage volume %s in pool %s: %s",
				     name, pname, lverr());
	return vol;
}

static char *vol_path(struct mc_driver_ctx *ctx, virStorageVolPtr vol, struct mc_error *err)
{
	const char *name = virStorageVolGetName(vol);
	char *p = virStorageVolGetPath(vol);

	if (!p)
		ctx->host->error_set(err, MC_E_FAILED, "cannot get the path of the storage volume %s: %s", name,
				     lverr());
	return p;
}

int lv_vol_put_file(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, const char *path, const char *what,
		    const char *prefix, const char *suffix, char **vpath, struct mc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *sha256 = mc_json_str(ctx->flags, "iso-sha256");
	_cleanup_free_ char *name = NULL;
	virStorageVolInfo info;
	virStorageVolPtr vol;
	struct stat st;
	int r = -1;

	if (fd < 0 || fstat(fd, &st) < 0)
		return ctx->host->error_set(err, MC_E_IO, "cannot read the %s %s: %s", what, path, strerror(errno));
	if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return ctx->host->error_set(err, MC_E_INVALID, "no SHA-256 for the boot ISO %s (the core computes it)",
					    path);
	/* Named by the ISO's content (the core's SHA-256): machines booting
	 * the same ISO share one upload. */
	name = mc_asprintf("%s%s%s", prefix, sha256, suffix);
	vol = virStorageVolLookupByName(pool, name);
	if (vol && (virStorageVolGetInfo(vol, &info) < 0 || info.capacity != (unsigned long long)st.st_size)) {
		/* A half-done upload (its size is set first): start again. */
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
		vol = NULL;
	}
	if (!vol) {
		struct source src = { .fd = fd };

		ctx->host->phase(ctx, "Uploading the %s to the storage pool %s (%lld MB)...", what,
				 virStoragePoolGetName(pool), (long long)(st.st_size >> 20));
		vol = new_volume(ctx, pool, name, (unsigned long long)st.st_size, (unsigned long long)st.st_size, err);
		if (!vol)
			return -1;
		if (upload(ctx, vol, &src, (unsigned long long)st.st_size, err) < 0) {
			virStorageVolDelete(vol, 0);
			goto out;
		}
	}
	*vpath = vol_path(ctx, vol, err);
	r = *vpath ? 0 : -1;
out:
	virStorageVolFree(vol);
	return r;
}

int lv_vol_put_disk(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, const char *name,
		    unsigned long long size, const char *head, size_t len, char **vpath,
		    struct mc_error *err)
{
	struct source src = { .fd = -1, .buf = head, .len = len };
	virStorageVolPtr vol = new_volume(ctx, pool, name, size, 0, err);
	int r = -1;

	if (!vol)
		return -1;
	if (upload(ctx, vol, &src, len, err) == 0 && (*vpath = vol_path(ctx, vol, err)))
		r = 0;
	else
		virStorageVolDelete(vol, 0);
	virStorageVolFree(vol);
	return r;
}
