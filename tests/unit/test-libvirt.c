/*
 * The libvirt driver against libvirt's built-in test:///default driver (no
 * hypervisor): the domain XML builder, pre-create checks and the whole
 * lifecycle through the driver's operations, in one process.
 *
 * test:///default keeps its state only while a connection to it is open in
 * the process, so each test holds one (the driver opens its own per
 * operation and sees the same domains).
 */
#include "unit.h"

#include <ctype.h>
#include <sys/stat.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "iso.h"
#include "lv.h"
#include "ops.h"
#include "proc.h"
#include "registry.h"
#include "ssh.h"

extern const struct mc_driver *const mc_driver_entry;


static char phases[8192];

static void record_phase(struct mc_driver_ctx *ctx, const char *fmt, ...)
{
	size_t n = strlen(phases);
	va_list ap;

	n += (size_t)snprintf(phases + n, sizeof(phases) - n, "(%s) ", ctx->machine_name);
	va_start(ap, fmt);
	vsnprintf(phases + n, sizeof(phases) - n, fmt, ap);
	va_end(ap);
	n = strlen(phases);
	snprintf(phases + n, sizeof(phases) - n, "\n");
}

/* The core's services, with phases recorded here. */
static struct mc_host test_host;

static void quiet(void *data, virErrorPtr e) {}

/* An operation that must succeed: on failure, show its message. */
#define OK(op)                                                    \
	do {                                                      \
		if ((op) != 0)                                    \
			fail_msg("%s failed: %s", #op, err.msg); \
	} while (0)

/* A machine: its directory with a public key, its config and flags. */
struct fx {
	char *dir;
	char *mdir;
	char *iso;
	virConnectPtr hold;
};

struct m {
	struct mc_driver_ctx ctx;
	char *dir;
	json_t *config;
	json_t *flags;
};

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void fake_iso(const char *path)
{
	static char img[0x9000];
	struct mc_error err = { 0 };

	memset(img, 0, sizeof(img));
	memcpy(img + 0x8001, "CD001", 5);
	memcpy(img + 0x8028, "TEST-ISO-1.0", 12);
	assert_int_equal(mc_write_file_atomic(path, img, sizeof(img), 0644, &err), 0);
}

static int setup(void **state)
{
	struct fx *f = mc_calloc(1, sizeof(*f));
	struct mc_error err = { 0 };

	f->dir = unit_tmpdir();
	f->mdir = mc_path_join(f->dir, "machines");
	f->iso = mc_path_join(f->dir, "boot.iso");
	assert_int_equal(mc_mkdir_p(f->mdir, 0700, &err), 0);
	fake_iso(f->iso);
	virSetErrorFunc(NULL, quiet);
	f->hold = virConnectOpen("test:///default");
	assert_non_null(f->hold);
	phases[0] = '\0';
	test_host = *mc_host_api();
	test_host.phase = record_phase;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	virConnectClose(f->hold);
	unit_rmdir(f->dir);
	free(f->mdir);
	free(f->iso);
	free(f);
	return 0;
}

static struct m *machine(struct fx *f, const char *name, bool key)
{
	struct m *m = mc_calloc(1, sizeof(*m));
	struct mc_error err = { 0 };

	m->dir = mc_path_join(f->mdir, name);
	assert_int_equal(mc_mkdir_p(m->dir, 0700, &err), 0);
	if (key)  /* the key pair the core makes before the driver's create */
		assert_int_equal(mc_ssh_keygen(m->dir, "ed25519", "machinectl:t", &err), 0);
	m->config = json_object();
	m->flags = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
			     "libvirt-uri", "test:///default", "libvirt-cpu-count", (json_int_t)1,
			     "libvirt-memory", (json_int_t)512, "libvirt-disk-size", (json_int_t)100,
			     "libvirt-network", "default", "libvirt-domain-type", "auto",
			     "libvirt-cache-mode", "default", "libvirt-tb-cache", (json_int_t)128,
			     "libvirt-ip-timeout", (json_int_t)5, "libvirt-stop-timeout", (json_int_t)2,
			     "iso", f->iso, "iso-version", "TEST-ISO-1.0");
	json_object_set_new(m->flags, "iso-sha256", json_string(SHA_A));
	m->ctx = (struct mc_driver_ctx){
		.host = &test_host,
		.machine_name = strrchr(m->dir, '/') + 1,
		.machine_dir = m->dir,
		.store_path = f->dir,
		.config = m->config,
		.flags = m->flags,
	};
	return m;
}

static void machine_free(struct m *m)
{
	json_decref(m->config);
	json_decref(m->flags);
	free(m->dir);
	free(m);
}

static enum mc_state state_of(struct m *m)
{
	struct mc_error err = { 0 };
	enum mc_state st = MC_STATE_NONE;

	OK(mc_driver_entry->state(&m->ctx, &st, &err));
	return st;
}

/* --- the domain XML --- */

static struct lv_domain_spec spec(const char *type)
{
	return (struct lv_domain_spec){
		.name = "machinectl-m1", .machine = "m1", .store = "/s/t'o&re<x>",
		.type = type, .memory_mb = 512, .cpus = 2, .iso = "/c/boot.iso",
		.disk = "/s/machines/m1/disk.raw", .cache_mode = "default", .network = "default",
		.mac = "52:54:00:12:34:56", .console_log = "/s/machines/m1/console.log",
		.tb_cache_mb = 128,
	};
}

