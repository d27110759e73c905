/* ls: list machines, their state and Docker endpoint, in parallel under --timeout. */
#include "buildconf.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "engine.h"
#include "registry.h"
#include "swarm.h"
#include "template.h"
#include "util.h"

const struct mc_option mc_opts_ls[] = {
	{ "filter", 0, MC_OPT_LIST, NULL, NULL, "KEY=VALUE",
	  "show only matching machines: name=REGEX, driver=, state=, label=K=V, swarm=manager|leader|worker or swarm= for none (same key repeated: OR; different keys: AND)" },
	{ "format", 'f', MC_OPT_STRING, NULL, NULL, "TEMPLATE",
	  "Go-style template with {{.Name}} {{.Active}} {{.DriverName}} {{.State}} {{.URL}} {{.Swarm}} {{.DockerVersion}} {{.Error}} {{.ResponseTime}}; prefix 'table' for headers; or 'json'" },
	{ "quiet", 'q', MC_OPT_BOOL, NULL, NULL, NULL, "print only the names" },
	{ "timeout", 't', MC_OPT_INT, NULL, "10", "SECONDS", "give up on machines that have not answered after this long" },
	{ NULL },
};

static const char default_format[] =
	"table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}";

static const struct {
	const char *field, *header;
} headers[] = {
	{ "Name", "NAME" },         { "Active", "ACTIVE" },
	{ "ActiveHost", "ACTIVE_HOST" }, { "ActiveSwarm", "ACTIVE_SWARM" },
	{ "DriverName", "DRIVER" }, { "State", "STATE" },
	{ "URL", "URL" },           { "SwarmOptions", "SWARM_OPTIONS" },
	{ "Swarm", "SWARM" },       { "EngineOptions", "ENGINE_OPTIONS" },
	{ "Error", "ERRORS" },      { "DockerVersion", "DOCKER" },
	{ "ResponseTime", "RESPONSE" },
};

static const char *header_of(const char *field)
{
	for (size_t i = 0; i < MC_ARRAY_SIZE(headers); i++)
		if (!strcmp(headers[i].field, field))
			return headers[i].header;
	return field;
}

struct row {
	char *name;
	char *driver;
	const char *state;     /* "Running", "Error", "Creating", ... */
	char *url;
	char *docker;
	char *swarm;           /* the daemon's swarm role: "manager", "manager (leader)", "worker", or NULL */
	char *error;
	json_t *labels;
	bool active;
	long long ms;
	bool done;
	bool engine;           /* Running with a URL: ask its Docker daemon for /info */
	char *cert_dir;
	/* while its worker has it */
	struct mc_target t;
	long long t0;
	bool wait_batch;       /* waits for its driver's states call */
	bool have_state;       /* the states call answered: batch_state, batch_err */
	enum mc_state batch_state;
	struct mc_error batch_err;
};

struct filters {
	char **name, **driver, **state, **label, **swarm;
	regex_t *re;
	size_t nre;
};

/*
 * What Go's regexp (docker-machine's name filter) refuses and glibc's regcomp
 * accepts at a great cost: a repetition of a repetition ("a**", "a+++...":
 * a few dozen characters take gigabytes) and repeat counts over 1000.
 * Returns why, or NULL when the pattern is acceptable.
 */
static const char *regex_refusal(const char *re)
{
	bool after_rep = false, lazy_ok = false;

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			after_rep = false;
			continue;
		}
		if (*p == '[') {  /* a bracket expression: its ']' may come first */
			const char *q = p + 1, *close;

			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']') {
				if (q[0] == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=') &&
				    (close = strstr(q + 2, (const char[]){ q[1], ']', '\0' })))
					q = close + 2;   /* [:alpha:] [.x.] [=x=] */
				else
					q++;
			}
			if (!*q)
				break;   /* unterminated: regcomp says so */
			p = q;
			after_rep = false;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || (*p == '{' && p[1] >= '0' && p[1] <= '9')) {
			if (after_rep && !(*p == '?' && lazy_ok))
				return "invalid nested repetition operator";
			lazy_ok = !after_rep;
			after_rep = true;
			if (*p == '{') {
				char *end;

				for (const char *q = p + 1; *q >= '0' && *q <= '9';) {
					if (strtol(q, &end, 10) > 1000)
						return "invalid repeat count (at most 1000)";
					q = *end == ',' ? end + 1 : end;
					if (q == end)
						break;
				}
				while (p[1] && *p != '}')
					p++;
			}
			continue;
		}
		after_rep = false;
	}
	return NULL;
}

