/*
 * Shared libraries loaded on first use (src/curl-lazy.c, src/ssh-lazy.c).
 *
 * A library that only some verbs need costs every process its relocations
 * and constructors when it is linked (doc/performance.md).  Instead the
 * program defines the library's functions it calls as trampolines: the first
 * call dlopen()s the library and looks the function up, later calls jump
 * through the cached pointer.  A library that cannot be loaded ends the
 * process with a message naming it (the package is a dependency, so this
 * means a broken installation).
 */
#ifndef MC_LAZY_H
#define MC_LAZY_H

#include <stddef.h>

struct mc_lazy_lib {
	const char *soname;     /* "libcurl.so.4" */
	const char *package;    /* the Debian package that installs it, for the message */
	void *handle;           /* dlopen()'s, once loaded */
};

#define MC_LAZY_LIB(soname, package) { soname, package, NULL }

/* The address of function `name` in lib, loading lib on the first call
 * (thread-safe); never returns NULL (aborts with a message).  src/lazy.c */
void *mc_lazy_sym(struct mc_lazy_lib *lib, const char *name);

/* Define `ret name params` as a trampoline into lib (args: the parameter
 * names, in parentheses).  Each caches its target; relaxed atomics suffice:
 * every thread stores the same value. */
#define MC_LAZY(lib, ret, name, params, args)                                           \
	ret name params                                                                 \
	{                                                                               \
		static ret(*fp_) params;                                                \
		ret(*f_) params = __atomic_load_n(&fp_, __ATOMIC_RELAXED);              \
		if (!f_) {                                                              \
			f_ = (ret(*) params)mc_lazy_sym(&(lib), #name);                 \
			__atomic_store_n(&fp_, f_, __ATOMIC_RELAXED);                   \
		}                                                                       \
		return f_ args;                                                         \
	}

#endif
