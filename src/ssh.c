/* SSH: keys, host key pins, native sessions (libssh), external client options. */
#include "buildconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include <libssh/callbacks.h>

#include "log.h"
#include "os.h"
#include "ssh-internal.h"
#include "util.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
/* Host key algorithms, best first; a pinned key's own type goes in front.
 * ssh-rsa (SHA-1 signatures) comes last, for old guests only. */
#define DEFAULT_HOSTKEYS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"rsa-sha2-512,rsa-sha2-256,ssh-rsa"

/* ------------------------------------------------------------------ */
/* endpoints                                                           */

void mc_ssh_endpoint_clear(struct mc_ssh_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->machine);
	free(ep->host);
	free(ep->user);
	free(ep->key);
	free(ep->known_hosts);
	free(ep->console_log);
	memset(ep, 0, sizeof(*ep));
}

static void endpoint_copy(struct mc_ssh_endpoint *dst, const struct mc_ssh_endpoint *src)
{
	*dst = (struct mc_ssh_endpoint){
		.machine = mc_strdup(src->machine ? src->machine : src->host),
		.host = mc_strdup(src->host),
		.port = src->port > 0 ? src->port : 22,
		.user = mc_strdup(src->user ? src->user : "docker"),
		.key = mc_strdup(src->key),
		.known_hosts = mc_strdup(src->known_hosts),
		.console_log = mc_strdup(src->console_log),
		.connect_timeout_ms = src->connect_timeout_ms > 0 ? src->connect_timeout_ms
								   : DEFAULT_CONNECT_TIMEOUT_MS,
	};
}

int mc_ssh_endpoint_init(struct mc_ssh_endpoint *ep, const char *machine, const char *dir,
			 char *host, int port, char *user, struct mc_error *err)
{
	struct mc_error bad = { 0 };

	*ep = (struct mc_ssh_endpoint){
		.machine = mc_strdup(machine),
		.host = host,
		.port = port > 0 ? port : 22,
		.user = user ? user : mc_strdup("docker"),
		.known_hosts = mc_path_join(dir, "known_hosts"),
		.console_log = mc_path_join(dir, "console.log"),
		.key = mc_ssh_key_find(dir),
	};
	if (!ep->host || !*ep->host) {
		mc_ssh_endpoint_clear(ep);
		return mc_error_set(err, MC_E_STATE, "no IP address yet: is it running?");
	}
	if (!ep->key) {
		mc_error_set(err, MC_E_NOT_FOUND,
			     "no SSH key (id_ed25519 or id_rsa in %s): it was not created completely; remove it and create it again",
			     dir);
		mc_ssh_endpoint_clear(ep);
		return -1;
	}
	/* A store written before these checks, or edited: nothing that is not
	 * a host, a port and a user goes to ssh, libssh or an ssh_config. */
	if (mc_ssh_endpoint_check(ep, &bad) < 0) {
		mc_ssh_endpoint_clear(ep);
		return mc_error_set(err, bad.code,
				    "%s (from %s/config.json: fix it there, or remove the machine and create it again)",
				    bad.msg, dir);
	}
	return 0;
}

int mc_ssh_check_user(const char *user, struct mc_error *err)
{
	size_t n = user ? strlen(user) : 0;
	bool ok = n > 0 && n <= 64 && user[0] != '-';

	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)user[i]) || strchr("._-", user[i]);
	if (!ok) {
		_cleanup_free_ char *p = mc_printable(user ? user : "");

		return mc_error_set(err, MC_E_INVALID,
				    "SSH user \"%s\" is not a user name: use up to 64 letters, digits, '.', '_' and '-', not starting with '-'",
				    p);
	}
	return 0;
}

int mc_ssh_check_host(const char *host, struct mc_error *err)
{
	unsigned char addr[16];
	size_t n = host ? strlen(host) : 0, label = 0;
	bool ok = n > 0 && n <= 253 && host[0] != '-' && host[0] != '.';

	if (n && (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1))
		return 0;
	/* A DNS name: labels of letters, digits, '-' (and '_', common in
	 * internal names) of at most 63, not starting or ending with '-'. */
	for (size_t i = 0; ok && i <= n; i++) {
		char c = host[i];

		if (c == '.' || c == '\0') {
			ok = (label > 0 || (c == '\0' && i == n && host[i - 1] == '.')) && label <= 63 &&
			     (label == 0 || host[i - 1] != '-');
			label = 0;
		} else {
			ok = isalnum((unsigned char)c) || c == '-' || c == '_';
			ok = ok && !(label == 0 && c == '-');
			label++;
		}
	}
	if (!ok) {
		_cleanup_free_ char *p = mc_printable(host ? host : "");

		return mc_error_set(err, MC_E_INVALID, "SSH host \"%s\" is neither an IP address nor a DNS name", p);
	}
	return 0;
}

int mc_ssh_check_port(long long port, struct mc_error *err)
{
	if (port < 1 || port > 65535)
		return mc_error_set(err, MC_E_INVALID, "SSH port %lld is out of range: use 1-65535", port);
	return 0;
}

int mc_ssh_endpoint_check(const struct mc_ssh_endpoint *ep, struct mc_error *err)
{
	if (mc_ssh_check_host(ep->host, err) < 0 || mc_ssh_check_port(ep->port, err) < 0 ||
	    mc_ssh_check_user(ep->user, err) < 0) {
		mc_error_machine(err, ep->machine);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

static const char *const key_files[] = { "id_ed25519", "id_rsa", "id_ecdsa" };

static void ssh_keyp(ssh_key *k)
{
	ssh_key_free(*k);
}
#define _cleanup_key_ __attribute__((cleanup(ssh_keyp)))

static void ssh_string_freep(char **s)
{
	ssh_string_free_char(*s);
}
#define _cleanup_sshstr_ __attribute__((cleanup(ssh_string_freep)))

static const char *key_file_for(ssh_key key)
{
	switch (ssh_key_type(key)) {
	case SSH_KEYTYPE_ED25519: return "id_ed25519";
	case SSH_KEYTYPE_RSA: return "id_rsa";
	case SSH_KEYTYPE_ECDSA_P256:
	case SSH_KEYTYPE_ECDSA_P384:
	case SSH_KEYTYPE_ECDSA_P521: return "id_ecdsa";
	default: return NULL;
	}
}

/* The algorithm name that starts a public key line ("ssh-ed25519", "ecdsa-sha2-nistp256"). */
static const char *key_type_name(ssh_key key)
{
	enum ssh_keytypes_e t = ssh_key_type(key);

	if (t == SSH_KEYTYPE_ECDSA_P256 || t == SSH_KEYTYPE_ECDSA_P384 || t == SSH_KEYTYPE_ECDSA_P521)
		return ssh_pki_key_ecdsa_name(key);
	return ssh_key_type_to_char(t);
}

static char *pubkey_line(ssh_key key, const char *comment)
{
	_cleanup_sshstr_ char *b64 = NULL;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	return mc_asprintf("%s %s%s%s", key_type_name(key), b64, comment && *comment ? " " : "",
			   comment ? comment : "");
}

/* Write dir/id_TYPE (0600; priv_text, or the key exported) and dir/id_TYPE.pub. */
static int write_key_pair(ssh_key key, const char *dir, const char *comment, const char *priv_text,
			  struct mc_error *err)
{
	const char *name = key_file_for(key);
	_cleanup_sshstr_ char *exported = NULL;
	_cleanup_free_ char *path = NULL, *pub_path = NULL, *line = NULL, *pub_text = NULL;

	if (!name)
		return mc_error_set(err, MC_E_INVALID,
				    "unsupported SSH key type %s: use an ed25519, RSA or ECDSA key",
				    ssh_key_type_to_char(ssh_key_type(key)));
	if (!priv_text) {
		if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &exported) != SSH_OK)
			return mc_error_set(err, MC_E_FAILED, "cannot export the new SSH private key");
		priv_text = exported;
	}
	path = mc_path_join(dir, name);
	pub_path = mc_asprintf("%s.pub", path);
	line = pubkey_line(key, comment);
	if (!line)
		return mc_error_set(err, MC_E_FAILED, "cannot export the SSH public key of %s", path);
	pub_text = mc_asprintf("%s\n", line);
	if (mc_write_file_atomic(path, priv_text, strlen(priv_text), 0600, err) < 0 ||
	    mc_write_file_atomic(pub_path, pub_text, strlen(pub_text), 0644, err) < 0)
		return -1;
	return 0;
}

