/*
 * Unit tests for runner: real child processes, no mocks.  Every test runs
 * /bin/sh jobs through runner_prepare() and runner_run() with the system
 * clock and checks the outcome, the captured output and what the job saw
 * of its environment (variables, fds, signals, session, cwd, user).
 *
 * Synchronisation is by conditions, never by sleeping: a job tells a test
 * thread that it is running through a FIFO, and a test waits for a process
 * to disappear with a deadline loop.  The test process makes itself a child
 * subreaper, so the orphans a job leaves behind become its children and can
 * be reaped here (this machine's init does not reap orphans), which makes
 * "that process is gone" checkable.  Temporary files live in one mkdtemp
 * directory under $TMPDIR (else /tmp), removed at the end.
 *
 * Some tests need root (switching to "nobody"); they are skipped with a
 * message otherwise, and the non-root -EPERM case is run in a forked child
 * that drops to nobody when the tests run as root.
 */
#define _GNU_SOURCE

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobd/clock.h"
#include "jobd/procopt.h"
#include "jobd/runner.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define GONE_MS		5000	/* how long a killed process may take */
#define SLACK_MS	4000	/* generous bound for "quickly" */
#define T_SLOT		INT64_C(1796094000000)	/* 2026-12-01T03:00:00Z */

static char	tdir[PATH_MAX];	/* this run's temporary directory */

/* Helpers. */

static void
tpath(char *buf, size_t len, const char *name)
{
	int n;

	n = snprintf(buf, len, "%s/%s", tdir, name);
	assert_true(n > 0 && (size_t)n < len);
}

static int64_t
mono_now(void)
{
	return clock_mono_ms(&clock_system);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Open fds of this process, not counting the one used to list them. */
static int
count_fds(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return n - 1;
}

/*
 * Wait (at most GONE_MS, polling every 10 ms) until process pid no longer
 * exists.  An orphan of a job is our child (we are a subreaper): reap it.
 */
static bool
wait_gone(pid_t pid)
{
	int64_t end = mono_now() + GONE_MS;

	do {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return kill(pid, 0) == -1 && errno == ESRCH;
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return true;
		sleep_ms(10);
	} while (mono_now() < end);
	return false;
}

static bool
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static pid_t
read_pid(const char *path)
{
	FILE *fp;
	long pid = -1;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: %s (the job did not write it)", path,
		    strerror(errno));
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = -1;
	(void)fclose(fp);
	assert_true(pid > 1);
	return (pid_t)pid;
}

static void
job_init(struct run_job *j, const char *cmd)
{
	memset(j, 0, sizeof(*j));
	j->id = 42;
	j->attempt = 1;
	j->command = cmd;
	j->queue = "default";
	j->cwd = tdir;		/* the user's home may not exist (nobody) */
	j->kill_grace_ms = 1000;
	j->max_output = 65536;
	procopt_init(&j->proc);
}

/*
 * Prepare and run j to completion with ctl (a fresh one when NULL), and
 * check that no fd of this process was left open.
 */
static void
run_with(const struct run_job *j, struct run_ctl *ctl, struct run_result *res)
{
	struct run_spec rs;
	struct run_ctl own;
	char err[256];
	int before;

	before = count_fds();
	if (runner_prepare(&rs, j, err, sizeof(err)) != 0)
		fail_msg("runner_prepare: %s", err);
	if (ctl == NULL) {
		assert_int_equal(runner_ctl_init(&own), 0);
		runner_run(&rs, &own, &clock_system, res);
		runner_ctl_destroy(&own);
	} else
		runner_run(&rs, ctl, &clock_system, res);
	runner_spec_free(&rs);
	assert_int_equal(count_fds(), before);
	assert_true(res->started_at > 0);
	assert_true(res->finished_at >= res->started_at);
	assert_int_equal(res->output == NULL, res->output_len == 0);
}

static void
run_cmd(const char *cmd, struct run_result *res)
{
	struct run_job j;

	job_init(&j, cmd);
	run_with(&j, NULL, res);
}

/* res->output as a string (freed with res by result_free). */
static char *
output_str(struct run_result *res)
{
	char *s;

	assert_non_null(s = malloc(res->output_len + 1));
	if (res->output_len > 0)
		memcpy(s, res->output, res->output_len);
	s[res->output_len] = '\0';
	return s;
}

static void
assert_output(struct run_result *res, const char *want)
{
	char *s = output_str(res);

	assert_string_equal(s, want);
	free(s);
}

static void
result_free(struct run_result *res)
{
	free(res->output);
	res->output = NULL;
}

/* Setup and teardown. */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	(void)snprintf(tdir, sizeof(tdir), "%s/test_runner.XXXXXX", base);
	if (mkdtemp(tdir) == NULL)
		return -1;
	/* Orphans of jobs become our children, so we can see them go. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Exit status and output. */

