/* Parsers of VBoxManage output and IPv4 network checks (see vbox.h). */
#include "buildconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vbox.h"

int mc_vbox_parse_version(const char *out, struct mc_vbox_version *v)
{
	const char *line = out;
	int found = -1;

	/* Warnings ("WARNING: The vboxdrv kernel module is not loaded...") may
	 * come first: the version is the last line that starts with a digit. */
	while (line && *line) {
		struct mc_vbox_version t = { 0 };
		int n = 0;

		if (isdigit((unsigned char)*line) &&
		    sscanf(line, "%d.%d.%d%n", &t.major, &t.minor, &t.patch, &n) == 3 && n > 0) {
			*v = t;
			found = 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return found;
}

bool mc_vbox_version_ge(const struct mc_vbox_version *v, int major, int minor, int patch)
{
	if (v->major != major)
		return v->major > major;
	if (v->minor != minor)
		return v->minor > minor;
	return v->patch >= patch;
}

/* A quoted token starting at *p (after the opening quote), up to the closing
 * quote; \" and \\ unescaped.  With last, the closing quote is the line's last. */
static char *unquote(const char *s, size_t len)
{
	char *o = mc_malloc(len + 1), *w = o;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		*w++ = s[i];
	}
	*w = '\0';
	return o;
}

json_t *mc_vbox_parse_machinereadable(const char *out)
{
	json_t *o = json_object();
	const char *line = out;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *eq, *ks, *ke, *vs, *ve;

		if (!end)
			end = line + strlen(line);
		ve = end;
		if (ve > line && ve[-1] == '\r')
			ve--;
		if (*line == '"') {
			/* "SATA-0-0"="..." : the key is quoted too */
			ks = line + 1;
			ke = ks;
			while (ke < ve && !(*ke == '"' && ke[-1] != '\\'))
				ke++;
			eq = ke < ve ? ke + 1 : ve;
		} else {
			ks = line;
			eq = memchr(line, '=', (size_t)(ve - line));
			ke = eq ? eq : ve;
		}
		if (eq && eq < ve && *eq == '=') {
			_cleanup_free_ char *k = unquote(ks, (size_t)(ke - ks)), *val = NULL;

			vs = eq + 1;
			if (vs < ve && *vs == '"' && ve - vs >= 2 && ve[-1] == '"')
				val = unquote(vs + 1, (size_t)(ve - vs - 2));
			else
				val = mc_strndup(vs, (size_t)(ve - vs));
			if (*k)
				json_object_set_new(o, k, json_string(val));
		}
		line = *end ? end + 1 : NULL;
	}
	return o;
}

/* VBoxManage's machine state names (VBoxManageInfo.cpp machineStateToName:
 * the short name for --machinereadable, the long one for people). */
static const struct mc_vbox_state vbox_states[] = {
	{ "poweroff", "powered off", MC_STATE_STOPPED, MC_VBOX_OFF },
	{ "aborted", "aborted", MC_STATE_STOPPED, MC_VBOX_OFF },
	{ "teleported", "teleported", MC_STATE_STOPPED, MC_VBOX_OFF },
	{ "saved", "saved", MC_STATE_SAVED, MC_VBOX_SAVED },
	/* Off, but holding a saved state (VirtualBox 7): Saved, so that stop/kill drop it. */
	{ "aborted-saved", "aborted-saved", MC_STATE_SAVED, MC_VBOX_ABORTED_SAVED },
	{ "running", "running", MC_STATE_RUNNING, MC_VBOX_RUNNING },
	{ "paused", "paused", MC_STATE_PAUSED, MC_VBOX_PAUSED },
	{ "gurumeditation", "guru meditation", MC_STATE_ERROR, MC_VBOX_STUCK },
	{ "starting", "starting", MC_STATE_STARTING, MC_VBOX_BUSY },
	{ "restoring", "restoring", MC_STATE_STARTING, MC_VBOX_BUSY },
	{ "teleportingin", "teleporting (incoming)", MC_STATE_STARTING, MC_VBOX_BUSY },
	{ "stopping", "stopping", MC_STATE_STOPPING, MC_VBOX_BUSY },
	{ "saving", "saving", MC_STATE_STOPPING, MC_VBOX_BUSY },
	{ "teleporting", "teleporting", MC_STATE_STOPPING, MC_VBOX_BUSY },
	{ "teleportingpausedvm", "teleporting paused vm", MC_STATE_STOPPING, MC_VBOX_BUSY },
	{ "livesnapshotting", "live snapshotting", MC_STATE_RUNNING, MC_VBOX_BUSY },
	{ "onlinesnapshotting", "online snapshotting", MC_STATE_RUNNING, MC_VBOX_BUSY },
	{ "deletingsnapshotlive", "deleting snapshot live", MC_STATE_RUNNING, MC_VBOX_BUSY },
	{ "deletingsnapshotlivepaused", "deleting snapshot live paused", MC_STATE_PAUSED, MC_VBOX_BUSY },
	{ "faulttolerantsyncing", "fault tolerant syncing", MC_STATE_RUNNING, MC_VBOX_BUSY },
	{ "snapshotting", "offline snapshotting", MC_STATE_STOPPED, MC_VBOX_BUSY },
	{ "restoringsnapshot", "restoring snapshot", MC_STATE_STOPPED, MC_VBOX_BUSY },
	{ "deletingsnapshot", "deleting snapshot", MC_STATE_STOPPED, MC_VBOX_BUSY },
	{ "settingup", "setting up", MC_STATE_STOPPED, MC_VBOX_BUSY },
};
static const struct mc_vbox_state vbox_state_unknown = { "unknown", "unknown", MC_STATE_ERROR,
							 MC_VBOX_UNKNOWN };

