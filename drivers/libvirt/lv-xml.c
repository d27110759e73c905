/* Domain XML for machinectl machines. */
#include "buildconf.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "lv.h"

char *lv_xml_escape(const char *s)
{
	size_t n = 0;
	char *out, *o;

	/* Tab, newline and CR as character references: an XML parser turns them
	 * into spaces in an attribute otherwise (a host path may hold them). */
	for (const char *p = s; *p; p++)
		n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : (*p == '\'' || *p == '"') ? 6
			: (*p == '\t' || *p == '\n' || *p == '\r') ? 5 : 1;
	o = out = mc_malloc(n + 1);
	for (const char *p = s; *p; p++) {
		const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
				: *p == '\'' ? "&apos;" : *p == '"' ? "&quot;" : *p == '\t' ? "&#09;"
				: *p == '\n' ? "&#10;" : *p == '\r' ? "&#13;" : NULL;

		if (rep) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

int lv_random_mac(char buf[18])
{
	unsigned char b[3];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -1;
	snprintf(buf, 18, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
	return 0;
}

bool lv_uri_is_remote(const char *uri)
{
	const char *p = strstr(uri, "://");
	size_t n;

	if (!p)
		return false;
	p += 3;
	n = strcspn(p, "/?");
	if (n == 0)
		return false;
	/* A host part: only the loopback names are this machine. */
	return !((n == 9 && !strncmp(p, "localhost", 9)) || (n == 9 && !strncmp(p, "127.0.0.1", 9)));
}

/* Appends to a growing string. */
static void cat(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *add, *res;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		abort();
	va_end(ap);
	res = mc_asprintf("%s%s", *buf ? *buf : "", add);
	free(add);
	free(*buf);
	*buf = res;
}

char *lv_cdrom_xml(const char *iso, const char *type)
{
	_cleanup_free_ char *esc = lv_xml_escape(iso);
	char *x = NULL;

	cat(&x, "    <disk type='file' device='cdrom'>\n");
	if (mc_streq(type, "qemu") || mc_streq(type, "kvm"))
		cat(&x, "      <driver name='qemu' type='raw'/>\n");
	cat(&x, "      <source file='%s'/>\n      <target dev='sda' bus='sata'/>\n      <readonly/>\n"
		"    </disk>\n", esc);
	return x;
}

char *lv_os_boot_xml(const char *kernel, const char *initrd, const char *cmdline, bool bootmenu)
{
	_cleanup_free_ char *k = NULL, *i = NULL, *c = NULL;

	if (!kernel)
		return mc_asprintf("    <boot dev='cdrom'/>\n    <boot dev='hd'/>\n%s",
				   bootmenu ? "    <bootmenu enable='no'/>\n" : "");
	k = lv_xml_escape(kernel);
	i = lv_xml_escape(initrd ? initrd : "");
	c = lv_xml_escape(cmdline ? cmdline : "");
	return mc_asprintf("    <kernel>%s</kernel>\n    <initrd>%s</initrd>\n    <cmdline>%s</cmdline>\n", k, i, c);
}

/* Whether a line of libvirt's XML is one lv_os_boot_xml writes. */
static bool boot_line(const char *l, size_t n)
{
	static const char *const tags[] = { "<kernel>", "<initrd>", "<cmdline>", "<kernel/>", "<initrd/>",
					    "<cmdline/>", "<boot ", "<bootmenu " };

	while (n > 0 && (*l == ' ' || *l == '\t'))
		l++, n--;
	for (size_t i = 0; i < MC_ARRAY_SIZE(tags); i++)
		if (n >= strlen(tags[i]) && !strncmp(l, tags[i], strlen(tags[i])))
			return true;
	return false;
}

char *lv_xml_set_boot(const char *xml, const char *boot)
{
	const char *os = strstr(xml, "<os>"), *end = os ? strstr(os, "</os>") : NULL;
	char *x = NULL;

	if (!end)
		return NULL;
	cat(&x, "%.*s", (int)(os - xml), xml);
	for (const char *l = os; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl + 1 - l) : (size_t)(end - l);

		if (!nl) {  /* the indentation of </os> */
			cat(&x, "%s", boot);
			boot = "";
		}
		if (!boot_line(l, n))
			cat(&x, "%.*s", (int)n, l);
		l += n;
	}
	cat(&x, "%s%s", boot, end);
	return x;
}

char *lv_domain_xml(const struct lv_domain_spec *s)
{
	_cleanup_free_ char *name = lv_xml_escape(s->name), *machine = lv_xml_escape(s->machine);
	_cleanup_free_ char *store = lv_xml_escape(s->store ? s->store : "");
	_cleanup_free_ char *cd = NULL, *disk = lv_xml_escape(s->disk);
	_cleanup_free_ char *net = lv_xml_escape(s->network), *mac = lv_xml_escape(s->mac);
	_cleanup_free_ char *con = s->console_log ? lv_xml_escape(s->console_log) : NULL;
	_cleanup_free_ char *os = NULL;
	bool tcg = mc_streq(s->type, "qemu"), kvm = mc_streq(s->type, "kvm");
	bool hv = tcg || kvm;
	char *x = NULL;

	cat(&x, "<domain type='%s'>\n", s->type);
	cat(&x, "  <name>%s</name>\n", name);
	if (s->uuid)
		cat(&x, "  <uuid>%s</uuid>\n", s->uuid);
	cat(&x, "  <title>machinectl machine %s</title>\n", machine);
	cat(&x, "  <description>Created by machinectl for the machine %s of the store %s; remove it with machinectl rm.</description>\n",
	    machine, store);
	cat(&x, "  <memory unit='MiB'>%lld</memory>\n", s->memory_mb);
	cat(&x, "  <vcpu>%lld</vcpu>\n", s->cpus);
	cat(&x, "  <os>\n    <type arch='x86_64'>hvm</type>\n");
	os = lv_os_boot_xml(s->kernel, s->initrd, s->cmdline, hv);
	cat(&x, "%s  </os>\n", os);
	if (hv) {
		cat(&x, "  <features>\n    <acpi/>\n    <apic/>\n");
		/* QEMU's TCG keeps up to 1 GiB of translated code per VM unless told. */
		if (tcg && s->tb_cache_mb > 0)
			cat(&x, "    <tcg>\n      <tb-cache unit='MiB'>%lld</tb-cache>\n    </tcg>\n",
			    s->tb_cache_mb);
		cat(&x, "  </features>\n");
		if (kvm)
			cat(&x, "  <cpu mode='host-passthrough'/>\n");
		cat(&x, "  <clock offset='utc'/>\n");
	}
	cat(&x, "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n");
	cat(&x, "  <devices>\n");
	cd = lv_cdrom_xml(s->iso, s->type);
	cat(&x, "%s", cd);
	cat(&x, "    <disk type='file' device='disk'>\n");
	if (hv) {
		if (s->cache_mode && strcmp(s->cache_mode, "default") != 0)
			cat(&x, "      <driver name='qemu' type='raw' cache='%s'/>\n", s->cache_mode);
		else
			cat(&x, "      <driver name='qemu' type='raw'/>\n");
	}
	cat(&x, "      <source file='%s'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", disk);
	cat(&x, "    <interface type='network'>\n      <source network='%s'/>\n      <mac address='%s'/>\n",
	    net, mac);
	if (hv)
		cat(&x, "      <model type='virtio'/>\n");
	cat(&x, "    </interface>\n");
	/* The serial console (the guest's console=ttyS0) goes to a file in the
	 * store; on another host, to a pty there (virsh console). */
	if (con)
		cat(&x, "    <serial type='file'>\n      <source path='%s'/>\n      <target port='0'/>\n    </serial>\n",
		    con);
	else
		cat(&x, "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n");
	/* Shared folders: virtio-9p, the guest mounts each tag (doc/libvirt.md,
	 * "Shared folders"); squash: the files as QEMU's user may touch them. */
	for (size_t i = 0; s->shares && i < json_array_size(s->shares); i++) {
		json_t *sh = json_array_get(s->shares, i);
		_cleanup_free_ char *src = lv_xml_escape(mc_json_str(sh, "Host") ?: "");
		_cleanup_free_ char *tag = lv_xml_escape(mc_json_str(sh, "Tag") ?: "");

		cat(&x, "    <filesystem type='mount' accessmode='squash'>\n");
		if (hv)
			cat(&x, "      <driver type='path'/>\n");
		cat(&x, "      <source dir='%s'/>\n      <target dir='%s'/>\n    </filesystem>\n", src, tag);
	}
	if (hv) {
		cat(&x, "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>\n");
		cat(&x, "    <memballoon model='none'/>\n");
	}
	cat(&x, "  </devices>\n</domain>\n");
	return x;
}
