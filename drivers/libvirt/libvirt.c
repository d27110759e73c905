/*
 * The libvirt driver (a loadable module: machinectl-driver-libvirt.so).
 *
 * A machine is a persistent libvirt domain "machinectl-NAME" that boots the
 * ISO from a cdrom and keeps its data on a sparse raw disk in the machine's
 * directory; that disk starts with the boot2docker userdata tar (the SSH
 * key).  The domain is found again by the UUID recorded at create.  See
 * doc/libvirt.md.
 *
 * The driver's JSON (config.json "Driver"): URI, DomainName, UUID,
 * DomainType, MACAddress, Network, DiskPath, DiskSize, ISO, ISOSource,
 * ISOVersion, Memory, CPU, CacheMode, ConsoleLog, IPTimeout, StopTimeout and
 * IPAddress (the last address seen; url is computed from it without I/O).
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "driver.h"
#include "lv.h"

#define POLL_MS 250

static const struct mc_driver_flag lv_flags[] = {
	{ "libvirt-uri", "LIBVIRT_URI", "qemu:///system",
	  "libvirt connection URI (qemu:///system, qemu:///session, test:///default)", MC_FLAG_STRING },
	{ "libvirt-cpu-count", "LIBVIRT_CPU_COUNT", "1", "number of virtual CPUs", MC_FLAG_INT,
	  .min = 1, .max = 256 },
	{ "libvirt-memory", "LIBVIRT_MEMORY", "1024", "guest memory in MB", MC_FLAG_INT,
	  .min = 64, .max = 16 << 20 },
	{ "libvirt-disk-size", "LIBVIRT_DISK_SIZE", "20000", "data disk size in MB (a sparse file)",
	  MC_FLAG_INT, .min = 64, .max = 64 << 20 },
	{ "libvirt-network", "LIBVIRT_NETWORK", "default",
	  "libvirt network of the NIC (started when inactive)", MC_FLAG_STRING },
	{ "libvirt-domain-type", "LIBVIRT_DOMAIN_TYPE", "auto",
	  "auto, kvm or qemu (TCG); auto uses KVM only when it is offered and a probe guest runs",
	  MC_FLAG_STRING, MC_VALUE_CHOICE, "auto kvm qemu" },
	{ "libvirt-cache-mode", "LIBVIRT_CACHE_MODE", "default",
	  "data disk cache mode: default, none, writethrough, writeback, directsync or unsafe",
	  MC_FLAG_STRING, MC_VALUE_CHOICE, "default none writethrough writeback directsync unsafe" },
	{ "libvirt-tb-cache", "LIBVIRT_TB_CACHE", "128",
	  "TCG translation cache in MiB for domain type qemu (0: QEMU's default)",
	  MC_FLAG_INT, .min = 0, .max = 1024 },
	{ "libvirt-ip-timeout", "LIBVIRT_IP_TIMEOUT", "300",
	  "seconds create/start wait for the machine's IP address", MC_FLAG_INT,
	  .min = 1, .max = 86400 },
	{ "libvirt-stop-timeout", "LIBVIRT_STOP_TIMEOUT", "90",
	  "seconds stop waits after the ACPI shutdown before forcing the machine off", MC_FLAG_INT,
	  .min = 0, .max = 86400 },
	{ "libvirt-storage-pool", "LIBVIRT_STORAGE_POOL", NULL,
	  "storage pool that receives the boot ISO and the data disk as uploaded volumes (default: files in the store; \"default\" for a remote URI such as qemu+ssh://host/system)",
	  MC_FLAG_STRING },
	{ "iso", "MACHINECTL_ISO", NULL,
	  "boot ISO: a path, file:// or http(s):// URL (default: config.ini [defaults] iso, else the machine OS ISO: the newest cached, else downloaded from the release URL (iso-url), see 'os build')",
	  MC_FLAG_STRING, MC_VALUE_FILE },
	{ "libvirt-boot2docker-url", "LIBVIRT_BOOT2DOCKER_URL", NULL, "alias of --iso", MC_FLAG_STRING },
	{ "iso-sha256", "MACHINECTL_ISO_SHA256", NULL, "expected SHA-256 of the boot ISO",
	  MC_FLAG_STRING },
	{ "libvirt-ip", "LIBVIRT_IP", NULL,
	  "the machine's IPv4 address, reserved for it in the libvirt network's DHCP (default: the first free address of the range)",
	  MC_FLAG_STRING },
	{ "libvirt-iso-boot", "LIBVIRT_ISO_BOOT", NULL,
	  "boot the ISO through its boot loader (BIOS, ISOLINUX) instead of starting its kernel directly (slower)",
	  MC_FLAG_BOOL },
	{ NULL },
};

/* --- libvirt plumbing --- */

static void quiet(void *data, virErrorPtr e)
{
	/* libvirt prints every error on stderr by default; ours carry them. */
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void lv_init(void)
{
	virInitialize();
	virSetErrorFunc(NULL, quiet);
}

const char *lverr(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

bool lverr_is(int code)
{
	virErrorPtr e = virGetLastError();

	return e && e->code == code;
}

static bool lverr_unsupported(void)
{
	return lverr_is(VIR_ERR_NO_SUPPORT) || lverr_is(VIR_ERR_ARGUMENT_UNSUPPORTED) ||
	       lverr_is(VIR_ERR_OPERATION_UNSUPPORTED);
}

struct lv {
	virConnectPtr conn;
	virDomainPtr dom;
};

static void lv_close(struct lv *lv)
{
	if (lv->dom)
		virDomainFree(lv->dom);
	if (lv->conn)
		virConnectClose(lv->conn);
	lv->dom = NULL;
	lv->conn = NULL;
}

static void lv_closep(struct lv *lv) { lv_close(lv); }
#define _cleanup_lv_ __attribute__((cleanup(lv_closep)))

static const char *cfg_uri(struct mc_driver_ctx *ctx)
{
	const char *u = mc_json_str(ctx->config, "URI");

	return u ? u : "qemu:///system";
}

/* One connection per URI for the whole process: `ls` asks every machine's
 * state from parallel threads, and a connection per call costs a handshake
 * each (libvirt connections are thread-safe).  The cache holds one reference;
 * every lv holds its own. */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *uri;
	virConnectPtr conn;
} conns[8];
static size_t nconns;

static int lv_connect(struct mc_driver_ctx *ctx, const char *uri, int code, struct lv *lv,
		      struct mc_error *err)
{
	pthread_once(&init_once, lv_init);
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < nconns; i++)
		if (!strcmp(conns[i].uri, uri) && virConnectIsAlive(conns[i].conn) == 1) {
			virConnectRef(conns[i].conn);
			lv->conn = conns[i].conn;
			pthread_mutex_unlock(&conns_lock);
			return 0;
		}
	lv->conn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0);
	if (!lv->conn) {
		pthread_mutex_unlock(&conns_lock);
		return ctx->host->error_set(err, code,
					    "cannot connect to libvirt at %s: %s: is libvirtd running, and may this user use it (root or the libvirt group)? Another hypervisor: --libvirt-uri",
					    uri, lverr());
	}
	virConnSetErrorFunc(lv->conn, NULL, quiet);
	if (nconns < sizeof(conns) / sizeof(conns[0]) && (conns[nconns].uri = strdup(uri))) {
		virConnectRef(lv->conn);
		conns[nconns++].conn = lv->conn;
	}
	pthread_mutex_unlock(&conns_lock);
	return 0;
}

/* Connect and find the machine's domain.  *gone is set (and 0 returned) when
 * the domain no longer exists; gone == NULL makes that an error. */