const struct mc_vbox_state *mc_vbox_state_by_name(const char *s)
{
	for (size_t i = 0; s && i < MC_ARRAY_SIZE(vbox_states); i++)
		if (!strcmp(s, vbox_states[i].name))
			return &vbox_states[i];
	return &vbox_state_unknown;
}

const struct mc_vbox_state *mc_vbox_state_by_text(const char *text)
{
	const char *since = text ? strstr(text, " (since ") : NULL;
	size_t n = since ? (size_t)(since - text) : text ? strlen(text) : 0;

	/* Exact match of the whole text: "aborted" must not match "aborted-saved". */
	for (size_t i = 0; text && i < MC_ARRAY_SIZE(vbox_states); i++)
		if (strlen(vbox_states[i].text) == n && !strncmp(text, vbox_states[i].text, n))
			return &vbox_states[i];
	return &vbox_state_unknown;
}

/* "Key:   value" → key and trimmed value (views into line, NUL-terminated in place). */
static bool split_kv(char *line, char **k, char **v)
{
	char *c = strchr(line, ':'), *e;

	if (!c)
		return false;
	*c = '\0';
	*k = line;
	e = c;
	while (e > line && isspace((unsigned char)e[-1]))
		*--e = '\0';
	c++;
	while (*c == ' ' || *c == '\t')
		c++;
	*v = c;
	e = c + strlen(c);
	while (e > c && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return true;
}

/* A record's field; a repeated key keeps the last value. */
static void set_field(char **field, const char *v)
{
	free(*field);
	*field = mc_strdup(v);
}

static char **lines_of(const char *out)
{
	char **v = NULL;

	while (out && *out) {
		size_t n = strcspn(out, "\n");

		mc_strv_push(&v, mc_strndup(out, n));
		out += n;
		if (*out)
			out++;
	}
	if (!v)
		v = mc_calloc(1, sizeof(char *));
	return v;
}

int mc_vbox_parse_hostonlyifs(const char *out, struct mc_vbox_hostonlyif **ifs, size_t *n,
			      char **dup)
{
	_cleanup_strv_ char **lines = lines_of(out);
	struct mc_vbox_hostonlyif *a = NULL, *cur = NULL;
	size_t cnt = 0;

	*dup = NULL;
	for (size_t i = 0; lines[i]; i++) {
		char *k, *v;

		if (!split_kv(lines[i], &k, &v))
			continue;
		if (!strcmp(k, "Name")) {
			a = mc_realloc(a, (cnt + 1) * sizeof(*a));
			cur = &a[cnt++];
			memset(cur, 0, sizeof(*cur));
			cur->name = mc_strdup(v);
			continue;
		}
		if (!cur)
			continue;
		if (!strcmp(k, "GUID"))
			set_field(&cur->guid, v);
		else if (!strcmp(k, "DHCP"))
			cur->dhcp = !strcasecmp(v, "Enabled");
		else if (!strcmp(k, "IPAddress"))
			set_field(&cur->ip, v);
		else if (!strcmp(k, "NetworkMask"))
			set_field(&cur->mask, v);
		else if (!strcmp(k, "HardwareAddress"))
			set_field(&cur->hwaddr, v);
		else if (!strcmp(k, "Status"))
			set_field(&cur->status, v);
		else if (!strcmp(k, "VBoxNetworkName")) {
			set_field(&cur->network, v);
			cur = NULL;  /* VBoxNetworkName ends a record */
		}
	}
	for (size_t i = 0; i < cnt && !*dup; i++)
		for (size_t j = i + 1; j < cnt && !*dup; j++) {
			if (mc_streq(a[i].name, a[j].name))
				*dup = mc_asprintf("two host-only interfaces are named %s", a[i].name);
			else if (a[i].ip && *a[i].ip && mc_streq(a[i].ip, a[j].ip))
				*dup = mc_asprintf("host-only interfaces %s and %s have the same IP address %s",
						   a[i].name, a[j].name, a[i].ip);
		}
	*ifs = a;
	*n = cnt;
	if (*dup) {
		mc_vbox_hostonlyifs_free(a, cnt);
		*ifs = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void mc_vbox_hostonlyifs_free(struct mc_vbox_hostonlyif *ifs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ifs[i].name);
		free(ifs[i].guid);
		free(ifs[i].ip);
		free(ifs[i].mask);
		free(ifs[i].hwaddr);
		free(ifs[i].status);
		free(ifs[i].network);
	}
	free(ifs);
}

int mc_vbox_parse_dhcpservers(const char *out, struct mc_vbox_dhcp **srv, size_t *n)
{
	_cleanup_strv_ char **lines = lines_of(out);
	struct mc_vbox_dhcp *a = NULL, *cur = NULL;
	size_t cnt = 0;

	for (size_t i = 0; lines[i]; i++) {
		char *k, *v;

		/* 6.1+ adds indented option blocks ("Global Configuration:"): skipped. */
		if (lines[i][0] == ' ' || lines[i][0] == '\t' || !split_kv(lines[i], &k, &v))
			continue;
		if (!strcmp(k, "NetworkName")) {
			a = mc_realloc(a, (cnt + 1) * sizeof(*a));
			cur = &a[cnt++];
			memset(cur, 0, sizeof(*cur));
			cur->netname = mc_strdup(v);
			continue;
		}
		if (!cur)
			continue;
		if (!strcmp(k, "IP") || !strcmp(k, "Dhcpd IP"))
			set_field(&cur->ip, v);
		else if (!strcmp(k, "NetworkMask"))
			set_field(&cur->mask, v);
		else if (!strcasecmp(k, "lowerIPAddress"))
			set_field(&cur->lower, v);
		else if (!strcasecmp(k, "upperIPAddress"))
			set_field(&cur->upper, v);
		else if (!strcmp(k, "Enabled"))
			cur->enabled = !strcasecmp(v, "Yes");
	}
	*srv = a;
	*n = cnt;
	return 0;
}

void mc_vbox_dhcpservers_free(struct mc_vbox_dhcp *srv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(srv[i].netname);
		free(srv[i].ip);
		free(srv[i].mask);
		free(srv[i].lower);
		free(srv[i].upper);
	}
	free(srv);
}