int mc_ssh_keygen(const char *dir, const char *type, const char *comment, struct mc_error *err)
{
	_cleanup_key_ ssh_key key = NULL;
	int rc;

	if (mc_streq(type, "ed25519") || !type)
		rc = ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key);
	else if (mc_streq(type, "rsa"))
		rc = ssh_pki_generate(SSH_KEYTYPE_RSA, 3072, &key);
	else
		return mc_error_set(err, MC_E_USAGE, "invalid SSH key type \"%s\": use ed25519 or rsa", type);
	if (rc != SSH_OK)
		return mc_error_set(err, MC_E_FAILED, "cannot generate an %s SSH key", type ? type : "ed25519");
	return write_key_pair(key, dir, comment, NULL, err);
}

int mc_ssh_key_import(const char *src, const char *dir, const char *comment, struct mc_error *err)
{
	_cleanup_key_ ssh_key key = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (mc_read_file(src, &text, &len, err) < 0)
		return -1;
	if (ssh_pki_import_privkey_base64(text, NULL, NULL, NULL, &key) != SSH_OK)
		return mc_error_set(err, MC_E_INVALID,
				    "cannot use the SSH key %s: it is not a private key in OpenSSH or PEM format, or it has a passphrase (machinectl needs an unencrypted key)",
				    src);
	if (!key_file_for(key))
		return mc_error_set(err, MC_E_INVALID, "cannot use the SSH key %s: its type %s is not supported (use ed25519, RSA or ECDSA)",
				    src, ssh_key_type_to_char(ssh_key_type(key)));
	for (size_t i = 0; i < MC_ARRAY_SIZE(key_files); i++) {
		_cleanup_free_ char *p = mc_path_join(dir, key_files[i]);
		_cleanup_free_ char *pp = mc_asprintf("%s.pub", p);

		unlink(p);
		unlink(pp);
	}
	return write_key_pair(key, dir, comment, text, err);
}

char *mc_ssh_key_find(const char *dir)
{
	for (size_t i = 0; i < MC_ARRAY_SIZE(key_files); i++) {
		char *p = mc_path_join(dir, key_files[i]);

		if (mc_file_exists(p))
			return p;
		free(p);
	}
	return NULL;
}

int mc_ssh_pubkey_line(const char *dir, char **line, struct mc_error *err)
{
	_cleanup_free_ char *key = mc_ssh_key_find(dir);
	_cleanup_free_ char *pub = NULL, *text = NULL;
	_cleanup_key_ ssh_key k = NULL;
	size_t len;

	if (!key)
		return mc_error_set(err, MC_E_NOT_FOUND, "no SSH key (id_ed25519, id_rsa) in %s", dir);
	pub = mc_asprintf("%s.pub", key);
	if (mc_file_exists(pub)) {
		if (mc_read_file(pub, &text, &len, err) < 0)
			return -1;
		text[strcspn(text, "\r\n")] = '\0';
		*line = MC_TAKE(text);
		return 0;
	}
	if (ssh_pki_import_privkey_file(key, NULL, NULL, NULL, &k) != SSH_OK)
		return mc_error_set(err, MC_E_INVALID, "cannot read the SSH key %s", key);
	*line = pubkey_line(k, NULL);
	return *line ? 0 : mc_error_set(err, MC_E_FAILED, "cannot export the public key of %s", key);
}

/* ------------------------------------------------------------------ */
/* host key pins (OpenSSH known_hosts lines under the machine's name)  */

#define MAX_PINS 8

struct pins {
	ssh_key keys[MAX_PINS];
	size_t n;
	ssh_key revoked[MAX_PINS];   /* @revoked lines that apply to the machine */
	size_t nrevoked;
	char *other;         /* the file's lines for other hosts (kept on rewrite) */
};

static void pins_free(struct pins *p)
{
	for (size_t i = 0; i < p->n; i++)
		ssh_key_free(p->keys[i]);
	for (size_t i = 0; i < p->nrevoked; i++)
		ssh_key_free(p->revoked[i]);
	free(p->other);
	memset(p, 0, sizeof(*p));
}

/* OpenSSH's host patterns (a comma-separated list, * and ?, !negation) against alias. */
static bool host_patterns_match(const char *field, size_t len, const char *alias)
{
	_cleanup_free_ char *list = mc_strndup(field, len);
	bool match = false;
	char *save = NULL;

	for (char *pat = strtok_r(list, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
		bool neg = *pat == '!';

		if (fnmatch(pat + neg, alias, 0) == 0) {
			if (neg)
				return false;
			match = true;
		}
	}
	return match;
}

static bool host_field_matches(const char *field, size_t len, const char *alias)
{
	size_t al = strlen(alias);

	while (len > 0) {
		size_t n = 0;

		while (n < len && field[n] != ',')
			n++;
		if (n == al && !strncmp(field, alias, al))
			return true;
		field += n;
		len -= n;
		if (len) {
			field++;
			len--;
		}
	}
	return false;
}

/*
 * Read the pins for alias from file (a missing file has none), and the
 * @revoked keys that apply to it.  A line for alias that is not a host key
 * OpenSSH could read is refused (damaged, or tampered with): dropping it
 * would pin whatever key the machine presents next.  When repinning (the
 * user's deliberate choice), such lines are dropped instead.
 */
static int pins_load(const char *file, const char *alias, bool repin, struct pins *p, struct mc_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len, other_len = 0;
	char *line, *next;
	int lineno = 0;

	memset(p, 0, sizeof(*p));
	p->other = mc_strdup("");
	if (!file || !mc_file_exists(file))
		return 0;
	if (mc_read_file(file, &text, &len, err) < 0)
		return -1;
	for (line = text; line && *line; line = next) {
		_cleanup_free_ char *work = NULL;
		char *s, *host, *type, *b64;
		size_t hl;
		ssh_key key = NULL;
		bool revoked = false;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		work = mc_strdup(line);   /* parsed in place; line is kept whole */
		s = work + strspn(work, " \t");
		if (!*s || *s == '#')
			goto keep;
		if (*s == '@') {
			/* @cert-authority lines are OpenSSH's business (kept);
			 * @revoked keys are refused, as OpenSSH refuses them. */
			if (strncmp(s, "@revoked", 8) || (s[8] != ' ' && s[8] != '\t'))
				goto keep;
			revoked = true;
			s += 8 + strspn(s + 8, " \t");
		}
		host = s;
		hl = strcspn(host, " \t");
		if (revoked ? !host_patterns_match(host, hl, alias) : !host_field_matches(host, hl, alias))
			goto keep;
		type = host + hl + strspn(host + hl, " \t");
		b64 = type + strcspn(type, " \t");
		if (*b64)
			*b64++ = '\0';
		b64 += strspn(b64, " \t");
		b64[strcspn(b64, " \t")] = '\0';
		if (ssh_key_type_from_name(type) == SSH_KEYTYPE_UNKNOWN ||
		    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &key) != SSH_OK) {
			if (repin && !revoked) {
				mc_warn("dropping line %d of %s (not a host key) while re-pinning %s", lineno, file, alias);
				continue;
			}
			pins_free(p);
			return mc_error_setm(err, alias, MC_E_INVALID,
					     "line %d of %s is not a host key line OpenSSH can read: it was damaged or changed by hand. Nothing was sent. Check the file; to pin the key the machine presents now instead: machinectl ssh --repin %s",
					     lineno, file, alias);
		}
		if (!revoked) {
			if (p->n < MAX_PINS)
				p->keys[p->n++] = key;
			else
				ssh_key_free(key);
			continue;
		}
		if (p->nrevoked < MAX_PINS)
			p->revoked[p->nrevoked++] = key;
		else
			ssh_key_free(key);
keep:
		{
			size_t ll = strlen(line);

			p->other = mc_realloc(p->other, other_len + ll + 2);
			memcpy(p->other + other_len, line, ll);
			other_len += ll;
			p->other[other_len++] = '\n';
			p->other[other_len] = '\0';
		}
	}
	return 0;
}

