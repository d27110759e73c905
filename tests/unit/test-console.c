/* src/console.c: the machine OS's console markers, parsed from lines and
 * followed in a console log that a boot writes, truncates or replaces. */
#include "unit.h"

#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "console.h"

static void marker_is(const char *line, const char *want)
{
	char step[64];

	if (!want) {
		if (mc_console_marker(line, step, sizeof(step)))
			fail_msg("\"%s\" taken for the marker \"%s\"", line, step);
		return;
	}
	if (!mc_console_marker(line, step, sizeof(step)))
		fail_msg("\"%s\": no marker", line);
	assert_string_equal(step, want);
}

static void markers(void **state)
{
	(void)state;
	marker_is("machinectl-os: sshd up (8.74 s)", "sshd up");
	marker_is("machinectl-os: sshd up (8.74 s)\r", "sshd up");
	marker_is("machinectl-os: docker up (14 s)  \r", "docker up");
	marker_is("machinectl-os: hypervisor: qemu (DMI: QEMU, Standard PC (i440FX + PIIX, 1996)) (5.79 s)",
		  "hypervisor: qemu (DMI: QEMU, Standard PC (i440FX + PIIX, 1996))");
	marker_is("machinectl-os: network up: eth0 192.168.122.2 (7.20 s)", "network up: eth0 192.168.122.2");
	/* a kernel message the marker was written after, on the same line */
	marker_is("[    6.1] random: crng init donemachinectl-os: modules loaded (qemu set) (6.91 s)",
		  "modules loaded (qemu set)");
	marker_is("machinectl-os: a: machinectl-os: b (1.5 s)", "b");
	/* informational lines, other output, broken ones */
	marker_is("machinectl-os: machinectl-os 0.1.0 (20261205), kernel 6.12, docker 26.1.5", NULL);
	marker_is("machinectl-os: data disk /dev/vda has the format-me magic: formatting", NULL);
	marker_is("[    0.000000] Linux version 6.12 (x s)", NULL);
	marker_is("machinectl-os: (8.74 s)", NULL);
	marker_is("machinectl-os:  (8.74 s)", NULL);
	marker_is("machinectl-os: up ( s)", NULL);
	marker_is("machinectl-os: up (.5 s)", NULL);
	marker_is("machinectl-os: up (8.74s)", NULL);
	marker_is("machinectl-os: up(8.74 s)", NULL);
	marker_is("machinectl-os: ", NULL);
	marker_is("", NULL);
	/* a long step is cut to the buffer */
	{
		char step[8];

		assert_true(mc_console_marker("machinectl-os: a rather long step (1.0 s)", step, sizeof(step)));
		assert_string_equal(step, "a rathe");
	}
}

/* --- following a log --- */

struct seen {
	char **steps;
	int count;  /* atomic: the test's thread waits on it */
};

static void collect(void *arg, const char *step)
{
	struct seen *s = arg;

	mc_strv_push(&s->steps, mc_strdup(step));
	__atomic_add_fetch(&s->count, 1, __ATOMIC_RELEASE);
}

/* Until the watch has reported n steps in all (a minute at most). */
static void wait_for(struct seen *s, int n)
{
	for (int i = 0; i < 6000 && __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) < n; i++)
		usleep(10 * 1000);
	assert_true(__atomic_load_n(&s->count, __ATOMIC_ACQUIRE) >= n);
}

/* The steps, joined with '|' (malloc'd; "" for none). */
static char *joined(struct seen *s)
{
	char *out = mc_strdup("");

	for (char **p = s->steps; p && *p; p++) {
		char *n = mc_asprintf("%s%s%s", out, *out ? "|" : "", *p);

		free(out);
		out = n;
	}
	mc_strv_free(s->steps);
	s->steps = NULL;
	s->count = 0;
	return out;
}

