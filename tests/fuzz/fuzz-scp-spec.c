/*
 * scp arguments: [USER@]MACHINE:PATH versus local paths (parse_spec in
 * src/cmd/ssh-scp.c, static: the verb's file is compiled into this target).
 * The store holds machines "m1" and "box.2"; the input is one argument a
 * line, parsed as one scp command line would be.
 */
#include "../../src/cmd/ssh-scp.c"

#include <sys/stat.h>

#include "fuzz.h"

int mc_cli_fail(const struct mc_error *err)
{
	return err->code == MC_E_USAGE ? 2 : 1;
}

static struct mc_cli cli;

static void cleanup(void)
{
	mc_rm_rf(cli.store.root, NULL);
}

static void setup(void)
{
	char tmpl[] = "/tmp/mc-fuzz-scp.XXXXXX";
	char *root = mkdtemp(tmpl), *p;

	FUZZ_ASSERT(root);
	cli.store.root = mc_strdup(root);
	cli.prog = "machinectl";
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
	size_t n, nm = 0;
	struct remote machines[16];
	struct spec specs[16];

	if (size > 4096)
		return 0;
	if (!cli.store.root)
		setup();
	text = fuzz_cstr(data, size);
	n = fuzz_split(text, '\n', v, 16);
	memset(machines, 0, sizeof(machines));
	for (size_t i = 0; i < n; i++) {
		struct mc_error err = { 0 };

		if (parse_spec(&cli, v[i], machines, &nm, &specs[i], &err) < 0) {
			FUZZ_ASSERT(err.msg[0]);
			continue;
		}
		FUZZ_ASSERT(specs[i].path && specs[i].arg == v[i]);
		if (specs[i].m) {
			/* A remote spec names an existing, valid machine and its path
			 * is what follows the first ':'. */
			FUZZ_ASSERT(mc_store_check_name(specs[i].m->name, NULL) == 0);
			FUZZ_ASSERT(specs[i].path == strchr(v[i], ':') + 1);
		} else {
			FUZZ_ASSERT(specs[i].path == v[i]);
		}
	}
	FUZZ_ASSERT(nm <= n);
	for (size_t i = 0; i < nm; i++)
		remote_free(&machines[i]);
	free(text);
	return 0;
}
