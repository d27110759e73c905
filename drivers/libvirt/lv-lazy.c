/*
 * libvirt, loaded by the libvirt driver module on first use (the way the
 * core loads libcurl and libssh; the module links nothing of the core, so it
 * has its own small loader below).
 *
 * Linked, libvirt.so.0 and its dependencies (libxml2, GnuTLS, GLib, ...)
 * cost every process that loads this module ~37 M instructions and ~11 MiB
 * of RSS in the dynamic loader and the libraries' constructors
 * (doc/performance.md), although `env` and `url` only call the driver's
 * `url` op, which reads config.json.  The module links these trampolines instead of
 * libvirt and dlopen()s libvirt.so.0 (its SONAME since libvirt 0.1) the
 * first time a libvirt function is called.
 *
 * Adding a libvirt call to the driver?  Give it a line below: the module
 * links without it (a shared object may leave symbols undefined), but then
 * fails to load ("undefined symbol: vir...", tests/cli/t3001 shows it).
 *
 * Data: virConnectAuthPtrDefault is a variable in libvirt, which a module
 * that does not link libvirt cannot refer to.  This file defines its own
 * virConnectAuthPtrDefault pointing at a placeholder, and the
 * virConnectOpenAuth trampoline passes libvirt's real default in its place.
 * Only its address may be used (passed to virConnectOpenAuth), not its fields.
 */
#include "buildconf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void *lv_handle;
static pthread_mutex_t lv_lock = PTHREAD_MUTEX_INITIALIZER;

/* libvirt.so.0 could not be loaded (name NULL) or has no `name`: the process
 * ends as src/lazy.c's loader ends it. */
static _Noreturn void broken(const char *name)
{
	fprintf(stderr, "Error: %slibvirt.so.0%s%s (%s): reinstall or upgrade the package libvirt0 (apt install --reinstall libvirt0)\n",
		name ? "" : "cannot load ", name ? " has no function " : "", name ? name : "", dlerror());
	_exit(1);
}

/* The address of libvirt's `name`, loading libvirt.so.0 on the first call
 * (thread-safe).  libvirt0 is a dependency of this module's package: one that
 * cannot be loaded is a broken installation, and the process ends saying so. */
static void *lv_sym(const char *name)
{
	void *h = __atomic_load_n(&lv_handle, __ATOMIC_ACQUIRE), *f;

	if (!h) {
		pthread_mutex_lock(&lv_lock);
		if (!lv_handle)
			__atomic_store_n(&lv_handle, dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL),
					 __ATOMIC_RELEASE);
		h = lv_handle;
		pthread_mutex_unlock(&lv_lock);
		if (!h)
			broken(NULL);
	}
	if (!(f = dlsym(h, name)))
		broken(name);
	return f;
}

/* `ret name params` as a trampoline into libvirt (args: the parameter names,
 * in parentheses), caching its target. */