static void
test_runner_exit_zero_ok(void **state)
{
	struct run_result res;

	(void)state;
	run_cmd("echo hello", &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.signal, 0);
	assert_int_equal(res.output_len, 6);
	assert_memory_equal(res.output, "hello\n", 6);
	assert_int_equal(res.output_dropped, 0);
	assert_string_equal(res.error, "");
	result_free(&res);
}

static void
test_runner_exit_code_failed(void **state)
{
	struct run_result res;

	(void)state;
	run_cmd("exit 3", &res);
	assert_int_equal(res.outcome, RUN_FAILED);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.signal, 0);
	assert_string_equal(res.error, "exit 3");
	assert_null(res.output);
	result_free(&res);
}

static void
test_runner_killed_by_signal_failed(void **state)
{
	struct run_result res;

	(void)state;
	run_cmd("kill -9 $$", &res);
	assert_int_equal(res.outcome, RUN_FAILED);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGKILL);
	assert_string_equal(res.error, "killed by signal 9 (Killed)");
	result_free(&res);
}

static void
test_runner_stdout_stderr_one_capture(void **state)
{
	struct run_result res;

	(void)state;
	run_cmd("echo one; echo two >&2; echo three; echo four >&2", &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, "one\ntwo\nthree\nfour\n");
	result_free(&res);
}

static void
test_runner_output_keeps_tail(void **state)
{
	static const char end[] = "0123456789ABCDEF";
	struct run_job j;
	struct run_result res;
	char cmd[256];
	size_t i, n = sizeof(end) - 1;

	(void)state;
	/* Exactly 1 MiB: 'a's, then a recognisable ending. */
	(void)snprintf(cmd, sizeof(cmd), "head -c %zu /dev/zero | tr '\\0' a;"
	    " printf %s", (size_t)1048576 - n, end);
	job_init(&j, cmd);
	j.max_output = 4096;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_int_equal(res.output_len, 4096);
	assert_int_equal(res.output_dropped, 1048576 - 4096);
	for (i = 0; i < 4096 - n; i++)
		if (res.output[i] != 'a')
			fail_msg("byte %zu is 0x%02x, not 'a'", i,
			    (unsigned char)res.output[i]);
	assert_memory_equal(res.output + 4096 - n, end, n);
	result_free(&res);
}

static void
test_runner_output_ring_wraps_in_order(void **state)
{
	struct run_job j;
	struct run_result res;
	char *all, *p;
	size_t len, cap = 1000;
	int i;

	(void)state;
	/* What "seq 1 20000" prints, built here to compare. */
	assert_non_null(all = malloc(20000 * 6 + 1));
	for (p = all, i = 1; i <= 20000; i++)
		p += sprintf(p, "%d\n", i);
	len = (size_t)(p - all);

	job_init(&j, "seq 1 20000");
	j.max_output = cap;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_int_equal(res.output_len, cap);
	assert_int_equal(res.output_dropped, (int64_t)(len - cap));
	assert_memory_equal(res.output, all + len - cap, cap);
	result_free(&res);
	free(all);
}

static void
test_runner_output_max_zero_keeps_one_byte(void **state)
{
	struct run_job j;
	struct run_result res;

	(void)state;
	job_init(&j, "printf abc");
	j.max_output = 0;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, "c");
	assert_int_equal(res.output_dropped, 2);
	result_free(&res);
}

/* Timeouts and leftovers. */

static void
test_runner_timeout_terminates(void **state)
{
	struct run_job j;
	struct run_result res;
	int64_t t0;

	(void)state;
	job_init(&j, "echo before; sleep 30");
	j.timeout_ms = 300;
	t0 = mono_now();
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_TIMEOUT);
	assert_string_equal(res.error, "timed out after 300ms");
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGTERM);
	assert_output(&res, "before\n");
	assert_true(mono_now() - t0 >= 300);
	assert_true(mono_now() - t0 < 300 + SLACK_MS);
	result_free(&res);
}

static void
test_runner_timeout_escalates_to_sigkill(void **state)
{
	struct run_job j;
	struct run_result res;
	int64_t t0;

	(void)state;
	/* The shell and its sleep ignore SIGTERM: only SIGKILL works. */
	job_init(&j, "trap '' TERM; sleep 30; echo survived");
	j.timeout_ms = 200;
	j.kill_grace_ms = 200;
	t0 = mono_now();
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_TIMEOUT);
	assert_string_equal(res.error, "timed out after 200ms");
	assert_int_equal(res.signal, SIGKILL);
	assert_null(res.output);
	assert_true(mono_now() - t0 >= 400);
	assert_true(mono_now() - t0 < 400 + SLACK_MS);
	result_free(&res);
}

