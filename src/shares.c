/* Shared folders: --share resolved and checked, the guest's mounts file. */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shares.h"
#include "util.h"

/* The guest's own paths (scripts/iso/rootfs/usr/lib/machinectl-os/
 * sharedfolders, protected()): a share may not be one of these or an
 * ancestor of one; nor below those of the second list. */
static const char *const kept[] = { "/home/docker", "/mnt/data", "/var/lib/docker", "/var/lib/containerd",
				    "/var/lib/boot2docker", "/var/log", "/var/run", "/etc", "/usr", "/bin",
				    "/sbin", "/lib", "/lib64", "/proc", "/sys", "/dev", "/run", "/root", "/tmp",
				    NULL };
static const char *const kept_below[] = { "/mnt/data", "/var/lib/docker", "/var/lib/containerd",
					  "/var/lib/boot2docker", "/etc", "/usr", "/bin", "/sbin", "/lib",
					  "/lib64", "/proc", "/sys", "/dev", "/run", NULL };

static bool is_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && p[n] == '/';
}

/* The guest path it would cover, or NULL. */
static const char *covers(const char *p)
{
	if (!strcmp(p, "/"))
		return "/";
	for (size_t i = 0; kept[i]; i++)
		if (!strcmp(p, kept[i]) || is_under(kept[i], p))
			return kept[i];
	for (size_t i = 0; kept_below[i]; i++)
		if (is_under(p, kept_below[i]))
			return kept_below[i];
	return NULL;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static bool normalised(const char *p)
{
	if (p[0] != '/')
		return false;
	if (!strcmp(p, "/"))
		return true;
	if (p[strlen(p) - 1] == '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
		return false;
	return !(ends_with(p, "/.") || ends_with(p, "/.."));
}

/* What is wrong with a guest path (a message fragment), or NULL. */
static char *guest_problem(const char *g)
{
	const char *c;

	if (has_control(g))
		return mc_strdup("GUEST holds a control character (newline, tab, ...), which the machine's mounts file cannot hold");
	if (g[0] != '/')
		return mc_asprintf("GUEST %s is not an absolute path", g);
	if (!normalised(g))
		return mc_asprintf("GUEST %s is not normalised (no //, /./, /../ or trailing /)", g);
	if ((c = covers(g)))
		return mc_asprintf("GUEST %s would cover the machine's own %s", g, c);
	return NULL;
}

/* shown: the spec as the user gave it ("--share \"SPEC\""), for messages. */
static int add_share(json_t *arr, const char *shown, const char *host, const char *guest,
		     struct mc_error *err)
{
	_cleanup_free_ char *why = NULL, *tag = NULL;
	struct stat st;
	size_t i;
	json_t *v;

	if (host[0] != '/')
		return mc_error_set(err, MC_E_USAGE,
				    "invalid %s: HOST %s is not an absolute path (use --share /path/to/dir[:/guest/path])",
				    shown, host);
	if (stat(host, &st) < 0 || !S_ISDIR(st.st_mode))
		return mc_error_set(err, MC_E_USAGE, "invalid %s: HOST %s is not an existing directory",
				    shown, host);
	if ((why = guest_problem(guest)) && guest == host)
		return mc_error_set(err, MC_E_USAGE,
				    "invalid %s: without :GUEST it is shared at the same path in the machine, where %s: add :GUEST (e.g. --share %s:/mnt/host)",
				    shown, why, host);
	if (why)
		return mc_error_set(err, MC_E_USAGE, "invalid %s: %s", shown, why);
	json_array_foreach(arr, i, v) {
		if (!strcmp(mc_json_str(v, "Guest"), guest))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid %s: GUEST %s is already shared from %s", shown, guest,
					    mc_json_str(v, "Host"));
	}
	tag = mc_asprintf("mc%zu", json_array_size(arr));
	v = json_pack("{s:s, s:s, s:s}", "Host", host, "Guest", guest, "Tag", tag);
	if (!v)
		return mc_error_set(err, MC_E_USAGE, "invalid %s: not valid UTF-8", shown);
	json_array_append_new(arr, v);
	return 0;
}

int mc_shares_resolve(char *const *specs, const char *shown, bool no_share, const char *home, json_t **out,
		      struct mc_error *err)
{
	_cleanup_json_ json_t *arr = json_array();

	*out = NULL;
	if (no_share && specs && specs[0])
		return mc_error_set(err, MC_E_USAGE, "--share and --no-share cannot be used together");
	for (size_t i = 0; specs && specs[i]; i++) {
		const char *s = specs[i], *c;
		_cleanup_free_ char *host = NULL, *label = NULL;

		if (!*s)
			return mc_error_set(err, MC_E_USAGE, "invalid --share \"\": use HOST[:GUEST], e.g. --share %s",
					    home && *home ? home : "/srv/src");
		/* HOST:GUEST splits at the last ':' followed by a '/'; a HOST
		 * alone (which may hold ':') is shared at the same path.  A
		 * trailing '/' on HOST (a shell's completion) is dropped. */
		c = strrchr(s, ':');
		if (c && !c[1])
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --share \"%s\": GUEST is empty (use HOST[:GUEST], GUEST absolute)", s);
		c = c && c[1] == '/' ? c : NULL;
		host = c ? mc_strndup(s, (size_t)(c - s)) : mc_strdup(s);
		for (size_t n = strlen(host); n > 1 && host[n - 1] == '/'; n--)
			host[n - 1] = '\0';
		label = shown ? mc_strdup(shown) : mc_asprintf("--share \"%s\"", s);
		if (add_share(arr, label, host, c ? c + 1 : host, err) < 0)
			return -1;
	}
	if (!no_share && !(specs && specs[0]) && home && *home) {
		struct mc_error e = { 0 };
		json_t *tmp = json_array();

		if (!has_control(home) && normalised(home) && add_share(tmp, "the home directory", home, home, &e) == 0) {
			json_object_set_new(json_array_get(tmp, 0), "Default", json_true());
			json_array_extend(arr, tmp);
		}
		json_decref(tmp);
	}
	*out = json_incref(arr);
	return 0;
}

/* fstab's escapes for space and backslash (the mounts file's syntax). */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ')
			fputs("\\040", f);
		else if (*s == '\\')
			fputs("\\134", f);
		else
			fputc(*s, f);
	}
}

char *mc_shares_mounts(json_t *shares, const char *fstype)
{
	char *buf = NULL;
	size_t len = 0, i;
	json_t *v;
	FILE *f;

	if (!shares || !json_array_size(shares) || !fstype)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	fputs("# machinectl shared folders: FSTYPE SOURCE GUESTPATH\n", f);
	json_array_foreach(shares, i, v) {
		fprintf(f, "%s ", fstype);
		put_escaped(f, mc_json_str(v, "Tag") ?: "");
		fputc(' ', f);
		put_escaped(f, mc_json_str(v, "Guest") ?: "");
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		abort();
	return buf;
}

char *mc_shares_summary(json_t *shares)
{
	char *buf = NULL;
	size_t len = 0, i;
	json_t *v;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	json_array_foreach(shares, i, v) {
		const char *h = mc_json_str(v, "Host") ?: "", *g = mc_json_str(v, "Guest") ?: "";

		fprintf(f, "%s%s", i ? "," : "", h);
		if (strcmp(h, g))
			fprintf(f, ":%s", g);
	}
	if (fclose(f) != 0)
		abort();
	return buf;
}