static void xml_qemu_tcg(void **state)
{
	struct lv_domain_spec s = spec("qemu");
	_cleanup_free_ char *x = lv_domain_xml(&s);
	const char *features, *tcg, *cdrom, *disk;

	assert_true(mc_startswith(x, "<domain type='qemu'>\n"));
	assert_non_null(strstr(x, "<name>machinectl-m1</name>"));
	assert_non_null(strstr(x, "<memory unit='MiB'>512</memory>"));
	assert_non_null(strstr(x, "<vcpu>2</vcpu>"));
	/* tb-cache inside <features><tcg> (libvirt's domaincommon.rng, tcgfeatures). */
	features = strstr(x, "<features>");
	tcg = strstr(x, "<tcg>\n      <tb-cache unit='MiB'>128</tb-cache>\n    </tcg>");
	assert_non_null(features);
	assert_non_null(tcg);
	assert_true(tcg > features && tcg < strstr(x, "</features>"));
	assert_null(strstr(x, "host-passthrough"));
	/* Boot from the cdrom first, then the disk. */
	assert_true(strstr(x, "<boot dev='cdrom'/>") < strstr(x, "<boot dev='hd'/>"));
	cdrom = strstr(x, "device='cdrom'");
	disk = strstr(x, "device='disk'");
	assert_non_null(cdrom);
	assert_non_null(disk);
	assert_non_null(strstr(cdrom, "<source file='/c/boot.iso'/>"));
	assert_non_null(strstr(cdrom, "<readonly/>"));
	assert_non_null(strstr(disk, "<source file='/s/machines/m1/disk.raw'/>"));
	assert_non_null(strstr(disk, "<target dev='vda' bus='virtio'/>"));
	assert_null(strstr(disk, "cache="));
	assert_non_null(strstr(x, "<mac address='52:54:00:12:34:56'/>"));
	assert_non_null(strstr(x, "<source network='default'/>"));
	assert_non_null(strstr(x, "<model type='virtio'/>"));
	assert_non_null(strstr(x, "<serial type='file'>\n      <source path='/s/machines/m1/console.log'/>"));
	assert_null(strstr(x, "<graphics"));
	/* Escaped. */
	assert_non_null(strstr(x, "/s/t&apos;o&amp;re&lt;x&gt;"));
}

static void xml_kvm_and_cache(void **state)
{
	struct lv_domain_spec s = spec("kvm");
	_cleanup_free_ char *x = NULL, *y = NULL;

	s.cache_mode = "unsafe";
	x = lv_domain_xml(&s);
	assert_true(mc_startswith(x, "<domain type='kvm'>\n"));
	assert_null(strstr(x, "<tcg>"));
	assert_non_null(strstr(x, "<cpu mode='host-passthrough'/>"));
	assert_non_null(strstr(x, "<driver name='qemu' type='raw' cache='unsafe'/>"));
	s = spec("qemu");
	s.tb_cache_mb = 0;
	y = lv_domain_xml(&s);
	assert_null(strstr(y, "<tcg>"));
}

/* The XML passes libvirt's own schema (virt-xml-validate, from libvirt-clients). */
/* Shared folders: one 9p <filesystem> per share, its host path escaped. */
static void xml_shares(void **state)
{
	struct lv_domain_spec s = spec("qemu");
	_cleanup_json_ json_t *sh = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "Host", "/h/a b&'<x>", "Guest",
					      "/g", "Tag", "mc0", "Host", "/srv/two", "Guest", "/srv/two", "Tag", "mc1");
	_cleanup_free_ char *none = lv_domain_xml(&s), *x = NULL;
	const char *f;

	assert_null(strstr(none, "<filesystem"));
	s.shares = sh;
	x = lv_domain_xml(&s);
	f = strstr(x, "    <filesystem type='mount' accessmode='squash'>\n"
		      "      <driver type='path'/>\n"
		      "      <source dir='/h/a b&amp;&apos;&lt;x&gt;'/>\n"
		      "      <target dir='mc0'/>\n"
		      "    </filesystem>\n"
		      "    <filesystem type='mount' accessmode='squash'>\n"
		      "      <driver type='path'/>\n"
		      "      <source dir='/srv/two'/>\n"
		      "      <target dir='mc1'/>\n"
		      "    </filesystem>\n");
	assert_non_null(f);
	/* Inside <devices>. */
	assert_true(f > strstr(x, "<devices>") && f < strstr(x, "</devices>"));
	/* Tab and newline as character references (a parser would make spaces). */
	{
		_cleanup_free_ char *e = lv_xml_escape("/a\tb\nc\r");

		assert_string_equal(e, "/a&#09;b&#10;c&#13;");
	}
}

static void xml_validates(void **state)
{
	_cleanup_free_ char *dir = unit_tmpdir(), *validator = mc_proc_which("virt-xml-validate");
	static const char *const types[] = { "qemu", "kvm" };

	if (!validator) {
		unit_rmdir(MC_TAKE(dir));
		skip();
	}
	for (size_t i = 0; i < MC_ARRAY_SIZE(types); i++) {
		_cleanup_json_ json_t *sh = json_pack("[{s:s,s:s,s:s}]", "Host", "/h/a b", "Guest", "/g", "Tag", "mc0");
		struct lv_domain_spec s = spec(types[i]);
		_cleanup_free_ char *x = (s.shares = sh, lv_domain_xml(&s)), *p = mc_path_join(dir, "d.xml");
		struct mc_error err = { 0 };
		struct mc_run_result r = { 0 };
		const char *argv[] = { "virt-xml-validate", p, "domain", NULL };

		assert_int_equal(mc_write_file_atomic(p, x, strlen(x), 0600, &err), 0);
		assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
		if (r.status != 0)
			fail_msg("%s\n%s", r.out, r.err);
		mc_run_result_free(&r);
	}
	unit_rmdir(MC_TAKE(dir));
}

static void helpers(void **state)
{
	char mac[18], mac2[18];
	char why[256] = "";
	int r;

	assert_false(lv_uri_is_remote("qemu:///system"));
	assert_false(lv_uri_is_remote("test:///default"));
	assert_false(lv_uri_is_remote("qemu:///system?socket=/run/x/libvirt-sock"));
	assert_false(lv_uri_is_remote("qemu+ssh://localhost/system"));
	assert_true(lv_uri_is_remote("qemu+ssh://root@host/system"));
	assert_true(lv_uri_is_remote("qemu+tcp://10.0.0.1/system"));
	assert_int_equal(lv_random_mac(mac), 0);
	assert_int_equal(lv_random_mac(mac2), 0);
	assert_int_equal(strlen(mac), 17);
	assert_true(mc_startswith(mac, "52:54:00:"));
	assert_string_not_equal(mac, mac2);   /* 1 in 16M */
	/* The KVM probe answers (quickly) whatever the host; on a PVM host it says no. */
	r = lv_kvm_probe(why, sizeof(why));
	assert_true(r >= -1 && r <= 1);
	assert_true(why[0] != '\0');
	if (access("/dev/kvm", F_OK) != 0)
		assert_int_equal(r, -1);
	print_message("KVM probe: %d (%s)\n", r, why);
}

