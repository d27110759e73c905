/*
 * The boot ISO: resolve what --iso names (a path, a file:// URL or an
 * http(s):// URL) to a local file, downloading URLs into <store>/cache/.
 *
 * Cache layout (all in <store>/cache/):
 *   sha256-<HEX>.iso        a downloaded ISO, named by its content hash
 *   url-<H>.sha256          the content hash last downloaded from URL (H = sha256 of the URL)
 *   .url-<H>.part           an interrupted download, resumed with a Range request;
 *                           its flock serialises the downloads of URL
 *   boot-<HEX>/             the kernel (vmlinuz), initrd (initrd.img) and kernel
 *                           command line (cmdline) the ISO of that hash boots
 */
#ifndef MC_ISO_H
#define MC_ISO_H

#include <stdbool.h>
#include <jansson.h>

#include "error.h"
#include "os.h"

/* The volume ID of an ISO 9660 image sits at this offset (32 bytes). */
#define MC_ISO_VOLUME_ID_OFFSET 0x8028

struct mc_iso_opts {
	const char *sha256;       /* expected content hash (hex), or NULL */
	const char *sha256_from;  /* where it comes from, for errors (NULL: "--iso-sha256") */
	/* Progress of a download: bytes done of total (total <= 0: unknown). */
	void (*progress)(void *arg, long long done, long long total);
	/* One line for the user ("Downloading URL to PATH..."); NULL: mc_log info. */
	void (*notice)(void *arg, const char *msg);
	void *arg;
	/* A wait for another command downloading or checking the same URL
	 * (fn NULL: nobody is told); no time limit, as a download may take
	 * minutes and has its own (stall_timeout_s). */
	struct mc_os_lock_wait lock_wait;
	long connect_timeout_s;   /* 0: 30 s */
	long stall_timeout_s;     /* abort when no byte arrives for this long; 0: 60 s */
	/* The default ISO (mc_iso_default): the machine OS release URL to
	 * download when no cache holds one (NULL or "": none), and the program
	 * name for the command that builds it instead ("PROG os build"). */
	const char *release_url;
	const char *prog;
};

/* An ISO option given empty (OPTION as the user spelt it: "--iso",
 * "--virtualbox-boot2docker-url") is a mistake, not the default ISO:
 * MC_E_USAGE saying so.  0 when spec is NULL (not given) or not empty. */
int mc_iso_check_given(const char *option, const char *spec, struct mc_error *err);

/* Resolve spec (a path or URL, not empty) to a local, readable ISO file.
 * *path is malloc'd and absolute.  Paths and file:// URLs are used in
 * place; http(s) URLs are downloaded once (a URL already downloaded is
 * reused without network access; with opts->sha256 a cached file with that
 * hash is reused for any URL).
 * Errors: MC_E_NOT_FOUND (missing file, HTTP 404), MC_E_NETWORK, MC_E_TLS,
 * MC_E_TIMEOUT, MC_E_IO (disk full...), MC_E_INVALID (bad URL, hash mismatch). */
int mc_iso_resolve(const char *store_root, const char *spec, const struct mc_iso_opts *opts,
		   char **path, struct mc_error *err);

/* The default ISO, the machine OS: $MACHINECTL_ISO, else the newest machine
 * OS ISO in <store>/cache (machinectl-os.iso, or a sha256-HEX.iso whose volume
 * ID starts with MACHINECTL-OS), else the newest build of scripts/build-iso in
 * ${MACHINECTL_ISO_CACHE:-/var/cache/machinectl/iso}/<inputs>/machinectl-os.iso,
 * else a download of opts->release_url into <store>/cache, verified against
 * the SHA-256 published at release_url + ".sha256" (resumed like any
 * download).  Errors name both ways to get one: the release URL (or how to
 * set one) and `PROG os build`; MC_E_NOT_FOUND when no release URL is set. */
int mc_iso_default(const char *store_root, const struct mc_iso_opts *opts, char **path,
		   struct mc_error *err);

/* The volume ID of the machine OS ISOs (scripts/build-iso) starts with this. */
#define MC_ISO_OS_VOLUME_PREFIX "MACHINECTL-OS"

/* The volume ID (e.g. "machinectl-os-0.1.0", "Boot2Docker-v1.9.1"), trailing
 * blanks removed; *vid malloc'd ("" when the file is not ISO 9660). */
int mc_iso_volume_id(const char *path, char **vid, struct mc_error *err);

/* SHA-256 of a file as 64 lowercase hex digits. */
int mc_iso_sha256_file(const char *path, char hex[65], struct mc_error *err);

/*
 * create: resolve the boot ISO named by a driver's create flags, in place.
 * A driver that boots an ISO declares the flags "iso" (and optionally an
 * alias ending in "-boot2docker-url", and "iso-sha256"); the core calls this
 * once before any machine is created, so a URL is downloaded once.  Sets
 * flags["iso"] to the local absolute path, flags["iso-source"] to what was
 * asked ("default" when nothing was), flags["iso-version"] to the volume
 * ID and flags["iso-sha256"] to the file's SHA-256 (lower-case hex; the
 * remote libvirt pool names the uploaded volume by it).  Without an "iso" flag key, does nothing.
 */
int mc_iso_prepare_flags(const char *store_root, json_t *flags, const struct mc_iso_opts *opts,
			 struct mc_error *err);

/* What an ISO boots, for a hypervisor to start directly (malloc'd paths in
 * the store's cache, and the kernel command line). */
struct mc_iso_boot {
	char *kernel, *initrd, *cmdline;
};

/*
 * The kernel, initrd and command line of the default label of the ISO's
 * /isolinux/isolinux.cfg (the machine OS's layout), copied once into
 * <store>/cache/boot-<sha256>/.  All NULL, and 0, when the ISO boots in
 * another way (boot2docker's /boot/isolinux): the hypervisor then boots the
 * CD.  sha256 is the ISO's (mc_iso_prepare_flags's "iso-sha256").
 */
int mc_iso_boot_files(const char *store_root, const char *iso, const char *sha256, struct mc_iso_boot *out,
		      struct mc_error *err);
void mc_iso_boot_clear(struct mc_iso_boot *b);

/*
 * What the machine OS on an ISO can do: the FEATURES= line of the ISO's
 * /machinectl-os-release (scripts/build-iso), a list of words separated by
 * blanks; "" when the ISO has no such line or file (boot2docker, older
 * builds).  The words:
 *   boot-host-keys  the first boot installs the SSH host keys given in the
 *                   provisioning files on the data disk (src/provision.h)
 */
int mc_iso_os_features(const char *iso, char **features, struct mc_error *err);
/* Whether the word name is in features (NULL: no). */
bool mc_iso_has_feature(const char *features, const char *name);

#endif