static void write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Written over in place from its start, never truncated. */
static void rewrite(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void assert_steps(struct seen *s, const char *want)
{
	char *got = joined(s);

	assert_string_equal(got, want);
	free(got);
}

static const char old_boot[] =
	"SeaBIOS (version 1.16)\r\n"
	"machinectl-os: initramfs (4.92 s)\r\n"
	"machinectl-os: sshd up (7.74 s)\r\n"
	"machinectl-os: docker up (15.34 s)\r\n"
	"machinectl-os: shutdown (99.00 s)\r\n";

static void follows_a_new_log(void **state)
{
	char *dir = unit_tmpdir(), *log = mc_path_join(dir, "console.log");
	struct seen s = { 0 };
	struct mc_console_watch *w;

	(void)state;
	/* not there yet: a new machine's log appears once its domain starts */
	w = mc_console_watch_start(log, collect, &s);
	assert_non_null(w);
	write_file(log, "w", "[    0.0] Linux version 6.12\r\nmachinectl-os: initramfs (3.65 s)\r\n"
			     "machinectl-os: machinectl-os 0.1.0 (20261205), kernel 6.12\r\nmachinectl-os: netw");
	write_file(log, "a", "ork up: eth0 10.0.2.15 (6.15 s)\r\nmachinectl-os: docker u");
	/* what is written before the stop is read; a line without its end is not a marker yet */
	mc_console_watch_stop(w);
	assert_steps(&s, "initramfs|network up: eth0 10.0.2.15");
	mc_console_watch_stop(NULL);
	free(log);
	unit_rmdir(dir);
}

static void skips_an_older_boot(void **state)
{
	char *dir = unit_tmpdir(), *log = mc_path_join(dir, "console.log");
	char *other = mc_path_join(dir, "new.log");
	struct seen s = { 0 };
	struct mc_console_watch *w;

	(void)state;
	/* appended to: only what comes after the start */
	write_file(log, "w", old_boot);
	w = mc_console_watch_start(log, collect, &s);
	write_file(log, "a", "machinectl-os: initramfs (4.10 s)\r\nmachinectl-os: docker up (14.00 s)\r\n");
	mc_console_watch_stop(w);
	assert_steps(&s, "initramfs|docker up");

	/* truncated by the new boot (QEMU opens a file console afresh) */
	write_file(log, "w", old_boot);
	w = mc_console_watch_start(log, collect, &s);
	write_file(log, "w", "machinectl-os: init (5.00 s)\r\n");
	mc_console_watch_stop(w);
	assert_steps(&s, "init");

	/* written over with as many bytes, the same ones (VirtualBox truncates
	 * its raw file at each start): the new time, once the size stayed for a
	 * round, tells */
	write_file(log, "w", "machinectl-os: a (1.00 s)\r\n");
	{
		struct timespec past[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };

		assert_int_equal(utimensat(AT_FDCWD, log, past, 0), 0);
	}
	w = mc_console_watch_start(log, collect, &s);
	rewrite(log, "machinectl-os: a (1.00 s)\r\n");
	wait_for(&s, 1);
	mc_console_watch_stop(w);
	assert_steps(&s, "a");

	/* written over in place with other bytes */
	w = mc_console_watch_start(log, collect, &s);
	rewrite(log, "machinectl-os: b (1.00 s)\r\n");
	mc_console_watch_stop(w);
	assert_steps(&s, "b");

	/* ... and not a log appended to whose time changed before its size (a
	 * write sets the time first): a round that falls in between (the gap is
	 * shorter than a round, so one at most) is no reason to read it again */
	write_file(log, "w", old_boot);
	w = mc_console_watch_start(log, collect, &s);
	write_file(log, "a", "machinectl-os: initramfs (4.10 s)\r\n");
	wait_for(&s, 1);
	{
		struct timespec later[2] = { { .tv_sec = 4000000000 }, { .tv_sec = 4000000000 } };

		assert_int_equal(utimensat(AT_FDCWD, log, later, 0), 0);
	}
	usleep(90 * 1000);
	write_file(log, "a", "machinectl-os: sshd up (7.00 s)\r\n");
	mc_console_watch_stop(w);
	assert_steps(&s, "initramfs|sshd up");

	/* written over in place, past the old size, between two rounds */
	write_file(log, "w", old_boot);
	w = mc_console_watch_start(log, collect, &s);
	{
		static const char longer[] = "machinectl-os: initramfs (3.00 s)\r\n"
					     "[    5.000000] a kernel line, as long as the ones of a real boot are\r\n"
					     "[    5.100000] another kernel line, as long as the ones of a real boot\r\n"
					     "machinectl-os: sshd up (6.00 s)\r\n";

		assert_true(sizeof(longer) > sizeof(old_boot));
		rewrite(log, longer);
	}
	mc_console_watch_stop(w);
	assert_steps(&s, "initramfs|sshd up");

	/* replaced by another file, longer than the old one */
	write_file(log, "w", "machinectl-os: old (1.00 s)\r\n");
	w = mc_console_watch_start(log, collect, &s);
	write_file(other, "w", old_boot);
	assert_int_equal(rename(other, log), 0);
	mc_console_watch_stop(w);
	assert_steps(&s, "initramfs|sshd up|docker up|shutdown");

	/* a line too long for a marker is skipped whole, the next one is read */
	write_file(log, "w", "");
	w = mc_console_watch_start(log, collect, &s);
	{
		char *junk = mc_calloc(1, 2000);

		memset(junk, 'x', 1999);
		write_file(log, "a", junk);
		write_file(log, "a", "machinectl-os: in a long line (1.00 s)\r\nmachinectl-os: sshd up (2.00 s)\r\n");
		free(junk);
	}
	mc_console_watch_stop(w);
	assert_steps(&s, "sshd up");

	/* a directory where the log would be is no log */
	assert_int_equal(unlink(log), 0);
	assert_int_equal(mkdir(log, 0700), 0);
	w = mc_console_watch_start(log, collect, &s);
	mc_console_watch_stop(w);
	assert_steps(&s, "");
	free(other);
	free(log);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(markers),
		cmocka_unit_test(follows_a_new_log),
		cmocka_unit_test(skips_an_older_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
