/* The virtualbox driver's parsers, on outputs of VirtualBox 5.2, 6.1 and 7.0
 * (the formats docker-machine's network_test.go and vbm_test.go recorded). */
#include "unit.h"

#include "vbox.h"

static void version(void **state)
{
	struct mc_vbox_version v;

	assert_int_equal(mc_vbox_parse_version("7.0.14r161095\n", &v), 0);
	assert_int_equal(v.major, 7);
	assert_int_equal(v.minor, 0);
	assert_int_equal(v.patch, 14);
	assert_int_equal(mc_vbox_parse_version("6.1.38_Ubuntur153438\n", &v), 0);
	assert_true(mc_vbox_version_ge(&v, 6, 1, 28));
	assert_int_equal(mc_vbox_parse_version(
				 "WARNING: The vboxdrv kernel module is not loaded. Either there is no module\n"
				 "         available for the current kernel (5.15.0) or it failed to\n"
				 "6.1.26r145957\n",
				 &v), 0);
	assert_int_equal(v.patch, 26);
	assert_false(mc_vbox_version_ge(&v, 6, 1, 28));
	assert_int_equal(mc_vbox_parse_version("4.3.40r110317\n", &v), 0);
	assert_false(mc_vbox_version_ge(&v, 5, 0, 0));
	assert_int_equal(mc_vbox_parse_version("VBoxManage: error: nope\n", &v), -1);
	assert_int_equal(mc_vbox_parse_version("", &v), -1);
}

static void machinereadable(void **state)
{
	const char *out = "name=\"default\"\n"
			  "groups=\"/\"\n"
			  "memory=1024\n"
			  "VMState=\"running\"\n"
			  "\"SATA-0-0\"=\"/home/u/.machinectl/machines/default/boot2docker.iso\"\n"
			  "nic1=\"nat\"\n"
			  "nic2=\"hostonly\"\n"
			  "hostonlyadapter2=\"vboxnet0\"\n"
			  "macaddress2=\"080027F3A1B2\"\n"
			  "Forwarding(0)=\"ssh,tcp,127.0.0.1,40123,,22\"\n"
			  "description=\"say \\\"hi\\\" \\\\o/\"\r\n"
			  "garbage line without equals\n";
	_cleanup_json_ json_t *o = mc_vbox_parse_machinereadable(out);
	char mac[18];

	assert_string_equal(mc_json_str(o, "name"), "default");
	assert_string_equal(mc_json_str(o, "memory"), "1024");
	assert_string_equal(mc_json_str(o, "SATA-0-0"), "/home/u/.machinectl/machines/default/boot2docker.iso");
	assert_string_equal(mc_json_str(o, "description"), "say \"hi\" \\o/");
	assert_int_equal(mc_vbox_state_by_name(mc_json_str(o, "VMState"))->state, MC_STATE_RUNNING);
	mc_vbox_mac_colons(mc_json_str(o, "macaddress2"), mac);
	assert_string_equal(mac, "08:00:27:f3:a1:b2");
	assert_int_equal(mc_vbox_state_by_name("poweroff")->state, MC_STATE_STOPPED);
	assert_int_equal(mc_vbox_state_by_name("aborted")->state, MC_STATE_STOPPED);
	assert_int_equal(mc_vbox_state_by_name("paused")->state, MC_STATE_PAUSED);
	assert_int_equal(mc_vbox_state_by_name("saved")->state, MC_STATE_SAVED);
	assert_int_equal(mc_vbox_state_by_name("gurumeditation")->state, MC_STATE_ERROR);
	assert_int_equal(mc_vbox_state_by_name(NULL)->state, MC_STATE_ERROR);
}

