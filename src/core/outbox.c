/*
 * outbox: the notification planner.  See outbox.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/job.h"
#include "jobd/mail.h"
#include "jobd/outbox.h"

static const char *const outbox_events[JOB_NHOOKS] = {
	[JOB_HOOK_DEAD] = "dead",
	[JOB_HOOK_FAILURE] = "failure",
	[JOB_HOOK_SUCCESS] = "success",
};

static const char *const outbox_keys[JOB_NHOOKS] = {
	[JOB_HOOK_DEAD] = "on_dead",
	[JOB_HOOK_FAILURE] = "on_failure",
	[JOB_HOOK_SUCCESS] = "on_success",
};

const char *
outbox_event_name(enum job_hook e)
{
	if ((unsigned)e >= JOB_NHOOKS)
		return NULL;
	return outbox_events[e];
}

const char *
outbox_hook_key(enum job_hook e)
{
	if ((unsigned)e >= JOB_NHOOKS)
		return NULL;
	return outbox_keys[e];
}

int
outbox_hook_check(const char *hook, char *why, size_t whylen)
{
	const char *p, *sp;
	size_t len;

	len = strlen(hook);
	if (len == 0) {
		snprintf(why, whylen, "must not be empty");
		return -EINVAL;
	}
	if (len > OUTBOX_HOOK_MAX) {
		snprintf(why, whylen, "too long (more than %d bytes)",
		    OUTBOX_HOOK_MAX);
		return -EINVAL;
	}
	for (p = hook; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "must not contain control "
			    "characters (newline, tab ...)");
			return -EINVAL;
		}
	if (hook[0] != '/') {
		snprintf(why, whylen, "must start with the absolute path of "
		    "a program");
		return -EINVAL;
	}
	sp = strchr(hook, ' ');
	if ((sp != NULL ? sp[-1] : hook[len - 1]) == '/') {
		snprintf(why, whylen, "must name a program, not a directory");
		return -EINVAL;
	}
	return 0;
}

int
outbox_hook_path(const char *hook, char *buf, size_t len)
{
	size_t n = strcspn(hook, " ");

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, hook, n);
	buf[n] = '\0';
	return 0;
}

/* An environment blob being built. */
struct ob_env {
	char	*buf;
	size_t	 len, cap;
	bool	 oom;
};

static void
ob_env_add(struct ob_env *e, const char *name, const char *value)
{
	size_t nlen, vlen, need;
	char *nb;

	if (e->oom || value == NULL)
		return;
	nlen = strlen(name);
	vlen = strlen(value);
	need = e->len + nlen + 1 + vlen + 1;
	if (need > e->cap) {
		size_t cap = e->cap == 0 ? 256 : e->cap;

		while (cap < need)
			cap *= 2;
		if ((nb = realloc(e->buf, cap)) == NULL) {
			e->oom = true;
			return;
		}
		e->buf = nb;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, name, nlen);
	e->buf[e->len + nlen] = '=';
	memcpy(e->buf + e->len + nlen + 1, value, vlen);
	e->buf[e->len + nlen + 1 + vlen] = '\0';
	e->len = need;
}

static void
ob_env_num(struct ob_env *e, const char *name, int64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, v);
	ob_env_add(e, name, num);
}

/* The JOBD_* variables of a notification of event ev about o. */
static int
ob_env(const struct outbox_outcome *o, enum job_hook ev, struct outbox_job *j)
{
	struct ob_env e;

	memset(&e, 0, sizeof(e));
	ob_env_add(&e, "JOBD_EVENT", outbox_events[ev]);
	ob_env_num(&e, "JOBD_JOB_ID", o->job_id);
	ob_env_add(&e, "JOBD_QUEUE", o->queue);
	ob_env_add(&e, "JOBD_COMMAND", o->command);
	ob_env_num(&e, "JOBD_ATTEMPT", o->attempt);
	ob_env_add(&e, "JOBD_OUTCOME", o->outcome);
	if (o->has_exit_code)
		ob_env_num(&e, "JOBD_EXIT_STATUS", o->exit_code);
	else if (o->signal != 0)
		ob_env_num(&e, "JOBD_SIGNAL", o->signal);
	ob_env_add(&e, "JOBD_REASON", o->reason);
	ob_env_add(&e, "JOBD_SCHEDULE", o->schedule);
	if (e.oom) {
		free(e.buf);
		return -ENOMEM;
	}
	j->env = e.buf;
	j->env_len = e.len;
	return 0;
}

/* The hook of event ev: the job's, else its schedule's, else c's. */
static const char *
ob_hook(const struct outbox_conf *c, const struct outbox_outcome *o,
    enum job_hook ev)
{
	if (o->job_hook[ev] != NULL)
		return o->job_hook[ev];
	if (o->sched_hook[ev] != NULL)
		return o->sched_hook[ev];
	return c->hook[ev];
}

/* Add a hook notification of event ev, if one is asked for. */
static int
ob_add_hook(const struct outbox_conf *c, const struct outbox_outcome *o,
    enum job_hook ev, struct outbox_job *out, size_t *n)
{
	struct outbox_job *j;
	const char *hook;