static int lv_open(struct mc_driver_ctx *ctx, struct lv *lv, bool *gone, struct mc_error *err)
{
	const char *uuid = mc_json_str(ctx->config, "UUID");
	const char *name = mc_json_str(ctx->config, "DomainName");

	if (gone)
		*gone = false;
	if (!uuid && !name)
		return ctx->host->error_set(err, MC_E_INVALID,
					    "machine \"%s\" has no libvirt domain in its config.json: remove it with 'machinectl rm -f %s'",
					    ctx->machine_name, ctx->machine_name);
	if (lv_connect(ctx, cfg_uri(ctx), MC_E_FAILED, lv, err) < 0)
		return -1;
	lv->dom = uuid ? virDomainLookupByUUIDString(lv->conn, uuid)
		       : virDomainLookupByName(lv->conn, name);
	if (lv->dom)
		return 0;
	if (lverr_is(VIR_ERR_NO_DOMAIN)) {
		if (gone) {
			*gone = true;
			return 0;
		}
		return ctx->host->error_set(err, MC_E_NOT_FOUND,
					    "the libvirt domain %s of machine \"%s\" no longer exists at %s: remove the machine with 'machinectl rm -f %s'",
					    name ? name : uuid, ctx->machine_name, cfg_uri(ctx),
					    ctx->machine_name);
	}
	return ctx->host->error_set(err, MC_E_FAILED, "cannot look up the libvirt domain %s at %s: %s",
				    name ? name : uuid, cfg_uri(ctx), lverr());
}

static enum mc_state map_state(int st, bool managed_save)
{
	switch (st) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		return MC_STATE_RUNNING;
	case VIR_DOMAIN_PAUSED:
	case VIR_DOMAIN_PMSUSPENDED:
		return MC_STATE_PAUSED;
	case VIR_DOMAIN_SHUTDOWN:
		return MC_STATE_STOPPING;
	case VIR_DOMAIN_SHUTOFF:
		return managed_save ? MC_STATE_SAVED : MC_STATE_STOPPED;
	case VIR_DOMAIN_CRASHED:
		return MC_STATE_ERROR;
	default:
		return MC_STATE_NONE;
	}
}

static int dom_state(struct mc_driver_ctx *ctx, virDomainPtr dom, int *st, struct mc_error *err)
{
	const char *name = virDomainGetName(dom);  /* first: libvirt calls reset lverr() */
	int reason;

	if (virDomainGetState(dom, st, &reason, 0) < 0)
		return ctx->host->error_set(err, MC_E_FAILED,
					    "cannot get the state of machine \"%s\" (libvirt domain %s): %s",
					    ctx->machine_name, name, lverr());
	return 0;
}

static enum mc_state dom_mc_state(virDomainPtr dom, int st)
{
	return map_state(st, st == VIR_DOMAIN_SHUTOFF && virDomainHasManagedSaveImage(dom, 0) == 1);
}

static const char *state_name(enum mc_state st)
{
	static const char *const names[] = {
		[MC_STATE_NONE] = "None", [MC_STATE_RUNNING] = "Running", [MC_STATE_PAUSED] = "Paused",
		[MC_STATE_SAVED] = "Saved", [MC_STATE_STOPPED] = "Stopped", [MC_STATE_STOPPING] = "Stopping",
		[MC_STATE_STARTING] = "Starting", [MC_STATE_ERROR] = "Error", [MC_STATE_TIMEOUT] = "Timeout",
	};

	return (size_t)st < MC_ARRAY_SIZE(names) && names[st] ? names[st] : "Unknown";
}

static void sleep_ms(long long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
}

/* --- IP discovery --- */

/* The IPv4 (else IPv6) address of the NIC with mac, from one source.
 * Returns 1 found, 0 not found, -1 on a libvirt error (errno-like in lverr). */
static int addr_from(virDomainPtr dom, unsigned src, const char *mac, char **ip)
{
	virDomainInterfacePtr *ifs = NULL;
	int n = virDomainInterfaceAddresses(dom, &ifs, src, 0);
	char *v6 = NULL;

	if (n < 0)
		return -1;
	*ip = NULL;
	for (int i = 0; i < n; i++) {
		if (!*ip && ifs[i]->hwaddr && !strcasecmp(ifs[i]->hwaddr, mac))
			for (unsigned j = 0; j < ifs[i]->naddrs; j++) {
				virDomainIPAddressPtr a = &ifs[i]->addrs[j];

				if (a->type == VIR_IP_ADDR_TYPE_IPV4 && !*ip)
					*ip = mc_strdup(a->addr);
				else if (a->type == VIR_IP_ADDR_TYPE_IPV6 && !v6 &&
					 !mc_startswith(a->addr, "fe80"))
					v6 = mc_strdup(a->addr);
			}
		virDomainInterfaceFree(ifs[i]);
	}
	free(ifs);
	if (!*ip)
		*ip = v6;
	else
		free(v6);
	return *ip ? 1 : 0;
}

/* DHCP lease first, then the host's ARP table.  MC_E_UNSUPPORTED when the
 * connection offers neither. */
static int query_ip(struct mc_driver_ctx *ctx, virDomainPtr dom, char **ip, struct mc_error *err)
{
	const char *mac = mc_json_str(ctx->config, "MACAddress");
	static const unsigned srcs[] = { VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
					 VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP };
	int unsupported = 0;
	char lasterr[256] = "";

	*ip = NULL;
	if (!mac)
		return ctx->host->error_set(err, MC_E_INVALID, "machine \"%s\" has no MAC address in its config.json",
					    ctx->machine_name);
	for (size_t i = 0; i < MC_ARRAY_SIZE(srcs); i++) {
		int r = addr_from(dom, srcs[i], mac, ip);

		if (r > 0)
			return 0;
		if (r < 0) {
			unsupported += lverr_unsupported();
			snprintf(lasterr, sizeof(lasterr), "%s", lverr());
		}
	}
	if (unsupported == (int)MC_ARRAY_SIZE(srcs))
		return ctx->host->error_set(err, MC_E_UNSUPPORTED,
					    "the libvirt connection %s cannot report interface addresses: %s",
					    cfg_uri(ctx), lasterr);
	return 0;
}

/* Poll for the IP (≤ every 250 ms) until the deadline; records IPAddress. */
static int wait_ip(struct mc_driver_ctx *ctx, virDomainPtr dom, char **ip, struct mc_error *err)
{
	long long timeout_s = mc_json_int(ctx->config, "IPTimeout", 300);
	const char *mac = mc_json_str(ctx->config, "MACAddress");
	/* The console log in the store, or (remote hosts) the pty there. */
	_cleanup_free_ char *con = mc_json_str(ctx->config, "ConsoleLog")
					   ? mc_strdup(mc_json_str(ctx->config, "ConsoleLog"))
					   : mc_asprintf("'virsh -c %s console %s' while it boots", cfg_uri(ctx),
							 mc_json_str(ctx->config, "DomainName"));
	long long t0 = mc_now_ms(), next_note = t0 + 30000;

	ctx->host->phase(ctx, "Waiting for an IP...");
	for (;;) {
		int st;

		if (query_ip(ctx, dom, ip, err) < 0)
			return -1;
		if (*ip) {
			mc_json_set_str(ctx->config, "IPAddress", *ip);
			return 0;
		}
		if (dom_state(ctx, dom, &st, err) < 0)
			return -1;
		if (st != VIR_DOMAIN_RUNNING && st != VIR_DOMAIN_BLOCKED)
			return ctx->host->error_set(err, MC_E_STATE,
						    "machine \"%s\" stopped (state %s) while waiting for an IP: see its console, %s",
						    ctx->machine_name, state_name(map_state(st, false)), con);
		if (mc_now_ms() - t0 >= timeout_s * 1000)
			return ctx->host->error_set(err, MC_E_TIMEOUT,
						    "no IP address after %llds in phase \"Waiting for an IP\" (no DHCP lease or ARP entry for MAC %s on network %s): see its console, %s",
						    timeout_s, mac,
						    mc_json_str(ctx->config, "Network"), con);
		if (mc_now_ms() >= next_note) {
			ctx->host->phase(ctx,
					 "Still waiting for an IP (no DHCP lease for %s yet; console: %s)...",
					 mac, con);
			next_note += 30000;
		}
		sleep_ms(POLL_MS);
	}
}

/* --- networks, domain types --- */