static int parse_filters(char **list, struct filters *f, struct mc_error *err)
{
	for (; list && *list; list++) {
		const char *eq = strchr(*list, '=');
		_cleanup_free_ char *key = NULL;
		char ***dst;

		if (!eq)
			return mc_error_set(err, MC_E_USAGE, "Unsupported filter syntax.");
		key = mc_strndup(*list, (size_t)(eq - *list));
		if (!strcmp(key, "name"))
			dst = &f->name;
		else if (!strcmp(key, "driver"))
			dst = &f->driver;
		else if (!strcmp(key, "state"))
			dst = &f->state;
		else if (!strcmp(key, "label"))
			dst = &f->label;
		else if (!strcmp(key, "swarm"))
			dst = &f->swarm;
		else
			return mc_error_set(err, MC_E_USAGE, "Unsupported filter key '%s'", key);
		mc_strv_push(dst, mc_strdup(eq + 1));
	}
	f->nre = mc_strv_len(f->name);
	f->re = mc_calloc(f->nre, sizeof(regex_t));
	for (size_t i = 0; i < f->nre; i++) {
		const char *why = regex_refusal(f->name[i]);
		int r = why ? 0 : regcomp(&f->re[i], f->name[i], REG_EXTENDED | REG_NOSUB);

		if (why) {
			for (size_t k = 0; k < i; k++)
				regfree(&f->re[k]);
			f->nre = 0;
			return mc_error_set(err, MC_E_USAGE, "invalid name filter \"%s\": %s", f->name[i], why);
		}

		if (r) {
			char msg[128];

			regerror(r, &f->re[i], msg, sizeof(msg));
			for (size_t k = 0; k < i; k++)
				regfree(&f->re[k]);
			f->nre = 0;
			return mc_error_set(err, MC_E_USAGE, "invalid name filter \"%s\": %s", f->name[i], msg);
		}
	}
	return 0;
}

static void free_filters(struct filters *f)
{
	for (size_t i = 0; i < f->nre; i++)
		regfree(&f->re[i]);
	free(f->re);
	mc_strv_free(f->name);
	mc_strv_free(f->driver);
	mc_strv_free(f->state);
	mc_strv_free(f->label);
	mc_strv_free(f->swarm);
}

static bool any_equal(char **list, const char *v, bool fold)
{
	for (; list && *list; list++)
		if (fold ? !strcasecmp(*list, v ? v : "") : mc_streq(*list, v ? v : ""))
			return true;
	return false;
}

/* Filters that need only the config: name, driver, label. */
static bool match_static(const struct filters *f, const struct row *r)
{
	bool ok = f->nre == 0;

	for (size_t i = 0; i < f->nre && !ok; i++)
		ok = regexec(&f->re[i], r->name, 0, NULL, 0) == 0;
	if (!ok || (f->driver && !any_equal(f->driver, r->driver, true)))
		return false;
	if (f->label) {
		bool hit = false;
		size_t i;
		json_t *l;

		json_array_foreach(r->labels, i, l)
			hit |= any_equal(f->label, json_string_value(l), false);
		if (!hit)
			return false;
	}
	return true;
}

/* swarm=manager matches every manager, swarm=leader the leader only,
 * swarm=worker the workers, swarm= (empty) the machines in no swarm (or whose
 * daemon did not say). */