static char *fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *out;
	const char *t;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != SSH_OK)
		return mc_strdup("(unknown)");
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	switch (ssh_key_type(key)) {
	case SSH_KEYTYPE_ED25519: t = "ED25519"; break;
	case SSH_KEYTYPE_RSA: t = "RSA"; break;
	case SSH_KEYTYPE_ECDSA_P256:
	case SSH_KEYTYPE_ECDSA_P384:
	case SSH_KEYTYPE_ECDSA_P521: t = "ECDSA"; break;
	default: t = ssh_key_type_to_char(ssh_key_type(key)); break;
	}
	out = mc_asprintf("%s %s", t, fp ? fp : "(unknown)");
	ssh_string_free_char(fp);
	return out;
}

/* Record keys as the only pins for machine in file, keeping other hosts' lines. */
static int pins_write(const char *file, const char *machine, const struct pins *old, const ssh_key *keys,
		      size_t n, struct mc_error *err)
{
	_cleanup_free_ char *text = mc_strdup(old->other ? old->other : "");

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *line = pubkey_line(keys[i], NULL);
		char *more;

		if (!line)
			return mc_error_set(err, MC_E_FAILED, "cannot export the host key of machine \"%s\"",
					    machine);
		more = mc_asprintf("%s%s %s\n", text, machine, line);
		free(text);
		text = more;
	}
	if (mc_write_file_atomic(file, text, strlen(text), 0600, err) < 0) {
		mc_error_prefix(err, "cannot pin the SSH host key: ");
		mc_error_machine(err, machine);
		return -1;
	}
	mc_debug("pinned the SSH host key of %s in %s", machine, file);
	return 0;
}

static int pin_write(const struct mc_ssh_endpoint *ep, const struct pins *old, ssh_key key,
		     struct mc_error *err)
{
	return pins_write(ep->known_hosts, ep->machine, old, &key, 1, err);
}

void mc_ssh_host_keys_clear(struct mc_ssh_host_keys *k)
{
	free(k->ed25519);
	free(k->ecdsa);
	*k = (struct mc_ssh_host_keys){ NULL, NULL };
}

int mc_ssh_host_keys_new(const char *machine, const char *dir, struct mc_ssh_host_keys *out,
			 struct mc_error *err)
{
	_cleanup_free_ char *file = mc_path_join(dir, "known_hosts");
	ssh_key keys[2] = { NULL, NULL };
	char **texts[2] = { &out->ed25519, &out->ecdsa };
	struct pins old;
	int r = -1;

	*out = (struct mc_ssh_host_keys){ NULL, NULL };
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &keys[0]) != SSH_OK ||
	    ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 0, &keys[1]) != SSH_OK) {
		mc_error_setm(err, machine, MC_E_FAILED, "cannot generate SSH host keys");
		goto out;
	}
	for (size_t i = 0; i < 2; i++) {
		_cleanup_sshstr_ char *text = NULL;

		if (ssh_pki_export_privkey_base64(keys[i], NULL, NULL, NULL, &text) != SSH_OK) {
			mc_error_setm(err, machine, MC_E_FAILED, "cannot export a new SSH host key");
			goto out;
		}
		*texts[i] = mc_strdup(text);
	}
	/* Damaged lines for the machine are dropped: these keys replace them all. */
	if (pins_load(file, machine, true, &old, err) < 0)
		goto out;
	r = pins_write(file, machine, &old, keys, 2, err);
	pins_free(&old);
out:
	ssh_key_free(keys[0]);
	ssh_key_free(keys[1]);
	if (r < 0)
		mc_ssh_host_keys_clear(out);
	return r;
}

bool mc_ssh_is_pinned(const struct mc_ssh_endpoint *ep)
{
	struct pins p;
	bool pinned;

	if (pins_load(ep->known_hosts, ep->machine, false, &p, NULL) < 0)
		return false;
	pinned = p.n > 0;
	pins_free(&p);
	return pinned;
}

/* Host key algorithms: the pinned keys' first, then the rest. */
static char *hostkey_algorithms(const struct pins *p)
{
	char *list = mc_strdup("");

	for (size_t i = 0; i < p->n; i++) {
		const char *a;

		switch (ssh_key_type(p->keys[i])) {
		case SSH_KEYTYPE_RSA: a = "rsa-sha2-512,rsa-sha2-256"; break;
		case SSH_KEYTYPE_ED25519: a = "ssh-ed25519"; break;
		default: a = ssh_pki_key_ecdsa_name(p->keys[i]); break;
		}
		if (a && !strstr(list, a))
			mc_str_append(&list, ",", a);
	}
	/* The rest, without repeating what is already in front. */
	{
		_cleanup_free_ char *all = mc_strdup(DEFAULT_HOSTKEYS);
		char *save = NULL;

		for (char *a = strtok_r(all, ",", &save); a; a = strtok_r(NULL, ",", &save))
			if (!strstr(list, a))
				mc_str_append(&list, ",", a);
	}
	return list;
}

/* ------------------------------------------------------------------ */
/* connecting                                                          */

enum { CONNECT_KEX_ONLY = 1, CONNECT_REPIN = 2 };

/* Why a connection failed, for callers that retry (wait) or explain (diagnose). */
enum fail_kind { FAIL_NONE, FAIL_NETWORK, FAIL_HOSTKEY, FAIL_AUTH, FAIL_OTHER };

static void set_keepalive(int fd)
{
	int on = 1, idle = 30, intvl = 10, cnt = 3;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static char *where(const struct mc_ssh_endpoint *ep)
{
	if (strchr(ep->host, ':'))
		return mc_asprintf("%s@[%s]:%d", ep->user, ep->host, ep->port);
	return mc_asprintf("%s@%s:%d", ep->user, ep->host, ep->port);
}

static int session_open(const struct mc_ssh_endpoint *ep, const struct pins *pins,
			ssh_session *out, enum fail_kind *why, struct mc_error *err)
{
	ssh_session ss = ssh_new();
	_cleanup_free_ char *algs = hostkey_algorithms(pins);
	_cleanup_free_ char *at = where(ep);
	long secs = (ep->connect_timeout_ms + 999) / 1000;
	int port = ep->port, verbosity = SSH_LOG_NOLOG, nodelay = 1;
	bool no = false;

	*why = FAIL_OTHER;
	if (!ss)
		return mc_error_set(err, MC_E_FAILED, "cannot create an SSH session");
	if (ssh_options_set(ss, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_HOST, ep->host) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_USER, ep->user) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_TIMEOUT, &secs) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_NODELAY, &nodelay) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_HOSTKEYS, algs) < 0) {
		mc_error_setm(err, ep->machine, MC_E_FAILED, "cannot set SSH options for %s: %s",
			      at, ssh_get_error(ss));
		ssh_free(ss);
		return -1;
	}
	if (ssh_connect(ss) != SSH_OK) {
		*why = FAIL_NETWORK;
		mc_error_setm(err, ep->machine, MC_E_NETWORK, "cannot connect to %s over SSH: %s",
			      at, ssh_get_error(ss));
		ssh_free(ss);
		return -1;
	}
	set_keepalive(ssh_get_fd(ss));
	*out = ss;
	return 0;
}

