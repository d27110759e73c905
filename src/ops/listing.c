/* The listing: machines' states, URLs and daemons, in parallel under a deadline. */
#include "buildconf.h"

#include <pthread.h>
#include <regex.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine.h"
#include "go-regex.h"
#include "listing.h"
#include "shares.h"
#include "ops-internal.h"
#include "swarm.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* filters                                                             */

struct mc_filters {
	char **name, **driver, **state, **label, **swarm;
	regex_t *re;
	size_t nre;
};

static int compile_names(struct mc_filters *f, struct mc_error *err)
{
	f->nre = mc_strv_len(f->name);
	f->re = mc_calloc(f->nre ? f->nre : 1, sizeof(regex_t));
	for (size_t i = 0; i < f->nre; i++) {
		_cleanup_free_ char *ere = NULL;
		const char *why = mc_go_regex_to_ere(f->name[i], &ere);
		char msg[128];
		int r = why ? 0 : regcomp(&f->re[i], ere, REG_EXTENDED | REG_NOSUB);

		if (!why && !r)
			continue;
		if (r)
			regerror(r, &f->re[i], msg, sizeof(msg));
		for (size_t k = 0; k < i; k++)
			regfree(&f->re[k]);
		f->nre = 0;
		return mc_error_set(err, MC_E_USAGE, "invalid name filter \"%s\": %s", f->name[i],
				    why ? why : msg);
	}
	return 0;
}

int mc_filters_parse(char **list, struct mc_filters **out, struct mc_error *err)
{
	static const char *const keys[] = { "name", "driver", "state", "label", "swarm" };
	struct mc_filters *f = mc_calloc(1, sizeof(*f));
	char ***dst[] = { &f->name, &f->driver, &f->state, &f->label, &f->swarm };

	*out = f;
	for (; list && *list; list++) {
		const char *eq = strchr(*list, '=');
		size_t k = 0;

		if (!eq)
			return mc_error_set(err, MC_E_USAGE, "Unsupported filter syntax.");
		while (k < MC_ARRAY_SIZE(keys) &&
		       (strlen(keys[k]) != (size_t)(eq - *list) || strncmp(*list, keys[k], (size_t)(eq - *list))))
			k++;
		if (k == MC_ARRAY_SIZE(keys))
			return mc_error_set(err, MC_E_USAGE, "Unsupported filter key '%.*s'",
					    (int)(eq - *list), *list);
		mc_strv_push(dst[k], mc_strdup(eq + 1));
	}
	return compile_names(f, err);
}

void mc_filters_free(struct mc_filters *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nre; i++)
		regfree(&f->re[i]);
	free(f->re);
	mc_strv_free(f->name);
	mc_strv_free(f->driver);
	mc_strv_free(f->state);
	mc_strv_free(f->label);
	mc_strv_free(f->swarm);
	free(f);
}

bool mc_filters_need_state(const struct mc_filters *f)
{
	return f->state || f->swarm;
}

bool mc_filters_need_docker(const struct mc_filters *f)
{
	return f->swarm != NULL;
}

static bool any_equal(char **list, const char *v, bool fold)
{
	for (; list && *list; list++)
		if (fold ? !strcasecmp(*list, v ? v : "") : mc_streq(*list, v ? v : ""))
			return true;
	return false;
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

bool mc_filters_match(const struct mc_filters *f, const struct mc_listing_row *r)
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
	if (f->state && !any_equal(f->state, r->state, true))
		return false;
	return !f->swarm || match_swarm(f->swarm, r->swarm);
}

/* ------------------------------------------------------------------ */
/* the collector                                                       */

/*
 * The work of the listing, done by a pool of threads: first every row is
 * opened (config.json, driver); a row whose driver has the batched `states`
 * operation then waits for one `states` call for all the rows of that driver
 * (one libvirt connection per URI, one `VBoxManage list vms --long`...), made
 * once every row is open; the rest of the row (URL) follows in parallel.
 * When the call fails as a whole, each of its rows asks for its own state.
 */
struct row {
	struct mc_listing_row pub;
	bool done;
	bool engine;           /* Running with a URL: ask its Docker daemon for /info */
	char *cert_dir;
	/* while its worker has it */
	struct mc_handle h;
	long long t0;
	bool wait_batch;       /* waits for its driver's states call */
	bool have_state;       /* the states call answered: batch_state, batch_err */
	enum mc_state batch_state;
	struct mc_error batch_err;
};