static bool match_swarm(char **values, const char *role)
{
	bool manager = role && mc_startswith(role, "manager");

	for (; values && *values; values++) {
		const char *v = *values;

		if ((!*v && (!role || !*role)) || (!strcasecmp(v, "manager") && manager) ||
		    (!strcasecmp(v, "leader") && mc_streq(role, "manager (leader)")) ||
		    (!strcasecmp(v, "worker") && mc_streq(role, "worker")))
			return true;
	}
	return false;
}

static bool match_state(const struct filters *f, const struct row *r)
{
	if (f->state && !any_equal(f->state, r->state, true))
		return false;
	if (f->swarm && !match_swarm(f->swarm, r->swarm))
		return false;
	return true;
}

/*
 * The work of the listing, done by a pool of threads: first every row is
 * opened (config.json, driver); a row whose driver has the batched `states`
 * operation then waits for one `states` call for all the rows of that driver
 * (one libvirt connection per URI, one `VBoxManage list vms --long`...), made
 * once every row is open; the rest of the row (URL) follows in parallel.
 * When the call fails as a whole, each of its rows asks for its own state.
 */
enum task_kind { TASK_OPEN, TASK_BATCH, TASK_FINISH };

struct ls_task {
	enum task_kind kind;
	size_t i;              /* the row (TASK_BATCH: any row of the driver) */
};

struct ls_job {
	struct mc_cli *cli;
	struct row *rows;
	size_t n, finished;
	const char *docker_host;
	bool need_state;
	bool want_docker;      /* the output or a filter needs the daemons: GET /info */
	struct mc_engine_batch *batch;   /* woken when a row is done; NULL once ls stops waiting */
	struct ls_task *queue; /* at most n opens, n batch calls and n finishes */
	size_t qhead, qtail;
	size_t opened;         /* rows past TASK_OPEN */
	size_t busy;           /* tasks being run (they may queue more) */
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* a row is done */
	pthread_cond_t work;   /* a task was queued, or the last one ended */
};

/* Under j->lock. */
static void push_task(struct ls_job *j, enum task_kind kind, size_t i)
{
	j->queue[j->qtail++] = (struct ls_task){ kind, i };
	pthread_cond_signal(&j->work);
}

static void row_done(struct ls_job *j, struct row *r)
{
	pthread_mutex_lock(&j->lock);
	r->done = true;
	j->finished++;
	pthread_cond_signal(&j->cond);
	if (j->batch)
		mc_engine_batch_wakeup(j->batch);
	pthread_mutex_unlock(&j->lock);
}

/* The state part of a row, its target open; closes the target.  *serr: the
 * batch's error for this row, or NULL when st came from it without one;
 * have_state false: ask the driver for this machine alone. */
static void finish_row(struct ls_job *j, struct row *r, bool have_state, enum mc_state st,
		       const struct mc_error *serr)
{
	struct mc_error err = { 0 };

	if (j->need_state) {
		if (have_state && serr && serr->code != MC_E_OK) {
			err = *serr;
			mc_error_prefix(&err, "machine \"%s\": ", r->name);
		}
		if ((have_state && err.code != MC_E_OK) || (!have_state && mc_target_state(&r->t, &st, &err) < 0)) {
			r->state = "Error";
			r->error = mc_strdup(err.msg);
		} else {
			r->state = mc_state_name(st);
			if (st == MC_STATE_RUNNING && mc_target_url(&r->t, &r->url, &err) < 0)
				r->error = mc_strdup(err.msg);
			r->active = st == MC_STATE_RUNNING && r->url && j->docker_host &&
				    !strcmp(r->url, j->docker_host);
			r->engine = j->want_docker && st == MC_STATE_RUNNING && r->url;
			if (r->engine)
				r->cert_dir = mc_strdup(r->t.m->dir);
		}
	}
	r->docker = mc_strdup("Unknown");
	r->ms = mc_now_ms() - r->t0;
	mc_target_close(&r->t);
}

/* Open a row; returns true when it is complete (done), false when it waits
 * for its driver's batched states call (its target stays open). */