/* network_test.go's fixture: two interfaces. */
static const char hostonlyifs[] =
	"Name:            vboxnet0\n"
	"GUID:            786f6276-656e-4074-8000-0a0027000000\n"
	"DHCP:            Disabled\n"
	"IPAddress:       192.168.99.1\n"
	"NetworkMask:     255.255.255.0\n"
	"IPV6Address:     \n"
	"IPV6NetworkMaskPrefixLength: 0\n"
	"HardwareAddress: 0a:00:27:00:00:00\n"
	"MediumType:      Ethernet\n"
	"Status:          Up\n"
	"VBoxNetworkName: HostInterfaceNetworking-vboxnet0\n"
	"\n"
	"Name:            vboxnet1\n"
	"GUID:            786f6276-656e-4174-8000-0a0027000001\n"
	"DHCP:            Enabled\n"
	"IPAddress:       192.168.56.1\n"
	"NetworkMask:     255.255.255.0\n"
	"HardwareAddress: 0a:00:27:00:00:01\n"
	"MediumType:      Ethernet\n"
	"Status:          Up\n"
	"VBoxNetworkName: HostInterfaceNetworking-vboxnet1\n"
	"\n";

static void list_hostonlyifs(void **state)
{
	struct mc_vbox_hostonlyif *ifs;
	size_t n;
	char *dup = NULL;
	_cleanup_free_ char *dups = NULL;

	assert_int_equal(mc_vbox_parse_hostonlyifs(hostonlyifs, &ifs, &n, &dup), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ifs[0].name, "vboxnet0");
	assert_string_equal(ifs[0].ip, "192.168.99.1");
	assert_string_equal(ifs[0].mask, "255.255.255.0");
	assert_false(ifs[0].dhcp);
	assert_true(ifs[1].dhcp);
	assert_string_equal(ifs[1].network, "HostInterfaceNetworking-vboxnet1");
	assert_string_equal(ifs[1].hwaddr, "0a:00:27:00:00:01");
	mc_vbox_hostonlyifs_free(ifs, n);

	/* The same IP twice is an error, as in docker-machine. */
	dups = mc_asprintf("%s%s", hostonlyifs, "Name: vboxnet2\nIPAddress: 192.168.56.1\nNetworkMask: 255.255.255.0\nVBoxNetworkName: x\n");
	assert_int_equal(mc_vbox_parse_hostonlyifs(dups, &ifs, &n, &dup), -1);
	assert_non_null(strstr(dup, "192.168.56.1"));
	free(dup);
	assert_int_equal(mc_vbox_parse_hostonlyifs("", &ifs, &n, &dup), 0);
	assert_int_equal(n, 0);
	mc_vbox_hostonlyifs_free(ifs, n);
}

static void list_dhcpservers(void **state)
{
	/* 5.x spelling */
	const char *v5 = "NetworkName:    HostInterfaceNetworking-vboxnet0\n"
			 "IP:             192.168.99.6\n"
			 "NetworkMask:    255.255.255.0\n"
			 "lowerIPAddress: 192.168.99.100\n"
			 "upperIPAddress: 192.168.99.254\n"
			 "Enabled:        Yes\n\n"
			 "NetworkName:    HostInterfaceNetworking-vboxnet1\n"
			 "IP:             192.168.56.100\n"
			 "NetworkMask:    255.255.255.0\n"
			 "lowerIPAddress: 192.168.56.101\n"
			 "upperIPAddress: 192.168.56.254\n"
			 "Enabled:        No\n";
	/* 6.1+ spelling with option blocks */
	const char *v7 = "NetworkName:    HostInterfaceNetworking-vboxnet0\n"
			 "Dhcpd IP:       192.168.56.2\n"
			 "LowerIPAddress: 192.168.56.100\n"
			 "UpperIPAddress: 192.168.56.254\n"
			 "NetworkMask:    255.255.255.0\n"
			 "Enabled:        Yes\n"
			 "Global Configuration:\n"
			 "    minLeaseTime:     default\n"
			 "    Forced options:   None\n"
			 "        1/legacy: 255.255.255.0\n"
			 "Groups:               None\n"
			 "Individual Configs:   None\n\n";
	struct mc_vbox_dhcp *s;
	size_t n;

	assert_int_equal(mc_vbox_parse_dhcpservers(v5, &s, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].ip, "192.168.99.6");
	assert_string_equal(s[0].lower, "192.168.99.100");
	assert_true(s[0].enabled);
	assert_false(s[1].enabled);
	mc_vbox_dhcpservers_free(s, n);
	assert_int_equal(mc_vbox_parse_dhcpservers(v7, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].netname, "HostInterfaceNetworking-vboxnet0");
	assert_string_equal(s[0].ip, "192.168.56.2");
	assert_string_equal(s[0].upper, "192.168.56.254");
	assert_string_equal(s[0].mask, "255.255.255.0");
	assert_true(s[0].enabled);
	mc_vbox_dhcpservers_free(s, n);
}

