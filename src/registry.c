#include "buildconf.h"

#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "machine.h"
#include "registry.h"
#include "util.h"

#ifndef MC_DRIVERDIR
#define MC_DRIVERDIR "/usr/local/lib/machinectl/drivers"
#endif

static const struct mc_driver *const builtin[] = {
	&mc_driver_generic,
	&mc_driver_hyperv,
	&mc_driver_none,
	&mc_driver_virtualbox,
};

struct plugin {
	char *name;
	const struct mc_driver *drv;
};

static struct plugin *plugins;
static size_t nplugins;
static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;

/* A machinectl run from its build tree (the directory holding config.status)
 * finds the plugins built next to it, in drivers/NAME/.libs, so that a fresh
 * build works before "make install". */
static void push_build_tree_dirs(char ***dirs)
{
	_cleanup_free_ char *marker = NULL, *drivers = NULL;
	struct dirent *de;
	char top[4096];
	ssize_t n = readlink("/proc/self/exe", top, sizeof(top) - 1);
	char *slash;
	DIR *d;

	if (n <= 0)
		return;
	top[n] = '\0';
	slash = strrchr(top, '/');
	if (!slash)
		return;
	*slash = '\0';
	marker = mc_path_join(top, "config.status");
	if (!mc_file_exists(marker))
		return;
	drivers = mc_path_join(top, "drivers");
	d = opendir(drivers);
	while (d && (de = readdir(d))) {
		char *sub;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		sub = mc_asprintf("%s/%s/.libs", drivers, de->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			mc_strv_push(dirs, sub);
		else
			free(sub);
	}
	if (d)
		closedir(d);
}

static char **search_dirs(void)
{
	const char *env = getenv("MACHINECTL_DRIVER_PATH");
	char **dirs = NULL;

	while (env && *env) {
		size_t n = strcspn(env, ":");

		if (n)
			mc_strv_push(&dirs, mc_strndup(env, n));
		env += n;
		if (*env == ':')
			env++;
	}
	push_build_tree_dirs(&dirs);
	mc_strv_push(&dirs, mc_strdup(MC_DRIVERDIR));
	return dirs;
}

static int load_plugin(const char *name, const struct mc_driver **out, struct mc_error *err)
{
	_cleanup_strv_ char **dirs = search_dirs();
	_cleanup_free_ char *file = mc_asprintf("machinectl-driver-%s.so", name);
	_cleanup_free_ char *where = NULL;

	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *path = mc_path_join(dirs[i], file);
		const struct mc_driver *const *entry;
		const struct mc_driver *drv;
		void *h;

		if (!mc_file_exists(path))
			continue;
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h)
			return mc_error_set(err, MC_E_NOT_FOUND, "cannot load driver plugin %s: %s",
					    path, dlerror());
		entry = dlsym(h, "mc_driver_entry");
		if (!entry || !*entry) {
			dlclose(h);
			return mc_error_set(err, MC_E_INVALID,
					    "%s is not a machinectl driver plugin: it has no mc_driver_entry symbol",
					    path);
		}
		drv = *entry;
		if (drv->abi != MC_DRIVER_ABI) {
			unsigned abi = drv->abi;

			dlclose(h);
			return mc_error_set(err, MC_E_INVALID,
					    "driver plugin %s has ABI version %u, but this machinectl needs %u: rebuild the plugin against this version's <machinectl/driver.h>",
					    path, abi, MC_DRIVER_ABI);
		}
		if (!drv->name || strcmp(drv->name, name) != 0) {
			dlclose(h);
			return mc_error_set(err, MC_E_INVALID,
					    "driver plugin %s calls itself \"%s\", not \"%s\"", path,
					    drv->name ? drv->name : "", name);
		}
		mc_debug("loaded driver plugin %s", path);
		*out = drv;
		return 0;
	}
	for (size_t i = 0; dirs[i]; i++)
		mc_str_append(&where, ", ", dirs[i]);
	return mc_error_set(err, MC_E_NOT_FOUND,
			    "driver \"%s\" not found: it is not built in, and no plugin %s is in %s (set MACHINECTL_DRIVER_PATH to add a directory)",
			    name, file, where);
}

int mc_driver_lookup(const char *name, const struct mc_driver **out, struct mc_error *err)
{
	int r;

	for (size_t i = 0; i < MC_ARRAY_SIZE(builtin); i++)
		if (!strcmp(builtin[i]->name, name)) {
			*out = builtin[i];
			return 0;
		}
	if (!*name)
		return mc_error_set(err, MC_E_USAGE, "invalid driver name \"\": a name is required");
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return mc_error_set(err, MC_E_USAGE, "invalid driver name \"%s\"", name);
	pthread_mutex_lock(&plugins_lock);
	for (size_t i = 0; i < nplugins; i++)
		if (!strcmp(plugins[i].name, name)) {
			*out = plugins[i].drv;
			pthread_mutex_unlock(&plugins_lock);
			return 0;
		}
	r = load_plugin(name, out, err);
	if (r == 0) {
		plugins = mc_realloc(plugins, (nplugins + 1) * sizeof(*plugins));
		plugins[nplugins++] = (struct plugin){ mc_strdup(name), *out };
	}
	pthread_mutex_unlock(&plugins_lock);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **mc_driver_names(void)
{
	_cleanup_strv_ char **dirs = search_dirs();
	char **names = NULL;

	for (size_t i = 0; i < MC_ARRAY_SIZE(builtin); i++)
		mc_strv_push(&names, mc_strdup(builtin[i]->name));
	for (size_t i = 0; dirs[i]; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			bool dup = false;

			if (strncmp(de->d_name, "machinectl-driver-", 18) || n < 22 ||
			    strcmp(de->d_name + n - 3, ".so"))
				continue;
			_cleanup_free_ char *nm = mc_strndup(de->d_name + 18, n - 21);
			for (size_t j = 0; names[j]; j++)
				dup |= !strcmp(names[j], nm);
			if (!dup)
				mc_strv_push(&names, MC_TAKE(nm));
		}
		if (d)
			closedir(d);
	}
	qsort(names, mc_strv_len(names), sizeof(char *), cmp_str);
	return names;
}