static int check_host_key(ssh_session ss, const struct mc_ssh_endpoint *ep, struct pins *pins,
			  unsigned flags, char **new_fp, char **old_fp, enum fail_kind *why,
			  struct mc_error *err)
{
	_cleanup_key_ ssh_key srv = NULL;
	_cleanup_free_ char *fp = NULL, *at = where(ep);

	if (ssh_get_server_publickey(ss, &srv) != SSH_OK)
		return mc_error_setm(err, ep->machine, MC_E_NETWORK, "%s sent no host key", at);
	fp = fingerprint(srv);
	for (size_t i = 0; i < pins->nrevoked; i++)
		if (ssh_key_cmp(srv, pins->revoked[i], SSH_KEY_CMP_PUBLIC) == 0) {
			*why = FAIL_HOSTKEY;
			return mc_error_setm(err, ep->machine, MC_E_STATE,
					     "the SSH host key of %s (%s) is marked @revoked in %s: it must not be trusted, and re-pinning will not change that. Nothing was sent. "
					     "Give the machine a new host key, or remove the @revoked line if it is wrong",
					     at, fp, ep->known_hosts);
		}
	if (pins->n && !(flags & CONNECT_REPIN)) {
		for (size_t i = 0; i < pins->n; i++)
			if (ssh_key_cmp(srv, pins->keys[i], SSH_KEY_CMP_PUBLIC) == 0) {
				if (new_fp)
					*new_fp = MC_TAKE(fp);
				return 0;
			}
		*why = FAIL_HOSTKEY;
		{
			_cleanup_free_ char *pinned = fingerprint(pins->keys[0]);

			return mc_error_setm(err, ep->machine, MC_E_STATE,
					     "the SSH host key of %s has changed: %s now, but %s was pinned in %s. "
					     "Someone may be intercepting the connection (man-in-the-middle), or the machine was reinstalled or its host keys were regenerated. "
					     "Nothing was sent. If you know why the key changed, pin the new one with: machinectl ssh --repin %s",
					     at, fp, pinned, ep->known_hosts, ep->machine);
		}
	}
	if (old_fp && pins->n)
		*old_fp = fingerprint(pins->keys[0]);
	if (pin_write(ep, pins, srv, err) < 0)
		return -1;
	if (new_fp)
		*new_fp = MC_TAKE(fp);
	return 0;
}

static int login(ssh_session ss, const struct mc_ssh_endpoint *ep, enum fail_kind *why,
		 struct mc_error *err)
{
	_cleanup_key_ ssh_key key = NULL;
	_cleanup_free_ char *at = where(ep);
	int rc;

	if (!ep->key)
		return mc_error_set(err, MC_E_NOT_FOUND, "machine \"%s\" has no SSH key", ep->machine);
	if (ssh_pki_import_privkey_file(ep->key, NULL, NULL, NULL, &key) != SSH_OK)
		return mc_error_setm(err, ep->machine, MC_E_INVALID,
				     "cannot read its SSH key %s (unencrypted OpenSSH or PEM private key expected)",
				     ep->key);
	rc = ssh_userauth_publickey(ss, NULL, key);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_ERROR) {
		*why = FAIL_NETWORK;
		return mc_error_setm(err, ep->machine, MC_E_NETWORK, "SSH login to %s failed: %s",
				     at, ssh_get_error(ss));
	}
	*why = FAIL_AUTH;
	return mc_error_setm(err, ep->machine, MC_E_STATE,
			     "%s refused the login with the key %s: the machine must have its public key (%s.pub) in ~%s/.ssh/authorized_keys",
			     at, ep->key, ep->key, ep->user);
}

static int connect_ep(const struct mc_ssh_endpoint *ep, unsigned flags, struct mc_ssh **out,
		      char **new_fp, char **old_fp, enum fail_kind *why, struct mc_error *err)
{
	struct mc_ssh *s;
	struct pins pins;
	ssh_session ss = NULL;

	*why = FAIL_OTHER;
	if (!ep->host || !ep->known_hosts || !ep->machine)
		return mc_error_set(err, MC_E_INVALID, "incomplete SSH endpoint (no host, machine or known_hosts)");
	if (pins_load(ep->known_hosts, ep->machine, flags & CONNECT_REPIN, &pins, err) < 0)
		return -1;
	s = mc_calloc(1, sizeof(*s));
	endpoint_copy(&s->ep, ep);
	if (session_open(&s->ep, &pins, &ss, why, err) < 0)
		goto fail;
	s->session = ss;
	if (check_host_key(ss, &s->ep, &pins, flags, new_fp, old_fp, why, err) < 0)
		goto fail;
	if (!(flags & CONNECT_KEX_ONLY) && login(ss, &s->ep, why, err) < 0)
		goto fail;
	pins_free(&pins);
	*why = FAIL_NONE;
	*out = s;
	return 0;
fail:
	pins_free(&pins);
	mc_ssh_close(s);
	return -1;
}

int mc_ssh_connect(const struct mc_ssh_endpoint *ep, struct mc_ssh **out, struct mc_error *err)
{
	enum fail_kind why;

	return connect_ep(ep, 0, out, NULL, NULL, &why, err);
}

void mc_ssh_close(struct mc_ssh *s)
{
	if (!s)
		return;
	mc_ssh_fwd_free(s);
	if (s->sftp)
		sftp_free(s->sftp);
	if (s->session) {
		if (ssh_is_connected(s->session))
			ssh_disconnect(s->session);
		ssh_free(s->session);
	}
	mc_ssh_endpoint_clear(&s->ep);
	free(s);
}

const struct mc_ssh_endpoint *mc_ssh_endpoint_of(const struct mc_ssh *s)
{
	return &s->ep;
}

int mc_ssh_pin(const struct mc_ssh_endpoint *ep, bool replace, char **fp, char **old_fp,
	       struct mc_error *err)
{
	struct mc_ssh *s = NULL;
	enum fail_kind why;

	if (fp)
		*fp = NULL;
	if (old_fp)
		*old_fp = NULL;
	if (connect_ep(ep, CONNECT_KEX_ONLY | (replace ? CONNECT_REPIN : 0), &s, fp, old_fp, &why, err) < 0)
		return -1;
	mc_ssh_close(s);
	return 0;
}

int mc_ssh_diagnose(const struct mc_ssh_endpoint *ep, struct mc_error *err)
{
	struct mc_ssh *s = NULL;
	enum fail_kind why;

	if (connect_ep(ep, 0, &s, NULL, NULL, &why, err) < 0)
		return -1;
	mc_ssh_close(s);
	return 0;
}

