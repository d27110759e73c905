/*
 * Docker Engine API client: HTTPS with the machine's client certificate
 * (libcurl), JSON in and out (jansson), many machines at once through the
 * curl multi interface in one thread.
 *
 * The daemon's certificate is verified against the machine's ca.pem and its
 * IP address (an IP SAN); the client presents cert.pem/key.pem.  Errors name
 * the machine, the endpoint and the cause (refused, timed out, TLS: which
 * certificate and what failed, HTTP status with the daemon's message).
 * Library code: nothing here prints.
 */
#ifndef MC_ENGINE_H
#define MC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "error.h"

/* Default timeouts (milliseconds). */
#define MC_ENGINE_CONNECT_TIMEOUT_MS 5000
#define MC_ENGINE_TIMEOUT_MS 20000

/* One Docker endpoint. */
struct mc_engine_target {
	const char *name;       /* machine name, for messages */
	const char *url;        /* tcp://IP:PORT (as DOCKER_HOST) or https://IP:PORT */
	const char *cert_dir;   /* holds ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH) */
};

/* One request.  Fill the inputs; the outputs are set when it finishes. */
struct mc_engine_call {
	/* in */
	const struct mc_engine_target *target;
	const char *method;     /* "GET" (NULL), "POST", "DELETE", "HEAD" */
	const char *path;       /* "/version", "/swarm/init"... (no API version prefix) */
	const json_t *body;     /* JSON body for POST, or NULL */
	long timeout_ms;        /* whole request; 0: MC_ENGINE_TIMEOUT_MS */
	long connect_timeout_ms;/* 0: MC_ENGINE_CONNECT_TIMEOUT_MS (capped by timeout_ms) */
	/* out */
	bool done;
	long status;            /* HTTP status, 0 when no answer */
	json_t *reply;          /* parsed JSON reply (a string for non-JSON text, null when empty);
				   owned by the call: mc_engine_call_clear() frees it */
	long long ms;           /* duration */
	struct mc_error err;    /* set when the call failed (HTTP status >= 400 is a failure) */
	/* private */
	void *priv;
};

/* A reply body as the calls report it: parsed JSON, else the text as a JSON
 * string (/_ping's "OK"), json null when empty.  New reference. */
json_t *mc_engine_decode_reply(const char *buf, size_t len);
/* The daemon's error message in a decoded reply ({"message": ...} or plain
 * text), borrowed; NULL when there is none. */
const char *mc_engine_reply_message(json_t *reply);

/* Release a call's outputs (reply, private state); the inputs stay. */
void mc_engine_call_clear(struct mc_engine_call *c);

/*
 * Run n calls concurrently and wait until all finish, or until timeout_ms
 * (0: each call's own timeout) has passed; calls still running then fail with
 * MC_E_TIMEOUT.  Returns the number of calls that failed.
 */
size_t mc_engine_run(struct mc_engine_call *calls, size_t n, long timeout_ms);

/* One request.  *reply (may be NULL) receives the parsed reply (caller
 * json_decref()s it).  timeout_ms 0: the default. */
/* A Docker URL as machinectl accepts it: tcp://HOST:PORT, HOST an IPv4
 * address, [IPv6] or a host name, PORT 1-65535; MC_E_INVALID otherwise
 * (it is printed by ls, url, env: nothing else may reach the terminal). */
int mc_engine_url_check(const char *url, struct mc_error *err);

int mc_engine_request(const struct mc_engine_target *t, const char *method, const char *path,
		      const json_t *body, long timeout_ms, json_t **reply, struct mc_error *err);
int mc_engine_get(const struct mc_engine_target *t, const char *path, long timeout_ms,
		  json_t **reply, struct mc_error *err);
int mc_engine_post(const struct mc_engine_target *t, const char *path, const json_t *body,
		   long timeout_ms, json_t **reply, struct mc_error *err);
/* GET /_ping: 0 when the daemon answers OK. */
int mc_engine_ping(const struct mc_engine_target *t, long timeout_ms, struct mc_error *err);
/* GET /version → *version = "20.10.24" (malloc'd). */
int mc_engine_version(const struct mc_engine_target *t, long timeout_ms, char **version,
		      struct mc_error *err);

/*
 * An open-ended batch, for callers that learn their targets over time (ls
 * adds a machine as soon as its driver reports it Running).  Only
 * mc_engine_batch_wakeup() may be called from another thread.
 */
struct mc_engine_batch;
struct mc_engine_batch *mc_engine_batch_new(void);
/* Start c now (c must stay valid until it is done or the batch is freed). */
void mc_engine_batch_add(struct mc_engine_batch *b, struct mc_engine_call *c);
/* Drive the transfers for at most wait_ms: returns as soon as one finishes
 * (without waiting when one finished in the first step) or on a wakeup;
 * returns the number of calls still running. */
size_t mc_engine_batch_run(struct mc_engine_batch *b, long wait_ms);
/* Make a blocked mc_engine_batch_run() return (thread-safe). */
void mc_engine_batch_wakeup(struct mc_engine_batch *b);
/* Stop the calls still running (they fail with MC_E_TIMEOUT) and free b. */
void mc_engine_batch_free(struct mc_engine_batch *b);

#endif
