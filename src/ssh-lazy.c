/*
 * libssh, loaded on first use (the way src/curl-lazy.c loads libcurl).
 *
 * Linked, libssh cost every machinectl process ~1 M instructions and ~1 MiB
 * of RSS before main() (doc/performance.md), although only the verbs that
 * reach a machine over SSH (ssh, scp, mount, provisioning, the generic and
 * VirtualBox drivers) and SSH key generation use it.  These trampolines
 * dlopen() libssh.so.4 (its SONAME since libssh 0.5) the first time one is
 * called.
 *
 * Adding a libssh call elsewhere?  Give it a line below (the link fails with
 * "undefined reference to ssh_..." until then).
 */
#include "buildconf.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "lazy.h"

/* libssh-4 links libcrypto: that first (src/lazy.h). */
static struct mc_lazy_lib *const ssh_before[] = { &mc_lazy_libcrypto, NULL };
static struct mc_lazy_lib ssh = MC_LAZY_LIB_AFTER("libssh.so.4", "libssh-4", ssh_before);

#define LAZY(ret, name, params, args) MC_LAZY(ssh, ret, name, params, args)

/* Sessions, connection, authentication. */
LAZY(ssh_session, ssh_new, (void), ())
LAZY(void, ssh_free, (ssh_session s), (s))
LAZY(int, ssh_options_set, (ssh_session s, enum ssh_options_e type, const void *value), (s, type, value))
LAZY(int, ssh_connect, (ssh_session s), (s))
LAZY(void, ssh_disconnect, (ssh_session s), (s))
LAZY(int, ssh_is_connected, (ssh_session s), (s))
LAZY(const char *, ssh_get_error, (void *error), (error))
LAZY(socket_t, ssh_get_fd, (ssh_session s), (s))
LAZY(int, ssh_get_poll_flags, (ssh_session s), (s))
LAZY(int, ssh_send_ignore, (ssh_session s, const char *data), (s, data))
LAZY(int, ssh_get_server_publickey, (ssh_session s, ssh_key *key), (s, key))
LAZY(int, ssh_userauth_publickey, (ssh_session s, const char *username, const ssh_key privkey),
     (s, username, privkey))

/* Channels. */
LAZY(ssh_channel, ssh_channel_new, (ssh_session s), (s))
LAZY(void, ssh_channel_free, (ssh_channel c), (c))
LAZY(int, ssh_channel_open_session, (ssh_channel c), (c))
LAZY(int, ssh_channel_close, (ssh_channel c), (c))
LAZY(int, ssh_channel_is_closed, (ssh_channel c), (c))
LAZY(int, ssh_channel_is_eof, (ssh_channel c), (c))
LAZY(int, ssh_channel_is_open, (ssh_channel c), (c))
LAZY(int, ssh_channel_get_exit_status, (ssh_channel c), (c))
LAZY(int, ssh_channel_request_exec, (ssh_channel c, const char *cmd), (c, cmd))
LAZY(int, ssh_channel_request_shell, (ssh_channel c), (c))
LAZY(int, ssh_channel_request_pty_size, (ssh_channel c, const char *term, int cols, int rows),
     (c, term, cols, rows))
LAZY(int, ssh_channel_change_pty_size, (ssh_channel c, int cols, int rows), (c, cols, rows))
LAZY(int, ssh_channel_read_nonblocking, (ssh_channel c, void *dest, uint32_t count, int is_stderr),
     (c, dest, count, is_stderr))
LAZY(int, ssh_channel_write, (ssh_channel c, const void *data, uint32_t len), (c, data, len))
LAZY(int, ssh_channel_send_eof, (ssh_channel c), (c))
LAZY(uint32_t, ssh_channel_window_size, (ssh_channel c), (c))
LAZY(int, ssh_add_channel_callbacks, (ssh_channel c, ssh_channel_callbacks cb), (c, cb))
LAZY(int, ssh_remove_channel_callbacks, (ssh_channel c, ssh_channel_callbacks cb), (c, cb))
/* Port forwards (src/ssh-forward.c). */
LAZY(int, ssh_channel_open_forward, (ssh_channel c, const char *rhost, int rport, const char *shost, int lport),
     (c, rhost, rport, shost, lport))
LAZY(int, ssh_channel_listen_forward, (ssh_session s, const char *address, int port, int *bound_port),
     (s, address, port, bound_port))