static void
test_runner_timeout_kills_term_ignoring_grandchild(void **state)
{
	struct run_job j;
	struct run_result res;
	char pidf[PATH_MAX], cmd[PATH_MAX * 3 + 128];
	pid_t gpid;

	(void)state;
	tpath(pidf, sizeof(pidf), "grandchild.pid");
	/* The grandchild ignores SIGTERM, then becomes a sleep (same pid). */
	(void)snprintf(cmd, sizeof(cmd), "sh -c 'trap \"\" TERM; "
	    "echo $$ > %s.tmp && mv %s.tmp %s; exec sleep 30' & sleep 30",
	    pidf, pidf, pidf);
	job_init(&j, cmd);
	j.timeout_ms = 1000;
	j.kill_grace_ms = 200;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_TIMEOUT);
	gpid = read_pid(pidf);
	if (!wait_gone(gpid))
		fail_msg("grandchild %ld survived the job", (long)gpid);
	assert_int_equal(unlink(pidf), 0);
	result_free(&res);
}

static void
test_runner_linger_then_kill_background(void **state)
{
	struct run_job j;
	struct run_result res;
	char pidf[PATH_MAX], cmd[PATH_MAX + 64];
	int64_t t0, took;
	pid_t bg;

	(void)state;
	tpath(pidf, sizeof(pidf), "bg.pid");
	/* The shell exits at once; its sleep keeps the pipe open. */
	(void)snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! > %s; echo done",
	    pidf);
	job_init(&j, cmd);
	t0 = mono_now();
	run_with(&j, NULL, &res);
	took = mono_now() - t0;
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, "done\n");
	assert_true(took >= RUNNER_LINGER_MS);
	assert_true(took < RUNNER_LINGER_MS + SLACK_MS);
	bg = read_pid(pidf);
	if (!wait_gone(bg))
		fail_msg("background sleep %ld survived the job", (long)bg);
	assert_int_equal(unlink(pidf), 0);
	result_free(&res);
}

/* Stopping. */

struct stopper {
	struct run_ctl	*ctl;
	int		 fifo;		/* read end, opened by the test */
	enum run_stop	 why;
	bool		 after_exit;	/* wait for the shell to exit first */
	pid_t		 pid;		/* the shell, as the job wrote it */
	bool		 saw_exit;	/* the shell was gone before the stop */
	int64_t		 stopped_at;	/* mono ms of the runner_stop() call */
};

/* True once process pid is a zombie or gone. */
static bool
pid_exited(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	bool dead;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return true;
	dead = fgets(buf, sizeof(buf), fp) == NULL ||
	    (p = strrchr(buf, ')')) == NULL || p[1] == '\0' || p[2] == 'Z' ||
	    p[2] == 'X';
	(void)fclose(fp);
	return dead;
}