static void list_vms(void **state)
{
	_cleanup_strv_ char **v = mc_vbox_parse_list_vms(
		"\"default\" {3b1c3e4e-0f5c-4b8a-9d0e-6a5e5f0f1a11}\n"
		"\"with \"quotes\" and spaces\" {3b1c3e4e-0f5c-4b8a-9d0e-6a5e5f0f1a12}\n"
		"\"<inaccessible>\" {3b1c3e4e-0f5c-4b8a-9d0e-6a5e5f0f1a13}\n"
		"junk\n");
	_cleanup_json_ json_t *l = mc_vbox_parse_list_vms_long(
		"Name:                        default\n"
		"Groups:                      /\n"
		"State:                       powered off (since 2024-01-01T00:00:00.000000000)\n\n"
		"Name:                        m2\n"
		"State:                       running (since 2024-01-01T00:00:00.000000000)\n"
		"Shared folders:\n"
		"    Name: 'hosthome', Host path: '/home' (machine mapping), writable\n\n");

	assert_int_equal(mc_strv_len(v), 3);
	assert_string_equal(v[0], "default");
	assert_string_equal(v[1], "with \"quotes\" and spaces");
	assert_string_equal(mc_json_str(l, "default"), "poweroff");
	assert_string_equal(mc_json_str(l, "m2"), "running");
	assert_null(mc_json_str(l, "hosthome"));
}

/* Both parsers read VirtualBox 7's states the same way (one table): the
 * VMState of showvminfo and the State: text of list vms --long. */
static void states_agree(void **state)
{
	static const struct {
		const char *vmstate, *text;
	} pairs[] = {
		{ "poweroff", "powered off" },       { "saved", "saved" },
		{ "aborted", "aborted" },            { "aborted-saved", "aborted-saved" },
		{ "running", "running" },            { "paused", "paused" },
		{ "gurumeditation", "guru meditation" }, { "teleported", "teleported" },
		{ "starting", "starting" },          { "stopping", "stopping" },
		{ "saving", "saving" },              { "restoring", "restoring" },
		{ "livesnapshotting", "live snapshotting" },
		{ "teleportingin", "teleporting (incoming)" },
		{ "teleporting", "teleporting" },    { "teleportingpausedvm", "teleporting paused vm" },
		{ "deletingsnapshotlive", "deleting snapshot live" },
		{ "deletingsnapshotlivepaused", "deleting snapshot live paused" },
		{ "onlinesnapshotting", "online snapshotting" },
		{ "restoringsnapshot", "restoring snapshot" },
		{ "deletingsnapshot", "deleting snapshot" },
		{ "settingup", "setting up" },
		/* MachineState_Snapshotting: short "snapshotting", long "offline snapshotting" */
		{ "snapshotting", "offline snapshotting" },
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(pairs); i++) {
		_cleanup_free_ char *out = mc_asprintf("Name:                        m\n"
						       "State:                       %s (since 2024-05-02T10:11:12.000000000)\n\n",
						       pairs[i].text);
		_cleanup_json_ json_t *l = mc_vbox_parse_list_vms_long(out);

		assert_non_null(mc_json_str(l, "m"));
		assert_string_equal(mc_json_str(l, "m"), pairs[i].vmstate);
		assert_string_equal(mc_vbox_state_by_name(pairs[i].vmstate)->text, pairs[i].text);
	}
	/* Neither a running VM nor an error: aborted-saved is off, holding a stale saved state. */
	assert_int_equal(mc_vbox_state_by_name("aborted-saved")->state, MC_STATE_SAVED);
	assert_int_equal(mc_vbox_state_by_name("aborted-saved")->kind, MC_VBOX_ABORTED_SAVED);
	assert_int_equal(mc_vbox_state_by_text("aborted-saved")->kind, MC_VBOX_ABORTED_SAVED);
	assert_int_equal(mc_vbox_state_by_text("aborted (since x)")->kind, MC_VBOX_OFF);
	assert_int_equal(mc_vbox_state_by_name("gurumeditation")->kind, MC_VBOX_STUCK);
	assert_int_equal(mc_vbox_state_by_text("guru meditation (since x)")->kind, MC_VBOX_STUCK);
	assert_int_equal(mc_vbox_state_by_name("whatever")->kind, MC_VBOX_UNKNOWN);
	assert_int_equal(mc_vbox_state_by_text(NULL)->state, MC_STATE_ERROR);
}

