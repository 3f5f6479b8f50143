/*
 * jobctl wait: block until every named job has reached a terminal state
 * (done, dead or cancelled), then exit 0 if all are done, or with the
 * status of the first one, in argument order, that is not.
 *
 * Waiting polls PRAGMA data_version every WAIT_POLL_MS and re-reads the
 * jobs only when another connection has committed since the last look:
 * one cheap read per poll, no reads of the jobs while nothing changes.
 * Deadlines use the monotonic clock.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "out.h"

#define WAIT_POLL_MS		50
#define WAIT_EXIT_TIMEOUT	124	/* as timeout(1) */
#define WAIT_EXIT_SIGNAL	128	/* + signal number, as the shell */

/* One job waited for. */
struct wait_job {
	int64_t		 id;
	bool		 ended;		/* seen in a terminal state */
	enum job_state	 state;		/* the last state seen */
	bool		 has_exit_code;
	int64_t		 exit_code;	/* the job's last exit code */
	int64_t		 signal;	/* its last attempt's signal; 0: none */
	char		*reason;	/* dead: why; owned */
};

static bool
wait_is_terminal(enum job_state s)
{
	return s == JOB_DONE || s == JOB_DEAD || s == JOB_CANCELLED;
}

/* Remember the signal of a job's last attempt (the attempts come oldest
 * first, so the last call wins). */
static int
wait_last_signal(const struct attempt *a, void *arg)
{
	int64_t *sig = arg;

	*sig = a->signal;
	return 0;
}

/*
 * Read job w again; when it has ended, note how, and print its JSON line.
 * A job that disappears (purged from the dead-letter table between two
 * looks) is an error.
 */
static void
wait_refresh(struct ctl *ctl, struct wait_job *w)
{
	struct out_json j;
	struct job jb;
	int error;

	if ((error = store_job_get(ctl->st, w->id, &jb)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "job %" PRId64 ": %s",
		    w->id, error == -ENOENT ? "no such job (purged while "
		    "waiting?)" : store_errmsg(ctl->st));
	w->state = jb.state;
	if (wait_is_terminal(jb.state)) {
		w->ended = true;
		w->has_exit_code = jb.has_exit_code;
		w->exit_code = jb.exit_code;
		if (jb.dead_reason != NULL &&
		    (w->reason = strdup(jb.dead_reason)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		w->signal = 0;
		if (jb.state != JOB_DONE && (error = store_attempt_list(
		    ctl->st, w->id, wait_last_signal, &w->signal)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s",
			    store_errmsg(ctl->st));
		if (ctl->json) {
			out_json_begin(&j, stdout);
			out_json_int(&j, "id", w->id);
			out_json_str(&j, "state", job_state_name(jb.state));
			if (w->has_exit_code)
				out_json_int(&j, "exit_code", w->exit_code);
			else
				out_json_null(&j, "exit_code");
			if (w->signal != 0)
				out_json_int(&j, "signal", w->signal);
			else
				out_json_null(&j, "signal");
			out_json_end(&j);
			fflush(stdout);
		}
	}
	job_clear(&jb);
}

/*
 * The exit status for a job that ended other than done, with a line on
 * stderr that says how it ended.  Never 0.
 */
static int
wait_status(const struct ctl *ctl, const struct wait_job *w)
{
	if (w->state == JOB_CANCELLED) {
		ctl_warnx(ctl, "job %" PRId64 " was cancelled", w->id);
		return 1;
	}
	if (w->has_exit_code && w->exit_code > 0 && w->exit_code < 256) {
		ctl_warnx(ctl, "job %" PRId64 " is dead: exit status %" PRId64
		    " (%s)", w->id, w->exit_code,
		    w->reason != NULL ? w->reason : "no reason recorded");
		return (int)w->exit_code;
	}
	if (w->signal > 0 && w->signal < WAIT_EXIT_SIGNAL) {
		ctl_warnx(ctl, "job %" PRId64 " is dead: killed by signal %"
		    PRId64 " (%s)", w->id, w->signal,
		    w->reason != NULL ? w->reason : "no reason recorded");
		return WAIT_EXIT_SIGNAL + (int)w->signal;
	}
	ctl_warnx(ctl, "job %" PRId64 " is dead (%s)", w->id,
	    w->reason != NULL ? w->reason : "no reason recorded");
	return 1;
}

/* Sleep ms milliseconds (a signal may cut it short; the caller loops). */
static void
wait_sleep(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

int
cmd_wait(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout",	required_argument, NULL, 't' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct wait_job *w;
	char buf[TIMEFMT_MAX], *list = NULL;
	int64_t timeout = -1, deadline, now, version = 0, v;
	size_t n, i, left, listlen = 0;
	bool first = true, sep = false;
	FILE *fp;
	int c, error, rc = 0;

	while ((c = ctl_getopt(ctl, argc, argv, ":ht:", opts)) != -1) {
		switch (c) {
		case 't':
			timeout = ctl_parse_duration(ctl, "--timeout", optarg);
			break;
		default:
			ctl_usage(ctl);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		ctl_fail(ctl, EXIT_USAGE, "expected at least one job id "
		    "(usage: jobctl wait [--timeout DURATION] ID ...)");
	n = (size_t)argc;
	if ((w = calloc(n, sizeof(*w))) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++)
		w[i].id = ctl_parse_id(ctl, argv[i]);
	ctl_open(ctl, 0);
	now = clock_mono_ms(ctl->clock);
	deadline = timeout < 0 ? INT64_MAX : clock_add(now, timeout);

	/* Every id must exist before we wait for any of them. */
	for (i = 0; i < n; i++) {
		struct job jb;

		if ((error = store_job_get(ctl->st, w[i].id, &jb)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "job %" PRId64
			    ": %s", w[i].id, store_errmsg(ctl->st));
		job_clear(&jb);
	}

	for (left = n;;) {
		/* The version first: a commit after it is seen next time. */
		if ((error = store_data_version(ctl->st, &v)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s",
			    store_errmsg(ctl->st));
		if (first || v != version) {
			first = false;
			version = v;
			for (i = 0; i < n; i++) {
				if (w[i].ended)
					continue;
				wait_refresh(ctl, &w[i]);
				if (w[i].ended)
					left--;
			}
			if (left == 0)
				break;
		}
		now = clock_mono_ms(ctl->clock);
		if (now >= deadline)
			break;
		wait_sleep(deadline - now < WAIT_POLL_MS ? deadline - now :
		    WAIT_POLL_MS);
	}

	if (left > 0) {
		if ((fp = open_memstream(&list, &listlen)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		for (i = 0; i < n; i++) {
			if (w[i].ended)
				continue;
			fprintf(fp, "%sjob %" PRId64 " (%s)", sep ? ", " : "",
			    w[i].id, job_state_name(w[i].state));
			sep = true;
		}
		if (fclose(fp) != 0)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		if (timefmt_format_duration(timeout, buf, sizeof(buf)) != 0)
			snprintf(buf, sizeof(buf), "%" PRId64 "ms", timeout);
		ctl_warnx(ctl, "timed out after %s; still not finished: %s",
		    buf, list);
		free(list);
		rc = WAIT_EXIT_TIMEOUT;
	} else {
		for (i = 0; i < n; i++) {
			if (w[i].state == JOB_DONE)
				continue;
			error = wait_status(ctl, &w[i]);
			if (rc == 0)
				rc = error;
		}
	}
	for (i = 0; i < n; i++)
		free(w[i].reason);
	free(w);
	return rc;
}