/* Start the network when it is inactive (after a host reboot, say). */
static int ensure_network(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *net,
			  int code, struct mc_error *err)
{
	virNetworkPtr n = virNetworkLookupByName(conn, net);
	int active, r = 0;

	if (!n) {
		if (lverr_is(VIR_ERR_NO_NETWORK))
			return ctx->host->error_set(err, code,
						    "libvirt network \"%s\" not found at %s: list the networks with 'virsh -c %s net-list --all', or choose one with --libvirt-network",
						    net, cfg_uri(ctx), cfg_uri(ctx));
		return ctx->host->error_set(err, code, "cannot look up the libvirt network \"%s\": %s",
					    net, lverr());
	}
	active = virNetworkIsActive(n);
	if (active == 0) {
		ctx->host->phase(ctx, "Starting the libvirt network %s...", net);
		if (virNetworkCreate(n) < 0 && !lverr_is(VIR_ERR_OPERATION_INVALID))
			r = ctx->host->error_set(err, code,
						 "cannot start the libvirt network \"%s\": %s: try 'virsh -c %s net-start %s'",
						 net, lverr(), cfg_uri(ctx), net);
	} else if (active < 0) {
		r = ctx->host->error_set(err, code, "cannot get the state of the libvirt network \"%s\": %s",
					 net, lverr());
	}
	virNetworkFree(n);
	return r;
}

/* --libvirt-domain-type: auto, kvm or qemu -> the domain type to use. */
static int choose_type(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *uri,
		       const char *want, const char **type, struct mc_error *err)
{
	const char *hv = virConnectGetType(conn);
	char *caps;
	bool offered;
	char why[256];
	int probe;

	if (!hv)
		return ctx->host->error_set(err, MC_E_PRECREATE, "cannot get the hypervisor type of %s: %s",
					    uri, lverr());
	if (!strcasecmp(hv, "test")) {
		/* libvirt's test driver: domains have type 'test', nothing runs. */
		*type = "test";
		return 0;
	}
	if (strcasecmp(hv, "qemu") != 0)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "%s is a %s hypervisor: the libvirt driver needs QEMU (a qemu:// URI)",
					    uri, hv);
	if (mc_streq(want, "qemu")) {
		*type = "qemu";
		ctx->host->phase(ctx, "Using domain type qemu (TCG, as asked)");
		return 0;
	}
	caps = virConnectGetDomainCapabilities(conn, NULL, "x86_64", NULL, "kvm", 0);
	offered = caps != NULL;
	free(caps);
	if (mc_streq(want, "kvm")) {
		if (!offered)
			return ctx->host->error_set(err, MC_E_PRECREATE,
						    "--libvirt-domain-type kvm, but %s does not offer KVM: %s: use --libvirt-domain-type qemu (TCG, slower) or auto",
						    uri, lverr());
		*type = "kvm";
		ctx->host->phase(ctx, "Using domain type kvm (as asked)");
		return 0;
	}
	if (!offered) {
		*type = "qemu";
		ctx->host->phase(ctx,
				 "Using domain type qemu (TCG): %s does not offer KVM", uri);
		return 0;
	}
	if (lv_uri_is_remote(uri)) {
		/* The probe runs here, not on the remote host: trust its capabilities. */
		*type = "kvm";
		ctx->host->phase(ctx,
				 "Using domain type kvm (offered by the remote host %s; not probed)", uri);
		return 0;
	}
	probe = lv_kvm_probe(why, sizeof(why));
	*type = probe == 1 ? "kvm" : "qemu";
	ctx->host->phase(ctx, "Using domain type %s (%s): %s", *type,
			 probe == 1 ? "KVM" : "TCG, slower", why);
	return 0;
}

static char *domain_name(const char *machine)
{
	return mc_asprintf("machinectl-%s", machine);
}

/* --- operations --- */

static const char *flag_uri(struct mc_driver_ctx *ctx);

static int check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *sh = json_object_get(f, "shares"), *v;
	const char *ip = mc_json_str(f, "libvirt-ip");
	const char *uri = mc_json_str(f, "libvirt-uri");
	size_t i;

	if (uri && !*uri)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "--libvirt-uri is empty: give a libvirt URI, or leave it out for qemu:///system");
	/* XML 1.0 cannot hold other control characters, not even escaped. */
	json_array_foreach(sh, i, v) {
		for (const char *p = mc_json_str(v, "Host") ?: ""; *p; p++)
			if (((unsigned char)*p < 32 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 127)
				return ctx->host->error_set(err, MC_E_PRECREATE,
							    "--share: the host path \"%s\" holds a control character libvirt's XML cannot carry: rename the folder",
							    mc_json_str(v, "Host"));
	}
	if (lv_uri_is_remote(flag_uri(ctx))) {
		json_array_foreach(sh, i, v) {
			if (!mc_json_bool(v, "Default"))
				return ctx->host->error_set(err, MC_E_PRECREATE,
							    "--share %s: the libvirt host %s is another machine, which cannot see this one's folders; remove --share",
							    mc_json_str(v, "Host"), flag_uri(ctx));
		}
	}
	if (ip && *ip && inet_pton(AF_INET, ip, &(struct in_addr){ 0 }) != 1)
		return ctx->host->error_set(err, MC_E_PRECREATE, "invalid --libvirt-ip \"%s\": not an IPv4 address", ip);
	return 0;
}

static const char *flag_uri(struct mc_driver_ctx *ctx)
{
	const char *u = mc_json_str(ctx->flags, "libvirt-uri");

	return u && *u ? u : "qemu:///system";
}

/* The storage pool for the machine's files: asked for, or "default" when
 * the hypervisor is on another host (our files are not its files); NULL:
 * files in the store. */
static const char *flag_pool(struct mc_driver_ctx *ctx)
{
	const char *p = mc_json_str(ctx->flags, "libvirt-storage-pool");

	if (p && *p)
		return p;
	return lv_uri_is_remote(flag_uri(ctx)) ? "default" : NULL;
}

/* QEMU's uid and gid on a local hypervisor (the capabilities' DAC base label
 * for the domain type, "+64055:+108"); false when it does not say. */
static bool qemu_ids(virConnectPtr conn, const char *type, long *uid, long *gid)
{
	_cleanup_free_ char *caps = virConnectGetCapabilities(conn);
	_cleanup_free_ char *pat = mc_asprintf("<baselabel type='%s'>+", type);
	const char *p = caps ? strstr(caps, pat) : NULL;
	char *end;

	if (!p)
		return false;
	*uid = strtol(p + strlen(pat), &end, 10);
	*gid = strncmp(end, ":+", 2) == 0 ? strtol(end + 2, NULL, 10) : -1;
	return true;
}

/* Whether a process of uid/gid can open files in dir: every directory from
 * the root down lets it through (its owner, group or other x bit). */
static bool reachable_by(const char *dir, long uid, long gid)
{
	char path[PATH_MAX], *p;
	struct stat st;

	if (!realpath(dir, path))
		return false;
	for (p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (stat(*path ? path : "/", &st) < 0)
				return false;
			if (!(st.st_uid == (uid_t)uid ? st.st_mode & S_IXUSR
			      : st.st_gid == (gid_t)gid ? st.st_mode & S_IXGRP
							: st.st_mode & S_IXOTH))
				return false;
			*p = c;
		}
		if (!*p)
			return true;
	}
}

/* Where the machine's files go, recorded as StoragePool (none: the store):
 * --libvirt-storage-pool; "default" for a remote host; "default" too when
 * QEMU runs as a user who cannot reach the store (qemu:///system on Debian:
 * libvirt-qemu, and a store in /root), a pool made if there is none. */
static int choose_pool(struct mc_driver_ctx *ctx, virConnectPtr conn, const char *type,
		       struct mc_error *err)
{
	const char *pool = flag_pool(ctx);
	virStoragePoolPtr p;
	long uid, gid;