/* Wait for the job's "I am running" line on the FIFO, then stop it. */
static void *
stopper_main(void *arg)
{
	struct stopper *s = arg;
	struct pollfd pfd = { s->fifo, POLLIN, 0 };
	char buf[64];
	ssize_t n;
	int64_t end;

	if (poll(&pfd, 1, 10000) == 1 &&
	    (n = read(s->fifo, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		s->pid = (pid_t)strtol(buf, NULL, 10);
	}
	if (s->after_exit && s->pid > 1) {
		end = mono_now() + GONE_MS;
		while (!(s->saw_exit = pid_exited(s->pid)) &&
		    mono_now() < end)
			sleep_ms(5);
	}
	s->stopped_at = mono_now();
	runner_stop(s->ctl, s->why);
	return NULL;
}

/*
 * Run "echo $$ > FIFO; rest", and stop it from a thread once the shell has
 * written its pid (and, with after_exit, has exited).
 */
static int64_t
run_stopped(const char *rest, enum run_stop why, bool after_exit,
    struct run_result *res, struct stopper *s)
{
	struct run_job j;
	struct run_ctl ctl;
	pthread_t t;
	char fifo[PATH_MAX], cmd[PATH_MAX + 128];
	int64_t end;

	tpath(fifo, sizeof(fifo), "ready.fifo");
	(void)unlink(fifo);		/* left by an earlier failed test */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	(void)snprintf(cmd, sizeof(cmd), "echo $$ > %s; %s", fifo, rest);
	assert_int_equal(runner_ctl_init(&ctl), 0);
	memset(s, 0, sizeof(*s));
	s->ctl = &ctl;
	s->why = why;
	s->after_exit = after_exit;
	/* Non-blocking: the open does not wait for the writer. */
	assert_true((s->fifo = open(fifo, O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC)) >= 0);
	assert_int_equal(pthread_create(&t, NULL, stopper_main, s), 0);
	job_init(&j, cmd);
	run_with(&j, &ctl, res);
	end = mono_now();
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(close(s->fifo), 0);
	assert_int_equal(unlink(fifo), 0);
	runner_ctl_destroy(&ctl);
	assert_true(s->pid > 1);
	return end;		/* when runner_run() returned */
}

static void
test_runner_stop_cancel_from_thread(void **state)
{
	struct run_result res;
	struct stopper s;
	int64_t t0;

	(void)state;
	t0 = mono_now();
	(void)run_stopped("sleep 30", RUN_STOP_CANCEL, false, &res, &s);
	assert_int_equal(res.outcome, RUN_CANCELLED);
	assert_string_equal(res.error, "cancelled");
	assert_int_equal(res.signal, SIGTERM);
	assert_true(mono_now() - t0 < SLACK_MS);
	/* Reaped by the runner: no zombie left. */
	assert_int_equal(kill(s.pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	result_free(&res);
}

static void
test_runner_stop_shutdown_from_thread(void **state)
{
	struct run_result res;
	struct stopper s;

	(void)state;
	(void)run_stopped("sleep 30", RUN_STOP_SHUTDOWN, false, &res, &s);
	assert_int_equal(res.outcome, RUN_SHUTDOWN);
	assert_string_equal(res.error, "stopped: jobd shutting down");
	result_free(&res);
}

static void
test_runner_stop_after_exit_keeps_outcome(void **state)
{
	struct run_result res;
	struct stopper s;
	int64_t end;

	(void)state;
	/* The shell exits 0; its sleep keeps the runner lingering. */
	end = run_stopped("sleep 60 & exit 0", RUN_STOP_CANCEL, true, &res,
	    &s);
	/* The stop came after the exit, while runner_run() was lingering. */
	assert_true(s.saw_exit);
	assert_true(s.stopped_at <= end);
	assert_int_equal(res.outcome, RUN_OK);
	assert_string_equal(res.error, "");
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 0);
	result_free(&res);
}

static void
test_runner_stop_before_run_never_runs(void **state)
{
	struct run_job j;
	struct run_ctl ctl;
	struct run_result res;
	char marker[PATH_MAX], cmd[PATH_MAX + 16];

	(void)state;
	tpath(marker, sizeof(marker), "never");
	(void)snprintf(cmd, sizeof(cmd), "touch %s", marker);
	assert_int_equal(runner_ctl_init(&ctl), 0);
	runner_stop(&ctl, RUN_STOP_CANCEL);
	runner_stop(&ctl, RUN_STOP_SHUTDOWN);	/* the first one wins */
	job_init(&j, cmd);
	run_with(&j, &ctl, &res);
	runner_ctl_destroy(&ctl);
	assert_int_equal(res.outcome, RUN_CANCELLED);
	assert_string_equal(res.error, "cancelled");
	assert_null(res.output);
	assert_false(res.exited);
	assert_false(file_exists(marker));
	result_free(&res);
}

static void
test_runner_ctl_first_stop_wins(void **state)
{
	struct run_ctl ctl;
	char c;
	int fl;

	(void)state;
	assert_int_equal(runner_ctl_init(&ctl), 0);
	assert_int_equal(atomic_load(&ctl.stop), RUN_STOP_NONE);
	for (fl = 0; fl < 2; fl++) {
		assert_true(fcntl(ctl.wake_fd[fl], F_GETFD) & FD_CLOEXEC);
		assert_true(fcntl(ctl.wake_fd[fl], F_GETFL) & O_NONBLOCK);
	}
	runner_stop(&ctl, RUN_STOP_SHUTDOWN);
	runner_stop(&ctl, RUN_STOP_CANCEL);
	assert_int_equal(atomic_load(&ctl.stop), RUN_STOP_SHUTDOWN);
	assert_int_equal(read(ctl.wake_fd[0], &c, 1), 1);
	assert_int_equal(read(ctl.wake_fd[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	runner_ctl_destroy(&ctl);
	assert_int_equal(ctl.wake_fd[0], -1);
	assert_int_equal(ctl.wake_fd[1], -1);
}

/* What the job sees. */

static bool
name_in(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/*
 * Run "env" for j; check that the names are exactly want (plus PWD, SHLVL
 * and _, which dash may add) and that each NAME=VALUE in values appears.
 */
static void
check_env(const struct run_job *j, const char *const *want, size_t nwant,
    const char *const *values, size_t nvalues)
{
	static const char *const extra[] = { "PWD", "SHLVL", "_" };
	struct run_result res;
	char *out, *line, *save, *eq;
	bool seen[32] = { false };
	size_t i, k;

	assert_true(nwant <= NELEM(seen));
	run_with(j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	out = output_str(&res);
	for (i = 0; i < nvalues; i++) {
		for (line = strtok_r(out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			if (strcmp(line, values[i]) == 0)
				break;
		if (line == NULL)
			fail_msg("%s missing from the job's environment",
			    values[i]);
		free(out);
		out = output_str(&res);
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			fail_msg("env printed \"%s\"", line);
		*eq = '\0';
		for (k = 0; k < nwant; k++)
			if (strcmp(line, want[k]) == 0)
				break;
		if (k < nwant) {
			if (seen[k])
				fail_msg("%s appears twice", line);
			seen[k] = true;
		} else if (!name_in(line, extra, NELEM(extra)))
			fail_msg("unexpected variable %s", line);
	}
	for (k = 0; k < nwant; k++)
		if (!seen[k])
			fail_msg("%s missing from the job's environment",
			    want[k]);
	free(out);
	result_free(&res);
}

static void
test_runner_env_exact_with_all_fields(void **state)
{
	static const char blob[] =
	    "FOO=bar\0PATH=/opt/x/bin:/bin\0EMPTY=\0FOO=baz\0"
	    "JOBD_JOB_ID=666\0";
	static const char *const want[] = {
		"HOME", "USER", "LOGNAME", "SHELL", "PATH", "FOO", "EMPTY",
		"JOBD_JOB_ID", "JOBD_ATTEMPT", "JOBD_QUEUE",
		"JOBD_IDEMPOTENCY_KEY", "JOBD_SCHEDULE", "JOBD_SLOT",
	};
	const char *values[8];
	char home[PATH_MAX + 8], user[256];
	struct passwd *pw;
	struct run_job j;

	(void)state;
	assert_non_null(pw = getpwuid(geteuid()));
	(void)snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
	(void)snprintf(user, sizeof(user), "USER=%s", pw->pw_name);
	values[0] = home;
	values[1] = user;
	values[2] = "SHELL=/bin/sh";
	values[3] = "PATH=/opt/x/bin:/bin";	/* the job's overrides */
	values[4] = "FOO=baz";			/* the last one wins */
	values[5] = "JOBD_JOB_ID=7";		/* jobd's, not the job's */
	values[6] = "JOBD_SLOT=2026-12-01T03:00:00.000Z";
	values[7] = "JOBD_IDEMPOTENCY_KEY=k-1";

	assert_int_equal(setenv("LEAKME", "1", 1), 0);
	job_init(&j, "env");
	j.id = 7;
	j.attempt = 3;
	j.queue = "mail";
	j.key = "k-1";
	j.schedule = "nightly";
	j.slot_at = T_SLOT;
	j.env = blob;
	j.env_len = sizeof(blob);	/* with an extra trailing NUL */
	check_env(&j, want, NELEM(want), values, NELEM(values));
	assert_int_equal(unsetenv("LEAKME"), 0);
}

static void
test_runner_env_minimal(void **state)
{
	static const char *const want[] = {
		"HOME", "USER", "LOGNAME", "SHELL", "PATH",
		"JOBD_JOB_ID", "JOBD_ATTEMPT", "JOBD_QUEUE",
	};
	static const char *const values[] = {
		"JOBD_JOB_ID=42", "JOBD_ATTEMPT=1", "JOBD_QUEUE=default",
		"SHELL=/bin/sh",
	};
	/* Names jobd owns cannot be forged by the job, even when unset. */
	static const char blob[] = "JOBD_SLOT=forged\0JOBD_SCHEDULE=x\0"
	    "JOBD_IDEMPOTENCY_KEY=y\0JOBD_QUEUE=z";
	struct run_job j;

	(void)state;
	assert_int_equal(setenv("LEAKME", "1", 1), 0);
	job_init(&j, "env");
	j.env = blob;
	j.env_len = sizeof(blob) - 1;	/* without the last NUL */
	check_env(&j, want, NELEM(want), values, NELEM(values));
	assert_int_equal(unsetenv("LEAKME"), 0);
}

static void
test_runner_env_default_path_by_uid(void **state)
{
	struct run_job j;
	struct run_spec rs;
	char err[256], **e;
	const char *want;

	(void)state;
	if (geteuid() == 0)
		want = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
		    "/usr/bin:/sbin:/bin";
	else
		want = "PATH=/usr/local/bin:/usr/bin:/bin";
	job_init(&j, "true");
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), 0);
	assert_non_null(rs.envp);
	/* The cron-like five come first, in order. */
	assert_memory_equal(rs.envp[0], "HOME=", 5);
	assert_memory_equal(rs.envp[1], "USER=", 5);
	assert_memory_equal(rs.envp[2], "LOGNAME=", 8);
	assert_string_equal(rs.envp[3], "SHELL=/bin/sh");
	assert_string_equal(rs.envp[4], want);
	for (e = rs.envp; *e != NULL; e++)
		;
	assert_int_equal(e - rs.envp, 8);
	runner_spec_free(&rs);
}

/* Parse "N -> TARGET" lines of "ls -ln /proc/self/fd/". */
static void
test_runner_only_fds_0_to_2(void **state)
{
	struct run_result res;
	char *out, *line, *save, *arrow, *p, pipe1[64] = "";
	int extra_fd, pfd[2], fd, self_dirs = 0;
	bool seen[3] = { false };

	(void)state;
	/* Inherited without close-on-exec: must not reach the job. */
	assert_true((extra_fd = open(tdir, O_RDONLY)) >= 0);
	assert_int_equal(pipe(pfd), 0);
	run_cmd("ls -ln /proc/self/fd/", &res);
	assert_int_equal(res.outcome, RUN_OK);
	out = output_str(&res);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((arrow = strstr(line, " -> ")) == NULL)
			continue;		/* "total 0" */
		*arrow = '\0';
		p = strrchr(line, ' ');
		assert_non_null(p);
		fd = atoi(p + 1);
		p = arrow + 4;
		if (fd == 0)
			assert_string_equal(p, "/dev/null");
		else if (fd == 1) {
			assert_memory_equal(p, "pipe:[", 6);
			(void)snprintf(pipe1, sizeof(pipe1), "%s", p);
		} else if (fd == 2)
			assert_string_equal(p, pipe1);
		else if (strncmp(p, "/proc/", 6) == 0 &&
		    strcmp(p + strlen(p) - 3, "/fd") == 0)
			self_dirs++;		/* ls reading the directory */
		else
			fail_msg("fd %d -> %s is open in the job", fd, p);
		if (fd <= 2)
			seen[fd] = true;
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	assert_true(self_dirs <= 1);
	free(out);
	result_free(&res);
	assert_int_equal(close(extra_fd), 0);
	assert_int_equal(close(pfd[0]), 0);
	assert_int_equal(close(pfd[1]), 0);
}

static void
test_runner_signals_default_and_unblocked(void **state)
{
	struct run_result res;
	sigset_t set, old;
	void (*oterm)(int);

	(void)state;
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	assert_true((oterm = signal(SIGTERM, SIG_IGN)) != SIG_ERR);
	run_cmd("grep -E '^(SigBlk|SigIgn)' /proc/self/status", &res);
	(void)signal(SIGTERM, oterm);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res,
	    "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	result_free(&res);
}

static void
test_runner_stdin_is_dev_null(void **state)
{
	struct run_result res;

	(void)state;
	run_cmd("cat; readlink /proc/self/fd/0", &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, "/dev/null\n");
	result_free(&res);
}

static void
test_runner_own_session(void **state)
{
	struct run_result res;
	char *out, *p;
	long pid, ppid, pgrp, sid;

	(void)state;
	run_cmd("exec cat /proc/self/stat", &res);
	assert_int_equal(res.outcome, RUN_OK);
	out = output_str(&res);
	pid = strtol(out, NULL, 10);
	assert_non_null(p = strrchr(out, ')'));
	assert_int_equal(sscanf(p + 1, " %*c %ld %ld %ld", &ppid, &pgrp, &sid),
	    3);
	assert_true(pid > 1);
	assert_int_equal(ppid, (long)getpid());
	assert_int_equal(pgrp, pid);
	assert_int_equal(sid, pid);
	assert_int_not_equal(sid, (long)getsid(0));
	assert_int_not_equal(pgrp, (long)getpgrp());
	/* Reaped by the runner: no zombie left. */
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	free(out);
	result_free(&res);
}

static void
test_runner_cwd_given(void **state)
{
	struct run_job j;
	struct run_result res;

	(void)state;
	job_init(&j, "pwd");
	j.cwd = "/tmp";
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, "/tmp\n");
	result_free(&res);
}

static void
test_runner_cwd_defaults_to_home(void **state)
{
	struct run_job j;
	struct run_result res;
	struct passwd *pw;
	char want[PATH_MAX + 1], *real;

	(void)state;
	assert_non_null(pw = getpwuid(geteuid()));
	if ((real = realpath(pw->pw_dir, NULL)) == NULL) {
		print_message("skipped: home %s: %s\n", pw->pw_dir,
		    strerror(errno));
		skip();
	}
	(void)snprintf(want, sizeof(want), "%s\n", real);
	free(real);
	job_init(&j, "pwd -P");
	j.cwd = NULL;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	assert_output(&res, want);
	result_free(&res);
}

static void
test_runner_cwd_missing_spawn_error(void **state)
{
	struct run_job j;
	struct run_result res;
	char marker[PATH_MAX], cmd[PATH_MAX + 16];

	(void)state;
	tpath(marker, sizeof(marker), "ran");
	(void)snprintf(cmd, sizeof(cmd), "touch %s", marker);
	job_init(&j, cmd);
	j.cwd = "/nonexistent/jobd-test";
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_SPAWN_ERROR);
	assert_string_equal(res.error,
	    "chdir /nonexistent/jobd-test: No such file or directory");
	assert_false(res.exited);
	assert_null(res.output);
	assert_false(file_exists(marker));
	result_free(&res);
}

/* runner_prepare. */

static void
test_runner_prepare_fields(void **state)
{
	struct run_job j;
	struct run_spec rs, zero;
	char err[256];

	(void)state;
	job_init(&j, "echo 'a b'");
	j.cwd = "/var";
	j.timeout_ms = 1500;
	j.kill_grace_ms = 250;
	j.max_output = 0;
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(rs.argv[0], "/bin/sh");
	assert_string_equal(rs.argv[1], "-c");
	assert_string_equal(rs.argv[2], "echo 'a b'");
	assert_null(rs.argv[3]);
	assert_string_equal(rs.cwd, "/var");
	assert_false(rs.switch_user);
	assert_int_equal(rs.uid, geteuid());
	assert_int_equal(rs.timeout_ms, 1500);
	assert_int_equal(rs.kill_grace_ms, 250);
	assert_int_equal(rs.max_output, 1);
	runner_spec_free(&rs);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&rs, &zero, sizeof(rs));
	runner_spec_free(&rs);			/* safe on a zeroed spec */
}

static void
test_runner_prepare_rejects_bad_input(void **state)
{
	static const char bad_env[] = "OK=1\0NOEQUALS\0";
	struct run_job j;
	struct run_spec rs;
	char err[256];

	(void)state;
	job_init(&j, "true");
	j.cwd = "relative/dir";
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "working directory \"relative/dir\" is not "
	    "an absolute path");
	assert_null(rs.argv);

	job_init(&j, "true");
	j.env = bad_env;
	j.env_len = sizeof(bad_env) - 1;
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid environment entry \"NOEQUALS\"");
	assert_null(rs.argv);
	assert_null(rs.envp);
}

static void
test_runner_prepare_unknown_user(void **state)
{
	struct run_job j;
	struct run_spec rs;
	char err[256];

	(void)state;
	job_init(&j, "true");
	j.run_as = "jobd-no-such-user";
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no such user \"jobd-no-such-user\"");
	assert_null(rs.argv);
	assert_null(rs.envp);
}

static void
test_runner_prepare_own_user_no_switch(void **state)
{
	struct run_job j;
	struct run_spec rs;
	struct passwd *pw;
	char err[256], name[256];

	(void)state;
	assert_non_null(pw = getpwuid(geteuid()));
	(void)snprintf(name, sizeof(name), "%s", pw->pw_name);
	job_init(&j, "true");
	j.run_as = name;
	j.cwd = NULL;
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), 0);
	assert_false(rs.switch_user);
	assert_int_equal(rs.uid, geteuid());
	assert_int_equal(rs.ngroups, 0);
	assert_string_equal(rs.cwd, pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	runner_spec_free(&rs);
}

/* In a process that is not root: another user is -EPERM. */
static const char *
eperm_check(void)
{
	static char why[512];
	struct run_job j;
	struct run_spec rs;
	struct passwd *pw;
	char err[256], want[512];
	int rc;

	if ((pw = getpwuid(geteuid())) == NULL)
		return "getpwuid failed";
	(void)snprintf(want, sizeof(want), "jobd runs as %s, not root: "
	    "cannot run jobs as \"root\"", pw->pw_name);
	job_init(&j, "true");
	j.run_as = "root";
	if ((rc = runner_prepare(&rs, &j, err, sizeof(err))) != -EPERM) {
		(void)snprintf(why, sizeof(why), "rc %d, err \"%s\"", rc, err);
		return why;
	}
	if (strcmp(err, want) != 0 || rs.argv != NULL) {
		(void)snprintf(why, sizeof(why), "err \"%s\"", err);
		return why;
	}
	return NULL;
}

static void
test_runner_prepare_other_user_needs_root(void **state)
{
	struct passwd *pw;
	const char *why;
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		if ((why = eperm_check()) != NULL)
			fail_msg("%s", why);
		return;
	}
	/* Root: check it in a child that has dropped to nobody. */
	if ((pw = getpwnam("nobody")) == NULL) {
		print_message("skipped: no user \"nobody\"\n");
		skip();
	}
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
			_exit(2);
		if ((why = eperm_check()) != NULL) {
			(void)fprintf(stderr, "child: %s\n", why);
			_exit(1);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and drop duplicates; returns the new count. */
static int
uniq_gids(gid_t *g, int n)
{
	int i, k;

	qsort(g, (size_t)n, sizeof(*g), cmp_gid);
	for (i = k = 0; i < n; i++)
		if (k == 0 || g[k - 1] != g[i])
			g[k++] = g[i];
	return k;
}

static void
test_runner_run_as_nobody(void **state)
{
	struct run_job j;
	struct run_spec rs;
	struct run_result res;
	struct passwd *pw;
	gid_t want[256], got[256];
	char err[256], expect[256], *out, *p, *line, *save;
	int nwant = NELEM(want), ngot = 0, i;
	uid_t nuid;
	gid_t ngid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: needs root\n");
		skip();
	}
	assert_non_null(pw = getpwnam("nobody"));
	nuid = pw->pw_uid;
	ngid = pw->pw_gid;
	assert_true(getgrouplist("nobody", ngid, want, &nwant) != -1);
	nwant = uniq_gids(want, nwant);

	job_init(&j, "id -u; id -g; id -G; grep ^CapEff /proc/self/status; "
	    "echo \"$HOME $USER $LOGNAME $PATH\"");
	j.run_as = "nobody";
	j.cwd = "/";
	assert_int_equal(runner_prepare(&rs, &j, err, sizeof(err)), 0);
	assert_true(rs.switch_user);
	assert_int_equal(rs.uid, nuid);
	assert_int_equal(rs.gid, ngid);
	runner_spec_free(&rs);

	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_OK);
	out = output_str(&res);
	assert_non_null(line = strtok_r(out, "\n", &save));
	assert_int_equal(strtol(line, NULL, 10), nuid);
	assert_non_null(line = strtok_r(NULL, "\n", &save));
	assert_int_equal(strtol(line, NULL, 10), ngid);
	assert_non_null(line = strtok_r(NULL, "\n", &save));
	for (p = line; *p != '\0' && ngot < (int)NELEM(got); ) {
		got[ngot++] = (gid_t)strtoul(p, &p, 10);
		while (*p == ' ')
			p++;
	}
	ngot = uniq_gids(got, ngot);
	assert_int_equal(ngot, nwant);
	for (i = 0; i < ngot; i++)
		assert_int_equal(got[i], want[i]);
	assert_non_null(line = strtok_r(NULL, "\n", &save));
	assert_string_equal(line, "CapEff:\t0000000000000000");
	assert_non_null(line = strtok_r(NULL, "\n", &save));
	(void)snprintf(expect, sizeof(expect), "%s nobody nobody "
	    "/usr/local/bin:/usr/bin:/bin", pw->pw_dir);
	assert_string_equal(line, expect);
	free(out);
	result_free(&res);
}

