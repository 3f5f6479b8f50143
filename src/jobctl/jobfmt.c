/*
 * jobfmt: one job, as list, show and the dead commands print it: the JSON
 * object with every field, and show's "name: value" lines followed by the
 * table of attempts; and the "show ID" commands themselves.  The schedule
 * commands print their env and "name: value" lines with the same helpers.
 * Job text is sanitised by out.c on the way out.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/job.h"
#include "jobd/outbox.h"
#include "jobd/procopt.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

#define JOBFMT_ERROR_WIDTH	60

void
jobfmt_json_env(struct out_json *j, const char *env, size_t env_len)
{
	const char *e, *eq;
	char name[256];

	out_json_object(j, "env");
	for (e = env; e != NULL && e < env + env_len; e += strlen(e) + 1) {
		if ((eq = strchr(e, '=')) == NULL ||
		    (size_t)(eq - e) >= sizeof(name))
			continue;
		memcpy(name, e, (size_t)(eq - e));
		name[eq - e] = '\0';
		out_json_str(j, name, eq + 1);
	}
	out_json_close(j, '}');
}

void
jobfmt_json_proc(struct out_json *j, const struct job_proc *p)
{
	char buf[PROCOPT_MAX];
	int64_t v;
	int o;

	for (o = 0; o < PROCOPT_N; o++) {
		v = procopt_get(p, (enum procopt)o);
		if (v == JOB_DEFAULT)
			out_json_null(j, procopt_key((enum procopt)o));
		else if (o == PROCOPT_UMASK || o == PROCOPT_KILLMODE ||
		    v == JOB_UNLIMITED) {
			procopt_format((enum procopt)o, v, buf, sizeof(buf));
			out_json_str(j, procopt_key((enum procopt)o), buf);
		} else
			out_json_int(j, procopt_key((enum procopt)o), v);
	}
}

void
jobfmt_json_hooks(struct out_json *j, char *const *hook)
{
	int k;

	for (k = 0; k < JOB_NHOOKS; k++)
		out_json_str(j, outbox_hook_key((enum job_hook)k), hook[k]);
}

void
jobfmt_lines_hooks(char *const *hook)
{
	static const char *const names[JOB_NHOOKS] = {
		[JOB_HOOK_DEAD] = "on dead:",
		[JOB_HOOK_FAILURE] = "on failure:",
		[JOB_HOOK_SUCCESS] = "on success:",
	};
	int k;

	for (k = 0; k < JOB_NHOOKS; k++)
		if (hook[k] != NULL)
			jobfmt_line(names[k], hook[k]);
}

void
jobfmt_lines_proc(const struct job_proc *p)
{
	char buf[PROCOPT_MAX], name[32];
	int64_t v;
	int o;

	for (o = 0; o < PROCOPT_N; o++) {
		v = procopt_get(p, (enum procopt)o);
		if (v == JOB_DEFAULT && o != PROCOPT_UMASK)
			continue;
		/* "limit_nofile" reads "limit nofile:" */
		snprintf(name, sizeof(name), "%s:",
		    procopt_key((enum procopt)o));
		if (strchr(name, '_') != NULL)
			*strchr(name, '_') = ' ';
		procopt_format((enum procopt)o, v, buf, sizeof(buf));
		jobfmt_line(name, buf);
	}
}

void
jobfmt_json_mail(struct out_json *j, const char *to, enum mail_on on)
{
	out_json_str(j, "mail_to", to);
	out_json_str(j, "mail_on", mail_on_name(on));
}

void
jobfmt_lines_mail(const char *to, enum mail_on on)
{
	char buf[32];

	if (to == NULL)
		return;
	jobfmt_line("mail to:", to);
	if (on == MAIL_ON_UNSET) {
		on = jobfmt_defaults()->mail_on;
		snprintf(buf, sizeof(buf), "%s (default)", mail_on_name(on) ?
		    mail_on_name(on) : "failure");
	} else
		snprintf(buf, sizeof(buf), "%s", mail_on_name(on));
	jobfmt_line("mail on:", buf);
}

