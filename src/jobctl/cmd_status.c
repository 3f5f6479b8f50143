/*
 * jobctl status: job counts by queue and state, and the daemons serving
 * the database with the age of their heartbeats, and whether each is up:
 * a daemon of this host is "dead" when its boot id is not this boot's, or
 * its pid is not a jobd that started before it registered (a SIGKILLed
 * daemon leaves its row behind until another daemon reclaims it); one
 * of another host is "unknown" (its heartbeat age tells).
 */
#define _GNU_SOURCE	/* gethostname */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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

struct queue_counts {
	char	*name;
	int64_t	 n[JOB_NSTATES];
};

struct status {
	struct queue_counts	*q;
	size_t			 nq, cap;
};

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

static int
daemon_json(const struct daemon_info *d, void *arg)
{
	struct out_json *j = arg;

	out_json_object(j, NULL);
	out_json_str(j, "instance", d->instance);
	out_json_str(j, "host", d->host);
	out_json_int(j, "pid", d->pid);
	out_json_str(j, "state", daemon_state(d));
	out_json_str(j, "version", d->version);
	out_json_time(j, "started_at", d->started_at);
	out_json_time(j, "heartbeat_at", d->heartbeat_at);
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
	struct status s = { NULL, 0, 0 };
	struct daemon_rows dr = { ctl, NULL, 0 };
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
	for (i = 0; i < s.nq; i++)
		for (k = 0; k < JOB_NSTATES; k++)
			total[k] += s.q[i].n[k];

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
		out_json_array(&j, "daemons");
		error = store_daemon_list(ctl->st, daemon_json, &j);
		out_json_close(&j, ']');
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
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return 0;
}