static bool open_row(struct ls_job *j, struct row *r)
{
	struct mc_error err = { 0 };

	r->t0 = mc_now_ms();
	if (mc_target_open(j->cli, r->name, false, &r->t, &err) < 0) {
		struct mc_machine *m = NULL;
		struct mc_error e2 = { 0 };

		/* Driver missing but config readable: show its name. */
		if (mc_machine_load(&j->cli->store, r->name, &m, &e2) == 0) {
			r->driver = mc_strdup(m->driver_name);
			r->labels = json_incref(mc_machine_labels(m));
			mc_machine_free(m);
		} else {
			r->driver = mc_strdup("not found");
		}
		r->state = "Error";
		r->error = mc_strdup(err.msg);
		return true;
	}
	r->driver = mc_strdup(r->t.m->driver_name);
	r->labels = json_incref(mc_machine_labels(r->t.m));
	if (mc_machine_status(r->t.m) != MC_MACHINE_CREATED) {
		int fd;

		if (mc_machine_status(r->t.m) == MC_MACHINE_CREATING &&
		    mc_store_lock(&j->cli->store, r->name, 0, &fd, NULL) < 0) {
			r->state = "Creating";
		} else {
			if (mc_machine_status(r->t.m) == MC_MACHINE_CREATING)
				mc_store_unlock(fd);
			r->state = "Error";
			r->error = mc_asprintf("%s; remove it with '%s rm -f %s'",
					       mc_machine_error(r->t.m) ? mc_machine_error(r->t.m)
									: "creation was interrupted",
					       j->cli->prog, r->name);
		}
		mc_target_close(&r->t);
		return true;
	}
	if (j->need_state && r->t.drv->states) {
		r->wait_batch = true;
		return false;
	}
	finish_row(j, r, false, MC_STATE_NONE, NULL);
	return true;
}

/* One states call for the rows waiting on the driver of row `first`; then
 * each of them is finished by a task of its own. */
static void batch_states(struct ls_job *j, size_t first)
{
	const struct mc_driver *drv = j->rows[first].t.drv;
	size_t k = 0, *idx = mc_calloc(j->n, sizeof(*idx));
	struct mc_driver_ctx **ctxs = mc_calloc(j->n, sizeof(*ctxs));
	enum mc_state *out = mc_calloc(j->n, sizeof(*out));
	struct mc_error *errs = mc_calloc(j->n, sizeof(*errs));
	struct mc_error err = { 0 };
	bool ok;

	for (size_t i = first; i < j->n; i++)
		if (j->rows[i].wait_batch && j->rows[i].t.drv == drv) {
			idx[k] = i;
			ctxs[k++] = &j->rows[i].t.ctx;
		}
	ok = drv->states(ctxs, k, out, errs, &err) == 0;
	pthread_mutex_lock(&j->lock);
	for (size_t m = 0; m < k; m++) {
		struct row *r = &j->rows[idx[m]];

		r->have_state = ok;
		r->batch_state = out[m];
		r->batch_err = errs[m];
		push_task(j, TASK_FINISH, idx[m]);
	}
	pthread_mutex_unlock(&j->lock);
	free(idx);
	free(ctxs);
	free(out);
	free(errs);
}

static void run_task(struct ls_job *j, struct ls_task task)
{
	struct row *r = &j->rows[task.i];

	switch (task.kind) {
	case TASK_OPEN: {
		bool done = open_row(j, r);

		if (done)
			row_done(j, r);
		pthread_mutex_lock(&j->lock);
		if (++j->opened == j->n) {
			/* Every row is open: one states call per driver. */
			for (size_t i = 0; i < j->n; i++) {
				bool first = j->rows[i].wait_batch;

				for (size_t k = 0; k < i && first; k++)
					first = !(j->rows[k].wait_batch && j->rows[k].t.drv == j->rows[i].t.drv);
				if (first)
					push_task(j, TASK_BATCH, i);
			}
		}
		pthread_mutex_unlock(&j->lock);
		break;
	}
	case TASK_BATCH:
		batch_states(j, task.i);
		break;
	case TASK_FINISH:
		finish_row(j, r, r->have_state, r->batch_state, &r->batch_err);
		row_done(j, r);
		break;
	}
}

