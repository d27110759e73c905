/*
 * Shared libraries loaded on first use (src/curl-lazy.c, src/ssh-lazy.c).
 *
 * A library that only some verbs need costs every process its relocations
 * and constructors when it is linked (doc/performance.md).  Instead the
 * program defines the library's functions it calls as trampolines: the first
 * call dlopen()s the library and looks the function up, later calls jump
 * through the cached pointer.  A library that cannot be loaded, or lacks a
 * function, ends the process (exit 1) with a message naming it and its
 * package (a dependency, so this means a broken installation).
 */
#ifndef MC_LAZY_H
#define MC_LAZY_H

#include <stddef.h>

struct mc_lazy_lib {
	const char *soname;     /* "libcurl.so.4" */
	const char *package;    /* the Debian package that installs it, for the message */
	void *handle;           /* dlopen()'s, once loaded */
	/* Lazily loaded libraries this one depends on, loaded before it
	 * (NULL-terminated, or NULL).  glibc replaces the dependency list of an
	 * object first loaded as another library's dependency when it is later
	 * dlopen()ed itself, and in a process with threads it never frees the
	 * old list (valgrind: "definitely lost" in _dl_map_object_deps); loading
	 * the dependency itself first (libcrypto before libssl, libcurl and
	 * libssh) avoids that. */
	struct mc_lazy_lib *const *before;
};

#define MC_LAZY_LIB(soname, package) { soname, package, NULL, NULL }
#define MC_LAZY_LIB_AFTER(soname, package, before) { soname, package, NULL, before }

/* libcrypto.so.3 and libssl.so.3 (src/crypto-lazy.c), for the `before`
 * lists of the libraries that link them. */
extern struct mc_lazy_lib mc_lazy_libcrypto, mc_lazy_libssl;

/* The address of function `name` in lib, loading lib on the first call
 * (thread-safe); never returns NULL (ends the process with a message).  src/lazy.c */
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
