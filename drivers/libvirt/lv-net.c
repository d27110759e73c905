/*
 * DHCP reservations: the machine's IPv4 address fixed in the libvirt
 * network's DHCP (a <host mac ip> entry, virNetworkUpdate) before it boots,
 * so that it is known at create and stays the machine's across restarts.
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libvirt/virterror.h>

#include "lv.h"

/* The value of attribute name in the element starting at el (libvirt
 * writes attributes in single quotes); malloc'd, NULL when absent. */
static char *attr(const char *el, const char *name)
{
	const char *end = strchr(el, '>');
	_cleanup_free_ char *pat = mc_asprintf(" %s='", name);
	const char *p = strstr(el, pat), *q;

	if (!p || !end || p > end)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '\'');
	return q ? mc_strndup(p, (size_t)(q - p)) : NULL;
}

static bool v4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static void v4_str(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	struct in_addr x = { .s_addr = htonl(a) };

	inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

/* The first IPv4 <ip> of the network with a DHCP range. */
struct dhcp {
	uint32_t gw, mask, start, end;
	uint32_t *used;   /* host entries and leases of other MACs */
	size_t nused;
};

static bool used(const struct dhcp *d, uint32_t a)
{
	for (size_t i = 0; i < d->nused; i++)
		if (d->used[i] == a)
			return true;
	return a == d->gw;
}

static void add_used(struct dhcp *d, uint32_t a)
{
	d->used = mc_realloc(d->used, (d->nused + 1) * sizeof(*d->used));
	d->used[d->nused++] = a;
}

static bool parse_dhcp(const char *xml, const char *mac, struct dhcp *d)
{
	for (const char *ip = strstr(xml, "<ip "); ip; ip = strstr(ip + 1, "<ip ")) {
		_cleanup_free_ char *fam = attr(ip, "family"), *addr = attr(ip, "address");
		_cleanup_free_ char *mask = attr(ip, "netmask"), *prefix = attr(ip, "prefix");
		const char *end = strstr(ip, "</ip>"), *range = strstr(ip, "<range ");
		_cleanup_free_ char *s = NULL, *e = NULL;

		if ((fam && strcmp(fam, "ipv4") != 0) || !end || !range || range > end || !v4(addr, &d->gw))
			continue;
		if (mask && !v4(mask, &d->mask))
			continue;
		if (!mask) {
			int p = prefix ? atoi(prefix) : 24;

			d->mask = p <= 0 ? 0 : p >= 32 ? 0xffffffffu : ~((1u << (32 - p)) - 1);
		}
		s = attr(range, "start");
		e = attr(range, "end");
		if (!v4(s, &d->start) || !v4(e, &d->end) || d->start > d->end)
			continue;
		for (const char *h = strstr(ip, "<host "); h && h < end; h = strstr(h + 1, "<host ")) {
			_cleanup_free_ char *hm = attr(h, "mac"), *hip = attr(h, "ip");
			uint32_t a;

			if (v4(hip, &a) && !(hm && !strcasecmp(hm, mac)))
				add_used(d, a);
		}
		return true;
	}
	return false;
}

static void add_leases(virNetworkPtr net, const char *mac, struct dhcp *d)
{
	virNetworkDHCPLeasePtr *leases = NULL;
	int n = virNetworkGetDHCPLeases(net, NULL, &leases, 0);
	uint32_t a;

	for (int i = 0; i < n; i++) {
		if (leases[i]->type == VIR_IP_ADDR_TYPE_IPV4 && v4(leases[i]->ipaddr, &a) &&
		    !(leases[i]->mac && !strcasecmp(leases[i]->mac, mac)))
			add_used(d, a);
		virNetworkDHCPLeaseFree(leases[i]);
	}
	free(leases);
}

static int update(virNetworkPtr net, unsigned command, const char *xml)
{
	unsigned flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG;

	if (virNetworkIsActive(net) == 1)
		flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
	return virNetworkUpdate(net, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, xml, flags);
}

static char *host_xml(const char *mac, const char *ip)
{
	return mc_asprintf("<host mac='%s' ip='%s'/>", mac, ip);
}

int lv_net_reserve(struct mc_driver_ctx *ctx, virNetworkPtr net, const char *mac, const char *want, char **ip,
		   struct mc_error *err)
{
	const char *name = virNetworkGetName(net);
	_cleanup_free_ char *xml = virNetworkGetXMLDesc(net, 0);
	struct dhcp d = { 0 };
	char buf[INET_ADDRSTRLEN];
	uint32_t a;
	int r = 0;

	*ip = NULL;
	if (!xml && !want) {
		ctx->host->log(MC_LOG_DEBUG, "no DHCP reservation: cannot read the libvirt network \"%s\": %s", name,
			       lverr());
		return 0;
	}
	if (!xml)
		return ctx->host->error_set(err, MC_E_FAILED, "cannot read the libvirt network \"%s\": %s", name,
					    lverr());
	if (!parse_dhcp(xml, mac, &d)) {
		if (!want)
			return 0;
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "--libvirt-ip %s: the libvirt network \"%s\" has no IPv4 DHCP range to reserve it in",
					    want, name);
	}
	add_leases(net, mac, &d);
	if (want) {
		if (!v4(want, &a))
			r = ctx->host->error_set(err, MC_E_INVALID, "--libvirt-ip %s: not an IPv4 address", want);
		else if ((a & d.mask) != (d.gw & d.mask) || a == (d.gw & d.mask) || a == (d.gw | ~d.mask))
			r = ctx->host->error_set(err, MC_E_INVALID,
						 "--libvirt-ip %s: not a host address of the libvirt network \"%s\" (%s/%d)",
						 want, name, (v4_str(d.gw & d.mask, buf), buf),
						 __builtin_popcount(d.mask));
		else if (used(&d, a))
			r = ctx->host->error_set(err, MC_E_INVALID,
						 "--libvirt-ip %s: the libvirt network \"%s\" gives that address to another machine (its gateway, a DHCP host entry or a lease): choose another, or leave --libvirt-ip out for the next free one",
						 want, name);
		else {
			_cleanup_free_ char *h = host_xml(mac, want);

			if (update(net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, h) < 0)
				r = ctx->host->error_set(err, MC_E_FAILED,
							 "cannot reserve %s for the machine in the libvirt network \"%s\": %s",
							 want, name, lverr());
			else
				*ip = mc_strdup(want);
		}
		free(d.used);
		return r;
	}
	/* The first free address of the range; another create may take it
	 * between the look and the update, and then the next one is tried. */
	for (a = d.start; a <= d.end && !*ip; a++) {
		_cleanup_free_ char *h = NULL;

		if (used(&d, a))
			continue;
		v4_str(a, buf);
		h = host_xml(mac, buf);
		if (update(net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, h) == 0)
			*ip = mc_strdup(buf);
		else if (!lverr_is(VIR_ERR_OPERATION_INVALID))
			break;
	}
	free(d.used);
	if (!*ip) {
		/* No address to reserve (a full range, a network we may not
		 * change): the machine takes a lease as before. */
		ctx->host->log(MC_LOG_DEBUG, "no DHCP reservation in the libvirt network \"%s\": %s", name,
			       a > d.end ? "its range is full" : lverr());
	}
	return 0;
}

int lv_net_release(struct mc_driver_ctx *ctx, virNetworkPtr net, const char *mac, const char *ip,
		   struct mc_error *err)
{
	_cleanup_free_ char *h = host_xml(mac, ip);

	if (update(net, VIR_NETWORK_UPDATE_COMMAND_DELETE, h) < 0 && !lverr_is(VIR_ERR_OPERATION_INVALID) &&
	    !lverr_is(VIR_ERR_NO_SUPPORT))
		return ctx->host->error_set(err, MC_E_FAILED,
					    "cannot remove the DHCP reservation of %s (%s) from the libvirt network \"%s\": %s",
					    ip, mac, virNetworkGetName(net), lverr());
	return 0;
}