static void *ls_worker(void *arg)
{
	struct ls_job *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct ls_task task;

		while (j->qhead == j->qtail && j->busy > 0)
			pthread_cond_wait(&j->work, &j->lock);
		if (j->qhead == j->qtail)
			break;   /* nothing queued and nothing running that could queue more */
		task = j->queue[j->qhead++];
		j->busy++;
		pthread_mutex_unlock(&j->lock);
		run_task(j, task);
		pthread_mutex_lock(&j->lock);
		if (--j->busy == 0 && j->qhead == j->qtail)
			pthread_cond_broadcast(&j->work);
	}
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* Go's text/tabwriter (minwidth 5, tabwidth 1, padding 3, padchar ' '),
 * which docker-machine's ls writes through. */
struct tw_line {
	char **cells;
	size_t n;
};

static size_t u8len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void tw_write(struct tw_line *lines, size_t from, size_t to, const size_t *widths, size_t nw)
{
	for (size_t l = from; l < to; l++) {
		for (size_t c = 0; c < lines[l].n; c++) {
			fputs(lines[l].cells[c], stdout);
			if (c < nw && c + 1 < lines[l].n)
				for (size_t k = u8len(lines[l].cells[c]); k < widths[c]; k++)
					putchar(' ');
		}
		putchar('\n');
	}
}

static void tw_format(struct tw_line *lines, size_t line0, size_t line1, size_t *widths, size_t nw)
{
	size_t col = nw;

	for (size_t cur = line0; cur < line1; cur++) {
		size_t width = 5;

		if (col + 1 >= lines[cur].n)
			continue;
		tw_write(lines, line0, cur, widths, nw);
		line0 = cur;
		for (; cur < line1 && col + 1 < lines[cur].n; cur++) {
			size_t w = u8len(lines[cur].cells[col]) + 3;

			if (w > width)
				width = w;
		}
		widths[nw] = width;
		tw_format(lines, line0, cur, widths, nw + 1);
		line0 = cur;
		cur--;
	}
	tw_write(lines, line0, line1, widths, nw);
}

static void tw_flush(char **text)
{
	size_t n = mc_strv_len(text), maxcells = 1;
	struct tw_line *lines = mc_calloc(n, sizeof(*lines));
	size_t *widths;

	for (size_t i = 0; i < n; i++) {
		for (const char *s = text[i];;) {
			size_t k = strcspn(s, "\t");

			lines[i].cells = mc_realloc(lines[i].cells, (lines[i].n + 1) * sizeof(char *));
			lines[i].cells[lines[i].n++] = mc_strndup(s, k);
			if (!s[k])
				break;
			s += k + 1;
		}
		if (lines[i].n > maxcells)
			maxcells = lines[i].n;
	}
	widths = mc_calloc(maxcells, sizeof(size_t));
	tw_format(lines, 0, n, widths, 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < lines[i].n; c++)
			free(lines[i].cells[c]);
		free(lines[i].cells);
	}
	free(lines);
	free(widths);
}

static json_t *row_json(const struct row *r)
{
	char ms[32];

	snprintf(ms, sizeof(ms), "%lldms", r->ms);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			 "Name", r->name, "Active", r->active ? "*" : "-",
			 "ActiveHost", r->active ? "*" : "-", "ActiveSwarm", "-",
			 "DriverName", r->driver ? r->driver : "", "State", r->state ? r->state : "",
			 "URL", r->url ? r->url : "", "Swarm", r->swarm ? r->swarm : "", "DockerVersion",
			 r->docker ? r->docker : "", "Error", r->error ? r->error : "",
			 "ResponseTime", ms);
}