/* --- pre-create checks --- */

static void precreate_failures(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "pc", true);
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	virDomainPtr dom;

	json_object_set_new(m->flags, "libvirt-uri", json_string("bogus:///nothing"));
	assert_int_equal(d->precreate(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_PRECREATE);
	assert_non_null(strstr(err.msg, "cannot connect to libvirt at bogus:///nothing"));
	mc_error_clear(&err);

	json_object_set_new(m->flags, "libvirt-uri", json_string("test:///default"));
	json_object_set_new(m->flags, "libvirt-network", json_string("nonet"));
	assert_int_equal(d->precreate(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_PRECREATE);
	assert_non_null(strstr(err.msg, "libvirt network \"nonet\" not found"));
	assert_non_null(strstr(err.msg, "virsh -c test:///default net-list --all"));
	mc_error_clear(&err);
	json_object_set_new(m->flags, "libvirt-network", json_string("default"));

	/* The flags alone, as the core checks them: no machine, no connection.
	 * (The ranges and choices the table declares are the core's: t0005, t3001.) */
	{
		struct mc_driver_ctx alone = { .host = m->ctx.host, .flags = m->flags };

		json_object_set_new(m->flags, "libvirt-ip", json_string("10.0.0.300"));
		assert_int_equal(d->check_flags(&alone, &err), -1);
		assert_int_equal(err.code, MC_E_PRECREATE);
		assert_non_null(strstr(err.msg, "invalid --libvirt-ip \"10.0.0.300\": not an IPv4 address"));
		mc_error_clear(&err);
		json_object_del(m->flags, "libvirt-ip");
		OK(d->check_flags(&alone, &err));
	}

	/* Pool mode (remote URIs, or asked for): the pool must exist. */
	json_object_set_new(m->flags, "libvirt-storage-pool", json_string("nosuchpool"));
	assert_int_equal(d->precreate(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_PRECREATE);
	assert_non_null(strstr(err.msg, "no storage pool \"nosuchpool\""));
	assert_non_null(strstr(err.msg, "virsh pool-define-as nosuchpool dir"));
	mc_error_clear(&err);
	json_object_del(m->flags, "libvirt-storage-pool");

	json_object_set_new(m->flags, "iso", json_string("/no/such.iso"));
	assert_int_equal(d->precreate(&m->ctx, &err), -1);
	assert_non_null(strstr(err.msg, "/no/such.iso"));
	mc_error_clear(&err);
	json_object_set_new(m->flags, "iso", json_string(f->iso));

	/* A domain of that name already exists (another store's machine). */
	dom = virDomainDefineXML(f->hold, "<domain type='test'><name>machinectl-pc</name><memory>65536</memory>"
					  "<os><type>hvm</type></os></domain>");
	assert_non_null(dom);
	assert_int_equal(d->precreate(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_PRECREATE);
	assert_non_null(strstr(err.msg, "a libvirt domain named machinectl-pc already exists"));
	mc_error_clear(&err);
	virDomainUndefine(dom);
	virDomainFree(dom);

	OK(d->precreate(&m->ctx, &err));
	assert_string_equal(mc_json_str(m->config, "DomainType"), "test");
	machine_free(m);
}

static void create_needs_a_key(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "nokey", false);
	struct mc_error err = { 0 };
	virDomainPtr dom;

	assert_int_equal(mc_driver_entry->create(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "no SSH key (id_ed25519, id_rsa)"));
	dom = virDomainLookupByName(f->hold, "machinectl-nokey");
	assert_null(dom);
	machine_free(m);
}

/* --- the lifecycle --- */

static void lifecycle(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "m1", true);
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	_cleanup_free_ char *ip = NULL, *url = NULL, *disk = NULL, *xml = NULL;
	virDomainPtr dom;
	struct stat st;

	OK(d->precreate(&m->ctx, &err));
	OK(d->create(&m->ctx, &err));
	/* What create recorded. */
	assert_string_equal(mc_json_str(m->config, "URI"), "test:///default");
	assert_string_equal(mc_json_str(m->config, "DomainName"), "machinectl-m1");
	assert_non_null(mc_json_str(m->config, "UUID"));
	assert_true(mc_startswith(mc_json_str(m->config, "MACAddress"), "52:54:00:"));
	assert_string_equal(mc_json_str(m->config, "ISOVersion"), "TEST-ISO-1.0");
	assert_non_null(mc_json_str(m->config, "IPAddress"));
	disk = mc_path_join(m->dir, "disk.raw");
	assert_string_equal(mc_json_str(m->config, "DiskPath"), disk);
	assert_int_equal(stat(disk, &st), 0);
	assert_int_equal(st.st_size, 100LL << 20);
	assert_non_null(strstr(phases, "(m1) Waiting for an IP..."));

	/* The domain as libvirt has it. */
	dom = virDomainLookupByName(f->hold, "machinectl-m1");
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 1);
	assert_int_equal(virDomainIsPersistent(dom), 1);
	xml = virDomainGetXMLDesc(dom, 0);
	assert_non_null(strstr(xml, mc_json_str(m->config, "MACAddress")));
	assert_non_null(strstr(xml, "console.log"));
	assert_non_null(strstr(xml, f->iso));
	virDomainFree(dom);

	assert_int_equal(state_of(m), MC_STATE_RUNNING);
	OK(d->ip(&m->ctx, &ip, &err));
	assert_string_equal(ip, mc_json_str(m->config, "IPAddress"));
	OK(d->url(&m->ctx, &url, &err));
	assert_true(mc_startswith(url, "tcp://"));
	assert_non_null(strstr(url, ":2376"));

	OK(d->stop(&m->ctx, &err));
	assert_int_equal(state_of(m), MC_STATE_STOPPED);
	free(MC_TAKE(ip));
	assert_int_equal(d->ip(&m->ctx, &ip, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	assert_non_null(strstr(err.msg, "is not running (Stopped)"));
	mc_error_clear(&err);
	OK(d->stop(&m->ctx, &err));   /* already stopped */

	/* upgrade: the stopped domain boots another ISO; same UUID, MAC, disk. */
	{
		_cleanup_free_ char *iso2 = mc_path_join(f->dir, "new's & <boot>.iso"), *x2 = NULL;
		_cleanup_free_ char *uuid = mc_strdup(mc_json_str(m->config, "UUID"));

		fake_iso(iso2);
		json_object_set_new(m->ctx.flags, "iso", json_string(iso2));
		json_object_set_new(m->ctx.flags, "iso-source", json_string("/src/new.iso"));
		json_object_set_new(m->ctx.flags, "iso-version", json_string("TEST-ISO-2.0"));
		OK(d->set_iso(&m->ctx, &err));
		assert_string_equal(mc_json_str(m->config, "ISO"), iso2);
		assert_string_equal(mc_json_str(m->config, "ISOSource"), "/src/new.iso");
		assert_string_equal(mc_json_str(m->config, "ISOVersion"), "TEST-ISO-2.0");
		dom = virDomainLookupByName(f->hold, "machinectl-m1");
		assert_non_null(dom);
		x2 = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
		virDomainFree(dom);
		assert_non_null(strstr(x2, "new&apos;s &amp; &lt;boot&gt;.iso"));
		assert_null(strstr(x2, f->iso));
		assert_non_null(strstr(x2, uuid));
		assert_non_null(strstr(x2, mc_json_str(m->config, "MACAddress")));
		assert_non_null(strstr(x2, disk));
		/* Running, or a missing file: refused, nothing changed. */
		OK(d->start(&m->ctx, &err));
		assert_int_equal(d->set_iso(&m->ctx, &err), -1);
		assert_int_equal(err.code, MC_E_STATE);
		assert_string_equal(err.msg, "machine \"m1\" must be stopped to change its ISO");
		mc_error_clear(&err);
		OK(d->kill(&m->ctx, &err));
		json_object_set_new(m->ctx.flags, "iso", json_string("/nonexistent.iso"));
		assert_int_equal(d->set_iso(&m->ctx, &err), -1);
		assert_int_equal(err.code, MC_E_INVALID);
		mc_error_clear(&err);
		assert_string_equal(mc_json_str(m->config, "ISO"), iso2);
	}

	OK(d->start(&m->ctx, &err));
	assert_int_equal(state_of(m), MC_STATE_RUNNING);
	OK(d->start(&m->ctx, &err));  /* already running */
	OK(d->restart(&m->ctx, &err));
	assert_int_equal(state_of(m), MC_STATE_RUNNING);
	OK(d->kill(&m->ctx, &err));
	assert_int_equal(state_of(m), MC_STATE_STOPPED);
	OK(d->kill(&m->ctx, &err));
	OK(d->restart(&m->ctx, &err));  /* from stopped: starts it */
	assert_int_equal(state_of(m), MC_STATE_RUNNING);

	OK(d->remove(&m->ctx, &err));
	assert_null(virDomainLookupByName(f->hold, "machinectl-m1"));
	assert_false(mc_file_exists(disk));
	/* Gone already: still a success. */
	OK(d->remove(&m->ctx, &err));
	/* And the other operations say so. */
	assert_int_equal(d->start(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "no longer exists at test:///default"));
	assert_non_null(strstr(err.msg, "machinectl rm -f m1"));
	machine_free(m);
}

/* Pool mode against test:///default: its "default-pool" exists, but the test
 * driver cannot upload, so create fails there and leaves no volume behind
 * (the real upload runs in tests/e2e/libvirt-remote.sh). */
static void pool_mode(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "p1", true);
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	virStoragePoolPtr pool;

	json_object_set_new(m->flags, "libvirt-storage-pool", json_string("default-pool"));
	OK(d->precreate(&m->ctx, &err));
	assert_int_equal(d->create(&m->ctx, &err), -1);
	assert_non_null(strstr(err.msg, "cannot upload into the storage volume machinectl-p1.raw"));
	mc_error_clear(&err);
	assert_string_equal(mc_json_str(m->config, "StoragePool"), "default-pool");
	assert_string_equal(mc_json_str(m->config, "DiskVolume"), "machinectl-p1.raw");
	assert_null(mc_json_str(m->config, "DiskPath"));
	pool = virStoragePoolLookupByName(f->hold, "default-pool");
	assert_non_null(pool);
	assert_null(virStorageVolLookupByName(pool, "machinectl-p1.raw"));
	virStoragePoolFree(pool);
	OK(d->remove(&m->ctx, &err));
	machine_free(m);
}

/* set: autostart at any time (read back from libvirt); CPUs, memory and the
 * disk only while stopped; a disk never shrinks; a refusal changes nothing. */
static void set_hardware_and_autostart(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "s1", true);
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	_cleanup_free_ char *disk = mc_path_join(m->dir, "disk.raw"), *xml = NULL;
	_cleanup_json_ json_t *before = NULL;
	virDomainPtr dom;
	struct stat st;
	int on = -1;

	OK(d->precreate(&m->ctx, &err));
	OK(d->create(&m->ctx, &err));
	dom = virDomainLookupByName(f->hold, "machinectl-s1");
	assert_non_null(dom);

	m->ctx.flags = json_pack("{s:b}", "autostart", 1);
	OK(d->set(&m->ctx, &err));
	assert_int_equal(virDomainGetAutostart(dom, &on), 0);
	assert_int_equal(on, 1);
	assert_true(mc_json_bool(m->config, "Autostart"));
	json_decref(m->ctx.flags);

	/* Running: CPUs, memory and disk are refused, naming the stop. */
	before = json_deep_copy(m->config);
	m->ctx.flags = json_pack("{s:I}", "cpus", (json_int_t)2);
	assert_int_equal(d->set(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	assert_non_null(strstr(err.msg, "machine \"s1\" is Running: CPUs, memory and the disk size change only while it is stopped: run 'machinectl stop s1' first"));
	mc_error_clear(&err);
	assert_true(json_equal(before, m->config));
	json_decref(m->ctx.flags);

	OK(d->stop(&m->ctx, &err));
	m->ctx.flags = json_pack("{s:I, s:I, s:I, s:b}", "cpus", (json_int_t)2, "memory", (json_int_t)768,
				 "disk-size", (json_int_t)300, "autostart", 0);
	OK(d->set(&m->ctx, &err));
	json_decref(m->ctx.flags);
	assert_int_equal(mc_json_int(m->config, "CPU", 0), 2);
	assert_int_equal(mc_json_int(m->config, "Memory", 0), 768);
	assert_int_equal(mc_json_int(m->config, "DiskSize", 0), 300);
	assert_false(mc_json_bool(m->config, "Autostart"));
	virDomainFree(dom);
	dom = virDomainLookupByName(f->hold, "machinectl-s1");
	assert_non_null(dom);
	assert_int_equal(virDomainGetAutostart(dom, &on), 0);
	assert_int_equal(on, 0);
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(xml, ">2</vcpu>"));
	assert_non_null(strstr(xml, "<memory unit='KiB'>786432</memory>"));
	assert_non_null(strstr(xml, mc_json_str(m->config, "UUID")));
	assert_non_null(strstr(xml, mc_json_str(m->config, "MACAddress")));
	assert_int_equal(stat(disk, &st), 0);
	assert_int_equal(st.st_size, 300LL << 20);

	/* Shrinking is refused; nothing changes. */
	json_decref(before);
	before = json_deep_copy(m->config);
	m->ctx.flags = json_pack("{s:I, s:I}", "disk-size", (json_int_t)200, "cpus", (json_int_t)1);
	assert_int_equal(d->set(&m->ctx, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "is 300 MB: it cannot shrink to 200 MB"));
	mc_error_clear(&err);
	json_decref(m->ctx.flags);
	m->ctx.flags = NULL;
	assert_true(json_equal(before, m->config));
	assert_int_equal(stat(disk, &st), 0);
	assert_int_equal(st.st_size, 300LL << 20);

	/* A disk that cannot grow (its file gone) puts back the CPUs and the
	 * autostart changed before it. */
	mc_json_set_str(m->config, "DiskPath", "/nonexistent/disk.raw");
	m->ctx.flags = json_pack("{s:I, s:I, s:b}", "disk-size", (json_int_t)400, "cpus", (json_int_t)3,
				 "autostart", 1);
	assert_int_equal(d->set(&m->ctx, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read the data disk /nonexistent/disk.raw"));
	mc_error_clear(&err);
	json_decref(m->ctx.flags);
	m->ctx.flags = NULL;
	mc_json_set_str(m->config, "DiskPath", disk);
	assert_true(json_equal(before, m->config));
	virDomainFree(dom);
	dom = virDomainLookupByName(f->hold, "machinectl-s1");
	assert_non_null(dom);
	assert_int_equal(virDomainGetAutostart(dom, &on), 0);
	assert_int_equal(on, 0);
	free(xml);
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(xml, ">2</vcpu>"));
	virDomainFree(dom);
	OK(d->start(&m->ctx, &err));
	assert_int_equal(state_of(m), MC_STATE_RUNNING);
	OK(d->remove(&m->ctx, &err));
	machine_free(m);
}

static void batch_states(void **state)
{
	struct fx *f = *state;
	struct m *a = machine(f, "a", true), *b = machine(f, "b", true), *c = machine(f, "c", true);
	struct mc_driver_ctx *ctxs[3] = { &a->ctx, &b->ctx, &c->ctx };
	enum mc_state out[3];
	struct mc_error errs[3] = { { 0 } }, err = { 0 };

	OK(mc_driver_entry->create(&a->ctx, &err));
	OK(mc_driver_entry->create(&b->ctx, &err));
	OK(mc_driver_entry->kill(&b->ctx, &err));
	/* c was never created: a UUID that libvirt does not know. */
	json_object_set_new(c->config, "URI", json_string("test:///default"));
	json_object_set_new(c->config, "DomainName", json_string("machinectl-c"));
	json_object_set_new(c->config, "UUID", json_string("00000000-0000-0000-0000-000000000001"));
	OK(mc_driver_entry->states(ctxs, 3, out, errs, &err));
	assert_int_equal(out[0], MC_STATE_RUNNING);
	assert_int_equal(errs[0].code, MC_E_OK);
	assert_int_equal(out[1], MC_STATE_STOPPED);
	assert_int_equal(errs[1].code, MC_E_OK);
	assert_int_equal(out[2], MC_STATE_ERROR);
	assert_int_equal(errs[2].code, MC_E_NOT_FOUND);
	assert_non_null(strstr(errs[2].msg, "machinectl-c of machine \"c\" no longer exists"));
	/* The UUID in config.json is matched whatever its case. */
	{
		char *up = mc_strdup(mc_json_str(b->config, "UUID"));

		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		json_object_set_new(b->config, "UUID", json_string(up));
		free(up);
	}
	memset(errs, 0, sizeof(errs));
	OK(mc_driver_entry->states(ctxs, 3, out, errs, &err));
	assert_int_equal(out[1], MC_STATE_STOPPED);
	assert_int_equal(errs[1].code, MC_E_OK);
	/* A machine on an unreachable URI fails alone. */
	json_object_set_new(c->config, "URI", json_string("bogus:///x"));
	memset(errs, 0, sizeof(errs));
	OK(mc_driver_entry->states(ctxs, 3, out, errs, &err));
	assert_int_equal(out[0], MC_STATE_RUNNING);
	assert_int_equal(errs[2].code, MC_E_FAILED);
	assert_non_null(strstr(errs[2].msg, "cannot connect to libvirt at bogus:///x"));
	OK(mc_driver_entry->remove(&a->ctx, &err));
	OK(mc_driver_entry->remove(&b->ctx, &err));
	machine_free(a);
	machine_free(b);
	machine_free(c);
}

/* A failed create leaves nothing once the core calls remove. */
static void create_failure_is_undone(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "bad", true);
	struct mc_error err = { 0 };
	_cleanup_free_ char *disk = mc_path_join(m->dir, "disk.raw");

	/* The network vanishes between precreate and create. */
	json_object_set_new(m->flags, "libvirt-network", json_string("gone"));
	assert_int_equal(mc_driver_entry->create(&m->ctx, &err), -1);
	assert_non_null(strstr(err.msg, "libvirt network \"gone\" not found"));
	mc_error_clear(&err);
	assert_non_null(mc_json_str(m->config, "UUID"));
	OK(mc_driver_entry->remove(&m->ctx, &err));
	assert_null(virDomainLookupByName(f->hold, "machinectl-bad"));
	assert_false(mc_file_exists(disk));
	machine_free(m);
}

/* --- direct kernel boot --- */

/* A real ISO 9660 image (xorriso, as scripts/build-iso makes it) holding
 * FILES: pairs of a path and its contents, NULL-terminated. */
static void make_iso(const char *iso, const char *const *files)
{
	_cleanup_free_ char *dir = unit_tmpdir();
	struct mc_run_result r = { 0 };
	struct mc_error err = { 0 };
	const char *argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-iso-level", "3", "-full-iso9660-filenames",
			       "-R", "-J", "-V", "machinectl-os-test", "-o", iso, dir, NULL };

	for (size_t i = 0; files[i]; i += 2) {
		_cleanup_free_ char *p = mc_path_join(dir, files[i]), *d = mc_strdup(p);

		*strrchr(d, '/') = '\0';
		OK(mc_mkdir_p(d, 0755, &err));
		OK(mc_write_file_atomic(p, files[i + 1], strlen(files[i + 1]), 0644, &err));
	}
	OK(mc_proc_run(argv, NULL, &r, &err));
	if (r.status != 0)
		fail_msg("xorriso (scripts/setup installs it): %s", r.err);
	mc_run_result_free(&r);
	unit_rmdir(MC_TAKE(dir));
}