LAZY(ssh_channel, ssh_channel_open_forward_port,
     (ssh_session s, int timeout_ms, int *dport, char **originator, int *oport), (s, timeout_ms, dport, originator, oport))

/* Keys. */
LAZY(void, ssh_key_free, (ssh_key key), (key))
LAZY(enum ssh_keytypes_e, ssh_key_type, (const ssh_key key), (key))
LAZY(enum ssh_keytypes_e, ssh_key_type_from_name, (const char *name), (name))
LAZY(const char *, ssh_key_type_to_char, (enum ssh_keytypes_e type), (type))
LAZY(int, ssh_key_cmp, (const ssh_key k1, const ssh_key k2, enum ssh_keycmp_e what), (k1, k2, what))
LAZY(const char *, ssh_pki_key_ecdsa_name, (const ssh_key key), (key))
LAZY(int, ssh_pki_generate, (enum ssh_keytypes_e type, int parameter, ssh_key *pkey), (type, parameter, pkey))
LAZY(int, ssh_pki_export_privkey_base64,
     (const ssh_key privkey, const char *passphrase, ssh_auth_callback auth_fn, void *auth_data, char **b64_key),
     (privkey, passphrase, auth_fn, auth_data, b64_key))
LAZY(int, ssh_pki_export_pubkey_base64, (const ssh_key key, char **b64_key), (key, b64_key))
LAZY(int, ssh_pki_import_privkey_base64,
     (const char *b64_key, const char *passphrase, ssh_auth_callback auth_fn, void *auth_data, ssh_key *pkey),
     (b64_key, passphrase, auth_fn, auth_data, pkey))
LAZY(int, ssh_pki_import_privkey_file,
     (const char *filename, const char *passphrase, ssh_auth_callback auth_fn, void *auth_data, ssh_key *pkey),
     (filename, passphrase, auth_fn, auth_data, pkey))
LAZY(int, ssh_pki_import_pubkey_base64, (const char *b64_key, enum ssh_keytypes_e type, ssh_key *pkey),
     (b64_key, type, pkey))
LAZY(int, ssh_get_publickey_hash,
     (const ssh_key key, enum ssh_publickey_hash_type type, unsigned char **hash, size_t *hlen),
     (key, type, hash, hlen))
LAZY(char *, ssh_get_fingerprint_hash, (enum ssh_publickey_hash_type type, unsigned char *hash, size_t len),
     (type, hash, len))
LAZY(void, ssh_clean_pubkey_hash, (unsigned char **hash), (hash))
LAZY(void, ssh_string_free_char, (char *s), (s))

/* SFTP. */
LAZY(sftp_session, sftp_new, (ssh_session s), (s))
LAZY(void, sftp_free, (sftp_session sftp), (sftp))
LAZY(int, sftp_init, (sftp_session sftp), (sftp))
LAZY(int, sftp_get_error, (sftp_session sftp), (sftp))
LAZY(sftp_file, sftp_open, (sftp_session sftp, const char *file, int accesstype, mode_t mode),
     (sftp, file, accesstype, mode))
LAZY(int, sftp_close, (sftp_file file), (file))
LAZY(ssize_t, sftp_read, (sftp_file file, void *buf, size_t count), (file, buf, count))
LAZY(ssize_t, sftp_write, (sftp_file file, const void *buf, size_t count), (file, buf, count))
LAZY(int, sftp_async_read_begin, (sftp_file file, uint32_t len), (file, len))
LAZY(int, sftp_async_read, (sftp_file file, void *data, uint32_t len, uint32_t id), (file, data, len, id))
LAZY(sftp_attributes, sftp_stat, (sftp_session sftp, const char *path), (sftp, path))
LAZY(void, sftp_attributes_free, (sftp_attributes file), (file))
LAZY(int, sftp_chmod, (sftp_session sftp, const char *file, mode_t mode), (sftp, file, mode))
LAZY(int, sftp_mkdir, (sftp_session sftp, const char *directory, mode_t mode), (sftp, directory, mode))
LAZY(char *, sftp_canonicalize_path, (sftp_session sftp, const char *path), (sftp, path))
LAZY(sftp_dir, sftp_opendir, (sftp_session sftp, const char *path), (sftp, path))
LAZY(sftp_attributes, sftp_readdir, (sftp_session sftp, sftp_dir dir), (sftp, dir))
LAZY(int, sftp_dir_eof, (sftp_dir dir), (dir))
LAZY(int, sftp_closedir, (sftp_dir dir), (dir))
