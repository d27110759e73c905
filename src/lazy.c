/* Shared libraries loaded on first use: the loader behind src/lazy.h. */
#include "buildconf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "lazy.h"

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

/* The package is a dependency: a library that cannot be loaded, or lacks a
 * function, is a broken or half-upgraded installation.  The process ends (any
 * thread may be here; _exit runs no other thread's cleanup) saying what to do. */
static _Noreturn void broken(const struct mc_lazy_lib *lib, const char *name)
{
	fprintf(stderr, "Error: %s%s%s%s (%s): reinstall or upgrade the package %s (apt install --reinstall %s)\n",
		name ? "" : "cannot load ", lib->soname, name ? " has no function " : "", name ? name : "", dlerror(),
		lib->package, lib->package);
	_exit(1);
}

/* Load lib (and first what it lists in `before`); lazy_lock is held.
 * Never returns NULL: a library that cannot be loaded ends the process. */
static void *load(struct mc_lazy_lib *lib)
{
	if (!lib->handle) {
		for (struct mc_lazy_lib *const *b = lib->before; b && *b; b++)
			load(*b);
		__atomic_store_n(&lib->handle, dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL), __ATOMIC_RELEASE);
		if (!lib->handle)
			broken(lib, NULL);
	}
	return lib->handle;
}

void *mc_lazy_sym(struct mc_lazy_lib *lib, const char *name)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	void *f;

	if (!h) {
		pthread_mutex_lock(&lazy_lock);
		h = load(lib);
		pthread_mutex_unlock(&lazy_lock);
	}
	if (!(f = dlsym(h, name)))
		broken(lib, name);
	return f;
}
