/*
 * libcurl, loaded on first use.
 *
 * Linking libcurl (Debian's libcurl4-openssl pulls in 20 more libraries:
 * GnuTLS via librtmp, Kerberos, LDAP, libssh2, nghttp2, ...) cost every
 * machinectl process ~7.8 M instructions and ~3.8 MiB of RSS in the dynamic
 * loader and in those libraries' constructors, before main() — two thirds of
 * `machinectl env` (doc/performance.md).  Only the Engine API client (engine.c)
 * and ISO downloads (iso.c) use curl, so the program links these trampolines
 * instead and dlopen()s libcurl.so.4 (its SONAME since 2006) the first time a
 * curl function is called.
 *
 * Adding a curl call elsewhere?  Give it a line below (the link fails with
 * "undefined reference to curl_..." until then).
 */
#include "buildconf.h"

#include <curl/curl.h>
#include <stdarg.h>

#include "lazy.h"

/* libcurl4 links libssl and libcrypto: those first (src/lazy.h). */
static struct mc_lazy_lib *const curl_before[] = { &mc_lazy_libssl, NULL };
static struct mc_lazy_lib curl = MC_LAZY_LIB_AFTER("libcurl.so.4", "libcurl4", curl_before);

#define LAZY(ret, name, params, args) MC_LAZY(curl, ret, name, params, args)

LAZY(CURLcode, curl_global_init, (long flags), (flags))
LAZY(CURL *, curl_easy_init, (void), ())
LAZY(CURLcode, curl_easy_perform, (CURL *c), (c))
LAZY(void, curl_easy_cleanup, (CURL *c), (c))
LAZY(const char *, curl_easy_strerror, (CURLcode e), (e))
LAZY(void, curl_free, (void *p), (p))
LAZY(CURLM *, curl_multi_init, (void), ())
LAZY(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *c), (m, c))
LAZY(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *c), (m, c))
LAZY(CURLMcode, curl_multi_cleanup, (CURLM *m), (m))
LAZY(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left))
LAZY(CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running))
LAZY(CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms, int *ret),
     (m, extra, n, ms, ret))
LAZY(CURLMcode, curl_multi_wakeup, (CURLM *m), (m))
LAZY(struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s))
LAZY(void, curl_slist_free_all, (struct curl_slist *l), (l))
LAZY(CURLU *, curl_url, (void), ())
LAZY(void, curl_url_cleanup, (CURLU *u), (u))
LAZY(CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned int flags), (u, what, part, flags))
LAZY(CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, unsigned int flags),
     (u, what, part, flags))

/* The variadic two: the argument's type follows from the option's number range,
 * as in libcurl itself (long, object/function pointer, curl_off_t, blob). */
#undef curl_easy_setopt
#undef curl_easy_getinfo

CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	static CURLcode (*fp_)(CURL *, CURLoption, ...);
	CURLcode (*f)(CURL *, CURLoption, ...) = __atomic_load_n(&fp_, __ATOMIC_RELAXED);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLoption, ...))mc_lazy_sym(&curl, "curl_easy_setopt");
		__atomic_store_n(&fp_, f, __ATOMIC_RELAXED);
	}
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = f(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = f(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_BLOB)
		r = f(c, opt, va_arg(ap, curl_off_t));
	else
		r = f(c, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	static CURLcode (*fp_)(CURL *, CURLINFO, ...);
	CURLcode (*f)(CURL *, CURLINFO, ...) = __atomic_load_n(&fp_, __ATOMIC_RELAXED);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLINFO, ...))mc_lazy_sym(&curl, "curl_easy_getinfo");
		__atomic_store_n(&fp_, f, __ATOMIC_RELAXED);
	}
	va_start(ap, info);
	r = f(c, info, va_arg(ap, void *)); /* every CURLINFO_* result is a pointer */
	va_end(ap);
	return r;
}