	if (!pool && !mc_streq(type, "test") && qemu_ids(conn, type, &uid, &gid) && uid != 0 &&
	    uid != (long)geteuid() && !reachable_by(ctx->machine_dir, uid, gid)) {
		pool = "default";
		json_object_set_new(ctx->config, "AutoPool", json_true());
		ctx->host->phase(ctx,
				 "QEMU runs as uid %ld here and cannot reach %s: the data disk and the ISO go into the storage pool \"%s\"",
				 uid, ctx->store_path, pool);
	}
	if (!pool)
		return 0;
	mc_json_set_str(ctx->config, "StoragePool", pool);
	if (lv_pool(ctx, conn, pool, MC_E_PRECREATE, &p, err) < 0) {
		if (!mc_json_bool(ctx->config, "AutoPool"))
			return -1;
		mc_error_clear(err);  /* made by create, as virt-install does */
		return 0;
	}
	virStoragePoolFree(p);
	return 0;
}

static int lv_precreate(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *uri = flag_uri(ctx);
	const char *net = mc_json_str(ctx->flags, "libvirt-network");
	const char *iso = mc_json_str(ctx->flags, "iso");
	_cleanup_lv_ struct lv lv = { 0 };
	_cleanup_free_ char *dname = domain_name(ctx->machine_name);
	const char *type;
	virDomainPtr other;

	/* The core resolves --iso (downloads URLs) before the driver runs. */
	if (!iso || !*iso)
		return ctx->host->error_set(err, MC_E_PRECREATE, "no boot ISO: pass --iso PATH|URL");
	if (iso[0] != '/' || !mc_file_exists(iso))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "the boot ISO \"%s\" is not an existing local file", iso);
	if (lv_connect(ctx, uri, MC_E_PRECREATE, &lv, err) < 0)
		return -1;
	if (choose_type(ctx, lv.conn, uri, mc_json_str(ctx->flags, "libvirt-domain-type"), &type,
			err) < 0)
		return -1;
	mc_json_set_str(ctx->config, "DomainType", type);
	if (choose_pool(ctx, lv.conn, type, err) < 0)
		return -1;
	{
		virNetworkPtr n = virNetworkLookupByName(lv.conn, net ? net : "default");

		if (!n)
			return ctx->host->error_set(err, MC_E_PRECREATE,
						    lverr_is(VIR_ERR_NO_NETWORK)
							    ? "libvirt network \"%s\" not found at %s: list the networks with 'virsh -c %s net-list --all', or choose one with --libvirt-network"
							    : "cannot look up the libvirt network \"%s\" at %s (%s): %s",
						    net ? net : "default", uri, uri, lverr());
		virNetworkFree(n);
	}
	other = virDomainLookupByName(lv.conn, dname);
	if (other) {
		virDomainFree(other);
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "a libvirt domain named %s already exists at %s (a machine of another store, or a leftover): remove it with 'virsh -c %s undefine %s' or choose another name",
					    dname, uri, uri, dname);
	}
	return 0;
}

/* Start the domain: network up, virDomainCreate, wait for the IP. */
static int boot(struct mc_driver_ctx *ctx, virConnectPtr conn, virDomainPtr dom,
		struct mc_error *err)
{
	const char *net = mc_json_str(ctx->config, "Network");
	_cleanup_free_ char *ip = NULL;
	struct mc_error e = { 0 };

	if (ensure_network(ctx, conn, net ? net : "default", MC_E_FAILED, err) < 0)
		return -1;
	if (virDomainCreate(dom) < 0) {
		const char *m = lverr();

		return ctx->host->error_set(err, MC_E_FAILED, "cannot start machine \"%s\" (libvirt domain %s): %s%s",
					    ctx->machine_name, mc_json_str(ctx->config, "DomainName"), m,
					    strstr(m, "ermission denied")
						    ? ": QEMU may run as another user (qemu.conf user=) that cannot read the store; see doc/libvirt.md"
						    : "");
	}
	if (wait_ip(ctx, dom, &ip, &e) < 0) {
		if (e.code != MC_E_UNSUPPORTED)
			return ctx->host->error_set(err, e.code, "%s", e.msg);
		ctx->host->log(MC_LOG_DEBUG, "machine \"%s\": %s; not waiting for an IP",
			       ctx->machine_name, e.msg);
	}
	return 0;
}

/* The domain as the machine's config.json describes it. */
static void spec_from_config(struct mc_driver_ctx *ctx, struct lv_domain_spec *spec)
{
	json_t *c = ctx->config;
	const char *type = mc_json_str(c, "DomainType");

	*spec = (struct lv_domain_spec){
		.name = mc_json_str(c, "DomainName"),
		.machine = ctx->machine_name,
		.store = ctx->store_path,
		.type = mc_streq(type, "kvm") ? "kvm" : mc_streq(type, "test") ? "test" : "qemu",
		.memory_mb = mc_json_int(c, "Memory", 1024),
		.cpus = mc_json_int(c, "CPU", 1),
		.iso = mc_json_str(c, "ISOVolumePath") ? mc_json_str(c, "ISOVolumePath") : mc_json_str(c, "ISO"),
		.kernel = mc_json_str(c, "KernelVolumePath") ? mc_json_str(c, "KernelVolumePath")
							      : mc_json_str(c, "Kernel"),
		.initrd = mc_json_str(c, "InitrdVolumePath") ? mc_json_str(c, "InitrdVolumePath")
							      : mc_json_str(c, "Initrd"),
		.cmdline = mc_json_str(c, "Cmdline"),
		.disk = mc_json_str(c, "DiskVolumePath") ? mc_json_str(c, "DiskVolumePath") : mc_json_str(c, "DiskPath"),
		.cache_mode = mc_json_str(c, "CacheMode"),
		.network = mc_json_str(c, "Network"),
		.mac = mc_json_str(c, "MACAddress"),
		.console_log = mc_json_str(c, "ConsoleLog"),
		.tb_cache_mb = mc_json_int(c, "TBCache", 128),
		.shares = json_object_get(c, "Shares"),
	};
}

/* Direct kernel boot (not with --libvirt-iso-boot, recorded as ISOBoot):
 * the kernel, initrd and command line the ISO of ctx->flags boots, recorded
 * as Kernel, Initrd and Cmdline; none when it boots only from the CD. */
static int record_boot(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	static const char *const keys[] = { "Kernel", "Initrd", "Cmdline", "KernelVolumePath",
					    "InitrdVolumePath" };
	_cleanup_free_ char *k = NULL, *i = NULL, *cl = NULL;
	json_t *c = ctx->config;

	for (size_t n = 0; n < MC_ARRAY_SIZE(keys); n++)
		json_object_del(c, keys[n]);
	if (mc_json_bool(c, "ISOBoot"))
		return 0;
	if (ctx->host->iso_boot_files(ctx, &k, &i, &cl, err) < 0)
		return -1;
	if (!k) {
		ctx->host->log(MC_LOG_DEBUG, "the ISO %s has no /isolinux/isolinux.cfg kernel: booting the CD",
			       mc_json_str(ctx->flags, "iso"));
		return 0;
	}
	mc_json_set_str(c, "Kernel", k);
	mc_json_set_str(c, "Initrd", i);
	mc_json_set_str(c, "Cmdline", cl);
	return 0;
}

/* Pool mode: the ISO (and the kernel and initrd it boots) uploaded once
 * per ISO, their volume paths recorded. */
static int put_iso(struct mc_driver_ctx *ctx, virStoragePoolPtr pool, struct mc_error *err)
{
	json_t *c = ctx->config;
	_cleanup_free_ char *iso = NULL, *k = NULL, *i = NULL;

	if (lv_vol_put_file(ctx, pool, mc_json_str(c, "ISO"), "boot ISO", "machinectl-iso-", ".iso", &iso, err) < 0)
		return -1;
	if (mc_json_str(c, "Kernel") &&
	    (lv_vol_put_file(ctx, pool, mc_json_str(c, "Kernel"), "kernel of the boot ISO", "machinectl-kernel-", "",
			     &k, err) < 0 ||
	     lv_vol_put_file(ctx, pool, mc_json_str(c, "Initrd"), "initrd of the boot ISO", "machinectl-initrd-", "",
			     &i, err) < 0))
		return -1;
	mc_json_set_str(c, "ISOVolumePath", iso);
	mc_json_set_str(c, "KernelVolumePath", k);
	mc_json_set_str(c, "InitrdVolumePath", i);
	return 0;
}