static const char *const os_iso[] = {
	"isolinux/isolinux.cfg",
	"SERIAL 0 115200\nDEFAULT machinectl-os\nPROMPT 0\nLABEL rescue\n  KERNEL /boot/rescue\n"
	"LABEL machinectl-os\n  KERNEL /boot/vmlinuz\n  INITRD /boot/initrd.img\n"
	"  APPEND rootfstype=ramfs console=ttyS0,115200n8 quiet\n",
	"boot/vmlinuz", "the kernel", "boot/initrd.img", "the initramfs", "boot/rescue", "x", NULL,
};

static char *file_text(const char *path)
{
	struct mc_error err = { 0 };
	char *t = NULL;

	OK(mc_read_file(path, &t, NULL, &err));
	return t;
}

static char *inactive_xml(struct fx *f, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(f->hold, name);
	char *x;

	assert_non_null(dom);
	x = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	virDomainFree(dom);
	return x;
}

static void direct_boot(void **state)
{
	struct fx *f = *state;
	struct m *m = machine(f, "k1", true);
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	_cleanup_free_ char *iso = mc_path_join(f->dir, "os.iso"), *b2d = mc_path_join(f->dir, "b2d.iso");
	_cleanup_free_ char *cache = mc_asprintf("%s/cache/boot-" SHA_A, f->dir), *x = NULL, *t = NULL;
	_cleanup_free_ char *k = mc_path_join(cache, "vmlinuz"), *i = mc_path_join(cache, "initrd.img");
	static const char *const b2d_iso[] = {
		"boot/isolinux/isolinux.cfg", "default boot2docker\nlabel boot2docker\n  kernel /boot/vmlinuz64\n"
		"  initrd /boot/initrd.img\n", "boot/vmlinuz64", "k", "boot/initrd.img", "i", NULL,
	};

	make_iso(iso, os_iso);
	make_iso(b2d, b2d_iso);
	json_object_set_new(m->flags, "iso", json_string(iso));
	OK(d->precreate(&m->ctx, &err));
	OK(d->create(&m->ctx, &err));
	/* The default label's files, copied once into the cache, booted directly. */
	assert_string_equal(mc_json_str(m->config, "Kernel"), k);
	assert_string_equal(mc_json_str(m->config, "Initrd"), i);
	assert_string_equal(mc_json_str(m->config, "Cmdline"), "rootfstype=ramfs console=ttyS0,115200n8 quiet");
	t = file_text(k);
	assert_string_equal(t, "the kernel");
	free(MC_TAKE(t));
	t = file_text(i);
	assert_string_equal(t, "the initramfs");
	free(MC_TAKE(t));
	x = inactive_xml(f, "machinectl-k1");
	assert_non_null(strstr(x, "<kernel>"));
	assert_non_null(strstr(x, k));
	assert_non_null(strstr(x, "<cmdline>rootfstype=ramfs console=ttyS0,115200n8 quiet</cmdline>"));
	assert_null(strstr(x, "<boot dev='cdrom'/>"));
	assert_non_null(strstr(x, iso));  /* the CD stays: the guest protocol, upgrade */
	free(MC_TAKE(x));

	/* upgrade to an ISO that boots only from its CD (boot2docker's layout). */
	OK(d->kill(&m->ctx, &err));
	json_object_set_new(m->flags, "iso", json_string(b2d));
	json_object_set_new(m->flags, "iso-sha256", json_string(SHA_B));
	OK(d->set_iso(&m->ctx, &err));
	assert_null(mc_json_str(m->config, "Kernel"));
	assert_null(mc_json_str(m->config, "Cmdline"));
	x = inactive_xml(f, "machinectl-k1");
	assert_null(strstr(x, "<kernel>"));
	assert_non_null(strstr(x, "<boot dev='cdrom'/>"));
	free(MC_TAKE(x));

	/* And back; then the cache is cleaned: start boots the CD, and says so. */
	json_object_set_new(m->flags, "iso", json_string(iso));
	json_object_set_new(m->flags, "iso-sha256", json_string(SHA_A));
	OK(d->set_iso(&m->ctx, &err));
	assert_string_equal(mc_json_str(m->config, "Kernel"), k);
	x = inactive_xml(f, "machinectl-k1");
	assert_non_null(strstr(x, "<kernel>"));
	free(MC_TAKE(x));
	OK(mc_rm_rf(cache, &err));
	phases[0] = '\0';
	OK(d->start(&m->ctx, &err));
	assert_non_null(strstr(phases, "The kernel of the boot ISO is gone from"));
	assert_null(mc_json_str(m->config, "Kernel"));
	x = inactive_xml(f, "machinectl-k1");
	assert_null(strstr(x, "<kernel>"));
	assert_non_null(strstr(x, "<boot dev='cdrom'/>"));
	free(MC_TAKE(x));
	OK(d->remove(&m->ctx, &err));
	machine_free(m);

	/* --libvirt-iso-boot: the CD, as before. */
	m = machine(f, "k2", true);
	json_object_set_new(m->flags, "iso", json_string(iso));
	json_object_set_new(m->flags, "libvirt-iso-boot", json_true());
	OK(d->precreate(&m->ctx, &err));
	OK(d->create(&m->ctx, &err));
	assert_null(mc_json_str(m->config, "Kernel"));
	assert_true(mc_json_bool(m->config, "ISOBoot"));
	x = inactive_xml(f, "machinectl-k2");
	assert_null(strstr(x, "<kernel>"));
	free(MC_TAKE(x));
	OK(d->remove(&m->ctx, &err));
	machine_free(m);
	unlink(iso);
	unlink(b2d);
}