char **mc_vbox_parse_list_vms(const char *out)
{
	_cleanup_strv_ char **lines = lines_of(out);
	char **names = mc_calloc(1, sizeof(char *));

	for (size_t i = 0; lines[i]; i++) {
		char *l = lines[i], *e = strrchr(l, '{');

		/* "name with \"quotes\"" {uuid}: the name ends at the last quote before the brace */
		if (l[0] != '"' || !e)
			continue;
		while (e > l && e[-1] == ' ')
			e--;
		if (e - l < 2 || e[-1] != '"')
			continue;
		mc_strv_push(&names, mc_strndup(l + 1, (size_t)(e - l - 2)));
	}
	return names;
}

char *mc_vbox_parse_created_if(const char *out)
{
	const char *p = strstr(out, "Interface '"), *e;

	if (!p)
		return NULL;
	p += strlen("Interface '");
	e = strstr(p, "' was successfully created");
	if (!e || e == p)
		return NULL;
	return mc_strndup(p, (size_t)(e - p));
}

/* --- IPv4 --- */

int mc_vbox_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

uint32_t mc_vbox_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

void mc_vbox_ip_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int mc_vbox_mask_prefix(const char *mask)
{
	uint32_t m;
	int p = 0;

	if (mc_vbox_parse_ip(mask, &m) < 0)
		return -1;
	while (p < 32 && (m & (0x80000000u >> p)))
		p++;
	return mc_vbox_mask(p) == m ? p : -1;
}

