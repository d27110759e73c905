/*
 * TLS certificates for port 2376 (OpenSSL 3 EVP only).
 *
 * Store-wide: a CA (certs/ca.pem, ca-key.pem) and a client certificate signed
 * by it (certs/cert.pem, key.pem), made on first use.  Per machine, in
 * machines/NAME/ (= DOCKER_CERT_PATH): copies of ca.pem, cert.pem, key.pem,
 * and server.pem + server-key.pem signed by the CA, whose subjectAltNames are
 * the machine's IP(s), its name, localhost, 127.0.0.1 and every --tls-san.
 * Keys are written 0600; the CA key is never copied anywhere.
 *
 * Library code: nothing here prints.  Layout and behaviour: doc/tls.md.
 */
#ifndef MC_CERTS_H
#define MC_CERTS_H

#include <stdbool.h>
#include <time.h>

#include "error.h"
#include "machine.h"
#include "os.h"
#include "store.h"

enum mc_certs_key_type {
	MC_CERTS_ECDSA_P256 = 0,   /* the default */
	MC_CERTS_RSA_2048,
	MC_CERTS_RSA_4096,
};

/* "ecdsa-p256", "rsa-2048", "rsa-4096" <-> enum.  NULL or "" parses as the default. */
int mc_certs_key_type_parse(const char *s, enum mc_certs_key_type *out, struct mc_error *err);
const char *mc_certs_key_type_name(enum mc_certs_key_type t);

/* Days a new certificate is valid; it starts 5 minutes in the past. */
#define MC_CERTS_VALID_DAYS 1080
/* The offline check warns this many days before a certificate expires. */
#define MC_CERTS_WARN_DAYS 30

/* Where the store-wide CA and client certificate live, and how to wait for
 * another command that holds the lock next to them (.certs.lock beside the
 * CA key). */
struct mc_certs_paths {
	char *ca_cert, *ca_key, *client_cert, *client_key;
	bool custom;               /* at least one path came from the user */
	int lock_timeout_ms;       /* give up (MC_E_STATE) after this long; 0: 30 s */
	struct mc_os_lock_wait lock_wait;  /* tells the wait (fn NULL: nobody) */
};

/* Fill *p: each override (NULL or "" = the store default certs/...); the
 * lock's defaults. */
void mc_certs_paths_init(struct mc_certs_paths *p, const struct mc_store *s, const char *ca_cert,
			 const char *ca_key, const char *client_cert, const char *client_key);
void mc_certs_paths_free(struct mc_certs_paths *p);

/* What mc_certs_ensure() made. */
enum {
	MC_CERTS_MADE_CA = 1u << 0,
	MC_CERTS_MADE_CLIENT = 1u << 1,
	MC_CERTS_FINISHED_CA = 1u << 2,  /* an interrupted CA creation was completed */
	MC_CERTS_DROPPED_KEY = 1u << 3,  /* a CA key whose certificate was never written was removed */
};

/*
 * Make the CA and the client certificate when missing (keys of type kt).
 * An existing pair is reused; an expired client certificate is replaced.
 * The CA is made crash-safe: its key is written as ca-key.pem.new, then
 * ca.pem, then the key is renamed; what a killed process left is repaired
 * here first (the key completes its certificate: MC_CERTS_FINISHED_CA, and
 * the client certificate is remade; a key without certificate is removed:
 * MC_CERTS_DROPPED_KEY).  Refuses a ca-key.pem without its certificate (not
 * made by machinectl; it may be precious) and an expired CA (the fix is
 * `regenerate-certs --client-certs`).  Serialised across processes with a
 * lock next to the CA.  *made receives MC_CERTS_* bits (may be NULL).
 */
int mc_certs_ensure(const struct mc_certs_paths *p, enum mc_certs_key_type kt, unsigned *made,
		    struct mc_error *err);

/* Replace the CA and the client certificate unconditionally (regenerate-certs
 * --client-certs), crash-safe as above.  Every machine's certificates must be
 * remade afterwards. */
int mc_certs_renew_ca(const struct mc_certs_paths *p, enum mc_certs_key_type kt,
		      struct mc_error *err);

/* A --tls-san value: an IP address or a DNS name (a wildcard "*." first is
 * allowed); anything else is MC_E_INVALID naming it. */
int mc_certs_check_san(const char *s, struct mc_error *err);