void
jobfmt_json(struct out_json *j, const struct job *jb)
{
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
	jobfmt_json_env(j, jb->env, jb->env_len);
	out_json_str(j, "cwd", jb->cwd);
	out_json_str(j, "user", jb->run_as);
	jobfmt_json_proc(j, &jb->proc);
	jobfmt_json_mail(j, jb->mail_to, jb->mail_on);
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
	if (jb->rerun_of != 0)
		out_json_int(j, "rerun_of", jb->rerun_of);
	else
		out_json_null(j, "rerun_of");
	jobfmt_json_hooks(j, jb->hook);
	if (jb->notify_of != 0)
		out_json_int(j, "notify_of", jb->notify_of);
	else
		out_json_null(j, "notify_of");
	out_json_str(j, "notify_event", jb->notify_event);
	out_json_int(j, "waiting", jb->waiting);
}

/* Add rerun id to the list in buf (a struct rerun_buf). */
struct rerun_buf {
	char	*buf;
	size_t	 len;
	size_t	 n;		/* ids so far */
};

static int
rerun_add(int64_t id, void *arg)
{
	struct rerun_buf *rb = arg;
	size_t used = strlen(rb->buf);

	snprintf(rb->buf + used, rb->len - used, "%s%" PRId64,
	    rb->n++ > 0 ? ", " : "", id);
	return 0;
}

static int
rerun_json(int64_t id, void *arg)
{
	out_json_int(arg, NULL, id);
	return 0;
}

/* One dependency edge, for "waits for:" (struct rerun_buf) or JSON. */
static const char *
dep_state(const struct store_dep *d)
{
	return d->state < JOB_NSTATES ? job_state_name(d->state) : "pruned";
}

static int
dep_add(const struct store_dep *d, void *arg)
{
	struct rerun_buf *rb = arg;
	size_t used = strlen(rb->buf);

	snprintf(rb->buf + used, rb->len - used, "%s%" PRId64 " (%s%s%s)",
	    rb->n++ > 0 ? ", " : "", d->id, dep_state(d),
	    d->any ? ", any outcome" : "", d->met ? ", met" : "");
	return 0;
}

static int
dep_json(const struct store_dep *d, void *arg)
{
	struct out_json *j = arg;

	out_json_object(j, NULL);
	out_json_int(j, "id", d->id);
	out_json_str(j, "state", dep_state(d));
	out_json_bool(j, "any", d->any);
	out_json_bool(j, "met", d->met);
	out_json_close(j, '}');
	return 0;
}