/* A prefix length "N" in [lo, hi]. */
static bool parse_prefix(const char *s, int lo, int hi, long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	*out = strtoll(s, &end, 10);
	return !*end && *out >= lo && *out <= hi;
}

int mc_vbox_parse_cidr(const char *s, uint32_t *ip, int *prefix, const char **why)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	_cleanup_free_ char *addr = NULL;
	long long p;
	uint32_t m;

	*why = "expected A.B.C.D/N, e.g. 192.168.56.1/24";
	if (!slash)
		return -1;
	addr = mc_strndup(s, (size_t)(slash - s));
	if (mc_vbox_parse_ip(addr, ip) < 0 || !parse_prefix(slash + 1, 0, 32, &p))
		return -1;
	if (p < 8 || p > 29) {
		*why = "the prefix length must be between 8 and 29";
		return -1;
	}
	*prefix = (int)p;
	m = mc_vbox_mask(*prefix);
	if ((*ip & ~m) == 0 || (*ip & ~m) == ~m) {
		*why = "the address must be the host's address in the network (e.g. .1), not the network or broadcast address";
		return -1;
	}
	return 0;
}

bool mc_vbox_nets_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	uint32_t m = mc_vbox_mask(pa < pb ? pa : pb);

	return (a & m) == (b & m);
}

/* The network ip/prefix lies inside range/rp. */
static bool inside(uint32_t ip, int prefix, uint32_t range, int rp)
{
	return prefix >= rp && (ip & mc_vbox_mask(rp)) == (range & mc_vbox_mask(rp));
}

bool mc_vbox_range_allowed(const char *conf, uint32_t ip, int prefix)
{
	_cleanup_strv_ char **lines = NULL;

	if (!conf)
		return inside(ip, prefix, 0xc0a83800u /* 192.168.56.0 */, 21);
	lines = lines_of(conf);
	for (size_t i = 0; lines[i]; i++) {
		char *save = NULL, *tok = strtok_r(lines[i], " \t", &save);

		/* "* 10.0.0.0/8 192.168.0.0/16 2001::/64"; '#' comments */
		if (!tok || strcmp(tok, "*"))
			continue;
		while ((tok = strtok_r(NULL, " \t", &save))) {
			char *sl = strchr(tok, '/');
			uint32_t r;
			long long rp;

			if (*tok == '#')
				break;
			if (!sl)
				continue;
			*sl = '\0';
			if (mc_vbox_parse_ip(tok, &r) < 0 || !parse_prefix(sl + 1, 0, 32, &rp))
				continue;
			if (inside(ip, prefix, r, (int)rp))
				return true;
		}
	}
	return false;
}

static bool is_vbox_if(const char *name)
{
	return name && mc_startswith(name, "vboxnet");
}

int mc_vbox_host_collision(const char *addr_json, const char *route_json, uint32_t ip,
			   int prefix, char **what)
{
	_cleanup_json_ json_t *addrs = addr_json ? json_loads(addr_json, 0, NULL) : NULL;
	_cleanup_json_ json_t *routes = route_json ? json_loads(route_json, 0, NULL) : NULL;
	size_t i, j;
	json_t *it, *ai;

	*what = NULL;
	json_array_foreach(addrs, i, it) {
		const char *ifname = mc_json_str(it, "ifname");

		if (is_vbox_if(ifname) || mc_streq(ifname, "lo"))
			continue;
		json_array_foreach(json_object_get(it, "addr_info"), j, ai) {
			const char *local = mc_json_str(ai, "local");
			int p = (int)mc_json_int(ai, "prefixlen", 32);
			uint32_t a;

			if (!mc_streq(mc_json_str(ai, "family"), "inet") || mc_vbox_parse_ip(local, &a) < 0)
				continue;
			if (mc_vbox_nets_overlap(ip, prefix, a, p)) {
				*what = mc_asprintf("address %s/%d on %s", local, p, ifname ? ifname : "?");
				return 1;
			}
		}
	}
	json_array_foreach(routes, i, it) {
		const char *dst = mc_json_str(it, "dst"), *dev = mc_json_str(it, "dev");
		_cleanup_free_ char *net = NULL;
		const char *sl;
		long long p = 32;
		uint32_t a;

		if (!dst || !strcmp(dst, "default") || is_vbox_if(dev))
			continue;
		sl = strchr(dst, '/');
		net = sl ? mc_strndup(dst, (size_t)(sl - dst)) : mc_strdup(dst);
		if (mc_vbox_parse_ip(net, &a) < 0 ||
		    (sl && !parse_prefix(sl + 1, 1, 32, &p)))
			continue;
		if (mc_vbox_nets_overlap(ip, prefix, a, (int)p)) {
			*what = mc_asprintf("route %s%s%s", dst, dev ? " dev " : "", dev ? dev : "");
			return 1;
		}
	}
	return 0;
}