#define LAZY(ret, name, params, args)                                                   \
	ret name params                                                                 \
	{                                                                               \
		static ret(*fp_) params;                                                \
		ret(*f_) params = __atomic_load_n(&fp_, __ATOMIC_RELAXED);              \
		if (!f_) {                                                              \
			f_ = (ret(*) params)lv_sym(#name);                              \
			__atomic_store_n(&fp_, f_, __ATOMIC_RELAXED);                   \
		}                                                                       \
		return f_ args;                                                         \
	}

/* The placeholder behind virConnectAuthPtrDefault (see above). */
static virConnectAuth default_auth_placeholder;
virConnectAuthPtr virConnectAuthPtrDefault = &default_auth_placeholder;

/* Library, errors. */
LAZY(int, virInitialize, (void), ())
LAZY(void, virSetErrorFunc, (void *userData, virErrorFunc handler), (userData, handler))
LAZY(void, virConnSetErrorFunc, (virConnectPtr conn, void *userData, virErrorFunc handler),
     (conn, userData, handler))
LAZY(virErrorPtr, virGetLastError, (void), ())
LAZY(const char *, virGetLastErrorMessage, (void), ())

/* Connections.  virConnectOpenAuth by hand, for virConnectAuthPtrDefault
 * (see above); one dlsym() per connection is nothing beside opening it. */
virConnectPtr virConnectOpenAuth(const char *name, virConnectAuthPtr auth, unsigned int flags)
{
	virConnectPtr (*f)(const char *, virConnectAuthPtr, unsigned int) =
		(virConnectPtr(*)(const char *, virConnectAuthPtr, unsigned int))lv_sym(
											      "virConnectOpenAuth");

	if (auth == &default_auth_placeholder)
		auth = *(virConnectAuthPtr *)lv_sym("virConnectAuthPtrDefault");
	return f(name, auth, flags);
}
LAZY(int, virConnectClose, (virConnectPtr conn), (conn))
LAZY(int, virConnectRef, (virConnectPtr conn), (conn))
LAZY(int, virConnectIsAlive, (virConnectPtr conn), (conn))
LAZY(const char *, virConnectGetType, (virConnectPtr conn), (conn))
LAZY(char *, virConnectGetCapabilities, (virConnectPtr conn), (conn))
LAZY(char *, virConnectGetDomainCapabilities,
     (virConnectPtr conn, const char *emulatorbin, const char *arch, const char *machine, const char *virttype,
      unsigned int flags),
     (conn, emulatorbin, arch, machine, virttype, flags))
LAZY(int, virConnectListAllDomains, (virConnectPtr conn, virDomainPtr **domains, unsigned int flags),
     (conn, domains, flags))

/* Domains. */
LAZY(virDomainPtr, virDomainDefineXML, (virConnectPtr conn, const char *xml), (conn, xml))
LAZY(virDomainPtr, virDomainLookupByName, (virConnectPtr conn, const char *name), (conn, name))
LAZY(virDomainPtr, virDomainLookupByUUIDString, (virConnectPtr conn, const char *uuid), (conn, uuid))
LAZY(int, virDomainFree, (virDomainPtr domain), (domain))
LAZY(const char *, virDomainGetName, (virDomainPtr domain), (domain))
LAZY(int, virDomainGetUUID, (virDomainPtr domain, unsigned char *uuid), (domain, uuid))
LAZY(int, virDomainGetUUIDString, (virDomainPtr domain, char *buf), (domain, buf))
LAZY(int, virDomainGetState, (virDomainPtr domain, int *state, int *reason, unsigned int flags),
     (domain, state, reason, flags))
LAZY(int, virDomainHasManagedSaveImage, (virDomainPtr dom, unsigned int flags), (dom, flags))
LAZY(int, virDomainCreate, (virDomainPtr domain), (domain))
LAZY(int, virDomainResume, (virDomainPtr domain), (domain))
LAZY(int, virDomainShutdown, (virDomainPtr domain), (domain))
LAZY(int, virDomainShutdownFlags, (virDomainPtr domain, unsigned int flags), (domain, flags))
LAZY(int, virDomainDestroy, (virDomainPtr domain), (domain))
LAZY(int, virDomainUndefine, (virDomainPtr domain), (domain))
LAZY(int, virDomainSetAutostart, (virDomainPtr domain, int autostart), (domain, autostart))
LAZY(int, virDomainGetAutostart, (virDomainPtr domain, int *autostart), (domain, autostart))
LAZY(int, virDomainUndefineFlags, (virDomainPtr domain, unsigned int flags), (domain, flags))
LAZY(char *, virDomainGetXMLDesc, (virDomainPtr domain, unsigned int flags), (domain, flags))
LAZY(int, virDomainUpdateDeviceFlags, (virDomainPtr domain, const char *xml, unsigned int flags),
     (domain, xml, flags))
LAZY(int, virDomainInterfaceAddresses,
     (virDomainPtr dom, virDomainInterfacePtr **ifaces, unsigned int source, unsigned int flags),
     (dom, ifaces, source, flags))
LAZY(void, virDomainInterfaceFree, (virDomainInterfacePtr iface), (iface))

/* Networks. */
LAZY(virNetworkPtr, virNetworkLookupByName, (virConnectPtr conn, const char *name), (conn, name))
LAZY(int, virNetworkIsActive, (virNetworkPtr net), (net))
LAZY(int, virNetworkCreate, (virNetworkPtr network), (network))
LAZY(int, virNetworkFree, (virNetworkPtr network), (network))
LAZY(const char *, virNetworkGetName, (virNetworkPtr network), (network))
LAZY(char *, virNetworkGetXMLDesc, (virNetworkPtr network, unsigned int flags), (network, flags))
LAZY(int, virNetworkUpdate,
     (virNetworkPtr network, unsigned int command, unsigned int section, int parentIndex, const char *xml,
      unsigned int flags),
     (network, command, section, parentIndex, xml, flags))
LAZY(int, virNetworkGetDHCPLeases,
     (virNetworkPtr network, const char *mac, virNetworkDHCPLeasePtr **leases, unsigned int flags),
     (network, mac, leases, flags))
LAZY(void, virNetworkDHCPLeaseFree, (virNetworkDHCPLeasePtr lease), (lease))

/* Storage pools and volumes (remote URIs, drivers/libvirt/lv-vol.c). */
LAZY(virStoragePoolPtr, virStoragePoolLookupByName, (virConnectPtr conn, const char *name), (conn, name))
LAZY(int, virStoragePoolIsActive, (virStoragePoolPtr pool), (pool))
LAZY(int, virStoragePoolCreate, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
LAZY(const char *, virStoragePoolGetName, (virStoragePoolPtr pool), (pool))
LAZY(int, virStoragePoolFree, (virStoragePoolPtr pool), (pool))
LAZY(virStoragePoolPtr, virStoragePoolDefineXML, (virConnectPtr conn, const char *xml, unsigned int flags),
     (conn, xml, flags))
LAZY(int, virStoragePoolBuild, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
LAZY(int, virStoragePoolSetAutostart, (virStoragePoolPtr pool, int autostart), (pool, autostart))
LAZY(virStorageVolPtr, virStorageVolLookupByName, (virStoragePoolPtr pool, const char *name), (pool, name))
LAZY(virStorageVolPtr, virStorageVolCreateXML, (virStoragePoolPtr pool, const char *xmldesc, unsigned int flags),
     (pool, xmldesc, flags))
LAZY(int, virStorageVolResize, (virStorageVolPtr vol, unsigned long long capacity, unsigned int flags),
     (vol, capacity, flags))
LAZY(int, virStorageVolDelete, (virStorageVolPtr vol, unsigned int flags), (vol, flags))
LAZY(int, virStorageVolFree, (virStorageVolPtr vol), (vol))
LAZY(virConnectPtr, virStorageVolGetConnect, (virStorageVolPtr vol), (vol))
LAZY(int, virStorageVolGetInfo, (virStorageVolPtr vol, virStorageVolInfoPtr info), (vol, info))
LAZY(const char *, virStorageVolGetName, (virStorageVolPtr vol), (vol))
LAZY(char *, virStorageVolGetPath, (virStorageVolPtr vol), (vol))
LAZY(int, virStorageVolUpload,
     (virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset, unsigned long long length,
      unsigned int flags),
     (vol, stream, offset, length, flags))

/* Streams (volume uploads). */
LAZY(virStreamPtr, virStreamNew, (virConnectPtr conn, unsigned int flags), (conn, flags))
LAZY(int, virStreamSendAll, (virStreamPtr st, virStreamSourceFunc handler, void *opaque), (st, handler, opaque))
LAZY(int, virStreamFinish, (virStreamPtr st), (st))
LAZY(int, virStreamAbort, (virStreamPtr st), (st))
LAZY(int, virStreamFree, (virStreamPtr st), (st))
