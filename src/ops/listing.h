/*
 * The listing behind `ls` (and `active`): every machine's state, URL and
 * Docker daemon, collected in parallel under a deadline, and the filters.
 */
#ifndef MC_LISTING_H
#define MC_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "ops.h"

struct mc_listing_row {
	char *name;
	char *driver;          /* "not found" when the config is unreadable */
	const char *state;     /* "Running", "Error", "Creating", "Timeout", ... */
	char *url;
	char *docker;          /* "v26.1.5", "Unknown" */
	char *swarm;           /* "manager", "manager (leader)", "worker", or NULL */
	char *error;           /* without the machine's name */
	json_t *labels;        /* engine labels "k=v" (array), or NULL */
	bool active;           /* its URL is $DOCKER_HOST, or its context is docker's current one */
	long long ms;          /* how long it took to answer */
	bool autostart;        /* the driver's config says Autostart (set --autostart) */
	char *shares;          /* its shared folders, "HOST[:GUEST],..." (src/shares.h) */
};

struct mc_listing_opts {
	long long timeout_ms;  /* rows not done by then are Timeout rows */
	bool need_state;       /* ask the drivers (not for ls -q without state filters) */
	bool want_docker;      /* ask each running machine's daemon (GET /info) */
	const char *docker_host;   /* $DOCKER_HOST, for the active mark */
	const char *docker_context; /* else docker's current context (mc_ops_context_current) */
};

struct mc_listing {
	struct mc_listing_row *rows;   /* in the store's (natural) name order */
	size_t n;
	/* Some drivers had not answered at the deadline: their threads still run
	 * and use the session, so the process must end without freeing it
	 * (the CLI calls _exit). */
	bool detached;
	void *job;             /* the collector's own */
};

int mc_listing_collect(struct mc_session *s, const struct mc_listing_opts *o,
		       struct mc_listing *out, struct mc_error *err);
void mc_listing_free(struct mc_listing *l);

/* ls --filter KEY=VALUE: name=REGEX, driver=, state=, label=K=V, swarm=. */
struct mc_filters;
int mc_filters_parse(char **list, struct mc_filters **out, struct mc_error *err);
/* Whether the listing needs states (state=, swarm=) or daemons (swarm=). */
bool mc_filters_need_state(const struct mc_filters *f);
bool mc_filters_need_docker(const struct mc_filters *f);
bool mc_filters_match(const struct mc_filters *f, const struct mc_listing_row *r);
void mc_filters_free(struct mc_filters *f);

#endif