/* Pool mode: the ISO and the data disk (the userdata tar, then zeros)
 * uploaded as volumes; their paths on the hypervisor's host recorded. */
static int put_files(struct mc_driver_ctx *ctx, virConnectPtr conn, struct mc_error *err)
{
	json_t *c = ctx->config;
	_cleanup_free_ char *disk = NULL, *tar = NULL;
	virStoragePoolPtr pool;
	size_t len;
	int r = -1;

	if (ctx->host->userdata_tar(ctx, &tar, &len, err) < 0)
		return -1;
	if (mc_json_bool(c, "AutoPool") && lv_pool_make(ctx, conn, mc_json_str(c, "StoragePool"), err) < 0)
		return -1;
	if (lv_pool(ctx, conn, mc_json_str(c, "StoragePool"), MC_E_FAILED, &pool, err) < 0)
		return -1;
	if (lv_vol_put_disk(ctx, pool, mc_json_str(c, "DiskVolume"),
			    (unsigned long long)mc_json_int(c, "DiskSize", 20000) << 20, tar, len, &disk, err) == 0 &&
	    put_iso(ctx, pool, err) == 0) {
		mc_json_set_str(c, "DiskVolumePath", disk);
		r = 0;
	}
	virStoragePoolFree(pool);
	return r;
}

/* The machine's address fixed in the network's DHCP before it boots
 * (recorded as ReservedIP, and as IPAddress: known at create, and the same
 * after every start). */
static int reserve_ip(struct mc_driver_ctx *ctx, virConnectPtr conn, struct mc_error *err)
{
	const char *want = mc_json_str(ctx->flags, "libvirt-ip");
	virNetworkPtr n = virNetworkLookupByName(conn, mc_json_str(ctx->config, "Network"));
	_cleanup_free_ char *ip = NULL;
	int r;

	if (!n)  /* explained by the boot, or now when an address was asked for */
		return want && *want ? ensure_network(ctx, conn, mc_json_str(ctx->config, "Network"), MC_E_FAILED, err)
				     : 0;
	r = lv_net_reserve(ctx, n, mc_json_str(ctx->config, "MACAddress"), want && *want ? want : NULL, &ip, err);
	virNetworkFree(n);
	if (r == 0 && ip) {
		mc_json_set_str(ctx->config, "ReservedIP", ip);
		mc_json_set_str(ctx->config, "IPAddress", ip);
		ctx->host->phase(ctx, "Reserved %s for the machine in the libvirt network %s...", ip,
				 mc_json_str(ctx->config, "Network"));
	}
	return r;
}

static int release_ip(struct mc_driver_ctx *ctx, virConnectPtr conn, struct mc_error *err)
{
	const char *ip = mc_json_str(ctx->config, "ReservedIP");
	virNetworkPtr n;
	int r;

	if (!ip)
		return 0;
	n = virNetworkLookupByName(conn, mc_json_str(ctx->config, "Network"));
	if (!n)
		return 0;  /* the network is gone, and its reservations with it */
	r = lv_net_release(ctx, n, mc_json_str(ctx->config, "MACAddress"), ip, err);
	virNetworkFree(n);
	return r;
}

static int lv_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *c = ctx->config;
	const char *uri = flag_uri(ctx);
	const char *net = mc_json_str(f, "libvirt-network"), *pool = mc_json_str(c, "StoragePool");
	_cleanup_lv_ struct lv lv = { 0 };
	_cleanup_free_ char *key = NULL, *dname = domain_name(ctx->machine_name);
	_cleanup_free_ char *disk = NULL, *con = NULL, *xml = NULL;
	char dir[PATH_MAX], mac[18], uuid[VIR_UUID_STRING_BUFLEN];
	const char *type;
	struct lv_domain_spec spec;

	if (!realpath(ctx->machine_dir, dir))
		return ctx->host->error_set(err, MC_E_IO, "cannot resolve %s: %s", ctx->machine_dir,
					    strerror(errno));
	/* The data disk needs the machine's public key: checked before anything is made. */
	if (ctx->host->ssh_pubkey(ctx, &key, err) < 0)
		return -1;
	if (lv_random_mac(mac) < 0)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot make a MAC address: %s", strerror(errno));
	if (!pool) {
		disk = mc_path_join(dir, "disk.raw");
		con = mc_path_join(dir, "console.log");
	}
	if (lv_connect(ctx, uri, MC_E_FAILED, &lv, err) < 0)
		return -1;
	/* Chosen by precreate (its probe result); a static string either way. */
	type = mc_json_str(c, "DomainType");
	if (type)
		type = mc_streq(type, "kvm") ? "kvm" : mc_streq(type, "test") ? "test" : "qemu";
	else if (choose_type(ctx, lv.conn, uri, mc_json_str(f, "libvirt-domain-type"), &type, err) < 0)
		return -1;

	/* Recorded first: a failure from here on is undone by remove. */
	mc_json_set_str(c, "URI", uri);
	mc_json_set_str(c, "DomainName", dname);
	mc_json_set_str(c, "DomainType", type);
	mc_json_set_str(c, "MACAddress", mac);
	mc_json_set_str(c, "Network", net ? net : "default");
	mc_json_set_str(c, "DiskPath", disk);
	mc_json_set_str(c, "ConsoleLog", con);
	mc_json_set_str(c, "ISO", mc_json_str(f, "iso"));
	mc_json_set_str(c, "ISOSource", mc_json_str(f, "iso-source"));
	mc_json_set_str(c, "ISOVersion", mc_json_str(f, "iso-version"));
	json_object_set_new(c, "ISOBoot", json_boolean(mc_json_bool(f, "libvirt-iso-boot")));
	/* A remote host cannot see our home directory: no default share there. */
	json_object_set_new(c, "Shares", json_object_get(f, "shares") && !lv_uri_is_remote(uri)
						 ? json_deep_copy(json_object_get(f, "shares"))
						 : json_array());
	if (record_boot(ctx, err) < 0)
		return -1;
	json_object_set_new(c, "CPU", json_integer(mc_json_int(f, "libvirt-cpu-count", 1)));
	json_object_set_new(c, "Memory", json_integer(mc_json_int(f, "libvirt-memory", 1024)));
	json_object_set_new(c, "DiskSize", json_integer(mc_json_int(f, "libvirt-disk-size", 20000)));
	mc_json_set_str(c, "CacheMode", mc_json_str(f, "libvirt-cache-mode"));
	json_object_set_new(c, "TBCache", json_integer(mc_json_int(f, "libvirt-tb-cache", 128)));
	json_object_set_new(c, "IPTimeout", json_integer(mc_json_int(f, "libvirt-ip-timeout", 300)));
	json_object_set_new(c, "StopTimeout", json_integer(mc_json_int(f, "libvirt-stop-timeout", 90)));
	if (pool) {
		_cleanup_free_ char *vol = mc_asprintf("%s.raw", dname);

		mc_json_set_str(c, "DiskVolume", vol);
	}
	if (ctx->host->checkpoint(ctx, err) < 0 || reserve_ip(ctx, lv.conn, err) < 0)
		return -1;

	ctx->host->phase(ctx, "Creating the data disk (%lld MB, sparse)...",
			 mc_json_int(c, "DiskSize", 20000));
	if (pool) {
		if (put_files(ctx, lv.conn, err) < 0)
			return -1;
	} else if (ctx->host->userdata_disk(ctx, disk, mc_json_int(c, "DiskSize", 20000), err) < 0) {
		return -1;
	}

	spec_from_config(ctx, &spec);
	xml = lv_domain_xml(&spec);
	ctx->host->log(MC_LOG_DEBUG, "domain XML for %s:\n%s", dname, xml);
	lv.dom = virDomainDefineXML(lv.conn, xml);
	if (!lv.dom)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot define the libvirt domain %s at %s: %s",
					    dname, uri, lverr());
	if (virDomainGetUUIDString(lv.dom, uuid) == 0)
		mc_json_set_str(c, "UUID", uuid);
	ctx->host->phase(ctx, "Starting the libvirt domain %s (type %s)...", dname, type);
	return boot(ctx, lv.conn, lv.dom, err);
}