/* VirtualBox 7 translates the labels of `list`: detected, not misread as "no interfaces". */
static void translated_output(void **state)
{
	assert_false(mc_vbox_output_translated(""));
	assert_false(mc_vbox_output_translated("\n\n"));
	assert_false(mc_vbox_output_translated(hostonlyifs));
	assert_true(mc_vbox_output_translated("Nom :            vboxnet0\nAdresse IP :     192.168.56.1\n"));
}

static void created_if(void **state)
{
	_cleanup_free_ char *a = mc_vbox_parse_created_if(
		"0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n"
		"Interface 'vboxnet3' was successfully created\n");
	_cleanup_free_ char *b = mc_vbox_parse_created_if("Interface 'VirtualBox Host-Only Ethernet Adapter #2' was successfully created\n");

	assert_string_equal(a, "vboxnet3");
	assert_string_equal(b, "VirtualBox Host-Only Ethernet Adapter #2");
	assert_null(mc_vbox_parse_created_if("something else\n"));
}

static void cidr(void **state)
{
	uint32_t ip, m;
	int p;
	const char *why;
	char buf[16];

	assert_int_equal(mc_vbox_parse_cidr("192.168.56.1/24", &ip, &p, &why), 0);
	assert_int_equal(p, 24);
	mc_vbox_ip_str(ip, buf);
	assert_string_equal(buf, "192.168.56.1");
	assert_int_equal(mc_vbox_parse_cidr("192.168.56.0/24", &ip, &p, &why), -1);
	assert_int_equal(mc_vbox_parse_cidr("192.168.56.255/24", &ip, &p, &why), -1);
	assert_int_equal(mc_vbox_parse_cidr("192.168.56.1", &ip, &p, &why), -1);
	assert_int_equal(mc_vbox_parse_cidr("192.168.56.1/33", &ip, &p, &why), -1);
	assert_int_equal(mc_vbox_parse_cidr("300.1.1.1/24", &ip, &p, &why), -1);
	assert_int_equal(mc_vbox_mask_prefix("255.255.255.0"), 24);
	assert_int_equal(mc_vbox_mask_prefix("255.0.255.0"), -1);
	m = mc_vbox_mask(21);
	mc_vbox_ip_str(m, buf);
	assert_string_equal(buf, "255.255.248.0");

	/* 6.1.28+: 192.168.56.0/21 by default, networks.conf otherwise. */
	mc_vbox_parse_cidr("192.168.56.1/24", &ip, &p, &why);
	assert_true(mc_vbox_range_allowed(NULL, ip, p));
	mc_vbox_parse_cidr("192.168.63.1/24", &ip, &p, &why);
	assert_true(mc_vbox_range_allowed(NULL, ip, p));
	mc_vbox_parse_cidr("192.168.99.1/24", &ip, &p, &why);
	assert_false(mc_vbox_range_allowed(NULL, ip, p));
	assert_true(mc_vbox_range_allowed("# comment\n* 10.0.0.0/8 192.168.0.0/16\n", ip, p));
	assert_false(mc_vbox_range_allowed("* 10.0.0.0/8\n", ip, p));
	mc_vbox_parse_cidr("192.168.56.1/16", &ip, &p, &why);
	assert_false(mc_vbox_range_allowed(NULL, ip, p));  /* wider than the range */
}

