/*
 * Provisioning: make a booted machine a Docker host reachable over TLS.
 *
 * Over SSH (src/ssh.c): detect the guest OS, set the hostname, upload the CA
 * and the machine's server certificate (the CA key never leaves the host),
 * write the Docker daemon's options, restart it; then check the daemon over
 * TLS (src/engine.c, GET /_ping).  The machine OS takes all of it in one
 * command (a tar on the stdin of its provision script), which then starts
 * dockerd once (doc/machine-os.md).  Provisioners: the machine OS
 * (scripts/build-iso) and boot2docker share one (the boot2docker layout:
 * /var/lib/boot2docker/profile and /etc/init.d/docker); Debian and Ubuntu
 * with systemd get docker.io and a systemd drop-in.
 *
 * Library code: nothing is printed; phases are reported through a callback.
 */
#ifndef MC_PROVISION_H
#define MC_PROVISION_H

#include "certs.h"
#include "driver.h"
#include "machine.h"
#include "userdata.h"
#include "ssh.h"

enum mc_guest_os {
	MC_GUEST_UNKNOWN = 0,
	MC_GUEST_MACHINECTL_OS,   /* /etc/machinectl-os-release */
	MC_GUEST_BOOT2DOCKER,     /* ID=boot2docker */
	MC_GUEST_SYSTEMD_DEBIAN,  /* ID=debian or ubuntu (or ID_LIKE), with systemd */
};

/* Phase callback: "Detecting the provisioner...", ... */
typedef void (*mc_provision_phase_fn)(void *arg, const char *msg);
/* Whether the machine has said that its Docker will not come up: what it
 * said (malloc'd), or NULL.  Asked at each round of the waits for Docker. */
typedef char *(*mc_provision_gave_up_fn)(void *arg);

struct mc_provision {
	struct mc_machine *m;                /* its HostOptions give the engine options */
	const struct mc_certs_paths *certs;  /* CA and client certificate */
	const struct mc_ssh_endpoint *ep;    /* where the machine's SSH server is */
	const char *ip;                      /* the machine's IP (server cert SAN, engine URL) */
	const char *url;                     /* Docker URL, tcp://IP:2376 */
	const char *driver_name;             /* --label provider=DRIVER */
	mc_provision_phase_fn phase;
	void *arg;
	mc_provision_gave_up_fn gave_up;     /* NULL: the waits run to their timeout */
	void *gave_up_arg;
	bool boot_files;                     /* create: the machine OS may have installed
						the files at its first boot (mc_provision_boot_tar) */
};

/*
 * Detect the guest OS from `cat /etc/machinectl-os-release; cat /etc/os-release`.
 * *name receives a human name ("machinectl-os 0.1.0", "debian 12"); malloc'd.
 * MC_E_UNSUPPORTED ("OS type not recognized: ID=...") for anything else.
 */
int mc_provision_detect(const char *os_release, enum mc_guest_os *os, char **name,
			struct mc_error *err);

/* Whether the detect output (the first part: machinectl-os-release) says
 * PROVISION=1: the guest has the machine OS's one-step provisioning
 * (/usr/lib/machinectl-os/provision: a tar of hostname, TLS files and
 * profile on stdin, then dockerd started once). */
bool mc_provision_one_step(const char *detect_out);

/* The Docker daemon options of create (and import), checked before anything
 * is made with them. */
struct mc_engine_opts {
	char **env, **labels, **opts, **insecure, **mirrors;  /* NULL-terminated or NULL */
	const char *storage_driver;
	bool no_blanks;   /* the guest is the machine OS or boot2docker (a boot ISO): its
			     profile's EXTRA_ARGS cannot carry a space */
	const char *driver;  /* the driver's name (the daemon's provider=DRIVER label), or NULL */
};
/* --engine-env KEY=VALUE (KEY a variable name), --engine-label KEY=VALUE,
 * --engine-opt NAME[=VALUE] (NAME a dockerd flag), registries without
 * blanks, a plain storage driver name; no control characters anywhere; no
 * two values of one label (dockerd refuses to start with them), the
 * provider=DRIVER label machinectl adds included.
 * MC_E_USAGE names the option and the value. */
int mc_provision_check_engine(const struct mc_engine_opts *o, struct mc_error *err);

/* The daemon options as dockerd argv words (--label provider=..., --tlsverify ...),
 * shared by the profile and the systemd drop-in; NULL-terminated, free with
 * mc_strv_free. */
char **mc_provision_daemon_args(const struct mc_machine *m, const char *driver_name,
				enum mc_guest_os os, struct mc_error *err);
/* The file contents provisioning writes (exposed for tests): the boot2docker
 * profile, or the systemd drop-in.  malloc'd. */
int mc_provision_profile(const struct mc_machine *m, const char *driver_name, char **out,
			 struct mc_error *err);
int mc_provision_dropin(const struct mc_machine *m, const char *driver_name, char **out,
			struct mc_error *err);

/* Check the recorded daemon options as provisioning would write them for
 * any guest (the systemd drop-in: no control characters, KEY=VALUE), before
 * anything is changed: what create and `provision --engine-*` run first. */
int mc_provision_check_options(const struct mc_machine *m, const char *driver_name,
			       struct mc_error *err);

/* The machine OS's one-step provisioning files for m (hostname, ca.pem,
 * server.pem and server-key.pem from its directory, the profile, and the SSH
 * host keys when keys is not NULL) as a tar, for the userdata of a machine
 * whose address is known before it boots: the machine OS installs them and
 * starts dockerd once, with TLS, at its first boot; sshd uses the host keys
 * (an ISO with the feature boot-host-keys, src/iso.h).  t->data is malloc'd. */
int mc_provision_boot_tar(const struct mc_machine *m, const char *driver_name,
			  const struct mc_ssh_host_keys *keys, struct mc_tar *t, struct mc_error *err);

/* The part of the detect output after the "--- installed" line: the
 * machine OS's installed server.pem and profile, as they are; NULL when
 * absent.  Whether they are the files mc_provision_boot_tar sent (p->boot_files)
 * decides whether provisioning has anything left to install. */
const char *mc_provision_installed(const char *detect_out);

/* Provision the machine (it must be running with SSH up). */
int mc_provision_run(const struct mc_provision *p, struct mc_error *err);

/* Wait until Docker answers GET /_ping over TLS at p->url (120 s at most). */
int mc_provision_wait_docker(const struct mc_provision *p, struct mc_error *err);
/* mc_provision_wait_docker, then that the daemon answering is this
 * machine's: its name (GET /info, the hostname provisioning set) is the
 * machine's.  Every machine of a store has a certificate from the same CA,
 * so TLS alone does not tell two of them apart when one answers at the
 * other's address; without a login (create with the host keys on the data
 * disk, start of such a machine) this is the check. */
int mc_provision_wait_own_docker(const struct mc_provision *p, struct mc_error *err);

/* Remake the server certificate for a new IP, upload it and restart Docker
 * (start/restart after an IP change, regenerate-certs). */
int mc_provision_certs(const struct mc_provision *p, struct mc_error *err);
/* Upload the machine's current certificates as they are and restart Docker
 * (regenerate-certs made them). */
int mc_provision_push_certs(const struct mc_provision *p, struct mc_error *err);

#endif