static int redefine_boot(struct mc_driver_ctx *ctx, struct lv *lv, struct mc_error *err);

/* A kernel extracted from the ISO into the store's cache, and removed from
 * there since: the machine boots the CD again. */
static int kernel_gone(struct mc_driver_ctx *ctx, struct lv *lv, struct mc_error *err)
{
	const char *k = mc_json_str(ctx->config, "Kernel");

	if (!k || mc_json_str(ctx->config, "KernelVolumePath") ||
	    (mc_file_exists(k) && mc_file_exists(mc_json_str(ctx->config, "Initrd"))))
		return 0;
	ctx->host->phase(ctx, "The kernel of the boot ISO is gone from %s: booting the ISO's CD instead...", k);
	json_object_del(ctx->config, "Kernel");
	json_object_del(ctx->config, "Initrd");
	json_object_del(ctx->config, "Cmdline");
	return redefine_boot(ctx, lv, err);
}

static int lv_start(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };
	int st;

	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	if (st == VIR_DOMAIN_SHUTOFF && kernel_gone(ctx, &lv, err) < 0)
		return -1;
	if (st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_BLOCKED)
		return 0;
	if (st == VIR_DOMAIN_PAUSED) {
		if (virDomainResume(lv.dom) < 0)
			return ctx->host->error_set(err, MC_E_FAILED, "cannot resume machine \"%s\": %s",
						    ctx->machine_name, lverr());
		return 0;
	}
	return boot(ctx, lv.conn, lv.dom, err);
}

/* ACPI power button, wait (polling), then destroy. */
static int shutdown_dom(struct mc_driver_ctx *ctx, virDomainPtr dom, struct mc_error *err)
{
	long long timeout_s = mc_json_int(ctx->config, "StopTimeout", 90);
	long long t0 = mc_now_ms();
	int st;

	if (dom_state(ctx, dom, &st, err) < 0)
		return -1;
	if (st == VIR_DOMAIN_SHUTOFF)
		return 0;
	if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) < 0 &&
	    (!lverr_unsupported() || virDomainShutdown(dom) < 0))
		ctx->host->log(MC_LOG_DEBUG, "machine \"%s\": ACPI shutdown refused (%s)",
			       ctx->machine_name, lverr());
	ctx->host->phase(ctx, "Waiting for the machine to power off (ACPI shutdown)...");
	for (long long next = t0 + 5000;;) {
		if (dom_state(ctx, dom, &st, err) < 0)
			return -1;
		if (st == VIR_DOMAIN_SHUTOFF)
			return 0;
		if (mc_now_ms() - t0 >= timeout_s * 1000)
			break;
		/* A guest still booting has no ACPI daemon yet: press again. */
		if (mc_now_ms() >= next) {
			virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
			next += 5000;
		}
		sleep_ms(POLL_MS);
	}
	ctx->host->phase(ctx,
			 "The machine did not power off within %llds of the ACPI shutdown: forcing it off (destroy)",
			 timeout_s);
	if (virDomainDestroy(dom) < 0 && !lverr_is(VIR_ERR_OPERATION_INVALID))
		return ctx->host->error_set(err, MC_E_FAILED, "cannot force machine \"%s\" off: %s",
					    ctx->machine_name, lverr());
	return 0;
}

static int lv_stop(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };

	if (lv_open(ctx, &lv, NULL, err) < 0)
		return -1;
	return shutdown_dom(ctx, lv.dom, err);
}

static int lv_kill(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };
	int st;

	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	if (st == VIR_DOMAIN_SHUTOFF)
		return 0;
	if (virDomainDestroy(lv.dom) < 0 && !lverr_is(VIR_ERR_OPERATION_INVALID))
		return ctx->host->error_set(err, MC_E_FAILED, "cannot kill machine \"%s\": %s",
					    ctx->machine_name, lverr());
	return 0;
}

static int lv_restart(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };

	/* A clean power cycle (stop, then start) rather than a guest reboot:
	 * it works whatever the guest does with ACPI reboot requests, and the
	 * start waits for the (possibly new) IP. */
	if (lv_open(ctx, &lv, NULL, err) < 0 || shutdown_dom(ctx, lv.dom, err) < 0)
		return -1;
	return boot(ctx, lv.conn, lv.dom, err);
}

/* Undefine with everything libvirt keeps beside the definition (managed
 * save image, snapshot and checkpoint metadata, NVRAM), asking for less
 * where the driver refuses a flag (the test driver, older libvirt). */
static int undefine(virDomainPtr dom)
{
	static const unsigned tries[] = {
		VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM,
		VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(tries); i++) {
		if (virDomainUndefineFlags(dom, tries[i]) == 0)
			return 0;
		if (!lverr_unsupported() && !lverr_is(VIR_ERR_INVALID_ARG))
			return -1;
	}
	return virDomainUndefine(dom);
}

/* Pool mode: the data disk volume (the ISO volume is shared, and kept). */
static int remove_volume(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *pname = mc_json_str(ctx->config, "StoragePool"), *vname = mc_json_str(ctx->config, "DiskVolume");
	_cleanup_lv_ struct lv lv = { 0 };
	virStoragePoolPtr pool;
	virStorageVolPtr vol;
	int r = 0;

	if (!pname || !vname)
		return 0;
	if (lv_connect(ctx, cfg_uri(ctx), MC_E_FAILED, &lv, err) < 0)
		return -1;
	pool = virStoragePoolLookupByName(lv.conn, pname);
	if (!pool)
		return lverr_is(VIR_ERR_NO_STORAGE_POOL)
			       ? 0
			       : ctx->host->error_set(err, MC_E_FAILED, "cannot look up the storage pool %s: %s", pname,
						      lverr());
	vol = virStorageVolLookupByName(pool, vname);
	if (vol) {
		if (virStorageVolDelete(vol, 0) < 0 && !lverr_is(VIR_ERR_NO_STORAGE_VOL))
			r = ctx->host->error_set(err, MC_E_FAILED, "cannot delete the data disk volume %s in pool %s: %s",
						 vname, pname, lverr());
		virStorageVolFree(vol);
	} else if (!lverr_is(VIR_ERR_NO_STORAGE_VOL)) {
		r = ctx->host->error_set(err, MC_E_FAILED, "cannot look up the data disk volume %s in pool %s: %s",
					 vname, pname, lverr());
	}
	virStoragePoolFree(pool);
	return r;
}

static int lv_remove(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };
	const char *disk = mc_json_str(ctx->config, "DiskPath");
	bool gone = true;

	if (mc_json_str(ctx->config, "UUID") || mc_json_str(ctx->config, "DomainName")) {
		if (lv_open(ctx, &lv, &gone, err) < 0)
			return -1;
	}
	if (!gone) {
		int st;

		if (dom_state(ctx, lv.dom, &st, err) < 0)
			return -1;
		if (st != VIR_DOMAIN_SHUTOFF && virDomainDestroy(lv.dom) < 0 &&
		    !lverr_is(VIR_ERR_OPERATION_INVALID))
			return ctx->host->error_set(err, MC_E_FAILED, "cannot stop machine \"%s\" to remove it: %s",
						    ctx->machine_name, lverr());
		if (undefine(lv.dom) < 0 && !lverr_is(VIR_ERR_NO_DOMAIN))
			return ctx->host->error_set(err, MC_E_FAILED,
						    "cannot undefine the libvirt domain of machine \"%s\": %s",
						    ctx->machine_name, lverr());
	}
	if (lv.conn && release_ip(ctx, lv.conn, err) < 0)
		return -1;
	if (disk && unlink(disk) < 0 && errno != ENOENT)
		return ctx->host->error_set(err, MC_E_IO, "cannot delete the data disk %s: %s", disk,
					    strerror(errno));
	return remove_volume(ctx, err);
}

static int lv_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };
	int st;

	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	*out = dom_mc_state(lv.dom, st);
	return 0;
}