static void collisions(void **state)
{
	const char *addrs = "[{\"ifindex\":1,\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8}]},"
			    "{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"172.17.0.2\",\"prefixlen\":16},"
			    "{\"family\":\"inet6\",\"local\":\"fe80::1\",\"prefixlen\":64}]},"
			    "{\"ifindex\":5,\"ifname\":\"vboxnet0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.168.56.1\",\"prefixlen\":24}]}]";
	const char *routes = "[{\"dst\":\"default\",\"gateway\":\"172.17.0.1\",\"dev\":\"eth0\"},"
			     "{\"dst\":\"172.17.0.0/16\",\"dev\":\"eth0\",\"protocol\":\"kernel\"},"
			     "{\"dst\":\"10.8.0.0/16\",\"dev\":\"tun0\"},"
			     "{\"dst\":\"192.168.56.0/24\",\"dev\":\"vboxnet0\"}]";
	/* /proc/net/route: 10.8.0.0/16 on tun0 (little-endian hex) */
	const char *proc = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
			   "eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
			   "tun0\t0000080A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
	uint32_t ip;
	int p;
	const char *why;
	char *what = NULL;

	mc_vbox_parse_cidr("192.168.56.1/24", &ip, &p, &why);
	assert_int_equal(mc_vbox_host_collision(addrs, routes, ip, p, &what), 0);  /* vboxnet0 is VirtualBox's own */
	mc_vbox_parse_cidr("172.17.5.1/24", &ip, &p, &why);
	assert_int_equal(mc_vbox_host_collision(addrs, routes, ip, p, &what), 1);
	assert_string_equal(what, "address 172.17.0.2/16 on eth0");
	free(what);
	mc_vbox_parse_cidr("10.8.3.1/24", &ip, &p, &why);
	assert_int_equal(mc_vbox_host_collision(addrs, routes, ip, p, &what), 1);
	assert_string_equal(what, "route 10.8.0.0/16 dev tun0");
	free(what);
	assert_int_equal(mc_vbox_proc_route_collision(proc, ip, p, &what), 1);
	assert_string_equal(what, "route 10.8.0.0/16 dev tun0");
	free(what);
	mc_vbox_parse_cidr("10.9.3.1/24", &ip, &p, &why);
	assert_int_equal(mc_vbox_proc_route_collision(proc, ip, p, &what), 0);
	assert_int_equal(mc_vbox_host_collision(NULL, "not json", ip, p, &what), 0);
}

static void guest_ip_and_cpuinfo(void **state)
{
	const char *out = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
			  "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
			  "    inet 127.0.0.1/8 scope host lo\n"
			  "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP\n"
			  "    link/ether 08:00:27:11:22:33 brd ff:ff:ff:ff:ff:ff\n"
			  "    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\n"
			  "3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP\n"
			  "    link/ether 08:00:27:f3:a1:b2 brd ff:ff:ff:ff:ff:ff\n"
			  "    inet6 fe80::a00:27ff:fef3:a1b2/64 scope link\n"
			  "    inet 192.168.56.101/24 brd 192.168.56.255 scope global eth1\n";
	_cleanup_free_ char *a = mc_vbox_ip_for_mac(out, "08:00:27:F3:A1:B2");

	assert_string_equal(a, "192.168.56.101");
	assert_null(mc_vbox_ip_for_mac(out, "08:00:27:00:00:00"));
	assert_true(mc_vbox_cpuinfo_has_vtx("processor\t: 0\nflags\t\t: fpu vme de pse vmx sse\n"));
	assert_true(mc_vbox_cpuinfo_has_vtx("flags\t\t: fpu svm\n"));
	assert_false(mc_vbox_cpuinfo_has_vtx("flags\t\t: fpu vme svmx hypervisor\nvmx flags\t: none\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version),          cmocka_unit_test(machinereadable),
		cmocka_unit_test(list_hostonlyifs), cmocka_unit_test(list_dhcpservers),
		cmocka_unit_test(list_vms),         cmocka_unit_test(created_if),
		cmocka_unit_test(cidr),             cmocka_unit_test(collisions),
		cmocka_unit_test(guest_ip_and_cpuinfo), cmocka_unit_test(states_agree),
		cmocka_unit_test(translated_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
