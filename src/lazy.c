/* Shared libraries loaded on first use: the loader behind src/lazy.h. */
#include "buildconf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy.h"

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

/* Load lib (and first what it lists in `before`); lazy_lock is held.
 * Never returns NULL: a library that cannot be loaded ends the process. */
static void *load(struct mc_lazy_lib *lib)
{
	if (!lib->handle) {
		for (struct mc_lazy_lib *const *b = lib->before; b && *b; b++)
			load(*b);
		__atomic_store_n(&lib->handle, dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL), __ATOMIC_RELEASE);
		if (!lib->handle) {
			/* The package is a dependency: a broken installation. */
			fprintf(stderr, "machinectl: cannot load %s (package %s): %s\n", lib->soname,
				lib->package, dlerror());
			abort();
		}
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
	if (!(f = dlsym(h, name))) {
		fprintf(stderr, "machinectl: %s has no %s: %s\n", lib->soname, name, dlerror());
		abort();
	}
	return f;
}