static void
test_runner_run_as_nobody_home_missing(void **state)
{
	struct run_job j;
	struct run_result res;
	struct passwd *pw;
	char want[PATH_MAX + 64];

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: needs root\n");
		skip();
	}
	assert_non_null(pw = getpwnam("nobody"));
	if (file_exists(pw->pw_dir)) {
		print_message("skipped: nobody's home %s exists\n",
		    pw->pw_dir);
		skip();
	}
	/* No cwd: the user's home, which it cannot enter. */
	job_init(&j, "true");
	j.run_as = "nobody";
	j.cwd = NULL;
	run_with(&j, NULL, &res);
	assert_int_equal(res.outcome, RUN_SPAWN_ERROR);
	(void)snprintf(want, sizeof(want), "chdir %s: No such file or "
	    "directory", pw->pw_dir);
	assert_string_equal(res.error, want);
	result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runner_exit_zero_ok),
		cmocka_unit_test(test_runner_exit_code_failed),
		cmocka_unit_test(test_runner_killed_by_signal_failed),
		cmocka_unit_test(test_runner_stdout_stderr_one_capture),
		cmocka_unit_test(test_runner_output_keeps_tail),
		cmocka_unit_test(test_runner_output_ring_wraps_in_order),
		cmocka_unit_test(test_runner_output_max_zero_keeps_one_byte),
		cmocka_unit_test(test_runner_timeout_terminates),
		cmocka_unit_test(test_runner_timeout_escalates_to_sigkill),
		cmocka_unit_test(
		    test_runner_timeout_kills_term_ignoring_grandchild),
		cmocka_unit_test(test_runner_linger_then_kill_background),
		cmocka_unit_test(test_runner_stop_cancel_from_thread),
		cmocka_unit_test(test_runner_stop_shutdown_from_thread),
		cmocka_unit_test(test_runner_stop_after_exit_keeps_outcome),
		cmocka_unit_test(test_runner_stop_before_run_never_runs),
		cmocka_unit_test(test_runner_ctl_first_stop_wins),
		cmocka_unit_test(test_runner_env_exact_with_all_fields),
		cmocka_unit_test(test_runner_env_minimal),
		cmocka_unit_test(test_runner_env_default_path_by_uid),
		cmocka_unit_test(test_runner_only_fds_0_to_2),
		cmocka_unit_test(test_runner_signals_default_and_unblocked),
		cmocka_unit_test(test_runner_stdin_is_dev_null),
		cmocka_unit_test(test_runner_own_session),
		cmocka_unit_test(test_runner_cwd_given),
		cmocka_unit_test(test_runner_cwd_defaults_to_home),
		cmocka_unit_test(test_runner_cwd_missing_spawn_error),
		cmocka_unit_test(test_runner_prepare_fields),
		cmocka_unit_test(test_runner_prepare_rejects_bad_input),
		cmocka_unit_test(test_runner_prepare_unknown_user),
		cmocka_unit_test(test_runner_prepare_own_user_no_switch),
		cmocka_unit_test(test_runner_prepare_other_user_needs_root),
		cmocka_unit_test(test_runner_run_as_nobody),
		cmocka_unit_test(test_runner_run_as_nobody_home_missing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
