/* The machine OS's console markers, followed in a machine's console log
 * while it boots (create, start: src/ops/boot.c). */
#include "buildconf.h"

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "console.h"
#include "log.h"
#include "util.h"

#define POLL_MS 100

bool mc_console_marker(const char *line, char *step, size_t size)
{
	static const char tag[] = "machinectl-os: ";
	const char *p = NULL, *end, *num;

	for (const char *q = line; (q = strstr(q, tag)); q++)
		p = q + sizeof(tag) - 1;
	if (!p)
		return false;
	end = p + strlen(p);
	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	/* "STEP (UPTIME s)", UPTIME as /proc/uptime gives it: 12.34 */
	if (end - p < 3 || memcmp(end - 3, " s)", 3))
		return false;
	num = end - 3;
	while (num > p && (isdigit((unsigned char)num[-1]) || num[-1] == '.'))
		num--;
	if (!isdigit((unsigned char)*num) || num - p < 3 || memcmp(num - 2, " (", 2))
		return false;
	snprintf(step, size, "%.*s", (int)(num - 2 - p), p);
	return true;
}

struct mc_console_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	char *path;
	bool seen;        /* dev, ino, mtime, offset and tail are the log's */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t offset;
	char tail[64];    /* the bytes just before offset */
	size_t tail_len;
	bool moved;       /* a round saw the size at offset, the time at moved_to */
	struct timespec moved_to;
	char line[512];   /* the line read so far; longer ones are no marker */
	size_t len;
	bool overlong;
	mc_console_fn fn;
	void *arg;
};

static void feed(struct mc_console_watch *w, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char step[256];

		if (buf[i] != '\n') {
			if (w->len < sizeof(w->line) - 1)
				w->line[w->len++] = buf[i];
			else
				w->overlong = true;
			continue;
		}
		w->line[w->len] = '\0';
		if (!w->overlong && mc_console_marker(w->line, step, sizeof(step)))
			w->fn(w->arg, step);
		w->len = 0;
		w->overlong = false;
	}
}

/* Keep the last bytes read, to tell a log written over from one appended to. */
static void remember(struct mc_console_watch *w, const char *buf, size_t n)
{
	size_t cap = sizeof(w->tail), keep;

	if (n >= cap) {
		memcpy(w->tail, buf + n - cap, cap);
		w->tail_len = cap;
		return;
	}
	keep = w->tail_len < cap - n ? w->tail_len : cap - n;
	memmove(w->tail, w->tail + w->tail_len - keep, keep);
	memcpy(w->tail + keep, buf, n);
	w->tail_len = keep + n;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether the log at fd (st) is no longer the one read up to offset: made
 * afresh, truncated, or written over by a new boot. */
static bool written_over(struct mc_console_watch *w, int fd, const struct stat *st)
{
	char now[sizeof(w->tail)];

	if (!w->seen || st->st_dev != w->dev || st->st_ino != w->ino || st->st_size < w->offset)
		return true;
	/* the bytes before offset are no longer the ones read there */
	if (w->tail_len > 0 &&
	    (pread(fd, now, w->tail_len, w->offset - (off_t)w->tail_len) != (ssize_t)w->tail_len ||
	     memcmp(now, w->tail, w->tail_len) != 0))
		return true;
	if (st->st_size > w->offset || same_time(&st->st_mtim, &w->mtime)) {
		w->moved = false;
		return false;
	}
	/* As many bytes as were read, and a new time: written over with the
	 * same bytes (VirtualBox truncates its raw file at each start), or a
	 * write under way (it sets the time before the size).  Only a time that
	 * stays where it moved, the size too, for a whole round tells. */
	if (w->moved && same_time(&st->st_mtim, &w->moved_to))
		return true;
	w->moved = true;
	w->moved_to = st->st_mtim;
	return false;
}

/* What the log has beyond what was read (64 KiB at most a round: a guest
 * that floods its console does not hold the thread up). */
static void read_log(struct mc_console_watch *w)
{
	char buf[4096];
	struct stat st;
	int fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (written_over(w, fd, &st)) {
			/* all of it is new */
			w->seen = true;
			w->dev = st.st_dev;
			w->ino = st.st_ino;
			w->offset = 0;
			w->tail_len = 0;
			w->moved = false;
			w->len = 0;
			w->overlong = false;
		}
		if (!w->moved)
			w->mtime = st.st_mtim;
		/* Up to the size just seen: what grows meanwhile is read next round. */
		for (int k = 0; k < 16 && w->offset < st.st_size; k++) {
			off_t left = st.st_size - w->offset;
			ssize_t r = pread(fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf), w->offset);

			if (r <= 0)
				break;
			feed(w, buf, (size_t)r);
			remember(w, buf, (size_t)r);
			w->offset += r;
		}
	}
	close(fd);
}

static void *watch_thread(void *arg)
{
	struct mc_console_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec t;

		pthread_mutex_unlock(&w->lock);
		read_log(w);
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += POLL_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&w->lock);
		if (!w->stopping)
			pthread_cond_timedwait(&w->wake, &w->lock, &t);
	}
	pthread_mutex_unlock(&w->lock);
	read_log(w);  /* the lines written before the stop */
	return NULL;
}

struct mc_console_watch *mc_console_watch_start(const char *path, mc_console_fn fn, void *arg)
{
	struct mc_console_watch *w = mc_calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t all, old;
	struct stat st;
	int fd, r;

	w->path = mc_strdup(path);
	w->fn = fn;
	w->arg = arg;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t n = st.st_size < (off_t)sizeof(w->tail) ? (size_t)st.st_size : sizeof(w->tail);

		w->seen = true;
		w->dev = st.st_dev;
		w->ino = st.st_ino;
		w->mtime = st.st_mtim;
		w->offset = st.st_size;
		if (pread(fd, w->tail, n, st.st_size - (off_t)n) == (ssize_t)n)
			w->tail_len = n;
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals stay with the threads that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&w->thread, NULL, watch_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		mc_debug("cannot follow the console log %s: %s", path, strerror(r));
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w->path);
		free(w);
		return NULL;
	}
	return w;
}

void mc_console_watch_stop(struct mc_console_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