int mc_ssh_diagnose_255(const struct mc_ssh_endpoint *ep, bool quiet, char *const *opts, struct mc_error *err)
{
	_cleanup_free_ char *named = mc_strdup("");

	if (mc_ssh_diagnose(ep, err) < 0)
		return -1;
	if (!quiet)
		return 0;  /* ssh said why itself, if it was its own failure */
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *qt = strchr(opts[i], ' ') ? "\"" : "";
		char *n = mc_asprintf("%s%s-o %s%s%s", named, i ? " " : "", qt, opts[i], qt);

		free(named);
		named = n;
	}
	/* The advice before the options: a long list is cut at the end. */
	if (*named)
		return mc_error_setm(err, ep->machine, MC_E_NETWORK,
				     "ssh exited with status 255, though the machine answers machinectl's own settings: the connection failed or was lost, or the remote command exited 255 or was killed by a signal (machinectl runs ssh with LogLevel=QUIET, which hides its reasons); run again adding -o LogLevel=ERROR to see them, and check your options, which come before machinectl's own and override them (Port, HostName, User, IdentityFile...): %s",
				     named);
	return mc_error_setm(err, ep->machine, MC_E_NETWORK,
			     "ssh exited with status 255, though the machine answers a new connection: the connection was lost, or the remote command exited 255 or was killed by a signal (machinectl runs ssh with LogLevel=QUIET, which hides its reasons); run again with -o LogLevel=ERROR to see them (none: it was the command), or with --native-ssh");
}

int mc_ssh_tcp_probe(const char *host, int port, int timeout_ms, struct mc_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char portstr[16];
	int rc, last = ETIMEDOUT;
	long long deadline = mc_now_ms() + timeout_ms;

	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0)
		return mc_error_set(err, MC_E_NETWORK, "cannot resolve %s: %s", host, gai_strerror(rc));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		struct pollfd p;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			close(fd);
			freeaddrinfo(res);
			return 0;
		}
		if (errno != EINPROGRESS) {
			last = errno;
			close(fd);
			continue;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		for (;;) {
			long long left = deadline - mc_now_ms();

			rc = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (rc < 0 && errno == EINTR)
				continue;
			break;
		}
		if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
			close(fd);
			freeaddrinfo(res);
			return 0;
		}
		last = rc == 1 ? soerr : ETIMEDOUT;
		close(fd);
	}
	freeaddrinfo(res);
	if (last == ETIMEDOUT)
		return mc_error_set(err, MC_E_TIMEOUT, "no answer from %s port %d within %d ms", host,
				    port, timeout_ms);
	return mc_error_set(err, MC_E_NETWORK, "cannot reach %s port %d: %s", host, port, strerror(last));
}

/* ------------------------------------------------------------------ */
/* running commands                                                    */

struct sink {
	int fd;             /* >= 0: write here; else append to buf */
	char *buf;
	size_t len, cap;
};

static int sink_put(struct sink *k, const char *p, size_t n)
{
	if (k->fd >= 0) {
		while (n) {
			ssize_t w = write(k->fd, p, n);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN) {
					poll(&(struct pollfd){ .fd = k->fd, .events = POLLOUT }, 1, -1);
					continue;
				}
				return -1;
			}
			p += w;
			n -= (size_t)w;
		}
		return 0;
	}
	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->buf = mc_realloc(k->buf, k->cap);
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = '\0';
	return 0;
}

struct source {
	int fd;             /* >= 0: read here */
	const char *buf;    /* else these bytes */
	size_t len, off;
	bool open;
};

static int signal_number(const char *name)
{
	static const struct { const char *n; int s; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "ABRT", SIGABRT }, { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "SEGV", SIGSEGV },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 },
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(sigs); i++)
		if (mc_streq(name, sigs[i].n))
			return sigs[i].s;
	return 0;
}

static void on_exit_signal(ssh_session session, ssh_channel channel, const char *sig, int core,
			   const char *errmsg, const char *lang, void *userdata)
{
	int n = signal_number(sig);

	*(int *)userdata = n ? n : SIGTERM;
}

/* SIGWINCH and termination signals while a remote terminal is open. */
static int winch_pipe[2] = { -1, -1 };
static struct termios saved_tio;
static volatile sig_atomic_t saved_fd = -1;

static void term_restore(void)
{
	if (saved_fd >= 0) {
		tcsetattr(saved_fd, TCSADRAIN, &saved_tio);
		saved_fd = -1;
	}
}

static void on_winch(int sig)
{
	int e = errno;

	if (winch_pipe[1] >= 0 && write(winch_pipe[1], "w", 1) < 0) {
		/* full pipe: a resize is already pending */
	}
	errno = e;
}

static void on_fatal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void send_window_size(ssh_channel ch, int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		ssh_channel_change_pty_size(ch, ws.ws_col, ws.ws_row);
}

/* Copy what the channel has buffered to the sinks.  Returns the bytes moved,
 * -1 on error (err set), -2 when a local reader went away (EPIPE). */
static long long drain(struct mc_ssh *s, ssh_channel ch, struct sink *out, struct sink *errs,
		       char *buf, size_t size, struct mc_error *err)
{
	long long moved = 0;

	for (int stream = 0; stream < 2; stream++) {
		for (;;) {
			int n = ssh_channel_read_nonblocking(ch, buf, (uint32_t)size, stream);

			if (n == SSH_ERROR)
				return mc_error_setm(err, s->ep.machine, MC_E_NETWORK,
						     "the SSH connection was lost: %s",
						     ssh_get_error(s->session));
			if (n <= 0)
				break;
			if (sink_put(stream ? errs : out, buf, (size_t)n) < 0) {
				if (errno == EPIPE)
					return -2;
				return mc_error_errno(err, errno, "cannot write the output of the remote command");
			}
			moved += n;
		}
	}
	return moved;
}

/* Move bytes between the channel and the source/sinks until the remote side
 * ends.  Returns 0, 1 when our reader went away (*exit_sig = SIGPIPE), -1. */
static int pump(struct mc_ssh *s, ssh_channel ch, struct source *in, struct sink *out,
		struct sink *errs, int winch_fd, int timeout_ms, int *exit_sig, struct mc_error *err)
{
	socket_t sock = ssh_get_fd(s->session);
	long long t0 = mc_now_ms(), last_send = t0, moved;
	char buf[65536];
	_cleanup_free_ struct pollfd *p = NULL;