enum task_kind { TASK_OPEN, TASK_BATCH, TASK_FINISH };

struct task {
	enum task_kind kind;
	size_t i;              /* the row (TASK_BATCH: any row of the driver) */
};

struct job {
	struct mc_session *s;
	struct mc_listing_opts o;
	struct row *rows;
	size_t n, finished;
	struct mc_engine_batch *batch;   /* woken when a row is done; NULL once the wait ends */
	struct task *queue;    /* at most n opens, n batch calls and n finishes */
	size_t qhead, qtail;
	size_t opened;         /* rows past TASK_OPEN */
	size_t busy;           /* tasks being run (they may queue more) */
	pthread_t *tids;
	size_t nthreads;
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* a row is done */
	pthread_cond_t work;   /* a task was queued, or the last one ended */
};

/* Under j->lock. */
static void push_task(struct job *j, enum task_kind kind, size_t i)
{
	j->queue[j->qtail++] = (struct task){ kind, i };
	pthread_cond_signal(&j->work);
}

static void row_done(struct job *j, struct row *r)
{
	pthread_mutex_lock(&j->lock);
	r->done = true;
	j->finished++;
	pthread_cond_signal(&j->cond);
	if (j->batch)
		mc_engine_batch_wakeup(j->batch);
	pthread_mutex_unlock(&j->lock);
}

/* The state part of a row, its handle open; closes the handle.  *serr: the
 * batch's error for this row; have_state false: ask the driver for this
 * machine alone. */
static void finish_row(struct job *j, struct row *r, bool have_state, enum mc_state st,
		       const struct mc_error *serr)
{
	struct mc_listing_row *p = &r->pub;
	struct mc_error err = { 0 };

	if (j->o.need_state) {
		if (have_state && serr && serr->code != MC_E_OK)
			err = *serr;
		if ((have_state && err.code != MC_E_OK) || (!have_state && mc_op_state(&r->h, &st, &err) < 0)) {
			p->state = "Error";
			p->error = mc_strdup(err.msg);
		} else {
			p->state = mc_state_name(st);
			if (st == MC_STATE_RUNNING && mc_op_url(&r->h, &p->url, &err) < 0)
				p->error = mc_strdup(err.msg);
			p->active = st == MC_STATE_RUNNING && p->url && j->o.docker_host &&
				    !strcmp(p->url, j->o.docker_host);
			if (st == MC_STATE_RUNNING && p->url && (!j->o.docker_host || !*j->o.docker_host) &&
			    j->o.docker_context) {
				_cleanup_free_ char *ctx = mc_ops_context_of(r->h.m->dir);

				p->active = ctx && !strcmp(ctx, j->o.docker_context);
			}
			r->engine = j->o.want_docker && st == MC_STATE_RUNNING && p->url;
			if (r->engine)
				r->cert_dir = mc_strdup(r->h.m->dir);
		}
	}
	p->docker = mc_strdup("Unknown");
	p->ms = mc_now_ms() - r->t0;
	mc_handle_close(&r->h);
}

/* A machine whose create did not finish: Creating while its create holds the
 * lock, else Error with the reason. */
static void unfinished_row(struct row *r)
{
	if (mc_handle_being_created(&r->h)) {
		r->pub.state = "Creating";
		return;
	}
	r->pub.state = "Error";
	r->pub.error = mc_handle_unfinished(&r->h);
}

/* Open a row; returns true when it is complete (done), false when it waits
 * for its driver's batched states call (its handle stays open). */
static bool open_row(struct job *j, struct row *r)
{
	struct mc_listing_row *p = &r->pub;
	struct mc_error err = { 0 };

	r->t0 = mc_now_ms();
	if (mc_handle_open(j->s, p->name, 0, &r->h, &err) < 0) {
		struct mc_machine *m = NULL;

		/* Driver missing but config readable: show its name. */
		if (mc_machine_load(&j->s->store, p->name, &m, NULL) == 0) {
			p->driver = mc_strdup(m->driver_name);
			p->labels = json_incref(mc_machine_labels(m));
			p->shares = mc_shares_summary(json_object_get(m->host_options, "Shares"));
			p->autostart = mc_json_bool(m->driver, "Autostart");
			mc_machine_free(m);
		} else {
			p->driver = mc_strdup("not found");
		}
		p->state = "Error";
		p->error = mc_strdup(err.msg);
		return true;
	}
	p->driver = mc_strdup(r->h.m->driver_name);
	p->labels = json_incref(mc_machine_labels(r->h.m));
	p->shares = mc_shares_summary(json_object_get(r->h.m->host_options, "Shares"));
	p->autostart = mc_json_bool(r->h.m->driver, "Autostart");
	if (mc_machine_status(r->h.m) != MC_MACHINE_CREATED) {
		unfinished_row(r);
		mc_handle_close(&r->h);
		return true;
	}
	if (j->o.need_state && mc_op_supported(&r->h, MC_OP_STATES)) {
		r->wait_batch = true;
		return false;
	}
	finish_row(j, r, false, MC_STATE_NONE, NULL);
	return true;
}