/* Options for one server certificate. */
struct mc_certs_server_opts {
	const char *name;              /* machine name: a DNS SAN and the subject CN */
	const char *const *ips;        /* the machine's IP address(es), NULL-terminated; may be NULL */
	const char *const *sans;       /* --tls-san values: IPs become IP SANs, the rest DNS; may be NULL */
	enum mc_certs_key_type key_type;
	time_t not_before;             /* 0: now - 5 minutes (tests back-date certificates) */
	int days;                      /* 0: MC_CERTS_VALID_DAYS */
};

/* Sign a server certificate with the CA in *p; write cert_path (0644) and
 * key_path (0600) atomically.  A CA whose creation was interrupted after its
 * certificate was written is finished first. */
int mc_certs_make_server(const struct mc_certs_paths *p, const struct mc_certs_server_opts *o,
			 const char *cert_path, const char *key_path, struct mc_error *err);

/* Copy src to dst (0644; a key 0600) when it holds exactly one PEM block:
 * a certificate that parses, or (key) an unencrypted private key that
 * parses; anything else (a secret file, a bundle holding a key) is
 * MC_E_INVALID and nothing is written.  The bytes are copied as they are. */
int mc_certs_import_pem(const char *src, const char *dst, bool key, struct mc_error *err);

/* Copy the CA certificate and the client certificate and key into the machine
 * directory (ca.pem, cert.pem, key.pem) — never the CA key. */
int mc_certs_install_client(const struct mc_certs_paths *p, const char *machine_dir,
			    struct mc_error *err);

/*
 * (Re)make machines/NAME/server.pem and server-key.pem for machine m at its
 * current IP address(es) ips (NULL-terminated), with the key type and extra
 * SANs recorded in its config.json (HostOptions.AuthOptions.KeyType and
 * ServerCertSANs).  Used by create, start/restart when the IP changed,
 * regenerate-certs, and the provisioner before it uploads.
 */
int mc_certs_machine_server(const struct mc_certs_paths *p, const struct mc_machine *m,
			    const char *const *ips, struct mc_error *err);

/* True when the machine has a server certificate (machines/NAME/server.pem). */
bool mc_certs_machine_has_server(const struct mc_machine *m);
/* True when it has one and it holds ip as an IP SAN. */
bool mc_certs_machine_server_has_ip(const struct mc_machine *m, const char *ip);

/* The PEM texts a provisioner uploads to the machine (ca.pem, server.pem,
 * server-key.pem from machines/NAME).  Free with mc_certs_upload_free(). */
struct mc_certs_upload {
	char *ca_pem;
	char *server_pem;
	char *server_key_pem;
};
int mc_certs_upload_files(const struct mc_machine *m, struct mc_certs_upload *out,
			  struct mc_error *err);
void mc_certs_upload_free(struct mc_certs_upload *u);

/* Result of the offline check. */
struct mc_certs_check {
	long days_left;          /* of the server (or client) certificate that expires first */
	bool expires_soon;       /* days_left < MC_CERTS_WARN_DAYS: warn the user */
	bool has_server;         /* a server certificate was checked */
	char *cert_ips;          /* when the IP is not covered: the IPs the server cert holds ("a, b") */
};
void mc_certs_check_free(struct mc_certs_check *c);

/*
 * The offline check (no network; a few file reads; the signature checks are
 * done once per set of files and remembered in machines/NAME/.tls-check):
 * machines/NAME must hold ca.pem, cert.pem, key.pem; the client certificate
 * must chain to ca.pem and be valid now; when server.pem exists it must chain
 * to ca.pem, be valid now and hold `ip` as an IP SAN (ip NULL: not checked).
 * Returns 0 (see out->expires_soon), or -1 with MC_E_TLS and a message that
 * names the machine and the problem; for an IP change, out->cert_ips holds
 * the IP(s) the certificate was made for.  out may be NULL.
 */
int mc_certs_check_machine(const struct mc_machine *m, const char *ip, struct mc_certs_check *out,
			   struct mc_error *err);

/* Verify the machine's files now and record the result (machines/NAME/.tls-check),
 * so that the next check (every `env`) needs no OpenSSL at all.  Best effort. */
void mc_certs_prime_check(const struct mc_machine *m);

/* Does certificate file `cert_path` hold `ip` as an IP SAN?  1 yes, 0 no, -1 error. */
int mc_certs_file_has_ip(const char *cert_path, const char *ip, struct mc_error *err);

#endif
