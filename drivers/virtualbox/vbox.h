/*
 * The VirtualBox driver's internals: parsers of VBoxManage's output and the
 * host network checks.  Pure functions (no VBoxManage call, no I/O), so the
 * unit tests (tests/unit/test-virtualbox.c) feed them recorded outputs.
 * Formats: ../shared/reference/docker-machine.md section 5 and doc/virtualbox.md.
 */
#ifndef MC_VBOX_H
#define MC_VBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "driver.h"

struct mc_vbox_version {
	int major, minor, patch;
};

/* `VBoxManage --version`: "7.0.14r161095", "6.1.38_Ubuntur153438", "5.2.44r139111",
 * possibly after warning lines.  0, or -1 when no version line is found. */
int mc_vbox_parse_version(const char *out, struct mc_vbox_version *v);
/* v >= major.minor.patch */
bool mc_vbox_version_ge(const struct mc_vbox_version *v, int major, int minor, int patch);

/* `showvminfo NAME --machinereadable`: KEY="VALUE" lines as a JSON object of
 * strings (keys unquoted, \" and \\ unescaped).  New reference. */
json_t *mc_vbox_parse_machinereadable(const char *out);
/* What VirtualBox lets machinectl do with a VM in a machine state. */
enum mc_vbox_kind {
	MC_VBOX_OFF,           /* poweroff, aborted, teleported: startvm boots it */
	MC_VBOX_SAVED,         /* saved: startvm restores it; discardstate powers it off */
	MC_VBOX_ABORTED_SAVED, /* aborted-saved (VirtualBox 7): the VM process died holding a
				  saved state: discardstate, then a fresh boot */
	MC_VBOX_RUNNING,       /* running: controlvm acpipowerbutton|poweroff|pause */
	MC_VBOX_PAUSED,        /* paused: controlvm resume|poweroff */
	MC_VBOX_STUCK,         /* gurumeditation: only controlvm poweroff gets it out */
	MC_VBOX_BUSY,          /* a transition (starting, saving, snapshotting...): wait */
	MC_VBOX_UNKNOWN,       /* a name this table does not know */
};

/* One VirtualBox machine state: its VMState name (showvminfo
 * --machinereadable), its text in `list vms --long` / showvminfo ("powered
 * off", "guru meditation"), what machinectl shows and what it may do. */
struct mc_vbox_state {
	const char *name;
	const char *text;
	enum mc_state state;
	enum mc_vbox_kind kind;
};

/* The one state table both parsers use: the entry for a VMState name, or
 * for a `list vms --long` State: text (with or without its " (since ...)"
 * tail).  Never NULL: an unknown name gets an entry of kind MC_VBOX_UNKNOWN
 * and state Error. */
const struct mc_vbox_state *mc_vbox_state_by_name(const char *vmstate);
const struct mc_vbox_state *mc_vbox_state_by_text(const char *text);

/* One record of `list hostonlyifs`. */
struct mc_vbox_hostonlyif {
	char *name, *guid, *ip, *mask, *hwaddr, *status, *network;
	bool dhcp;
};
/* Parse `list hostonlyifs`.  A duplicate name or IP address is an error
 * (-1, *dup says which).  Free with mc_vbox_hostonlyifs_free. */
int mc_vbox_parse_hostonlyifs(const char *out, struct mc_vbox_hostonlyif **ifs, size_t *n,
			      char **dup);
void mc_vbox_hostonlyifs_free(struct mc_vbox_hostonlyif *ifs, size_t n);

/* One record of `list dhcpservers` (5.x "IP:"/"lowerIPAddress:" and 6.1+
 * "Dhcpd IP:"/"LowerIPAddress:" spellings). */
struct mc_vbox_dhcp {
	char *netname, *ip, *mask, *lower, *upper;
	bool enabled;
};
int mc_vbox_parse_dhcpservers(const char *out, struct mc_vbox_dhcp **srv, size_t *n);
void mc_vbox_dhcpservers_free(struct mc_vbox_dhcp *srv, size_t n);

/* `list vms` / `list runningvms`: lines `"NAME" {UUID}`; a strv of names. */
char **mc_vbox_parse_list_vms(const char *out);

/* `list vms --long`: {"NAME": VMState spelling ("poweroff", "running"...)}
 * from its Name: and State: lines.  New reference. */
json_t *mc_vbox_parse_list_vms_long(const char *out);

/* True when a `list` output has text but not one "Name:" label at the start
 * of a line: VBoxManage answered in another language (VirtualBox 7 translates
 * its labels) and nothing in it can be parsed. */
bool mc_vbox_output_translated(const char *out);

/* "080027AABBCC" -> "08:00:27:aa:bb:cc" (buf >= 18). */
void mc_vbox_mac_colons(const char *mac12, char *buf);
/* `ip addr show` output: the first IPv4 address of the interface whose
 * link/ether is mac (colons, any case); malloc'd or NULL. */
char *mc_vbox_ip_for_mac(const char *ip_addr_out, const char *mac);

/* `hostonlyif create`: "Interface 'vboxnet0' was successfully created"; malloc'd name or NULL. */
char *mc_vbox_parse_created_if(const char *out);

/* --- IPv4 networks --- */

/* "A.B.C.D/N" (N 8..29, A.B.C.D neither the network nor the broadcast address). */
int mc_vbox_parse_cidr(const char *s, uint32_t *ip, int *prefix, const char **why);
int mc_vbox_parse_ip(const char *s, uint32_t *ip);
uint32_t mc_vbox_mask(int prefix);
/* Render: "192.168.56.1" (buf >= 16). */
void mc_vbox_ip_str(uint32_t ip, char *buf);
/* Dotted netmask to prefix length, -1 when not contiguous. */
int mc_vbox_mask_prefix(const char *mask);
bool mc_vbox_nets_overlap(uint32_t a, int pa, uint32_t b, int pb);

/* Does ip/prefix fall in the ranges VirtualBox >= 6.1.28 allows for host-only
 * adapters?  conf is the text of /etc/vbox/networks.conf ("* 10.0.0.0/8
 * 192.168.0.0/16" lines) or NULL (no file: only 192.168.56.0/21). */
bool mc_vbox_range_allowed(const char *conf, uint32_t ip, int prefix);

/* Host networks that collide with ip/prefix, from `ip -j addr` and `ip -j
 * route` output (either may be NULL).  VirtualBox's own vboxnet* interfaces
 * and their routes are skipped.  Returns 1 and *what ("route 10.0.0.0/8 dev
 * tun0" or "address 192.168.56.7/24 on eth0", malloc'd) on a collision, 0
 * when none. */
int mc_vbox_host_collision(const char *addr_json, const char *route_json, uint32_t ip,
			   int prefix, char **what);
/* The same from /proc/net/route text (fallback when `ip` is missing). */
int mc_vbox_proc_route_collision(const char *text, uint32_t ip, int prefix, char **what);

/* True when a /proc/cpuinfo text shows VT-x or AMD-V ("vmx" or "svm" in a flags line). */
bool mc_vbox_cpuinfo_has_vtx(const char *cpuinfo);

#endif
