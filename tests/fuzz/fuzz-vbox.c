/*
 * VBoxManage outputs (drivers/virtualbox/vbox-parse.c): every parser gets the
 * same bytes, so one corpus of recorded outputs feeds them all (`--version`,
 * `showvminfo --machinereadable`, `list hostonlyifs`, `list dhcpservers`,
 * `list vms [--long]`, `hostonlyif create`, `ip addr`, `ip -j addr/route`,
 * /proc/net/route, /etc/vbox/networks.conf, /proc/cpuinfo).
 */
#include "buildconf.h"

#include "fuzz.h"
#include "util.h"
#include "vbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = fuzz_cstr(data, size);
	struct mc_vbox_version ver;
	struct mc_vbox_hostonlyif *ifs = NULL;
	struct mc_vbox_dhcp *srv = NULL;
	size_t nifs = 0, nsrv = 0;
	char *dup = NULL, *what = NULL, *s, mac[18], ipbuf[16];
	char **names;
	json_t *info, *vms;
	uint32_t ip;
	int prefix;
	const char *why;

	if (mc_vbox_parse_version(out, &ver) == 0)
		(void)mc_vbox_version_ge(&ver, 6, 1, 28);
	info = mc_vbox_parse_machinereadable(out);
	FUZZ_ASSERT(json_is_object(info));
	(void)mc_vbox_state_by_name(json_string_value(json_object_get(info, "VMState")));
	json_decref(info);
	if (mc_vbox_parse_hostonlyifs(out, &ifs, &nifs, &dup) == 0) {
		for (size_t i = 0; i < nifs; i++)
			if (ifs[i].mask)
				(void)mc_vbox_mask_prefix(ifs[i].mask);
		mc_vbox_hostonlyifs_free(ifs, nifs);
	} else {
		free(dup);
	}
	if (mc_vbox_parse_dhcpservers(out, &srv, &nsrv) == 0)
		mc_vbox_dhcpservers_free(srv, nsrv);
	names = mc_vbox_parse_list_vms(out);
	mc_strv_free(names);
	vms = mc_vbox_parse_list_vms_long(out);
	json_decref(vms);
	s = mc_vbox_parse_created_if(out);
	free(s);
	s = mc_vbox_ip_for_mac(out, "08:00:27:aa:bb:cc");
	free(s);
	if (strlen(out) >= 12) {
		char mac12[13];

		memcpy(mac12, out, 12);
		mac12[12] = '\0';
		mc_vbox_mac_colons(mac12, mac);
		s = mc_vbox_ip_for_mac(out, mac);
		free(s);
	}
	if (mc_vbox_parse_cidr(out, &ip, &prefix, &why) == 0) {
		mc_vbox_ip_str(ip, ipbuf);
		(void)mc_vbox_range_allowed(out, ip, prefix);
		(void)mc_vbox_nets_overlap(ip, prefix, 0xC0A83800u, 21);
	}
	(void)mc_vbox_parse_ip(out, &ip);
	(void)mc_vbox_range_allowed(out, 0xC0A83801u, 24);
	if (mc_vbox_host_collision(out, out, 0xC0A83801u, 24, &what) == 1)
		free(what);
	what = NULL;
	if (mc_vbox_proc_route_collision(out, 0x0A000001u, 8, &what) == 1)
		free(what);
	(void)mc_vbox_cpuinfo_has_vtx(out);
	free(out);
	return 0;
}
