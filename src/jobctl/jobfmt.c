/*
 * jobfmt: one job, as list, show and the dead commands print it: the JSON
 * object with every field, and show's "name: value" lines followed by the
 * table of attempts.  Job text is sanitised by out.c on the way out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

#define JOBFMT_ERROR_WIDTH	60

void
jobfmt_json(struct out_json *j, const struct job *jb)
{
	const char *e, *eq;

	out_json_int(j, "id", jb->id);
	out_json_str(j, "state", job_state_name(jb->state));
	out_json_str(j, "queue", jb->queue);
	out_json_str(j, "command", jb->command);
	out_json_int(j, "priority", jb->priority);
	out_json_time(j, "run_at", jb->run_at);
	out_json_int(j, "attempts", jb->attempts);
	out_json_opt(j, "max_attempts", jb->max_attempts);
	out_json_opt(j, "timeout_ms", jb->timeout_ms);
	out_json_opt(j, "backoff_ms", jb->backoff_ms);
	out_json_opt(j, "backoff_max_ms", jb->backoff_max_ms);
	out_json_str(j, "idempotency_key", jb->key);
	if (jb->schedule_id != 0)
		out_json_int(j, "schedule_id", jb->schedule_id);
	else
		out_json_null(j, "schedule_id");
	out_json_str(j, "schedule", jb->schedule);
	out_json_time(j, "slot_at", jb->slot_at);
	out_json_object(j, "env");
	for (e = jb->env; e != NULL && e < jb->env + jb->env_len;
	    e += strlen(e) + 1) {
		char name[256];

		if ((eq = strchr(e, '=')) == NULL ||
		    (size_t)(eq - e) >= sizeof(name))
			continue;
		memcpy(name, e, (size_t)(eq - e));
		name[eq - e] = '\0';
		out_json_str(j, name, eq + 1);
	}
	out_json_close(j, '}');
	out_json_str(j, "cwd", jb->cwd);
	out_json_str(j, "user", jb->run_as);
	out_json_bool(j, "cancel_requested", jb->cancel_requested);
	out_json_str(j, "lease_owner", jb->lease_owner);
	out_json_time(j, "lease_expires_at", jb->lease_expires_at);
	out_json_time(j, "created_at", jb->created_at);
	out_json_time(j, "updated_at", jb->updated_at);
	out_json_time(j, "finished_at", jb->finished_at);
	if (jb->has_exit_code)
		out_json_int(j, "exit_code", jb->exit_code);
	else
		out_json_null(j, "exit_code");
	out_json_str(j, "last_error", jb->last_error);
	out_json_time(j, "dead_at", jb->dead_at);
	out_json_str(j, "dead_reason", jb->dead_reason);
}

void
jobfmt_relative(const struct ctl *ctl, int64_t ms, char *buf, size_t len)
{
	if (ms == 0 || timefmt_format_relative(ms,
	    clock_wall_ms(ctl->clock), buf, len) != 0)
		snprintf(buf, len, "-");
}

void
jobfmt_attempts(const struct job *jb, char *buf, size_t len)
{
	if (jb->max_attempts == JOB_DEFAULT)
		snprintf(buf, len, "%" PRId64, jb->attempts);
	else
		snprintf(buf, len, "%" PRId64 "/%" PRId64, jb->attempts,
		    jb->max_attempts);
}

static int
attempt_json(const struct attempt *a, void *arg)
{
	struct out_json *j = arg;

	out_json_object(j, NULL);
	out_json_int(j, "attempt", a->attempt);
	out_json_str(j, "owner", a->owner);
	out_json_time(j, "started_at", a->started_at);
	out_json_time(j, "finished_at", a->finished_at);
	if (a->finished_at != 0)
		out_json_int(j, "duration_ms", a->finished_at - a->started_at);
	else
		out_json_null(j, "duration_ms");
	if (a->has_exit_code)
		out_json_int(j, "exit_code", a->exit_code);
	else
		out_json_null(j, "exit_code");
	if (a->signal != 0)
		out_json_int(j, "signal", a->signal);
	else
		out_json_null(j, "signal");
	out_json_str(j, "outcome", a->outcome);
	out_json_int(j, "output_bytes", (int64_t)a->output_len);
	out_json_int(j, "output_dropped", a->output_dropped);
	out_json_str(j, "error", a->error);
	out_json_close(j, '}');
	return 0;
}

static int
attempt_row(const struct attempt *a, void *arg)
{
	struct out_table *t = arg;
	char buf[TIMEFMT_MAX];

	out_table_cellf(t, "%" PRId64, a->attempt);
	if (timefmt_format_local(a->started_at, buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "-");
	out_table_cell(t, buf, 0);
	if (a->finished_at == 0 || timefmt_format_duration(a->finished_at -
	    a->started_at, buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "-");
	out_table_cell(t, buf, 0);
	out_table_cell(t, a->outcome != NULL ? a->outcome : "running", 0);
	if (a->signal != 0)
		out_table_cellf(t, "signal %" PRId64, a->signal);
	else if (a->has_exit_code)
		out_table_cellf(t, "%" PRId64, a->exit_code);
	else
		out_table_cell(t, "-", 0);
	out_table_cell(t, a->error, JOBFMT_ERROR_WIDTH);
	return 0;
}

/* One "name: value" line of show's human output. */
static void
show_line(const char *name, const char *value)
{
	printf("%-16s ", name);
	if (value == NULL)
		fputs("-", stdout);
	else
		out_safe(stdout, value, strlen(value), false);
	fputc('\n', stdout);
}