	if (!in->open)
		ssh_channel_send_eof(ch);
	for (;;) {
		int np = 0, wait_ms = 30000, rc, in_idx = -1, w_idx = -1, fw_idx;
		uint32_t window;

		moved = drain(s, ch, out, errs, buf, sizeof(buf), err);
		/* Port forwards (ssh -L/-R): what the reads above brought in. */
		mc_ssh_fwd_step(s, NULL);
		if (moved == -2) {
			/* Our reader went away: end like a shell pipeline would. */
			*exit_sig = SIGPIPE;
			return 1;
		}
		if (moved < 0)
			return -1;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch) || !ssh_is_connected(s->session)) {
			/* Data that came in with the EOF, while the other stream was read. */
			while ((moved = drain(s, ch, out, errs, buf, sizeof(buf), err)) > 0)
				;
			if (moved == -2) {
				*exit_sig = SIGPIPE;
				return 1;
			}
			return moved < 0 ? -1 : 0;
		}
		window = ssh_channel_window_size(ch);
		/* Input from memory: send what the window allows, without waiting. */
		if (in->open && in->fd < 0) {
			size_t n = in->len - in->off;

			if (n > window)
				n = window;
			if (n > sizeof(buf))
				n = sizeof(buf);
			if (n && ssh_channel_write(ch, in->buf + in->off, (uint32_t)n) == SSH_ERROR)
				return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "cannot send input: %s",
						     ssh_get_error(s->session));
			in->off += n;
			last_send = mc_now_ms();
			if (in->off >= in->len) {
				ssh_channel_send_eof(ch);
				in->open = false;
			} else if (ssh_channel_window_size(ch) > 0) {
				wait_ms = 0;
			}
		}
		p = mc_realloc(p, (3 + mc_ssh_fwd_npoll(s)) * sizeof(*p));
		p[np++] = (struct pollfd){ .fd = sock, .events = POLLIN |
				((ssh_get_poll_flags(s->session) & SSH_WRITE_PENDING) ? POLLOUT : 0) };
		if (in->open && in->fd >= 0 && window > 0) {
			in_idx = np;
			p[np++] = (struct pollfd){ .fd = in->fd, .events = POLLIN };
		}
		if (winch_fd >= 0) {
			w_idx = np;
			p[np++] = (struct pollfd){ .fd = winch_fd, .events = POLLIN };
		}
		fw_idx = np;
		np += (int)mc_ssh_fwd_fill(s, p + np, mc_ssh_fwd_npoll(s));
		if (timeout_ms > 0) {
			long long left = t0 + timeout_ms - mc_now_ms();

			if (left <= 0)
				return mc_error_setm(err, s->ep.machine, MC_E_TIMEOUT,
						     "the remote command did not finish within %d s",
						     timeout_ms / 1000);
			if (left < wait_ms)
				wait_ms = (int)left;
		}
		rc = poll(p, (nfds_t)np, wait_ms);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return mc_error_errno(err, errno, "poll");
		}
		if (rc == 0 && mc_now_ms() - last_send >= 30000) {
			/* Keep NAT and firewall state alive on quiet sessions. */
			ssh_send_ignore(s->session, "");
			last_send = mc_now_ms();
		}
		if (rc > 0 && fw_idx < np)
			mc_ssh_fwd_step(s, p + fw_idx);
		if (w_idx >= 0 && (p[w_idx].revents & POLLIN)) {
			char drain[16];

			while (read(winch_fd, drain, sizeof(drain)) > 0)
				;
			send_window_size(ch, in->fd);
		}
		if (in_idx >= 0 && p[in_idx].revents) {
			size_t want = window < sizeof(buf) ? window : sizeof(buf);
			ssize_t n = read(in->fd, buf, want);

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				ssh_channel_send_eof(ch);
				in->open = false;
				continue;
			}
			if (ssh_channel_write(ch, buf, (uint32_t)n) == SSH_ERROR)
				return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "cannot send input: %s",
						     ssh_get_error(s->session));
			last_send = mc_now_ms();
		}
	}
	return 0;
}

static int run_channel(struct mc_ssh *s, const char *cmd, struct source *in, struct sink *out,
		       struct sink *errs, bool pty, int timeout_ms, int *status, struct mc_error *err)
{
	ssh_channel ch = ssh_channel_new(s->session);
	struct ssh_channel_callbacks_struct cb = { 0 };
	int exit_sig = 0, rc = -1, st, winch_fd = -1;
	struct sigaction sa_winch, old_winch, sa_fatal, old_term, old_hup;
	bool raw = false, handlers = false;

	if (!ch)
		return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "cannot open an SSH channel: %s",
				     ssh_get_error(s->session));
	ssh_callbacks_init(&cb);
	cb.userdata = &exit_sig;
	cb.channel_exit_signal_function = on_exit_signal;
	ssh_add_channel_callbacks(ch, &cb);
	if (ssh_channel_open_session(ch) != SSH_OK) {
		mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "cannot open an SSH session channel: %s",
			      ssh_get_error(s->session));
		goto out;
	}
	if (pty) {
		struct winsize ws = { .ws_col = 80, .ws_row = 24 };
		const char *term = getenv("TERM");
		struct termios raw_tio;

		if (in->fd >= 0)
			ioctl(in->fd, TIOCGWINSZ, &ws);
		if (ssh_channel_request_pty_size(ch, term && *term ? term : "xterm",
						 ws.ws_col ? ws.ws_col : 80, ws.ws_row ? ws.ws_row : 24) != SSH_OK) {
			mc_error_setm(err, s->ep.machine, MC_E_FAILED, "the server refused a terminal: %s",
				      ssh_get_error(s->session));
			goto out;
		}
		if (in->fd >= 0 && tcgetattr(in->fd, &saved_tio) == 0) {
			static bool registered;

			if (!registered) {
				atexit(term_restore);
				registered = true;
			}
			raw_tio = saved_tio;
			cfmakeraw(&raw_tio);
			saved_fd = in->fd;
			raw = true;
			sa_fatal = (struct sigaction){ .sa_handler = on_fatal };
			sigaction(SIGTERM, &sa_fatal, &old_term);
			sigaction(SIGHUP, &sa_fatal, &old_hup);
			if (pipe2(winch_pipe, O_NONBLOCK | O_CLOEXEC) == 0) {
				sa_winch = (struct sigaction){ .sa_handler = on_winch, .sa_flags = SA_RESTART };
				sigaction(SIGWINCH, &sa_winch, &old_winch);
				winch_fd = winch_pipe[0];
			}
			handlers = true;
			tcsetattr(in->fd, TCSADRAIN, &raw_tio);
		}
	}
	if ((cmd ? ssh_channel_request_exec(ch, cmd) : ssh_channel_request_shell(ch)) != SSH_OK) {
		mc_error_setm(err, s->ep.machine, MC_E_FAILED, "the server refused to run %s: %s",
			      cmd ? "the command" : "a shell", ssh_get_error(s->session));
		goto out;
	}
	rc = pump(s, ch, in, out, errs, winch_fd, timeout_ms, &exit_sig, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		st = ssh_channel_get_exit_status(ch);
		if (exit_sig)
			*status = 128 + exit_sig;
		else
			*status = st >= 0 ? st : 255;
	} else {
		*status = 128 + exit_sig;
	}
	rc = 0;
out:
	if (raw)
		term_restore();
	if (handlers) {
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		if (winch_fd >= 0) {
			sigaction(SIGWINCH, &old_winch, NULL);
			close(winch_pipe[0]);
			close(winch_pipe[1]);
			winch_pipe[0] = winch_pipe[1] = -1;
		}
	}
	/* libssh keeps a channel the peer has not closed yet after ssh_channel_free
	 * (and calls its callbacks on late packets): cb lives on this stack. */
	ssh_remove_channel_callbacks(ch, &cb);
	if (ssh_channel_is_open(ch)) {
		if (!ssh_channel_is_eof(ch) && rc < 0)
			ssh_channel_send_eof(ch);
		ssh_channel_close(ch);
	}
	ssh_channel_free(ch);
	return rc;
}

int mc_ssh_run(struct mc_ssh *s, const char *cmd, const struct mc_ssh_opts *opts,
	       struct mc_run_result *res, struct mc_error *err)
{
	struct source in = { .fd = -1 };
	struct sink out = { .fd = -1 }, errs = { .fd = -1 };
	int rc;

	memset(res, 0, sizeof(*res));
	if (opts && opts->in) {
		in.buf = opts->in;
		in.len = opts->in_len;
		in.open = true;
	}
	mc_debug("ssh %s: %s", s->ep.machine, cmd);
	rc = run_channel(s, cmd, &in, &out, &errs, false, opts ? opts->timeout_ms : 0, &res->status, err);
	res->out = out.buf ? out.buf : mc_strdup("");
	res->out_len = out.len;
	res->err = errs.buf ? errs.buf : mc_strdup("");
	res->err_len = errs.len;
	if (rc < 0) {
		mc_run_result_free(res);
		return -1;
	}
	mc_debug("ssh %s: exit status %d", s->ep.machine, res->status);
	return 0;
}