/* ISOLINUX configurations: the default label, or the first; initrd= in
 * APPEND; a kernel the ISO does not hold; not an ISO at all. */
static void iso_boot_files(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *iso = mc_path_join(f->dir, "x.iso");
	struct mc_error err = { 0 };
	struct mc_iso_boot b;
	static const char *const first[] = {
		"isolinux/isolinux.cfg", "label one\n kernel /A/K\n append initrd=/A/I.GZ quiet  x=1\nlabel two\n kernel /b\n",
		"a/k", "K", "a/i.gz", "I", NULL,
	};
	static const char *const missing[] = {
		"isolinux/isolinux.cfg", "DEFAULT x\nLABEL x\nKERNEL /boot/vmlinuz\nINITRD /boot/initrd.img\n",
		"boot/vmlinuz", "k", NULL,
	};
	static const char *const two_initrds[] = {
		"isolinux/isolinux.cfg", "DEFAULT x\nLABEL x\nKERNEL /k\nINITRD /i,/j\n", "k", "k", "i", "i", "j", "j", NULL,
	};

	make_iso(iso, first);
	OK(mc_iso_boot_files(f->dir, iso, "1111111111111111111111111111111111111111111111111111111111111111", &b, &err));
	assert_non_null(b.kernel);
	assert_string_equal(b.cmdline, "quiet  x=1");
	{
		_cleanup_free_ char *t = file_text(b.initrd);

		assert_string_equal(t, "I");
	}
	mc_iso_boot_clear(&b);
	/* Cached: the same hash is not read again (the file may even be gone). */
	unlink(iso);
	OK(mc_iso_boot_files(f->dir, iso, "1111111111111111111111111111111111111111111111111111111111111111", &b, &err));
	assert_string_equal(b.cmdline, "quiet  x=1");
	mc_iso_boot_clear(&b);

	make_iso(iso, missing);
	OK(mc_iso_boot_files(f->dir, iso, "2222222222222222222222222222222222222222222222222222222222222222", &b, &err));
	assert_null(b.kernel);
	unlink(iso);
	make_iso(iso, two_initrds);
	OK(mc_iso_boot_files(f->dir, iso, "3333333333333333333333333333333333333333333333333333333333333333", &b, &err));
	assert_null(b.kernel);
	OK(mc_iso_boot_files(f->dir, f->iso, "4444444444444444444444444444444444444444444444444444444444444444", &b, &err));
	assert_null(b.kernel);
	assert_int_equal(mc_iso_boot_files(f->dir, iso, "not-a-hash", &b, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	unlink(iso);
}

/* The machine OS's features, from the release file at the ISO's root. */
static void iso_os_features(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *iso = mc_path_join(f->dir, "features.iso");
	struct mc_error err = { 0 };
	char *features = NULL;
	static const char *const quoted[] = {
		"machinectl-os-release", "NAME=machinectl-os\nVERSION=0.1.0\nFEATURES=\"boot-host-keys  later-thing\"\nSUITE=trixie\n",
		NULL,
	};
	static const char *const bare[] = { "machinectl-os-release", "NAME=machinectl-os\r\nFEATURES=one\r\n", NULL };
	static const char *const none[] = { "machinectl-os-release", "NAME=machinectl-os\nVERSION=0.0.9\n", NULL };
	static const char *const nested[] = { "boot/machinectl-os-release", "FEATURES=boot-host-keys\n", NULL };

	make_iso(iso, quoted);
	OK(mc_iso_os_features(iso, &features, &err));
	assert_string_equal(features, "boot-host-keys  later-thing");
	assert_true(mc_iso_has_feature(features, "boot-host-keys"));
	assert_true(mc_iso_has_feature(features, "later-thing"));
	assert_false(mc_iso_has_feature(features, "boot-host"));
	assert_false(mc_iso_has_feature(features, "keys"));
	assert_false(mc_iso_has_feature(NULL, "boot-host-keys"));
	free(features);
	unlink(iso);
	make_iso(iso, bare);
	OK(mc_iso_os_features(iso, &features, &err));
	assert_string_equal(features, "one");
	free(features);
	/* Older builds (no FEATURES line), other layouts, files that are not ISO 9660. */
	unlink(iso);
	make_iso(iso, none);
	OK(mc_iso_os_features(iso, &features, &err));
	assert_string_equal(features, "");
	free(features);
	unlink(iso);
	make_iso(iso, nested);
	OK(mc_iso_os_features(iso, &features, &err));
	assert_string_equal(features, "");
	free(features);
	OK(mc_iso_os_features(f->iso, &features, &err));
	assert_string_equal(features, "");
	free(features);
	unlink(iso);
	assert_int_equal(mc_iso_os_features(iso, &features, &err), -1);
	assert_null(features);
	assert_non_null(strstr(err.msg, "cannot read the boot ISO"));
}

/* A domain's XML as libvirt formats it, its boot lines swapped both ways. */
static void xml_set_boot(void **state)
{
	struct fx *f = *state;
	struct lv_domain_spec s = spec("test");
	_cleanup_free_ char *x = lv_domain_xml(&s), *cur = NULL, *kboot = lv_os_boot_xml("/k", "/i", "a=<b>", false);
	_cleanup_free_ char *cdboot = lv_os_boot_xml(NULL, NULL, NULL, true), *y = NULL, *z = NULL;
	virDomainPtr dom = virDomainDefineXML(f->hold, x);

	assert_non_null(dom);
	cur = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	virDomainFree(dom);
	y = lv_xml_set_boot(cur, kboot);
	assert_non_null(y);
	assert_null(strstr(y, "<boot dev="));
	assert_non_null(strstr(y, "    <kernel>/k</kernel>\n    <initrd>/i</initrd>\n    <cmdline>a=&lt;b&gt;</cmdline>\n  </os>"));
	dom = virDomainDefineXML(f->hold, y);
	assert_non_null(dom);
	free(MC_TAKE(cur));
	cur = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(cur, "<kernel>/k</kernel>"));
	z = lv_xml_set_boot(cur, cdboot);
	assert_null(strstr(z, "<kernel>"));
	assert_null(strstr(z, "<cmdline>"));
	assert_non_null(strstr(z, "<boot dev='cdrom'/>"));
	assert_non_null(strstr(z, "<uuid>"));
	assert_null(lv_xml_set_boot("<domain/>", kboot));
	virDomainUndefine(dom);
	virDomainFree(dom);
}

/* --- DHCP reservations --- */

static char *net_xml(struct fx *f)
{
	virNetworkPtr n = virNetworkLookupByName(f->hold, "default");
	char *x;

	assert_non_null(n);
	x = virNetworkGetXMLDesc(n, 0);
	virNetworkFree(n);
	return x;
}

static bool reserved(struct fx *f, const char *mac, const char *ip)
{
	_cleanup_free_ char *x = net_xml(f), *h = mc_asprintf("<host mac='%s' ip='%s'/>", mac, ip);

	return strstr(x, h) != NULL;
}

static void dhcp_reservation(void **state)
{
	struct fx *f = *state;
	const struct mc_driver *d = mc_driver_entry;
	struct mc_error err = { 0 };
	struct m *a = machine(f, "r1", true), *b = machine(f, "r2", true), *c = machine(f, "r3", true);
	_cleanup_free_ char *amac = NULL, *cmac = NULL;
	static const struct { const char *ip, *msg; } bad[] = {
		{ "192.168.122.2", "gives that address to another machine" },
		{ "192.168.122.1", "gives that address to another machine" },  /* the gateway */
		{ "10.0.0.5", "not a host address of the libvirt network \"default\" (192.168.122.0/24)" },
		{ "192.168.122.255", "not a host address" },
	};

	/* The first free address of the range, reserved before the VM boots. */
	OK(d->precreate(&a->ctx, &err));
	OK(d->create(&a->ctx, &err));
	amac = mc_strdup(mc_json_str(a->config, "MACAddress"));
	assert_string_equal(mc_json_str(a->config, "ReservedIP"), "192.168.122.2");
	assert_true(reserved(f, amac, "192.168.122.2"));
	assert_non_null(strstr(phases, "(r1) Reserved 192.168.122.2 for the machine in the libvirt network default..."));

	/* Addresses that cannot be given: refused, and nothing is left. */
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *before = net_xml(f), *after = NULL;

		json_object_set_new(b->flags, "libvirt-ip", json_string(bad[i].ip));
		OK(d->precreate(&b->ctx, &err));
		assert_int_equal(d->create(&b->ctx, &err), -1);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: %s", bad[i].ip, err.msg);
		mc_error_clear(&err);
		OK(d->remove(&b->ctx, &err));  /* what the core does after a failed create */
		after = net_xml(f);
		assert_string_equal(before, after);
		json_object_clear(b->config);
	}
	json_object_set_new(b->flags, "libvirt-ip", json_string("192.168.122.300"));
	assert_int_equal(d->check_flags(&(struct mc_driver_ctx){ .host = b->ctx.host, .flags = b->flags }, &err), -1);
	assert_string_equal(err.msg, "invalid --libvirt-ip \"192.168.122.300\": not an IPv4 address");
	mc_error_clear(&err);

	/* The address asked for. */
	json_object_set_new(c->flags, "libvirt-ip", json_string("192.168.122.77"));
	OK(d->precreate(&c->ctx, &err));
	OK(d->create(&c->ctx, &err));
	cmac = mc_strdup(mc_json_str(c->config, "MACAddress"));
	assert_string_equal(mc_json_str(c->config, "ReservedIP"), "192.168.122.77");
	assert_true(reserved(f, cmac, "192.168.122.77"));

	/* rm gives the addresses back (twice is fine). */
	OK(d->remove(&a->ctx, &err));
	assert_false(reserved(f, amac, "192.168.122.2"));
	OK(d->remove(&a->ctx, &err));
	OK(d->remove(&c->ctx, &err));
	assert_false(reserved(f, cmac, "192.168.122.77"));
	machine_free(a);
	machine_free(b);
	machine_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xml_qemu_tcg),
		cmocka_unit_test(xml_kvm_and_cache),
		cmocka_unit_test(xml_shares),
		cmocka_unit_test(xml_validates),
		cmocka_unit_test(helpers),
		cmocka_unit_test_setup_teardown(precreate_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(create_needs_a_key, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_states, setup, teardown),
		cmocka_unit_test_setup_teardown(set_hardware_and_autostart, setup, teardown),
		cmocka_unit_test_setup_teardown(pool_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(create_failure_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(direct_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(iso_boot_files, setup, teardown),
		cmocka_unit_test_setup_teardown(iso_os_features, setup, teardown),
		cmocka_unit_test_setup_teardown(xml_set_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(dhcp_reservation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
