/*
 * jobctl status: job counts by queue and state, and the daemons serving
 * the database with the age of their heartbeats, and whether each is up:
 * a daemon of this host is "dead" when its boot id is not this boot's, or
 * its pid is not a jobd that started before it registered (a SIGKILLed
 * daemon leaves its row behind until another daemon reclaims it); one
 * of another host is "unknown" (its heartbeat age tells).
 *
 * And the exit status says whether jobd serves the database (health):
 *   0   a live daemon: registered, not dead, and its heartbeat no older
 *       than its interval allows (health_limit()), and no running job has
 *       a lease that expired that long ago without being reclaimed;
 *   69  no live daemon: none registered, or each is dead or late with its
 *       heartbeat (a stopped or stuck loop);
 *   70  live daemons, but a lease expired longer ago than they allow and
 *       none reclaimed it: their reaper does not run.
 * Each problem is one line on stderr, and in "health" with --json.
 */
#define _GNU_SOURCE	/* gethostname */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/job.h"
#include "jobd/procfs.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "out.h"

#define STATUS_MAX_QUEUES	10000

/*
 * A heartbeat may be late by one interval (the turn that writes it runs
 * after the timer) and by a slow turn or a wait for the lock: it is late
 * when older than two intervals and HEALTH_SLACK_MS.  A daemon that does
 * not say its interval (an older jobd) is given the default settings'
 * (visibility_timeout 5m / 3).
 */
#define HEALTH_SLACK_MS		10000
#define HEALTH_DEFAULT_EVERY_MS	100000
#define HEALTH_MAX_PROBLEMS	16
#define HEALTH_PROBLEM_LEN	512

struct queue_counts {
	char	*name;
	int64_t	 n[JOB_NSTATES];
};

struct status {
	struct queue_counts	*q;
	size_t			 nq, cap;
	char			**paused;	/* the paused queues' names */
	size_t			 npaused;
};

/* Collect the names of the paused queues into s->paused. */
static int
status_paused(const struct queue_info *q, void *arg)
{
	struct status *s = arg;
	char **p;

	if (!q->paused)
		return 0;
	if ((p = realloc(s->paused, (s->npaused + 1) * sizeof(*p))) == NULL)
		return -ENOMEM;
	s->paused = p;
	if ((p[s->npaused] = strdup(q->name)) == NULL)
		return -ENOMEM;
	s->npaused++;
	return 0;
}

static int
status_count(const char *queue, enum job_state state, int64_t count,
    void *arg)
{
	struct status *s = arg;
	struct queue_counts *qc;

	/* Rows come grouped by queue name. */
	if (s->nq == 0 || strcmp(s->q[s->nq - 1].name, queue) != 0) {
		if (s->nq == STATUS_MAX_QUEUES)
			return 0;
		if (s->nq == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			if ((qc = realloc(s->q, s->cap * sizeof(*qc))) == NULL)
				return -ENOMEM;
			s->q = qc;
		}
		qc = &s->q[s->nq++];
		memset(qc, 0, sizeof(*qc));
		if ((qc->name = strdup(queue)) == NULL)
			return -ENOMEM;
	}
	s->q[s->nq - 1].n[state] += count;
	return 0;
}

/* "up", "dead" or "unknown" (another host) for daemon d. */
static const char *
daemon_state(const struct daemon_info *d)
{
	char host[256], boot[64], *dot;
	int64_t start;

	if (gethostname(host, sizeof(host) - 1) != 0)
		return "unknown";
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	procfs_line(PROCFS_BOOT_ID, boot, sizeof(boot));
	switch (procfs_daemon_state(d, host, boot)) {
	case PROCFS_DAEMON_ELSEWHERE:
		return "unknown";
	case PROCFS_DAEMON_GONE:
		return "dead";
	case PROCFS_DAEMON_UP:
		break;
	}
	/*
	 * What is shown may also say "dead" for a pid used again by a jobd
	 * that started after this one (1 s of slack for the boot time's
	 * granularity): both times are the machine's clock here.
	 */
	if ((start = procfs_start_ms((long)d->pid)) != 0 &&
	    start > d->started_at + 1000)
		return "dead";
	return "up";
}

/* The oldest daemon d's heartbeat may be while d is alive and well. */
static int64_t
health_limit(const struct daemon_info *d)
{
	int64_t every = d->heartbeat_ms > 0 ? d->heartbeat_ms :
	    HEALTH_DEFAULT_EVERY_MS;

	return 2 * every + HEALTH_SLACK_MS;
}

/* Is daemon d up (or of another host) and its heartbeat recent? */
static bool
daemon_live(const struct daemon_info *d, int64_t now)
{
	return strcmp(daemon_state(d), "dead") != 0 &&
	    now - d->heartbeat_at <= health_limit(d);
}