int mc_ssh_stream(struct mc_ssh *s, const char *cmd, int in_fd, int out_fd, int err_fd, bool pty,
		  int *status, struct mc_error *err)
{
	struct source in = { .fd = in_fd, .open = in_fd >= 0 };
	struct sink out = { .fd = out_fd }, errs = { .fd = err_fd };

	return run_channel(s, cmd, &in, &out, &errs, pty, 0, status, err);
}

/* ------------------------------------------------------------------ */
/* SFTP: whole files                                                   */

int mc_ssh_sftp(struct mc_ssh *s, sftp_session *out, struct mc_error *err)
{
	if (!s->sftp) {
		sftp_session sf = sftp_new(s->session);

		if (!sf)
			return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "cannot open an SFTP channel: %s",
					     ssh_get_error(s->session));
		if (sftp_init(sf) != SSH_OK) {
			mc_error_setm(err, s->ep.machine, MC_E_NETWORK,
				      "the SFTP subsystem did not start (is sftp-server installed on the machine?): %s",
				      ssh_get_error(s->session));
			sftp_free(sf);
			return -1;
		}
		s->sftp = sf;
	}
	*out = s->sftp;
	return 0;
}

const char *mc_ssh_sftp_strerror(struct mc_ssh *s)
{
	switch (s->sftp ? sftp_get_error(s->sftp) : -1) {
	case SSH_FX_OK: return ssh_get_error(s->session);
	case SSH_FX_EOF: return "end of file";
	case SSH_FX_NO_SUCH_FILE: return "No such file or directory";
	case SSH_FX_PERMISSION_DENIED: return "Permission denied";
	case SSH_FX_FAILURE: return "failure (a directory that is not empty, a full disk...)";
	case SSH_FX_BAD_MESSAGE: return "bad message";
	case SSH_FX_NO_CONNECTION:
	case SSH_FX_CONNECTION_LOST: return "connection lost";
	case SSH_FX_OP_UNSUPPORTED: return "operation not supported by the server";
	case SSH_FX_INVALID_HANDLE: return "invalid handle";
	case SSH_FX_NO_SUCH_PATH: return "No such file or directory";
	case SSH_FX_FILE_ALREADY_EXISTS: return "File exists";
	case SSH_FX_WRITE_PROTECT: return "Read-only file system";
	case SSH_FX_NO_MEDIA: return "no media";
	default: return ssh_get_error(s->session);
	}
}

int mc_ssh_upload(struct mc_ssh *s, const void *data, size_t len, const char *path, int mode,
		  struct mc_error *err)
{
	sftp_session sf;
	sftp_file f;
	const char *p = data;