static int print_rows(struct row *rows, size_t n, const char *fmt, struct mc_error *err)
{
	struct mc_template *tpl;
	_cleanup_strv_ char **text = NULL;
	bool table = false;

	if (!strcmp(fmt, "json")) {
		_cleanup_json_ json_t *arr = json_array();
		_cleanup_free_ char *s = NULL;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, row_json(&rows[i]));
		s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		return 0;
	}
	if (mc_startswith(fmt, "table")) {
		table = true;
		fmt += 5;
		while (*fmt == ' ')
			fmt++;
	}
	if (mc_template_parse(fmt, &tpl, err) < 0)
		return -1;
	text = mc_calloc(1, sizeof(char *));
	if (table)
		mc_strv_push(&text, mc_template_render_header(tpl, header_of));
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *data = row_json(&rows[i]);
		char *line = NULL;

		if (!strcmp(rows[i].state, "Timeout")) {
			/* A machine that did not answer: name, driver and Timeout only. */
			json_object_set_new(data, "Active", json_string(""));
			json_object_set_new(data, "ActiveHost", json_string(""));
			json_object_set_new(data, "ActiveSwarm", json_string(""));
			json_object_set_new(data, "ResponseTime", json_string(""));
		}
		mc_template_render(tpl, data, &line, err);
		mc_strv_push(&text, line);
	}
	mc_template_free(tpl);
	tw_flush(text);
	return 0;
}

/* An engine error without its 'machine "NAME": ' prefix (the row names it). */
static char *row_error(const struct row *r, const char *msg)
{
	_cleanup_free_ char *prefix = mc_asprintf("machine \"%s\": ", r->name);

	return mc_strdup(mc_startswith(msg, prefix) ? msg + strlen(prefix) : msg);
}

/* A manager's node ID from its GET /info reply, when it is one: the leader
 * is then asked for (GET /nodes/ID).  Borrowed; NULL otherwise. */
static const char *manager_id(const struct mc_engine_call *c)
{
	const char *id;

	if (!c->done || c->err.code != MC_E_OK || strcmp(mc_swarm_role_from_info(c->reply), "manager") != 0)
		return NULL;
	id = mc_json_str(json_object_get(c->reply, "Swarm"), "NodeID");
	return id && *id ? id : NULL;
}

/*
 * Wait for the rows until timeout_ms has passed.  Each Running machine's
 * Docker daemon is asked for /info (ServerVersion for DOCKER, Swarm for
 * SWARM) as soon as its row is done, and a manager then for its own node
 * (GET /nodes/ID: is it the leader?), all in one thread through the curl
 * multi interface, so the listing takes as long as the slowest machine.
 * late[i]: 1 when the driver did not answer in time (the row may still be
 * written by its worker), 2 when the daemon did not.  A leader question
 * still open at the deadline only leaves the mark out.
 * Returns whether every worker finished.
 */
