/*
 * scp arguments: [USER@]MACHINE:PATH versus local paths
 * (mc_store_parse_remote in src/store.c).  The store holds machines "m1" and
 * "box.2"; the input is one argument a line.
 */
#include "buildconf.h"

#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "store.h"
#include "util.h"

static struct mc_store store;

static void cleanup(void)
{
	mc_rm_rf(store.root, NULL);
}

static void setup(void)
{
	char tmpl[] = "/tmp/mc-fuzz-scp.XXXXXX";
	char *root = mkdtemp(tmpl), *p;

	FUZZ_ASSERT(root);
	store.root = mc_strdup(root);
	p = mc_asprintf("%s/machines", root);
	mkdir(p, 0700);
	free(p);
	p = mc_asprintf("%s/machines/m1", root);
	mkdir(p, 0700);
	free(p);
	p = mc_asprintf("%s/machines/box.2", root);
	mkdir(p, 0700);
	free(p);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *v[16];
	size_t n;

	if (size > 4096)
		return 0;
	if (!store.root)
		setup();
	text = fuzz_cstr(data, size);
	n = fuzz_split(text, '\n', v, 16);
	for (size_t i = 0; i < n; i++) {
		struct mc_error err = { 0 };
		char *user = NULL, *name = NULL;
		const char *path = NULL;

		if (mc_store_parse_remote(&store, v[i], &user, &name, &path, &err) < 0) {
			FUZZ_ASSERT(err.msg[0] && !name && !user);
			continue;
		}
		FUZZ_ASSERT(path);
		if (name) {
			/* A remote spec names an existing, valid machine and its path
			 * is what follows the first ':'. */
			FUZZ_ASSERT(mc_store_check_name(name, NULL) == 0 && mc_store_exists(&store, name));
			FUZZ_ASSERT(path == strchr(v[i], ':') + 1);
			FUZZ_ASSERT(!user || *user);
		} else {
			FUZZ_ASSERT(path == v[i] && !user);
		}
		free(user);
		free(name);
	}
	free(text);
	return 0;
}