static void
show_time(const struct ctl *ctl, const char *name, int64_t ms)
{
	char abs[TIMEFMT_MAX], rel[TIMEFMT_MAX], buf[3 * TIMEFMT_MAX];

	if (ms == 0 || timefmt_format_local(ms, abs, sizeof(abs)) != 0) {
		show_line(name, NULL);
		return;
	}
	jobfmt_relative(ctl, ms, rel, sizeof(rel));
	snprintf(buf, sizeof(buf), "%s (%s)", abs, rel);
	show_line(name, buf);
}

static void
show_opt_ms(const char *name, int64_t ms, const char *none)
{
	char buf[TIMEFMT_MAX];

	if (ms == JOB_DEFAULT)
		show_line(name, "default");
	else if (ms == 0 && none != NULL)
		show_line(name, none);
	else if (timefmt_format_duration(ms, buf, sizeof(buf)) == 0)
		show_line(name, buf);
}

static void
show_human(struct ctl *ctl, const struct job *jb)
{
	char buf[512];
	const char *e;
	struct out_table *t;
	int error;

	snprintf(buf, sizeof(buf), "%" PRId64, jb->id);
	show_line("id:", buf);
	snprintf(buf, sizeof(buf), "%s%s", job_state_name(jb->state),
	    jb->cancel_requested ? " (cancel requested)" : "");
	show_line("state:", buf);
	show_line("queue:", jb->queue);
	show_line("command:", jb->command);
	snprintf(buf, sizeof(buf), "%" PRId64, jb->priority);
	show_line("priority:", buf);
	show_time(ctl, "run at:", jb->run_at);
	if (jb->max_attempts == JOB_DEFAULT)
		snprintf(buf, sizeof(buf), "%" PRId64 " (max: default)",
		    jb->attempts);
	else
		snprintf(buf, sizeof(buf), "%" PRId64 " of %" PRId64,
		    jb->attempts, jb->max_attempts);
	show_line("attempts:", buf);
	show_opt_ms("timeout:", jb->timeout_ms, "none");
	show_opt_ms("backoff:", jb->backoff_ms, NULL);
	show_opt_ms("backoff max:", jb->backoff_max_ms, NULL);
	show_line("key:", jb->key);
	if (jb->schedule_id != 0) {
		snprintf(buf, sizeof(buf), "%s (id %" PRId64 ")",
		    jb->schedule != NULL ? jb->schedule : "(removed)",
		    jb->schedule_id);
		show_line("schedule:", buf);
		show_time(ctl, "slot:", jb->slot_at);
	}
	for (e = jb->env; e != NULL && e < jb->env + jb->env_len;
	    e += strlen(e) + 1)
		show_line("env:", e);
	show_line("cwd:", jb->cwd);
	show_line("user:", jb->run_as);
	if (jb->lease_owner != NULL) {
		show_line("lease owner:", jb->lease_owner);
		show_time(ctl, "lease expires:", jb->lease_expires_at);
	}
	show_time(ctl, "created:", jb->created_at);
	show_time(ctl, "updated:", jb->updated_at);
	show_time(ctl, "finished:", jb->finished_at);
	if (jb->has_exit_code) {
		snprintf(buf, sizeof(buf), "%" PRId64, jb->exit_code);
		show_line("exit code:", buf);
	}
	show_line("last error:", jb->last_error);
	if (jb->state == JOB_DEAD) {
		show_time(ctl, "dead since:", jb->dead_at);
		show_line("dead reason:", jb->dead_reason);
	}
	t = out_table_new(6, "ATTEMPT", "STARTED", "DURATION", "OUTCOME",
	    "EXIT", "ERROR");
	error = store_attempt_list(ctl->st, jb->id, attempt_row, t);
	printf("\n");
	out_table_print(t, stdout);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
}

void
jobfmt_show(struct ctl *ctl, const struct job *jb)
{
	struct out_json j;
	int error;

	if (!ctl->json) {
		show_human(ctl, jb);
		return;
	}
	out_json_begin(&j, stdout);
	jobfmt_json(&j, jb);
	out_json_array(&j, "history");
	error = store_attempt_list(ctl->st, jb->id, attempt_json, &j);
	out_json_close(&j, ']');
	out_json_end(&j);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
}