/* "waits for:" and "waited on by:" lines of job id, when it has them. */
static void
deps_human(struct ctl *ctl, int64_t id)
{
	struct rerun_buf rb;
	char buf[1024];
	int error, k;

	for (k = 0; k < 2; k++) {
		buf[0] = '\0';
		rb.buf = buf;
		rb.len = sizeof(buf);
		rb.n = 0;
		if ((error = store_job_deps(ctl->st, id, k == 1, dep_add,
		    &rb)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s",
			    store_errmsg(ctl->st));
		if (rb.n > 0)
			jobfmt_line(k == 0 ? "waits for:" : "waited on by:",
			    buf);
	}
}

int
jobfmt_json_line(const struct job *jb)
{
	struct out_json j;

	out_json_begin(&j, stdout);
	jobfmt_json(&j, jb);
	out_json_end(&j);
	return ferror(stdout) ? -EIO : 0;
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

void
jobfmt_line(const char *name, const char *value)
{
	printf("%-16s ", name);
	if (value == NULL)
		fputs("-", stdout);
	else
		out_safe(stdout, value, strlen(value), false);
	fputc('\n', stdout);
}

void
jobfmt_line_time(const struct ctl *ctl, const char *name, int64_t ms,
    const char *abs)
{
	char loc[TIMEFMT_MAX], rel[TIMEFMT_MAX], buf[3 * TIMEFMT_MAX];

	if (ms == 0 || (abs == NULL &&
	    timefmt_format_local(ms, loc, sizeof(loc)) != 0)) {
		jobfmt_line(name, NULL);
		return;
	}
	jobfmt_relative(ctl, ms, rel, sizeof(rel));
	snprintf(buf, sizeof(buf), "%s (%s)", abs != NULL ? abs : loc, rel);
	jobfmt_line(name, buf);
}

const struct jobfmt_defaults *
jobfmt_defaults(void)
{
	static struct jobfmt_defaults d;
	static bool loaded;
	struct jd_config cfg;
	char path[PATH_MAX], err[1024];

	if (loaded)
		return &d;
	loaded = true;
	if (config_defaults(&cfg) != 0)
		return &d;
	if (config_default_path(path, sizeof(path)) == 0)
		(void)config_load(&cfg, path, err, sizeof(err));
	d.max_attempts = cfg.max_attempts;
	d.timeout_ms = cfg.timeout_ms;
	d.backoff_ms = cfg.backoff_ms;
	d.backoff_max_ms = cfg.backoff_max_ms;
	d.mail_on = (enum mail_on)cfg.mail_on;
	config_free(&cfg);
	return &d;
}

void
jobfmt_line_ms(const char *name, int64_t ms, int64_t def, const char *none)
{
	char buf[TIMEFMT_MAX + 16];
	bool is_def = ms == JOB_DEFAULT;

	if (is_def)
		ms = def;
	if (ms == 0 && none != NULL)
		snprintf(buf, sizeof(buf), "%s", none);
	else if (ms < 0 || timefmt_format_duration(ms, buf, TIMEFMT_MAX) != 0)
		return;
	if (is_def)
		strcat(buf, " (default)");
	jobfmt_line(name, buf);
}

static void
show_human(struct ctl *ctl, const struct job *jb)
{
	struct job_why why;
	struct rerun_buf rb;
	char buf[512];
	const char *e;
	struct out_table *t;
	int error;

	snprintf(buf, sizeof(buf), "%" PRId64, jb->id);
	jobfmt_line("id:", buf);
	snprintf(buf, sizeof(buf), "%s%s", job_state_name(jb->state),
	    jb->cancel_requested ? " (cancel requested)" : "");
	jobfmt_line("state:", buf);
	jobfmt_line("queue:", jb->queue);
	jobfmt_line("command:", jb->command);
	snprintf(buf, sizeof(buf), "%" PRId64, jb->priority);
	jobfmt_line("priority:", buf);
	jobfmt_line_time(ctl, "run at:", jb->run_at, NULL);
	if (jb->state == JOB_PENDING) {
		if ((error = jobwhy_get(ctl, jb, &why)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s",
			    store_errmsg(ctl->st));
		jobwhy_text(ctl, jb, &why, buf, sizeof(buf));
		job_why_clear(&why);
		jobfmt_line("waiting:", buf);
	}
	if (jb->max_attempts == JOB_DEFAULT)
		snprintf(buf, sizeof(buf), "%" PRId64 " of %" PRId64
		    " (default)", jb->attempts,
		    jobfmt_defaults()->max_attempts);
	else
		snprintf(buf, sizeof(buf), "%" PRId64 " of %" PRId64,
		    jb->attempts, jb->max_attempts);
	jobfmt_line("attempts:", buf);
	jobfmt_line_ms("timeout:", jb->timeout_ms,
	    jobfmt_defaults()->timeout_ms, "none");
	jobfmt_line_ms("backoff:", jb->backoff_ms,
	    jobfmt_defaults()->backoff_ms, NULL);
	jobfmt_line_ms("backoff max:", jb->backoff_max_ms,
	    jobfmt_defaults()->backoff_max_ms, NULL);
	jobfmt_line("key:", jb->key);
	if (jb->rerun_of != 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, jb->rerun_of);
		jobfmt_line("rerun of:", buf);
	}
	buf[0] = '\0';
	rb.buf = buf;
	rb.len = sizeof(buf);
	rb.n = 0;
	if ((error = store_job_reruns(ctl->st, jb->id, rerun_add, &rb)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	if (rb.n > 0)
		jobfmt_line("reruns:", buf);
	if (jb->state == JOB_PENDING && jb->waiting > 0) {
		snprintf(buf, sizeof(buf), "%" PRId64 " %s", jb->waiting,
		    jb->waiting == 1 ? "job" : "jobs");
		jobfmt_line("waiting for:", buf);
	}
	deps_human(ctl, jb->id);
	if (jb->schedule_id != 0) {
		snprintf(buf, sizeof(buf), "%s (id %" PRId64 ")",
		    jb->schedule != NULL ? jb->schedule : "(removed)",
		    jb->schedule_id);
		jobfmt_line("schedule:", buf);
		jobfmt_line_time(ctl, "slot:", jb->slot_at, NULL);
	}
	for (e = jb->env; e != NULL && e < jb->env + jb->env_len;
	    e += strlen(e) + 1)
		jobfmt_line("env:", e);
	jobfmt_line("cwd:", jb->cwd);
	jobfmt_line("user:", jb->run_as);
	jobfmt_lines_proc(&jb->proc);
	jobfmt_lines_hooks(jb->hook);
	if (jb->notify_of != 0) {
		snprintf(buf, sizeof(buf), "%s of job %" PRId64,
		    jb->notify_event != NULL ? jb->notify_event : "?",
		    jb->notify_of);
		jobfmt_line("notifies:", buf);
	}
	jobfmt_lines_mail(jb->mail_to, jb->mail_on);
	if (jb->lease_owner != NULL) {
		jobfmt_line("lease owner:", jb->lease_owner);
		jobfmt_line_time(ctl, "lease expires:", jb->lease_expires_at,
		    NULL);
	}
	jobfmt_line_time(ctl, "created:", jb->created_at, NULL);
	jobfmt_line_time(ctl, "updated:", jb->updated_at, NULL);
	jobfmt_line_time(ctl, "finished:", jb->finished_at, NULL);
	if (jb->has_exit_code) {
		snprintf(buf, sizeof(buf), "%" PRId64, jb->exit_code);
		jobfmt_line("exit code:", buf);
	}
	jobfmt_line("last error:", jb->last_error);
	if (jb->state == JOB_DEAD) {
		jobfmt_line_time(ctl, "dead since:", jb->dead_at, NULL);
		jobfmt_line("dead reason:", jb->dead_reason);
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
	struct job_why why;
	struct out_json j;
	int error;

	if (!ctl->json) {
		show_human(ctl, jb);
		return;
	}
	if ((error = jobwhy_get(ctl, jb, &why)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	out_json_begin(&j, stdout);
	jobfmt_json(&j, jb);
	jobwhy_json(&j, ctl, jb, &why);
	job_why_clear(&why);
	out_json_array(&j, "reruns");
	error = store_job_reruns(ctl->st, jb->id, rerun_json, &j);
	out_json_close(&j, ']');
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	out_json_array(&j, "after");
	error = store_job_deps(ctl->st, jb->id, false, dep_json, &j);
	out_json_close(&j, ']');
	if (error == 0) {
		out_json_array(&j, "dependents");
		error = store_job_deps(ctl->st, jb->id, true, dep_json, &j);
		out_json_close(&j, ']');
	}
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	out_json_array(&j, "history");
	error = store_attempt_list(ctl->st, jb->id, attempt_json, &j);
	out_json_close(&j, ']');
	out_json_end(&j);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
}

int
jobfmt_show_cmd(struct ctl *ctl, int argc, char **argv, const char *usage,
    bool dead_only)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct job jb;
	int64_t id;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	if (argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected one job id (usage: jobctl "
		    "%s)", usage);
	id = ctl_parse_id(ctl, argv[optind]);
	ctl_open(ctl, 0);
	if ((error = store_job_get(ctl->st, id, &jb)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "job %" PRId64 ": %s", id,
		    store_errmsg(ctl->st));
	if (dead_only && jb.state != JOB_DEAD)
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 " is not dead (it "
		    "is %s)", id, job_state_name(jb.state));
	jobfmt_show(ctl, &jb);
	job_clear(&jb);
	return 0;
}