/* A listed domain by its UUID, as virDomainGetUUIDString writes it. */
struct uuid_dom {
	char uuid[VIR_UUID_STRING_BUFLEN];
	virDomainPtr dom;
};

static int uuid_dom_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct uuid_dom *)a)->uuid, ((const struct uuid_dom *)b)->uuid);
}

/* The listed domains sorted by UUID, for one bsearch per machine: a linear
 * search per machine made `ls` quadratic (1000 machines: 500,500 UUIDs
 * formatted).  virDomainGetUUID and our own formatting, not
 * virDomainGetUUIDString: libvirt formats with snprintf (~15 k instructions a
 * UUID).  Returns how many entries (domains whose UUID libvirt gave). */
static size_t uuid_table(virDomainPtr *doms, int nd, struct uuid_dom **out)
{
	static const char hex[] = "0123456789abcdef";
	struct uuid_dom *t = mc_calloc(nd > 0 ? (size_t)nd : 1, sizeof(*t));
	size_t k = 0;

	for (int d = 0; d < nd; d++) {
		unsigned char raw[VIR_UUID_BUFLEN];
		char *s = t[k].uuid;

		if (virDomainGetUUID(doms[d], raw) < 0)
			continue;
		for (int b = 0; b < VIR_UUID_BUFLEN; b++) {
			if (b == 4 || b == 6 || b == 8 || b == 10)
				*s++ = '-';
			*s++ = hex[raw[b] >> 4];
			*s++ = hex[raw[b] & 15];
		}
		*s = '\0';
		t[k++].dom = doms[d];
	}
	qsort(t, k, sizeof(*t), uuid_dom_cmp);
	*out = t;
	return k;
}

/* ls: one virConnectListAllDomains per distinct URI. */
static int lv_states(struct mc_driver_ctx *const *ctxs, size_t n, enum mc_state *out,
		     struct mc_error *errs, struct mc_error *err)
{
	bool *done = calloc(n, sizeof(bool));

	if (!done)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_lv_ struct lv lv = { 0 };
		const char *uri = cfg_uri(ctxs[i]);
		virDomainPtr *doms = NULL;
		struct uuid_dom *byuuid = NULL;
		size_t nuuid = 0;
		struct mc_error cerr = { 0 };
		int nd = -1;

		if (done[i])
			continue;
		if (lv_connect(ctxs[i], uri, MC_E_FAILED, &lv, &cerr) == 0 &&
		    (nd = virConnectListAllDomains(lv.conn, &doms, 0)) < 0)
			ctxs[i]->host->error_set(&cerr, MC_E_FAILED, "cannot list the domains at %s: %s",
						 uri, lverr());
		if (nd >= 0)
			nuuid = uuid_table(doms, nd, &byuuid);
		for (size_t k = i; k < n; k++) {
			struct uuid_dom key = { 0 }, *hit = NULL;
			const char *uuid = mc_json_str(ctxs[k]->config, "UUID");
			int st;

			if (done[k] || strcmp(cfg_uri(ctxs[k]), uri) != 0)
				continue;
			done[k] = true;
			out[k] = MC_STATE_ERROR;
			if (nd < 0) {
				errs[k] = cerr;
				continue;
			}
			if (uuid && strlen(uuid) < sizeof(key.uuid)) {
				memcpy(key.uuid, uuid, strlen(uuid) + 1);
				hit = bsearch(&key, byuuid, nuuid, sizeof(*byuuid), uuid_dom_cmp);
			}
			if (!hit)
				ctxs[k]->host->error_set(&errs[k], MC_E_NOT_FOUND,
							 "the libvirt domain %s of machine \"%s\" no longer exists at %s: remove the machine with 'machinectl rm -f %s'",
							 mc_json_str(ctxs[k]->config, "DomainName"),
							 ctxs[k]->machine_name, uri, ctxs[k]->machine_name);
			else if (dom_state(ctxs[k], hit->dom, &st, &errs[k]) == 0)
				out[k] = dom_mc_state(hit->dom, st);
		}
		for (int d = 0; d < nd; d++)
			virDomainFree(doms[d]);
		free(doms);
		free(byuuid);
	}
	free(done);
	return 0;
}

static int lv_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	_cleanup_lv_ struct lv lv = { 0 };
	struct mc_error e = { 0 };
	const char *cached = mc_json_str(ctx->config, "IPAddress");
	int st;

	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	if (st != VIR_DOMAIN_RUNNING && st != VIR_DOMAIN_BLOCKED)
		return ctx->host->error_set(err, MC_E_STATE, "machine \"%s\" is not running (%s)",
					    ctx->machine_name, state_name(dom_mc_state(lv.dom, st)));
	if (query_ip(ctx, lv.dom, ip, &e) == 0 && *ip) {
		mc_json_set_str(ctx->config, "IPAddress", *ip);
		return 0;
	}
	if (e.code == MC_E_UNSUPPORTED) {
		if (cached) {
			*ip = mc_strdup(cached);
			return 0;
		}
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	}
	if (e.code != MC_E_OK)
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	return wait_ip(ctx, lv.dom, ip, err);
}

/* The new ISO (and the kernel it boots) in the stopped domain's persistent
 * definition; the rest of it (a user's own edits too) is kept. */
static int redefine_boot(struct mc_driver_ctx *ctx, struct lv *lv, struct mc_error *err)
{
	_cleanup_free_ char *cd = NULL, *xml = NULL, *boot = NULL, *cur = NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	struct lv_domain_spec spec;
	virDomainPtr dom;

	spec_from_config(ctx, &spec);
	cd = lv_cdrom_xml(spec.iso, spec.type);
	if (virDomainUpdateDeviceFlags(lv->dom, cd, VIR_DOMAIN_AFFECT_CONFIG) == 0) {
		boot = lv_os_boot_xml(spec.kernel, spec.initrd, spec.cmdline, !mc_streq(spec.type, "test"));
		cur = virDomainGetXMLDesc(lv->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
		xml = cur ? lv_xml_set_boot(cur, boot) : NULL;
	} else if (lverr_unsupported()) {
		/* No device update (libvirt's test driver): define the domain
		 * again from config.json, under the same UUID. */
		if (virDomainGetUUIDString(lv->dom, uuid) < 0)
			return ctx->host->error_set(err, MC_E_FAILED, "cannot read the UUID of machine \"%s\": %s",
						    ctx->machine_name, lverr());
		spec.uuid = uuid;
		xml = lv_domain_xml(&spec);
	}
	if (!xml)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot change the ISO of machine \"%s\": %s",
					    ctx->machine_name, lverr());
	dom = virDomainDefineXML(lv->conn, xml);
	if (!dom)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot change the ISO of machine \"%s\": %s",
					    ctx->machine_name, lverr());
	virDomainFree(dom);
	return 0;
}

static int set_iso(struct mc_driver_ctx *ctx, struct lv *lv, struct mc_error *err)
{
	json_t *c = ctx->config;
	virStoragePoolPtr pool;
	int r;

	mc_json_set_str(c, "ISO", mc_json_str(ctx->flags, "iso"));
	mc_json_set_str(c, "ISOSource", mc_json_str(ctx->flags, "iso-source"));
	mc_json_set_str(c, "ISOVersion", mc_json_str(ctx->flags, "iso-version"));
	json_object_del(c, "ISOVolumePath");
	if (record_boot(ctx, err) < 0)
		return -1;
	if (mc_json_str(c, "StoragePool")) {
		if (lv_pool(ctx, lv->conn, mc_json_str(c, "StoragePool"), MC_E_FAILED, &pool, err) < 0)
			return -1;
		r = put_iso(ctx, pool, err);
		virStoragePoolFree(pool);
		if (r < 0)
			return -1;
	}
	return redefine_boot(ctx, lv, err);
}

/* upgrade: the stopped machine boots the ISO of ctx->flags; config.json
 * changes only when the domain did. */
