/*
 * schedule: the policies' names, and checking a schedule's definition and
 * computing its next fire time (cron.h and tz.h do the work).  Shared by
 * jobctl (schedule add, import-crontab) and jobd (schedule files, firing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/cron.h"
#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/tz.h"

static const char *const overlap_names[] = { "skip", "allow", "queue" };
static const char *const catchup_names[] = { "skip", "once", "all" };

const char *
sched_overlap_name(enum sched_overlap o)
{
	return (unsigned)o < 3 ? overlap_names[o] : NULL;
}

int
sched_overlap_parse(const char *s, enum sched_overlap *o)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, overlap_names[i]) == 0) {
			*o = (enum sched_overlap)i;
			return 0;
		}
	return -EINVAL;
}

const char *
sched_catchup_name(enum sched_catchup c)
{
	return (unsigned)c < 3 ? catchup_names[c] : NULL;
}

int
sched_catchup_parse(const char *s, enum sched_catchup *c)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, catchup_names[i]) == 0) {
			*c = (enum sched_catchup)i;
			return 0;
		}
	return -EINVAL;
}

void
schedule_job_spec(const struct schedule *s, struct job_spec *js)
{
	memset(js, 0, sizeof(*js));
	js->queue = s->queue;
	js->command = s->command;
	js->priority = s->priority;
	js->max_attempts = s->max_attempts;
	js->timeout_ms = s->timeout_ms;
	js->backoff_ms = s->backoff_ms;
	js->backoff_max_ms = s->backoff_max_ms;
	js->key_ttl_ms = JOB_DEFAULT;
	js->env = s->env;
	js->env_len = s->env_len;
	js->cwd = s->cwd;
	js->run_as = s->run_as;
	js->proc = s->proc;
	js->mail_to = s->mail_to;
	js->mail_on = s->mail_on;
	js->schedule_id = s->id;
}

void
schedule_clear(struct schedule *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->cron);
	free(s->tz);
	free(s->command);
	free(s->queue);
	free(s->env);
	free(s->cwd);
	free(s->run_as);
	free(s->mail_to);
	free(s->source);
	free(s->hook[JOB_HOOK_DEAD]);
	free(s->hook[JOB_HOOK_FAILURE]);
	free(s->hook[JOB_HOOK_SUCCESS]);
	memset(s, 0, sizeof(*s));
}

int
schedule_zone(const char *tz, struct tz **out, char *err, size_t errlen)
{
	if (tz == NULL || *tz == '\0')
		return tz_load_system(out, err, errlen);
	return tz_load(tz, out, err, errlen);
}

int
schedule_next(const struct schedule *s, int64_t after, int64_t *next,
    char *err, size_t errlen)
{
	struct cron_expr e;
	struct tz *z = NULL;
	char why[256];
	int error;

	if ((error = cron_parse(s->cron, &e, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "cron \"%s\": %s", s->cron, why);
		return error;
	}
	if (e.flags & CRON_REBOOT) {
		*next = 0;
		return 0;
	}
	if ((error = schedule_zone(s->tz, &z, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "time zone: %s", why);
		return error;
	}
	error = cron_next(&e, z, after, next);
	tz_free(z);
	if (error != 0)
		snprintf(err, errlen, "cron \"%s\" never fires in the next %d "
		    "years", s->cron, CRON_HORIZON);
	return error;
}

int
schedule_check(struct schedule *s, int64_t now, char *err, size_t errlen)
{
	const char *p;
	int error;

	if (s->name == NULL || *s->name == '\0' ||
	    strlen(s->name) > SCHEDULE_NAME_MAX) {
		snprintf(err, errlen, "invalid name \"%s\": must be 1 to %d "
		    "characters", s->name != NULL ? s->name : "",
		    SCHEDULE_NAME_MAX);
		return -EINVAL;
	}
	for (p = s->name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-:@", *p) != NULL)) {
			snprintf(err, errlen, "invalid name \"%s\": use letters, "
			    "digits, '.', '_', '-', ':' and '@'", s->name);
			return -EINVAL;
		}
	}
	if (s->command == NULL || s->command[strspn(s->command, " \t")] ==
	    '\0') {
		snprintf(err, errlen, "schedule \"%s\": the command is empty",
		    s->name);
		return -EINVAL;
	}
	if (s->cron == NULL) {
		snprintf(err, errlen, "schedule \"%s\": no cron expression",
		    s->name);
		return -EINVAL;
	}
	if ((error = schedule_next(s, now, &s->next_run_at, err,
	    errlen)) != 0)
		return error == -ENOENT ? -ENOENT : -EINVAL;
	return 0;
}