static bool wait_rows(struct ls_job *j, long long timeout_ms, unsigned char *late)
{
	size_t n = j->n;
	long long deadline = mc_now_ms() + timeout_ms;
	struct mc_engine_target *targets = mc_calloc(n ? n : 1, sizeof(*targets));
	struct mc_engine_call *calls = mc_calloc(n ? n : 1, sizeof(*calls));
	struct mc_engine_call *leader = mc_calloc(n ? n : 1, sizeof(*leader));
	char **leader_path = mc_calloc(n ? n : 1, sizeof(char *));
	bool *started = mc_calloc(n ? n : 1, sizeof(bool));
	long long *t_start = mc_calloc(n ? n : 1, sizeof(long long));
	struct mc_engine_batch *batch = NULL;
	bool all_done;

	if (j->want_docker) {
		batch = mc_engine_batch_new();
		pthread_mutex_lock(&j->lock);
		j->batch = batch;
		pthread_mutex_unlock(&j->lock);
	}
	for (;;) {
		long long left = deadline - mc_now_ms();
		size_t finished, running = 0;
		bool more = false;

		pthread_mutex_lock(&j->lock);
		finished = j->finished;
		for (size_t i = 0; batch && left > 0 && i < n; i++) {
			struct row *r = &j->rows[i];

			if (!r->done || !r->engine || started[i])
				continue;
			targets[i] = (struct mc_engine_target){ r->name, r->url, r->cert_dir };
			/* The listing's deadline is the limit, not curl's own timeout. */
			calls[i] = (struct mc_engine_call){ .target = &targets[i], .path = "/info",
							    .timeout_ms = (long)left + 1000 };
			started[i] = true;
			t_start[i] = mc_now_ms();
			mc_engine_batch_add(batch, &calls[i]);
		}
		if (!batch && finished < n && left > 0) {
			struct timespec ts;
			long long wait = left < 1000 ? left : 1000;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait / 1000);
			ts.tv_nsec += (long)(wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&j->cond, &j->lock, &ts);
		}
		pthread_mutex_unlock(&j->lock);
		if (batch)
			running = mc_engine_batch_run(batch, 0);
		/* Managers that answered: which one leads? */
		for (size_t i = 0; batch && left > 0 && i < n; i++) {
			const char *id = started[i] && !leader_path[i] ? manager_id(&calls[i]) : NULL;

			if (!id)
				continue;
			leader_path[i] = mc_asprintf("/nodes/%s", id);
			leader[i] = (struct mc_engine_call){ .target = &targets[i], .path = leader_path[i],
							     .timeout_ms = (long)left + 1000 };
			mc_engine_batch_add(batch, &leader[i]);
			more = true;
		}
		if ((finished == n && running == 0 && !more) || left <= 0)
			break;
		if (batch)
			mc_engine_batch_run(batch, left < 1000 ? (long)left : 1000);
	}
	pthread_mutex_lock(&j->lock);
	all_done = j->finished == n;
	/* A call that ended by its own timeout (set past the deadline) ended
	 * after the deadline: a busy host ran this loop late.  Its daemon did
	 * not answer in time either. */
	for (size_t i = 0; i < n; i++) {
		bool answered = calls[i].done && !(calls[i].err.code == MC_E_TIMEOUT &&
						   t_start[i] + calls[i].ms > deadline);

		late[i] = !j->rows[i].done ? 1 : started[i] && !answered ? 2 : 0;
	}
	j->batch = NULL;
	pthread_mutex_unlock(&j->lock);
	mc_engine_batch_free(batch);

	for (size_t i = 0; i < n; i++) {
		struct row *r = &j->rows[i];
		bool leads;

		if (!started[i] || late[i])
			continue;
		r->ms += calls[i].ms;
		if (calls[i].err.code != MC_E_OK) {
			if (!r->error)
				r->error = row_error(r, calls[i].err.msg);
			continue;
		}
		if (mc_json_str(calls[i].reply, "ServerVersion")) {
			free(r->docker);
			r->docker = mc_asprintf("v%s", mc_json_str(calls[i].reply, "ServerVersion"));
		}
		leads = leader_path[i] && leader[i].done && leader[i].err.code == MC_E_OK &&
			json_is_true(json_object_get(json_object_get(leader[i].reply, "ManagerStatus"), "Leader"));
		r->swarm = mc_strdup(leads ? "manager (leader)" : mc_swarm_role_from_info(calls[i].reply));
	}
	for (size_t i = 0; i < n; i++) {
		mc_engine_call_clear(&calls[i]);
		mc_engine_call_clear(&leader[i]);
		free(leader_path[i]);
	}
	free(calls);
	free(leader);
	free(leader_path);
	free(targets);
	free(started);
	free(t_start);
	return all_done;
}