	if (mc_ssh_sftp(s, &sf, err) < 0)
		return -1;
	f = sftp_open(sf, path, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
	if (!f)
		return mc_error_setm(err, s->ep.machine, MC_E_IO, "cannot create %s: %s",
				     path, mc_ssh_sftp_strerror(s));
	while (len) {
		size_t n = len > 65536 ? 65536 : len;
		ssize_t w = sftp_write(f, p, n);

		if (w <= 0) {
			mc_error_setm(err, s->ep.machine, MC_E_IO, "cannot write %s: %s",
				      path, mc_ssh_sftp_strerror(s));
			sftp_close(f);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (sftp_close(f) != SSH_OK)
		return mc_error_setm(err, s->ep.machine, MC_E_IO, "cannot write %s: %s",
				     path, mc_ssh_sftp_strerror(s));
	if (sftp_chmod(sf, path, (mode_t)mode) < 0)
		return mc_error_setm(err, s->ep.machine, MC_E_IO, "cannot set the mode of %s: %s",
				     path, mc_ssh_sftp_strerror(s));
	return 0;
}

/* ------------------------------------------------------------------ */
/* waiting                                                             */

static void sleep_until(long long t)
{
	long long left = t - mc_now_ms();

	if (left > 0)
		nanosleep(&(struct timespec){ .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 },
			  NULL);
}

/* After a failed attempt (its error: last): false once the deadline has
 * passed; else sleeps until the next round (attempts start 250 ms apart) and
 * reports the phase, the time waited and the last error every 10 s. */
static bool next_round(long long attempt, long long deadline, long long t0, long long *next_report,
		       mc_ssh_phase_fn fn, void *arg, const char *phase, const char *last)
{
	if (mc_now_ms() >= deadline)
		return false;
	sleep_until(attempt + 250 < deadline ? attempt + 250 : deadline);
	if (fn && mc_now_ms() >= *next_report) {
		char el[32];
		_cleanup_free_ char *msg = NULL;

		mc_format_duration(mc_now_ms() - t0, el, sizeof(el));
		msg = mc_asprintf("%s (still waiting after %s; last try: %s)", phase, el, last);
		fn(arg, msg);
		*next_report += 10000;
	}
	return true;
}

int mc_ssh_wait(const struct mc_ssh_endpoint *ep, int timeout_ms, mc_ssh_phase_fn fn, void *arg,
		struct mc_error *err)
{
	long long t0 = mc_now_ms(), deadline = t0 + timeout_ms, next_report;
	_cleanup_free_ char *at = where(ep), *phase = NULL;
	char last[sizeof(err->msg)] = "";
	char el[32];

	phase = mc_asprintf("Waiting for SSH on %s...", at);
	if (fn)
		fn(arg, phase);
	next_report = t0 + 10000;
	for (;;) {
		struct mc_error e = { 0 };
		long long attempt = mc_now_ms(), left = deadline - attempt;

		/* A last probe cut to a few ms would only report its own timeout. */
		if (mc_ssh_tcp_probe(ep->host, ep->port, (int)(left < 250 ? 250 : left < 2000 ? left : 2000), &e) == 0)
			break;
		snprintf(last, sizeof(last), "%s", e.msg);
		if (!next_round(attempt, deadline, t0, &next_report, fn, arg, phase, last))
			goto timeout;
	}
	free(phase);
	phase = mc_asprintf("Waiting for SSH login on %s...", at);
	if (fn)
		fn(arg, phase);
	for (;;) {
		struct mc_error e = { 0 };
		long long attempt = mc_now_ms();
		struct mc_ssh *s = NULL;
		struct mc_run_result res;
		enum fail_kind why;
		struct mc_ssh_endpoint short_ep = *ep;
		long long left = deadline - attempt;

		short_ep.connect_timeout_ms = (int)(left < 5000 ? (left > 1000 ? left : 1000) : 5000);
		if (connect_ep(&short_ep, 0, &s, NULL, NULL, &why, &e) == 0) {
			int r = mc_ssh_run(s, "exit 0", &(struct mc_ssh_opts){ .timeout_ms = 30000 },
					   &res, &e);

			mc_ssh_close(s);
			if (r == 0 && res.status == 0) {
				mc_run_result_free(&res);
				return 0;
			}
			if (r == 0)
				snprintf(e.msg, sizeof(e.msg), "`exit 0` returned %d", res.status);
			mc_run_result_free(&res);
		} else if (why == FAIL_HOSTKEY) {
			return mc_error_copy(err, &e);
		}
		snprintf(last, sizeof(last), "%s", e.msg);
		if (!next_round(attempt, deadline, t0, &next_report, fn, arg, phase, last))
			goto timeout;
	}
timeout:
	mc_format_duration(mc_now_ms() - t0, el, sizeof(el));
	if (ep->console_log && mc_file_exists(ep->console_log))
		return mc_error_setm(err, ep->machine, MC_E_TIMEOUT,
				     "timed out after %s: %s (last error: %s). Its console log %s shows how far the machine booted",
				     el, phase, last, ep->console_log);
	return mc_error_setm(err, ep->machine, MC_E_TIMEOUT,
			     "timed out after %s: %s (last error: %s). Check that the machine is up and that sshd runs on it",
			     el, phase, last);
}

/* ------------------------------------------------------------------ */
/* the external client                                                 */

/* A value as an ssh_config argument (OpenSSH's argv_split): in double quotes,
 * '"' and '\\' escaped with a backslash; '%' doubled where ssh expands
 * %-tokens (paths).  NULL when the value holds a control character, which
 * no config line can carry (a line break would start a new option). */
static char *cfg_arg(const char *v, bool tokens)
{
	char *out = mc_malloc(strlen(v) * 2 + 3), *o = out;

	*o++ = '"';
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			free(out);
			return NULL;
		}
		if (*p == '"' || *p == '\\' || (tokens && *p == '%'))
			*o++ = *p == '%' ? '%' : '\\';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/*
 * The key file to give OpenSSH (malloc'd).  A store on a Windows drive under
 * WSL mounted without the "metadata" option (DrvFs) shows every file as 0777
 * and ignores chmod, and OpenSSH refuses a private key others may read; the
 * key is then copied to a private Linux path ($XDG_RUNTIME_DIR, else
 * ~/.cache/machinectl/keys), mode 0600, and that copy is used.  On any
 * failure the original path is returned (ssh says what it refuses).
 */
static char *external_key(const char *key)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *home = NULL, *dir = NULL, *copy = NULL, *data = NULL;
	struct mc_error e = { 0 };
	unsigned long long h = 1469598103934665603ULL;
	size_t len;

	if (!mc_os_drvfs_without_metadata(key))
		return mc_strdup(key);
	if (run && *run && run[0] == '/') {
		dir = mc_path_join(run, "machinectl-keys");
	} else {
		if (!(home = mc_os_home_dir(&e)))
			goto fail;
		dir = mc_asprintf("%s/.cache/machinectl/keys", home);
	}
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	copy = mc_asprintf("%s/%016llx", dir, h);
	if (mc_mkdir_p(dir, 0700, &e) < 0 || chmod(dir, 0700) < 0 ||
	    mc_read_file(key, &data, &len, &e) < 0 || mc_write_file_atomic(copy, data, len, 0600, &e) < 0 ||
	    chmod(copy, 0600) < 0)
		goto fail;
	mc_log(MC_LOG_DEBUG, "%s is on a Windows drive without the metadata mount option: OpenSSH gets a private copy, %s",
	       key, copy);
	return MC_TAKE(copy);
fail:
	mc_log(MC_LOG_WARN, "%s is on a Windows drive mounted without the metadata option (its mode cannot be 0600) and cannot be copied to a private place (%s): OpenSSH may refuse it; use --native-ssh, or remount with metadata (doc/windows.md)",
	       key, e.msg[0] ? e.msg : strerror(errno));
	return mc_strdup(key);
}

static char *cfg_path(const char *path)
{
	char *q = cfg_arg(path, true);

	/* Only the config file form needs the refusal (mc_ssh_config_block
	 * checks first); on the command line, -o takes the value as one
	 * argument. */
	return q ? q : mc_strdup(path);
}

/* Key-value pairs shared by the command-line and config-file forms. */
static char **external_settings(const struct mc_ssh_endpoint *ep, bool batch, bool quiet)
{
	char **kv = NULL;
	_cleanup_free_ char *ekey = ep->key ? external_key(ep->key) : NULL;
	_cleanup_free_ char *key = ekey ? cfg_path(ekey) : mc_strdup("none");
	_cleanup_free_ char *kh = cfg_path(ep->known_hosts);
	int timeout = (ep->connect_timeout_ms > 0 ? ep->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS) / 1000;

#define KV(k, ...) do { mc_strv_push(&kv, mc_strdup(k)); mc_strv_push(&kv, mc_asprintf(__VA_ARGS__)); } while (0)
	if (batch)
		KV("BatchMode", "yes");
	KV("IdentityFile", "%s", key);
	KV("IdentitiesOnly", "yes");
	KV("IdentityAgent", "none");
	KV("PasswordAuthentication", "no");
	KV("KbdInteractiveAuthentication", "no");
	KV("UserKnownHostsFile", "%s", kh);
	KV("GlobalKnownHostsFile", "/dev/null");
	KV("HostKeyAlias", "%s", ep->machine);
	KV("StrictHostKeyChecking", "yes");
	KV("UpdateHostKeys", "no");
	KV("CheckHostIP", "no");
	KV("ConnectTimeout", "%d", timeout > 0 ? timeout : 1);
	KV("ServerAliveInterval", "30");
	KV("ServerAliveCountMax", "3");
	KV("ControlMaster", "no");
	KV("ControlPath", "none");
	if (quiet)
		KV("LogLevel", "QUIET");
#undef KV
	return kv;
}

void mc_ssh_external_opts(const struct mc_ssh_endpoint *ep, bool batch, char ***argv)
{
	char **kv = external_settings(ep, batch, true);

	mc_strv_push(argv, mc_strdup("-F"));
	mc_strv_push(argv, mc_strdup("/dev/null"));
	for (size_t i = 0; kv[i]; i += 2) {
		mc_strv_push(argv, mc_strdup("-o"));
		mc_strv_push(argv, mc_asprintf("%s=%s", kv[i], kv[i + 1]));
	}
	mc_strv_push(argv, mc_strdup("-p"));
	mc_strv_push(argv, mc_asprintf("%d", ep->port > 0 ? ep->port : 22));
	mc_strv_push(argv, mc_strdup("-l"));
	mc_strv_push(argv, mc_strdup(ep->user));
	mc_strv_free(kv);
}

int mc_ssh_external_check(const struct mc_ssh_endpoint *ep, struct mc_error *err)
{
	const char *paths[] = { ep->key, ep->known_hosts };

	/* OpenSSH expands ${VAR} in IdentityFile and UserKnownHostsFile (on
	 * the command line too), and has no escape for it. */
	for (size_t i = 0; i < MC_ARRAY_SIZE(paths); i++)
		if (paths[i] && strstr(paths[i], "${"))
			return mc_error_setm(err, ep->machine, MC_E_INVALID,
					     "the path %s holds \"${\", which the system's ssh reads as an environment variable (it has no escape for it): use a store (-s) whose path has none, or --native-ssh",
					     paths[i]);
	return 0;
}

int mc_ssh_config_block(const struct mc_ssh_endpoint *ep, const char *alias, bool batch, char **out,
			struct mc_error *err)
{
	char **kv = NULL;
	const char *paths[] = { ep->key, ep->known_hosts };
	_cleanup_free_ char *host = NULL, *user = NULL;

	*out = NULL;
	if (mc_ssh_endpoint_check(ep, err) < 0 || mc_ssh_external_check(ep, err) < 0)
		return -1;
	for (size_t i = 0; i < MC_ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *q = paths[i] ? cfg_arg(paths[i], true) : NULL;

		if (paths[i] && !q)
			return mc_error_setm(err, ep->machine, MC_E_INVALID,
					     "the path %s holds a control character, which an ssh_config file cannot carry: use a store (-s) whose path has none, or --native-ssh",
					     paths[i]);
	}
	host = cfg_arg(ep->host, true);
	user = cfg_arg(ep->user, false);
	kv = external_settings(ep, batch, batch);
	*out = mc_asprintf("Host %s\n\tHostName %s\n\tPort %d\n\tUser %s\n", alias, host,
			   ep->port > 0 ? ep->port : 22, user);
	for (size_t i = 0; kv[i]; i += 2) {
		char *n = mc_asprintf("%s\t%s %s\n", *out, kv[i], kv[i + 1]);

		free(*out);
		*out = n;
	}
	mc_strv_free(kv);
	return 0;
}