static int lv_set_iso(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *iso = mc_json_str(ctx->flags, "iso");
	_cleanup_lv_ struct lv lv = { 0 };
	json_t *saved;
	int st, r;

	if (!iso || iso[0] != '/' || !mc_file_exists(iso))
		return ctx->host->error_set(err, MC_E_INVALID, "the boot ISO \"%s\" is not an existing local file",
					    iso ? iso : "");
	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	if (st != VIR_DOMAIN_SHUTOFF)
		return ctx->host->error_set(err, MC_E_STATE, "machine \"%s\" must be stopped to change its ISO",
					    ctx->machine_name);
	saved = json_deep_copy(ctx->config);
	r = set_iso(ctx, &lv, err);
	if (r < 0) {
		json_object_clear(ctx->config);
		json_object_update(ctx->config, saved);
	}
	json_decref(saved);
	return r;
}

/* set: define the stopped domain again from config.json with new CPUs and
 * memory, under the same UUID (what upgrade does where libvirt cannot update
 * a device). */
static int redefine(struct mc_driver_ctx *ctx, struct lv *lv, long long cpus, long long mem,
		    struct mc_error *err)
{
	_cleanup_free_ char *xml = NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	struct lv_domain_spec spec;
	virDomainPtr dom;

	if (virDomainGetUUIDString(lv->dom, uuid) < 0)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot read the UUID of machine \"%s\": %s",
					    ctx->machine_name, lverr());
	spec_from_config(ctx, &spec);
	spec.cpus = cpus;
	spec.memory_mb = mem;
	spec.uuid = uuid;
	xml = lv_domain_xml(&spec);
	dom = virDomainDefineXML(lv->conn, xml);
	if (!dom)
		return ctx->host->error_set(err, MC_E_FAILED,
					    "cannot define the libvirt domain of machine \"%s\" with %lld CPUs and %lld MB: %s",
					    ctx->machine_name, cpus, mem, lverr());
	virDomainFree(dom);
	return 0;
}

/* set: the data disk grows to mb MiB (a file in the store, or a pool volume). */
static int grow_disk(struct mc_driver_ctx *ctx, struct lv *lv, long long mb, struct mc_error *err)
{
	const char *pname = mc_json_str(ctx->config, "StoragePool");
	const char *vname = mc_json_str(ctx->config, "DiskVolume");
	const char *disk = mc_json_str(ctx->config, "DiskPath");
	unsigned long long bytes = (unsigned long long)mb << 20;
	virStoragePoolPtr pool;
	virStorageVolPtr vol;
	struct stat st;
	int r = 0;

	if (!pname || !vname) {
		if (!disk)
			return ctx->host->error_set(err, MC_E_INVALID, "machine \"%s\" has no data disk in its config.json",
						    ctx->machine_name);
		if (stat(disk, &st) < 0)
			return ctx->host->error_set(err, MC_E_IO, "cannot read the data disk %s: %s", disk,
						    strerror(errno));
		if ((unsigned long long)st.st_size > bytes)
			return ctx->host->error_set(err, MC_E_INVALID,
						    "the data disk %s already holds %lld MB: it cannot shrink to %lld MB",
						    disk, (long long)(st.st_size >> 20), mb);
		if (truncate(disk, (off_t)bytes) < 0)
			return ctx->host->error_set(err, MC_E_IO, "cannot grow the data disk %s to %lld MB: %s",
						    disk, mb, strerror(errno));
		return 0;
	}
	if (lv_pool(ctx, lv->conn, pname, MC_E_FAILED, &pool, err) < 0)
		return -1;
	vol = virStorageVolLookupByName(pool, vname);
	if (!vol)
		r = ctx->host->error_set(err, MC_E_FAILED, "cannot look up the data disk volume %s in pool %s: %s",
					 vname, pname, lverr());
	else if (virStorageVolResize(vol, bytes, 0) < 0)
		r = ctx->host->error_set(err, MC_E_FAILED, "cannot grow the data disk volume %s to %lld MB: %s",
					 vname, mb, lverr());
	if (vol)
		virStorageVolFree(vol);
	virStoragePoolFree(pool);
	return r;
}

static int lv_set(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *c = ctx->config;
	json_t *autostart = json_object_get(f, "autostart");
	long long cpus = mc_json_int(f, "cpus", mc_json_int(c, "CPU", 1));
	long long mem = mc_json_int(f, "memory", mc_json_int(c, "Memory", 1024));
	long long disk = mc_json_int(f, "disk-size", -1), now = mc_json_int(c, "DiskSize", 20000);
	bool hw = json_object_get(f, "cpus") || json_object_get(f, "memory") || disk >= 0;
	_cleanup_lv_ struct lv lv = { 0 };
	int st, was_on = 0;

	if (lv_open(ctx, &lv, NULL, err) < 0 || dom_state(ctx, lv.dom, &st, err) < 0)
		return -1;
	if (disk >= 0 && disk < now)
		return ctx->host->error_set(err, MC_E_INVALID,
					    "the data disk of machine \"%s\" is %lld MB: it cannot shrink to %lld MB (disks only grow)",
					    ctx->machine_name, now, disk);
	if (hw && st != VIR_DOMAIN_SHUTOFF)
		return ctx->host->error_set(err, MC_E_STATE,
					    "machine \"%s\" is %s: CPUs, memory and the disk size change only while it is stopped: run 'machinectl stop %s' first (--autostart changes at any time)",
					    ctx->machine_name, state_name(dom_mc_state(lv.dom, st)), ctx->machine_name);
	/* Autostart first, so that its failure leaves nothing else changed; a
	 * later failure puts back what was changed before it. */
	if (autostart && (virDomainGetAutostart(lv.dom, &was_on) < 0 ||
			  virDomainSetAutostart(lv.dom, json_is_true(autostart)) < 0))
		return ctx->host->error_set(err, MC_E_FAILED, "cannot turn autostart %s for machine \"%s\": %s",
					    json_is_true(autostart) ? "on" : "off", ctx->machine_name, lverr());
	if ((json_object_get(f, "cpus") || json_object_get(f, "memory")) &&
	    redefine(ctx, &lv, cpus, mem, err) < 0)
		goto undo_autostart;
	if (disk > now && grow_disk(ctx, &lv, disk, err) < 0) {
		struct mc_error ignored = { 0 };

		redefine(ctx, &lv, mc_json_int(c, "CPU", 1), mc_json_int(c, "Memory", 1024), &ignored);
		goto undo_autostart;
	}
	json_object_set_new(c, "CPU", json_integer(cpus));
	json_object_set_new(c, "Memory", json_integer(mem));
	if (disk > now)
		json_object_set_new(c, "DiskSize", json_integer(disk));
	if (autostart)
		json_object_set(c, "Autostart", autostart);
	return 0;
undo_autostart:
	if (autostart)
		virDomainSetAutostart(lv.dom, was_on);
	return -1;
}

/* From the address seen last (create, start, restart, ip): no I/O, so ls and
 * env stay fast. */
static int lv_url(struct mc_driver_ctx *ctx, char **url, struct mc_error *err)
{
	const char *ip = mc_json_str(ctx->config, "IPAddress");

	if (!ip)
		return ctx->host->error_set(err, MC_E_NOT_FOUND,
					    "machine \"%s\" has no known IP address yet: run 'machinectl ip %s'",
					    ctx->machine_name, ctx->machine_name);
	*url = strchr(ip, ':') ? mc_asprintf("tcp://[%s]:2376", ip) : mc_asprintf("tcp://%s:2376", ip);
	return 0;
}

static const struct mc_driver lv_driver = {
	.abi = MC_DRIVER_ABI,
	.name = "libvirt",
	.summary = "a VM on libvirt/QEMU (KVM or TCG) booted from an ISO",
	.flags = lv_flags,
	.has_ssh = 1,
	.provision = 1,
	.share = MC_SHARE_9P,
	.check_flags = check_flags,
	.precreate = lv_precreate,
	.create = lv_create,
	.start = lv_start,
	.stop = lv_stop,
	.kill = lv_kill,
	.restart = lv_restart,
	.remove = lv_remove,
	.state = lv_state,
	.ip = lv_ip,
	.url = lv_url,
	.states = lv_states,
	.set_iso = lv_set_iso,
	.set = lv_set,
};

const struct mc_driver *const mc_driver_entry = &lv_driver;