int mc_cmd_ls(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct filters f = { 0 };
	_cleanup_strv_ char **names = NULL;
	const char *fmt = mc_args_str(a, "format");
	bool quiet = mc_args_bool(a, "quiet");
	long long timeout;
	struct ls_job *j;
	struct row *rows;
	size_t n, nthreads, nstarted = 0, kept = 0;
	pthread_t *tids;
	struct row *shown;
	bool all_done;
	unsigned char *late;
	char **late_driver;
	int rc = 0;

	if (mc_parse_int(mc_args_str(a, "timeout"), 1, 86400, &timeout, &err, "--timeout") < 0 ||
	    parse_filters(mc_args_list(a, "filter"), &f, &err) < 0) {
		free_filters(&f);
		return mc_cli_fail(&err);
	}
	if (mc_store_list(&cli->store, &names, &err) < 0) {
		free_filters(&f);
		return mc_cli_fail(&err);
	}
	n = mc_strv_len(names);
	j = mc_calloc(1, sizeof(*j));
	rows = mc_calloc(n ? n : 1, sizeof(*rows));
	*j = (struct ls_job){ .cli = cli, .rows = rows, .n = n, .docker_host = getenv("DOCKER_HOST"),
			      .need_state = !quiet || f.state || f.swarm,
			      .want_docker = f.swarm || (!quiet && (!fmt || !strcmp(fmt, "json") ||
								     strstr(fmt, "DockerVersion") || strstr(fmt, "Error") ||
								     strstr(fmt, "ResponseTime") || strstr(fmt, "Swarm"))) };
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	pthread_cond_init(&j->work, NULL);
	j->queue = mc_calloc(3 * n + 1, sizeof(*j->queue));
	for (size_t i = 0; i < n; i++) {
		rows[i].name = mc_strdup(names[i]);
		rows[i].t.lock_fd = -1;
		j->queue[j->qtail++] = (struct ls_task){ TASK_OPEN, i };
	}

	nthreads = n < 32 ? n : 32;
	tids = mc_calloc(nthreads ? nthreads : 1, sizeof(*tids));
	for (size_t k = 0; k < nthreads; k++) {
		if (pthread_create(&tids[nstarted], NULL, ls_worker, j) == 0)
			nstarted++;
	}
	if (!nstarted)
		ls_worker(j);
	/* Rows still being worked on are reported as Timeout; their workers may
	 * still write to them, so only their names (never written) are read. */
	late = mc_calloc(n ? n : 1, sizeof(*late));
	all_done = wait_rows(j, timeout * 1000, late);

	/* A Timeout row shows the name, the driver and Timeout: the driver of a
	 * row its worker still holds is read here from the config. */
	late_driver = mc_calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct mc_machine *m = NULL;

		if (late[i] == 1 && mc_machine_load(&cli->store, rows[i].name, &m, NULL) == 0) {
			late_driver[i] = mc_strdup(m->driver_name);
			mc_machine_free(m);
		}
	}
	shown = mc_calloc(n ? n : 1, sizeof(*shown));
	for (size_t i = 0; i < n; i++) {
		struct row r = late[i] ? (struct row){ .name = rows[i].name, .state = "Timeout",
						       .driver = late[i] == 2 ? rows[i].driver : late_driver[i] }
				       : rows[i];

		if (match_static(&f, &r) && match_state(&f, &r))
			shown[kept++] = r;
	}
	if (quiet) {
		for (size_t i = 0; i < kept; i++)
			printf("%s\n", shown[i].name);
	} else if (print_rows(shown, kept, fmt ? fmt : default_format, &err) < 0) {
		rc = mc_cli_fail(&err);
	}
	free(shown);
	for (size_t i = 0; i < n; i++)
		free(late_driver[i]);
	free(late_driver);
	free(late);
	free_filters(&f);
	if (!all_done) {
		/* Workers are still stuck in a driver and use the store and config
		 * that main() would free: end the process here, output flushed. */
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	/* Every row is done: the workers are on their way out. */
	for (size_t k = 0; k < nstarted; k++)
		pthread_join(tids[k], NULL);
	free(tids);
	{
		for (size_t i = 0; i < n; i++) {
			free(rows[i].name);
			free(rows[i].driver);
			free(rows[i].url);
			free(rows[i].docker);
			free(rows[i].swarm);
			free(rows[i].error);
			free(rows[i].cert_dir);
			json_decref(rows[i].labels);
		}
		free(rows);
		pthread_mutex_destroy(&j->lock);
		pthread_cond_destroy(&j->cond);
		pthread_cond_destroy(&j->work);
		free(j->queue);
		free(j);
	}
	return rc;
}