struct health {
	struct ctl	*ctl;
	int64_t		 now;
	int		 ndaemons, nlive;
	int64_t		 limit;		/* the largest of the live ones */
	int		 code;		/* the exit status */
	int		 nproblems;
	char		 problem[HEALTH_MAX_PROBLEMS][HEALTH_PROBLEM_LEN];
};

static void
health_problem(struct health *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
health_problem(struct health *h, const char *fmt, ...)
{
	va_list ap;

	if (h->nproblems == HEALTH_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(h->problem[h->nproblems++], HEALTH_PROBLEM_LEN, fmt, ap);
	va_end(ap);
}

static int
health_daemon(const struct daemon_info *d, void *arg)
{
	struct health *h = arg;
	char age[TIMEFMT_MAX], lim[TIMEFMT_MAX];
	int64_t limit = health_limit(d);

	h->ndaemons++;
	if (daemon_live(d, h->now)) {
		h->nlive++;
		if (limit > h->limit)
			h->limit = limit;
		return 0;
	}
	if (strcmp(daemon_state(d), "dead") == 0) {
		health_problem(h, "daemon %s (pid %" PRId64 ") is dead: no "
		    "such jobd runs on this host", d->instance, d->pid);
		return 0;
	}
	if (timefmt_format_relative(d->heartbeat_at, h->now, age,
	    sizeof(age)) != 0)
		snprintf(age, sizeof(age), "-");
	if (timefmt_format_duration(limit, lim, sizeof(lim)) != 0)
		snprintf(lim, sizeof(lim), "-");
	health_problem(h, "daemon %s (pid %" PRId64 " on %s) is late: its "
	    "last heartbeat was %s, more than the %s it allows; it is "
	    "stopped or stuck", d->instance, d->pid, d->host, age, lim);
	return 0;
}

/* Read what the health is, into h. */
static int
health_check(struct ctl *ctl, struct health *h)
{
	char lim[TIMEFMT_MAX];
	int64_t n, oldest, job;
	int error;

	memset(h, 0, sizeof(*h));
	h->ctl = ctl;
	h->now = clock_wall_ms(ctl->clock);
	if ((error = store_daemon_list(ctl->st, health_daemon, h)) != 0)
		return error;
	if (h->ndaemons == 0) {
		health_problem(h, "no daemon has registered with this "
		    "database: jobd is not running");
		h->code = EXIT_UNAVAIL;
		return 0;
	}
	if (h->nlive == 0) {
		h->code = EXIT_UNAVAIL;
		return 0;
	}
	/* Live daemons are not reporting the dead ones' rows: not theirs. */
	h->nproblems = 0;
	if ((error = store_stuck_leases(ctl->st, h->now - h->limit, &n,
	    &oldest, &job)) != 0)
		return error;
	if (n > 0) {
		if (timefmt_format_duration(h->limit, lim, sizeof(lim)) != 0)
			snprintf(lim, sizeof(lim), "-");
		health_problem(h, "%" PRId64 " running job%s %s a lease that "
		    "expired more than %s ago and that no daemon reclaimed "
		    "(the oldest: job %" PRId64 "): the live daemons do not "
		    "reap", n, n == 1 ? "" : "s", n == 1 ? "has" : "have", lim,
		    job);
		h->code = EXIT_SOFTWARE;
	}
	return 0;
}

static void
health_json(struct out_json *j, const struct health *h)
{
	int i;

	out_json_object(j, "health");
	out_json_bool(j, "ok", h->code == 0);
	out_json_int(j, "exit_status", h->code);
	out_json_array(j, "problems");
	for (i = 0; i < h->nproblems; i++)
		out_json_str(j, NULL, h->problem[i]);
	out_json_close(j, ']');
	out_json_close(j, '}');
}

struct daemon_json_ctx {
	struct out_json	*j;
	int64_t		 now;
};

static int
daemon_json(const struct daemon_info *d, void *arg)
{
	struct daemon_json_ctx *dj = arg;
	struct out_json *j = dj->j;

	out_json_object(j, NULL);
	out_json_str(j, "instance", d->instance);
	out_json_str(j, "host", d->host);
	out_json_int(j, "pid", d->pid);
	out_json_str(j, "state", daemon_state(d));
	out_json_str(j, "version", d->version);
	out_json_time(j, "started_at", d->started_at);
	out_json_time(j, "heartbeat_at", d->heartbeat_at);
	if (d->heartbeat_ms > 0)
		out_json_int(j, "heartbeat_ms", d->heartbeat_ms);
	else
		out_json_null(j, "heartbeat_ms");
	out_json_bool(j, "live", daemon_live(d, dj->now));
	out_json_close(j, '}');
	return 0;
}

struct daemon_rows {
	struct ctl		*ctl;
	struct out_table	*t;
	int			 n;
};

static int
daemon_row(const struct daemon_info *d, void *arg)
{
	struct daemon_rows *dr = arg;
	int64_t now = clock_wall_ms(dr->ctl->clock);
	char buf[TIMEFMT_MAX];

	if (dr->t == NULL)
		dr->t = out_table_new(7, "INSTANCE", "HOST", "PID", "STATE",
		    "VERSION", "STARTED", "HEARTBEAT");
	out_table_cell(dr->t, d->instance, 0);
	out_table_cell(dr->t, d->host, 0);
	out_table_cellf(dr->t, "%" PRId64, d->pid);
	out_table_cell(dr->t, daemon_state(d), 0);
	out_table_cell(dr->t, d->version, 0);
	if (timefmt_format_relative(d->started_at, now, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "-");
	out_table_cell(dr->t, buf, 0);
	if (timefmt_format_relative(d->heartbeat_at, now, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "-");
	out_table_cell(dr->t, buf, 0);
	dr->n++;
	return 0;
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct status s = { NULL, 0, 0, NULL, 0 };
	struct daemon_rows dr = { ctl, NULL, 0 };
	struct daemon_json_ctx dj;
	struct health h;
	int64_t total[JOB_NSTATES] = { 0 };
	struct out_table *t;
	struct out_json j;
	size_t i;
	int c, k, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	ctl_open(ctl, 0);
	if ((error = store_count(ctl->st, status_count, &s)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    error == -ENOMEM ? "out of memory" : store_errmsg(ctl->st));
	if ((error = store_queue_list(ctl->st, status_paused, &s)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    error == -ENOMEM ? "out of memory" : store_errmsg(ctl->st));
	for (i = 0; i < s.nq; i++)
		for (k = 0; k < JOB_NSTATES; k++)
			total[k] += s.q[i].n[k];
	if ((error = health_check(ctl, &h)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));

	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_array(&j, "queues");
		for (i = 0; i < s.nq; i++) {
			out_json_object(&j, NULL);
			out_json_str(&j, "queue", s.q[i].name);
			for (k = 0; k < JOB_NSTATES; k++)
				out_json_int(&j, job_state_name(k),
				    s.q[i].n[k]);
			out_json_close(&j, '}');
		}
		out_json_close(&j, ']');
		out_json_object(&j, "total");
		for (k = 0; k < JOB_NSTATES; k++)
			out_json_int(&j, job_state_name(k), total[k]);
		out_json_close(&j, '}');
		out_json_array(&j, "paused_queues");
		for (i = 0; i < s.npaused; i++)
			out_json_str(&j, NULL, s.paused[i]);
		out_json_close(&j, ']');
		out_json_array(&j, "daemons");
		dj.j = &j;
		dj.now = h.now;
		error = store_daemon_list(ctl->st, daemon_json, &dj);
		out_json_close(&j, ']');
		health_json(&j, &h);
		out_json_end(&j);
	} else {
		t = out_table_new(6, "QUEUE", "PENDING", "RUNNING", "DONE",
		    "CANCELLED", "DEAD");
		for (i = 0; i < s.nq; i++) {
			out_table_cell(t, s.q[i].name, 0);
			for (k = 0; k < JOB_NSTATES; k++)
				out_table_cellf(t, "%" PRId64, s.q[i].n[k]);
		}
		out_table_cell(t, "(total)", 0);
		for (k = 0; k < JOB_NSTATES; k++)
			out_table_cellf(t, "%" PRId64, total[k]);
		out_table_print(t, stdout);
		for (i = 0; i < s.npaused; i++)
			printf("%s%s%s", i == 0 ? "paused queues: " : ", ",
			    s.paused[i], i + 1 == s.npaused ? "\n" : "");
		error = store_daemon_list(ctl->st, daemon_row, &dr);
		printf("\n");
		if (dr.t != NULL)
			out_table_print(dr.t, stdout);
		else
			printf("no daemon has registered with this "
			    "database\n");
	}
	for (i = 0; i < s.nq; i++)
		free(s.q[i].name);
	free(s.q);
	for (i = 0; i < s.npaused; i++)
		free(s.paused[i]);
	free(s.paused);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	/* What was printed must have been written before the verdict. */
	if (fflush(stdout) != 0 || ferror(stdout))
		ctl_fail(ctl, EXIT_IOERR, "writing output: %s",
		    strerror(errno));
	for (k = 0; k < h.nproblems; k++)
		ctl_warnx(ctl, "%s", h.problem[k]);
	return h.code;
}
