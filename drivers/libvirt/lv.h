/* Internals of the libvirt driver, split out so the unit tests can reach them. */
#ifndef MC_LV_H
#define MC_LV_H

#include <stdbool.h>
#include <stddef.h>
#include <libvirt/libvirt.h>

#include "driver.h"

/* Everything the domain XML depends on. */
struct lv_domain_spec {
	const char *name;          /* libvirt domain name */
	const char *machine;       /* machinectl machine name (title) */
	const char *store;         /* store path (description) */
	const char *type;          /* domain type: kvm, qemu (TCG) or test */
	long long memory_mb;
	long long cpus;
	const char *iso;           /* absolute path of the boot ISO */
	const char *kernel;        /* NULL: boot the ISO; else start this kernel directly */
	const char *initrd;
	const char *cmdline;
	const char *disk;          /* absolute path of the raw data disk */
	const char *cache_mode;    /* NULL or "default": libvirt's default */
	const char *network;
	const char *mac;
	const char *console_log;   /* absolute path: the serial console goes there; NULL: a pty */
	long long tb_cache_mb;     /* TCG translation cache (type qemu only); 0: QEMU's default */
	const char *uuid;          /* NULL: libvirt picks one (a new domain) */
	json_t *shares;            /* [{"Host", "Tag"}]: 9p shared folders (NULL: none) */
};

/* The domain XML (malloc'd). */
char *lv_domain_xml(const struct lv_domain_spec *s);

/* The <os> lines that choose what boots: the kernel, initrd and command
 * line (kernel non-NULL), else the CD then the disk (bootmenu: no menu). */
char *lv_os_boot_xml(const char *kernel, const char *initrd, const char *cmdline, bool bootmenu);
/* A domain's XML (as libvirt formats it) with the boot lines of its <os>
 * replaced by boot (lv_os_boot_xml); NULL when it has no <os>. */
char *lv_xml_set_boot(const char *xml, const char *boot);

/* The cdrom <disk> element holding the boot ISO (malloc'd); type as above. */
char *lv_cdrom_xml(const char *iso, const char *type);

/* XML-escape s for text and attribute values (malloc'd). */
char *lv_xml_escape(const char *s);

/* A random locally administered MAC in QEMU's 52:54:00 range, into buf[18]. */
int lv_random_mac(char buf[18]);

/* True when uri names a remote host (qemu+ssh://host/system, ...). */
bool lv_uri_is_remote(const char *uri);

/*
 * Can /dev/kvm run an ordinary guest?  Runs a few instructions in a KVM
 * vCPU in a child process (2 s deadline): 32-bit protected mode with an IRET,
 * what every BIOS and boot loader does.  Hosts where KVM can only run
 * paravirtualised guests (PVM) fail it with an emulation error, as real
 * guests do there.  Returns 1 (works), 0 (does not: why says so) or -1
 * (could not probe: why says so).
 */
int lv_kvm_probe(char *why, size_t why_size);

/* libvirt's last error message (never NULL), and whether its code is code. */
const char *lverr(void);
bool lverr_is(int code);

/* Storage volumes, for hypervisors whose files are not ours (lv-vol.c).
 * The pool NAME, started if inactive (errors carry code). */
int lv_pool(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *name, int code,
	    virStoragePoolPtr *out, struct mc_error *err);
/* Define, build, start and autostart a directory pool NAME at LV_POOL_DIR
 * unless it exists (what virt-install does for "default"). */
#define LV_POOL_DIR "/var/lib/libvirt/images"
int lv_pool_make(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *name, struct mc_error *err);
/* Reserve an IPv4 address for mac in the network's DHCP (a <host mac ip>
 * entry, in its persistent and live definitions): want, or (want NULL) the
 * first free address of its range.  *ip NULL, and 0, when there is nothing
 * to reserve in (no IPv4 DHCP range, a full range, a network this
 * connection may not change) and want is NULL: the machine takes a lease. */
int lv_net_reserve(struct mc_driver_ctx *ctx, virNetworkPtr net, const char *mac, const char *want, char **ip,
		   struct mc_error *err);
/* Remove that entry; one that is gone already is fine. */
int lv_net_release(struct mc_driver_ctx *ctx, virNetworkPtr net, const char *mac, const char *ip,
		   struct mc_error *err);

/* A file of the boot ISO (the ISO itself, or the kernel and initrd it
 * boots; what names it in messages) uploaded into pool once per ISO: the
 * volume is named prefix + SHA-256 + suffix (the ISO's SHA-256 in lower-case
 * hex, ctx->flags["iso-sha256"] as the core prepared it); *vpath: its path
 * there. */
int lv_vol_put_file(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, const char *path, const char *what,
		    const char *prefix, const char *suffix, char **vpath, struct mc_error *err);
/* A new raw volume NAME of size bytes (sparse where the pool allows) whose
 * first len bytes are head; *vpath: its path there. */
int lv_vol_put_disk(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, const char *name,
		    unsigned long long size, const char *head, size_t len, char **vpath,
		    struct mc_error *err);

#endif