int mc_vbox_proc_route_collision(const char *text, uint32_t ip, int prefix, char **what)
{
	_cleanup_strv_ char **lines = lines_of(text);

	*what = NULL;
	/* Line 0 is the header; an empty text has none. */
	for (size_t i = 1; lines[0] && lines[i]; i++) {
		char ifname[64];
		unsigned dst, gw, flags, mask;
		uint32_t d, m;
		int p;
		char buf[16];

		if (sscanf(lines[i], "%63s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags, &mask) != 5)
			continue;
		/* Little-endian hex of the network byte order address. */
		d = ntohl(dst);
		m = ntohl(mask);
		if (m == 0 || is_vbox_if(ifname))
			continue;
		for (p = 0; p < 32 && (m & (0x80000000u >> p)); p++)
			;
		if (mc_vbox_nets_overlap(ip, prefix, d, p)) {
			mc_vbox_ip_str(d, buf);
			*what = mc_asprintf("route %s/%d dev %s", buf, p, ifname);
			return 1;
		}
	}
	return 0;
}

bool mc_vbox_cpuinfo_has_vtx(const char *cpuinfo)
{
	_cleanup_strv_ char **lines = lines_of(cpuinfo);

	for (size_t i = 0; lines[i]; i++) {
		char *k, *v, *save = NULL, *tok;

		if (!split_kv(lines[i], &k, &v) || strcmp(k, "flags"))
			continue;
		for (tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
			if (!strcmp(tok, "vmx") || !strcmp(tok, "svm"))
				return true;
	}
	return false;
}

json_t *mc_vbox_parse_list_vms_long(const char *out)
{
	_cleanup_strv_ char **lines = lines_of(out);
	json_t *o = json_object();
	_cleanup_free_ char *name = NULL;

	for (size_t i = 0; lines[i]; i++) {
		char *k, *v;

		/* Only unindented "Key: value" lines: nested sections are indented. */
		if (lines[i][0] == ' ' || !split_kv(lines[i], &k, &v))
			continue;
		if (!strcmp(k, "Name")) {
			free(name);
			name = mc_strdup(v);
		} else if (!strcmp(k, "State") && name) {
			json_object_set_new(o, name, json_string(mc_vbox_state_by_text(v)->name));
			free(name);
			name = NULL;
		}
	}
	return o;
}

bool mc_vbox_output_translated(const char *out)
{
	bool text = false;

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (mc_startswith(l, "Name:"))
			return false;
		if (!isspace((unsigned char)*l))
			text = true;
	}
	return text;
}

void mc_vbox_mac_colons(const char *mac12, char *buf)
{
	size_t w = 0;

	for (size_t i = 0; i < 12 && mac12[i]; i++) {
		if (i && i % 2 == 0)
			buf[w++] = ':';
		buf[w++] = (char)tolower((unsigned char)mac12[i]);
	}
	buf[w] = '\0';
}

char *mc_vbox_ip_for_mac(const char *ip_addr_out, const char *mac)
{
	_cleanup_strv_ char **lines = lines_of(ip_addr_out);
	bool in = false;

	for (size_t i = 0; lines[i]; i++) {
		char *l = lines[i];

		if (!isspace((unsigned char)l[0])) {  /* "3: eth1: <BROADCAST,...>" starts an interface */
			in = false;
			continue;
		}
		while (isspace((unsigned char)*l))
			l++;
		if (mc_startswith(l, "link/")) {
			char lmac[32] = "";

			sscanf(l, "%*s %31s", lmac);
			in = strcasecmp(lmac, mac) == 0;
		} else if (in && mc_startswith(l, "inet ")) {
			size_t n;

			l += 5;
			n = strcspn(l, "/ ");
			return mc_strndup(l, n);
		}
	}
	return NULL;
}