/* One states call for the rows waiting on the driver of row `first`; then
 * each of them is finished by a task of its own. */
static void batch_states(struct job *j, size_t first)
{
	const struct mc_driver *drv = j->rows[first].h.drv;
	size_t k = 0, *idx = mc_calloc(j->n, sizeof(*idx));
	struct mc_handle **hs = mc_calloc(j->n, sizeof(*hs));
	enum mc_state *out = mc_calloc(j->n, sizeof(*out));
	struct mc_error *errs = mc_calloc(j->n, sizeof(*errs));
	bool ok;

	for (size_t i = first; i < j->n; i++)
		if (j->rows[i].wait_batch && j->rows[i].h.drv == drv) {
			idx[k] = i;
			hs[k++] = &j->rows[i].h;
		}
	ok = mc_op_states(hs, k, out, errs) == 0;
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
	free(hs);
	free(out);
	free(errs);
}

/* Every row is open: one states call per driver (under j->lock). */
static void queue_batches(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		bool first = j->rows[i].wait_batch;

		for (size_t k = 0; k < i && first; k++)
			first = !(j->rows[k].wait_batch && j->rows[k].h.drv == j->rows[i].h.drv);
		if (first)
			push_task(j, TASK_BATCH, i);
	}
}

static void run_task(struct job *j, struct task task)
{
	struct row *r = &j->rows[task.i];

	switch (task.kind) {
	case TASK_OPEN:
		if (open_row(j, r))
			row_done(j, r);
		pthread_mutex_lock(&j->lock);
		if (++j->opened == j->n)
			queue_batches(j);
		pthread_mutex_unlock(&j->lock);
		break;
	case TASK_BATCH:
		batch_states(j, task.i);
		break;
	case TASK_FINISH:
		finish_row(j, r, r->have_state, r->batch_state, &r->batch_err);
		row_done(j, r);
		break;
	}
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct task task;

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

/* ------------------------------------------------------------------ */
/* the daemons                                                         */

/* The daemon calls of the wait: one /info per running machine, and for a
 * manager its own node (is it the leader?). */
struct daemons {
	struct mc_engine_batch *batch;
	struct mc_engine_target *targets;
	struct mc_engine_call *calls, *leader;
	char **leader_path;
	bool *started;
	long long *t_start;
};

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

/* Start /info for the rows done since the last look (under j->lock). */
static void start_info_calls(struct job *j, struct daemons *d, long long left)
{
	for (size_t i = 0; i < j->n; i++) {
		struct row *r = &j->rows[i];

		if (!r->done || !r->engine || d->started[i])
			continue;
		d->targets[i] = (struct mc_engine_target){ r->pub.name, r->pub.url, r->cert_dir };
		/* The listing's deadline is the limit, not curl's own timeout. */
		d->calls[i] = (struct mc_engine_call){ .target = &d->targets[i], .path = "/info",
						       .timeout_ms = (long)left + 1000 };
		d->started[i] = true;
		d->t_start[i] = mc_now_ms();
		mc_engine_batch_add(d->batch, &d->calls[i]);
	}
}

/* Managers that answered: which one leads?  Returns whether a call was added. */
static bool start_leader_calls(struct job *j, struct daemons *d, long long left)
{
	bool more = false;

	for (size_t i = 0; i < j->n; i++) {
		const char *id = d->started[i] && !d->leader_path[i] ? manager_id(&d->calls[i]) : NULL;

		if (!id)
			continue;
		d->leader_path[i] = mc_asprintf("/nodes/%s", id);
		d->leader[i] = (struct mc_engine_call){ .target = &d->targets[i], .path = d->leader_path[i],
							.timeout_ms = (long)left + 1000 };
		mc_engine_batch_add(d->batch, &d->leader[i]);
		more = true;
	}
	return more;
}

/* Without daemons to ask: sleep until a row is done or 1 s passes (under j->lock). */
static void wait_for_rows(struct job *j, long long left)
{
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

/* What a row's daemon said: DOCKER, SWARM, the time and any error. */
static void take_reply(struct row *r, const struct mc_engine_call *c, const struct mc_engine_call *l,
		       bool asked_leader)
{
	struct mc_listing_row *p = &r->pub;
	bool leads;

	p->ms += c->ms;
	if (c->err.code != MC_E_OK) {
		if (!p->error)
			p->error = mc_strdup(c->err.msg);
		return;
	}
	if (mc_json_str(c->reply, "ServerVersion")) {
		free(p->docker);
		p->docker = mc_asprintf("v%s", mc_json_str(c->reply, "ServerVersion"));
	}
	leads = asked_leader && l->done && l->err.code == MC_E_OK &&
		json_is_true(json_object_get(json_object_get(l->reply, "ManagerStatus"), "Leader"));
	p->swarm = mc_strdup(leads ? "manager (leader)" : mc_swarm_role_from_info(c->reply));
}

static void daemons_free(struct daemons *d, size_t n)
{
	mc_engine_batch_free(d->batch);
	for (size_t i = 0; i < n; i++) {
		mc_engine_call_clear(&d->calls[i]);
		mc_engine_call_clear(&d->leader[i]);
		free(d->leader_path[i]);
	}
	free(d->calls);
	free(d->leader);
	free(d->leader_path);
	free(d->targets);
	free(d->started);
	free(d->t_start);
}

/*
 * Wait for the rows until the deadline.  Each Running machine's daemon is
 * asked for /info (ServerVersion for DOCKER, Swarm for SWARM) as soon as its
 * row is done, and a manager then for its own node, all in this thread
 * through the curl multi interface, so the listing takes as long as the
 * slowest machine.  late[i]: 1 when the driver did not answer in time (the
 * row may still be written by its worker), 2 when the daemon did not.
 * Returns whether every worker finished.
 */
static bool wait_rows(struct job *j, unsigned char *late)
{
	size_t n = j->n, m = n ? n : 1;
	long long deadline = mc_now_ms() + j->o.timeout_ms;
	struct daemons d = {
		.targets = mc_calloc(m, sizeof(*d.targets)), .calls = mc_calloc(m, sizeof(*d.calls)),
		.leader = mc_calloc(m, sizeof(*d.leader)), .leader_path = mc_calloc(m, sizeof(char *)),
		.started = mc_calloc(m, sizeof(bool)), .t_start = mc_calloc(m, sizeof(long long)),
	};
	bool all_done;

	if (j->o.want_docker) {
		d.batch = mc_engine_batch_new();
		pthread_mutex_lock(&j->lock);
		j->batch = d.batch;
		pthread_mutex_unlock(&j->lock);
	}
	for (;;) {
		long long left = deadline - mc_now_ms();
		size_t finished, running = 0;
		bool more = false;

		pthread_mutex_lock(&j->lock);
		finished = j->finished;
		if (d.batch && left > 0)
			start_info_calls(j, &d, left);
		else if (!d.batch && finished < n && left > 0)
			wait_for_rows(j, left);
		pthread_mutex_unlock(&j->lock);
		if (d.batch) {
			running = mc_engine_batch_run(d.batch, 0);
			more = left > 0 && start_leader_calls(j, &d, left);
		}
		if ((finished == n && running == 0 && !more) || left <= 0)
			break;
		if (d.batch)
			mc_engine_batch_run(d.batch, left < 1000 ? (long)left : 1000);
	}
	pthread_mutex_lock(&j->lock);
	all_done = j->finished == n;
	/* A call that ended by its own timeout (set past the deadline) ended
	 * after the deadline: a busy host ran this loop late.  Its daemon did
	 * not answer in time either. */
	for (size_t i = 0; i < n; i++) {
		bool answered = d.calls[i].done && !(d.calls[i].err.code == MC_E_TIMEOUT &&
						     d.t_start[i] + d.calls[i].ms > deadline);

		late[i] = !j->rows[i].done ? 1 : d.started[i] && !answered ? 2 : 0;
	}
	j->batch = NULL;
	pthread_mutex_unlock(&j->lock);
	mc_engine_batch_free(d.batch);
	d.batch = NULL;
	for (size_t i = 0; i < n; i++)
		if (d.started[i] && !late[i])
			take_reply(&j->rows[i], &d.calls[i], &d.leader[i], d.leader_path[i] != NULL);
	daemons_free(&d, n);
	return all_done;
}

/* ------------------------------------------------------------------ */

static void row_free(struct mc_listing_row *r)
{
	free(r->name);
	free(r->driver);
	free(r->url);
	free(r->docker);
	free(r->swarm);
	free(r->error);
	json_decref(r->labels);
	free(r->shares);
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		row_free(&j->rows[i].pub);
		free(j->rows[i].cert_dir);
	}
	free(j->rows);
	free(j->queue);
	free(j->tids);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	pthread_cond_destroy(&j->work);
	free(j);
}

static struct job *job_new(struct mc_session *s, const struct mc_listing_opts *o, char **names)
{
	struct job *j = mc_calloc(1, sizeof(*j));
	size_t n = mc_strv_len(names);

	*j = (struct job){ .s = s, .o = *o, .n = n, .rows = mc_calloc(n ? n : 1, sizeof(struct row)),
			   .queue = mc_calloc(3 * n + 1, sizeof(struct task)) };
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	pthread_cond_init(&j->work, NULL);
	for (size_t i = 0; i < n; i++) {
		j->rows[i].pub.name = mc_strdup(names[i]);
		j->rows[i].h.lock_fd = -1;
		j->queue[j->qtail++] = (struct task){ TASK_OPEN, i };
	}
	j->nthreads = n < 32 ? n : 32;
	j->tids = mc_calloc(j->nthreads ? j->nthreads : 1, sizeof(pthread_t));
	return j;
}

/* The row as shown: a late one is its name, its driver and Timeout. */
static void shown_row(struct mc_session *s, const struct row *r, unsigned char late,
		      struct mc_listing_row *out)
{
	const struct mc_listing_row *p = &r->pub;

	if (!late) {
		*out = (struct mc_listing_row){
			mc_strdup(p->name), mc_strdup(p->driver), p->state, mc_strdup(p->url),
			mc_strdup(p->docker), mc_strdup(p->swarm), mc_strdup(p->error),
			json_incref(p->labels), p->active, p->ms, p->autostart, mc_strdup(p->shares),
		};
		return;
	}
	*out = (struct mc_listing_row){ .name = mc_strdup(p->name), .state = "Timeout" };
	if (late == 2) {
		out->driver = mc_strdup(p->driver);
	} else {
		/* Its worker still holds the row: the driver comes from the config. */
		struct mc_machine *m = NULL;

		if (mc_machine_load(&s->store, p->name, &m, NULL) == 0) {
			out->driver = mc_strdup(m->driver_name);
			mc_machine_free(m);
		}
	}
}

int mc_listing_collect(struct mc_session *s, const struct mc_listing_opts *o,
		       struct mc_listing *out, struct mc_error *err)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ unsigned char *late = NULL;
	struct job *j;
	size_t started = 0;

	memset(out, 0, sizeof(*out));
	if (mc_store_list(&s->store, &names, err) < 0)
		return -1;
	j = job_new(s, o, names);
	for (size_t k = 0; k < j->nthreads; k++)
		if (pthread_create(&j->tids[started], NULL, worker, j) == 0)
			started++;
	if (!started)
		worker(j);
	late = mc_calloc(j->n ? j->n : 1, 1);
	out->detached = !wait_rows(j, late);
	out->n = j->n;
	out->rows = mc_calloc(j->n ? j->n : 1, sizeof(*out->rows));
	for (size_t i = 0; i < j->n; i++)
		shown_row(s, &j->rows[i], late[i], &out->rows[i]);
	if (out->detached) {
		/* Workers are still stuck in a driver: the job stays theirs. */
		out->job = j;
		return 0;
	}
	/* Every row is done: the workers are on their way out. */
	for (size_t k = 0; k < started; k++)
		pthread_join(j->tids[k], NULL);
	job_free(j);
	return 0;
}

void mc_listing_free(struct mc_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		row_free(&l->rows[i]);
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

int mc_ops_engine_version(struct mc_handle *h, char **version, struct mc_error *err)
{
	_cleanup_free_ char *url = NULL;

	if (mc_handle_require_running(h, err) < 0 || mc_op_url(h, &url, err) < 0)
		return -1;
	return mc_engine_version(&(struct mc_engine_target){ h->m->name, url, h->m->dir }, 0,
				 version, err);
}