	if ((hook = ob_hook(c, o, ev)) == NULL || *n >= OUTBOX_MAX)
		return 0;
	j = &out[*n];
	memset(j, 0, sizeof(*j));
	j->event = ev;
	if ((j->command = strdup(hook)) == NULL)
		return -ENOMEM;
	if (ob_env(o, ev, j) != 0) {
		outbox_job_clear(j);
		return -ENOMEM;
	}
	j->run_as = o->run_as;
	j->input = o->output_len > 0 ? o->output : NULL;
	j->input_len = j->input != NULL ? o->output_len : 0;
	(*n)++;
	return 0;
}

/* argv as one /bin/sh command line, each word in single quotes. */
static char *
ob_shell_join(char **argv)
{
	size_t len = 1, k;
	const char *q;
	char *cmd, *p;

	for (k = 0; argv[k] != NULL; k++)
		len += strlen(argv[k]) * 4 + 3;
	if ((cmd = p = malloc(len)) == NULL)
		return NULL;
	for (k = 0; argv[k] != NULL; k++) {
		if (k > 0)
			*p++ = ' ';
		*p++ = '\'';
		for (q = argv[k]; *q != '\0'; q++) {
			if (*q == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else
				*p++ = *q;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return cmd;
}

/* What the attempt came to, for the mail: "exit 1", "signal 9" ... */
static void
ob_mail_outcome(const struct outbox_outcome *o, char *buf, size_t len)
{
	if (!o->failed)
		snprintf(buf, len, "done");
	else if (o->has_exit_code)
		snprintf(buf, len, "exit %" PRId64 "%s", o->exit_code,
		    o->dead ? ", dead" : "");
	else if (o->signal != 0)
		snprintf(buf, len, "signal %" PRId64 "%s", o->signal,
		    o->dead ? ", dead" : "");
	else
		snprintf(buf, len, "%s%s", o->outcome != NULL ? o->outcome :
		    "failed", o->dead ? ", dead" : "");
}

/* Add the mail about o, if it has mail_to and its policy wants one. */
static int
ob_add_mail(const struct outbox_conf *c, const struct outbox_outcome *o,
    struct outbox_job *out, size_t *n)
{
	struct outbox_job *j;
	struct mail_msg m;
	enum mail_on on;
	char outcome[64], **argv, *msg;
	size_t len;
	int error;

	if (o->mail_to == NULL || c->mailer == NULL || *n >= OUTBOX_MAX)
		return 0;
	on = o->mail_on != MAIL_ON_UNSET ? o->mail_on : c->mail_on;
	if (!mail_wanted(on, o->failed, o->output_len))
		return 0;
	j = &out[*n];
	memset(j, 0, sizeof(*j));
	j->event = o->dead ? JOB_HOOK_DEAD : o->failed ? JOB_HOOK_FAILURE :
	    JOB_HOOK_SUCCESS;
	if ((error = mail_argv(c->mailer, o->mail_to, &argv)) != 0)
		return error == -ENOMEM ? error : 0;
	j->command = ob_shell_join(argv);
	mail_argv_free(argv);
	if (j->command == NULL)
		return -ENOMEM;
	ob_mail_outcome(o, outcome, sizeof(outcome));
	memset(&m, 0, sizeof(m));
	m.from = c->mail_from;
	m.to = o->mail_to;
	m.user = o->run_as != NULL ? o->run_as : c->user;
	m.host = c->host;
	m.command = o->command;
	m.schedule = o->schedule;
	m.job_id = o->job_id;
	m.attempt = (int)o->attempt;
	m.outcome = outcome;
	m.date = o->finished_at / 1000;
	m.body = o->output;
	m.body_len = o->output_len;
	if ((error = mail_compose(&m, &msg, &len)) != 0) {
		outbox_job_clear(j);
		return error == -ENOMEM ? error : 0;
	}
	j->input = j->input_buf = msg;
	j->input_len = len;
	if (ob_env(o, j->event, j) != 0) {
		outbox_job_clear(j);
		return -ENOMEM;
	}
	j->run_as = o->run_as;
	(*n)++;
	return 0;
}

int
outbox_plan(const struct outbox_conf *c, const struct outbox_outcome *o,
    struct outbox_job *out, size_t *n)
{
	size_t i;
	int error = 0;

	*n = 0;
	if (o->notify_of != 0)
		return 0;
	if (o->failed)
		error = ob_add_hook(c, o, JOB_HOOK_FAILURE, out, n);
	else
		error = ob_add_hook(c, o, JOB_HOOK_SUCCESS, out, n);
	if (error == 0 && o->failed && o->dead)
		error = ob_add_hook(c, o, JOB_HOOK_DEAD, out, n);
	if (error == 0)
		error = ob_add_mail(c, o, out, n);
	if (error != 0) {
		for (i = 0; i < *n; i++)
			outbox_job_clear(&out[i]);
		*n = 0;
	}
	return error;
}

void
outbox_job_clear(struct outbox_job *j)
{
	if (j == NULL)
		return;
	free(j->command);
	free(j->env);
	free(j->input_buf);
	memset(j, 0, sizeof(*j));
}
