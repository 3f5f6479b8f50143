/*
 * jobspec: the rules and limits of a job's options, checked in one place
 * for jobctl, schedule files and crontab import (see jobspec.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/outbox.h"
#include "jobd/procopt.h"
#include "jobd/queue.h"
#include "jobd/timefmt.h"

#define JOBSPEC_PWBUF_MAX	(1024 * 1024)	/* getpwnam_r buffer, bytes */

static int
jobspec_fail(char *why, size_t whylen, int error, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return error;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The one rule of queue names is queue.h's. */
int
jobspec_queue_check(const char *q, char *why, size_t whylen)
{
	return queue_name_check(q, false, why, whylen);
}

int
jobspec_int_parse(const char *s, int64_t min, int64_t max, int64_t *v,
    char *why, size_t whylen)
{
	const char *p = s;
	long long n;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	if (!is_digit(*p))
		return jobspec_fail(why, whylen, -EINVAL, "not an integer");
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0')
		return jobspec_fail(why, whylen, -EINVAL, "not an integer");
	if (errno == ERANGE || n < min || n > max) {
		snprintf(why, whylen, "must be between %lld and %lld",
		    (long long)min, (long long)max);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

int
jobspec_priority_parse(const char *s, int64_t *v, char *why, size_t whylen)
{
	return jobspec_int_parse(s, JOBSPEC_PRIORITY_MIN, JOBSPEC_PRIORITY_MAX,
	    v, why, whylen);
}

int
jobspec_attempts_parse(const char *s, int64_t *v, char *why, size_t whylen)
{
	return jobspec_int_parse(s, 1, JOBSPEC_ATTEMPTS_MAX, v, why, whylen);
}

int
jobspec_duration_parse(const char *s, int64_t *ms, char *why, size_t whylen)
{
	return timefmt_parse_duration(s, ms, why, whylen) == 0 ? 0 : -EINVAL;
}

int
jobspec_backoff_check(int64_t base, int64_t max, char *why, size_t whylen)
{
	if (base != JOB_DEFAULT && max != JOB_DEFAULT && max < base)
		return jobspec_fail(why, whylen, -EINVAL, "the maximum must "
		    "not be less than the base");
	return 0;
}

int
jobspec_env_name_check(const char *name, size_t len, char *why,
    size_t whylen)
{
	size_t i;

	if (len == 0)
		return jobspec_fail(why, whylen, -EINVAL, "expected "
		    "NAME=VALUE");
	for (i = 0; i < len; i++)
		if (!is_alpha(name[i]) && name[i] != '_' &&
		    !(i > 0 && is_digit(name[i])))
			return jobspec_fail(why, whylen, -EINVAL, "a variable "
			    "name is letters, digits and '_', not starting "
			    "with a digit");
	if (len >= 5 && strncmp(name, "JOBD_", 5) == 0)
		return jobspec_fail(why, whylen, -EINVAL, "JOBD_* variables "
		    "are set by jobd");
	return 0;
}

int
jobspec_env_set(char **env, size_t *env_len, const char *name, size_t nlen,
    const char *value, int flags, char *why, size_t whylen)
{
	size_t vlen = strlen(value), add = nlen + 1 + vlen + 1, elen;
	size_t len = *env_len, old = 0;
	char *e, *old_at = NULL, *n;
	int error;

	if ((error = jobspec_env_name_check(name, nlen, why, whylen)) != 0)
		return error;
	for (e = *env; e != NULL && e < *env + len; e += elen) {
		elen = strlen(e) + 1;
		if (strncmp(e, name, nlen) != 0 || e[nlen] != '=')
			continue;
		if (!(flags & JOBSPEC_ENV_REPLACE)) {
			snprintf(why, whylen, "%.*s is set twice", (int)nlen,
			    name);
			return -EINVAL;
		}
		old_at = e;
		old = elen;
		break;
	}
	if (len - old + add > JOBSPEC_ENV_MAX) {
		snprintf(why, whylen, "too much environment (at most %d bytes)",
		    JOBSPEC_ENV_MAX);
		return -EINVAL;
	}
	if (old_at != NULL) {
		memmove(old_at, old_at + old, (size_t)(*env + len -
		    (old_at + old)));
		len -= old;
		*env_len = len;
	}
	if ((n = realloc(*env, len + add)) == NULL)
		return jobspec_fail(why, whylen, -ENOMEM, "out of memory");
	memcpy(n + len, name, nlen);
	n[len + nlen] = '=';
	memcpy(n + len + nlen + 1, value, vlen + 1);
	*env = n;
	*env_len = len + add;
	return 0;
}

int
jobspec_user_check(const char *name, uint32_t *uid, char *why,
    size_t whylen)
{
	struct passwd pw, *pwp = NULL;
	size_t len = 1024;
	char *buf = NULL, *nbuf;
	uid_t me = geteuid();
	int rc = 0;

	if (*name == '\0')
		return jobspec_fail(why, whylen, -ENOENT, "no such user");
	for (;;) {
		if ((nbuf = realloc(buf, len)) == NULL) {
			free(buf);
			return jobspec_fail(why, whylen, -ENOMEM,
			    "out of memory");
		}
		buf = nbuf;
		rc = getpwnam_r(name, &pw, buf, len, &pwp);
		if (rc != ERANGE || len >= JOBSPEC_PWBUF_MAX)
			break;
		len *= 2;
	}
	if (pwp == NULL) {
		free(buf);
		/* getpwnam(3): these all mean "not found". */
		if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
		    rc == EPERM)
			return jobspec_fail(why, whylen, -ENOENT,
			    "no such user");
		snprintf(why, whylen, "looking up the user: %s", strerror(rc));
		return -EIO;
	}
	if (uid != NULL)
		*uid = (uint32_t)pw.pw_uid;
	rc = me != 0 && pw.pw_uid != me;
	free(buf);
	if (rc)
		return jobspec_fail(why, whylen, -EPERM, "only root may run "
		    "jobs as another user");
	return 0;
}

int
jobspec_cwd_check(const char *path, char *why, size_t whylen)
{
	if (*path == '\0')
		return jobspec_fail(why, whylen, -EINVAL, "empty path");
	if (*path != '/')
		return jobspec_fail(why, whylen, -EINVAL, "must be an absolute "
		    "path");
	if (strlen(path) >= PATH_MAX)
		return jobspec_fail(why, whylen, -EINVAL, "path too long");
	return 0;
}

int
jobspec_command_check(const char *cmd, size_t len, char *why, size_t whylen)
{
	size_t i;

	if (len > JOBSPEC_COMMAND_MAX) {
		snprintf(why, whylen, "is too long (%zu bytes, at most %d)", len,
		    JOBSPEC_COMMAND_MAX);
		return -E2BIG;
	}
	if (memchr(cmd, '\0', len) != NULL)
		return jobspec_fail(why, whylen, -EILSEQ, "contains a NUL "
		    "byte");
	for (i = 0; i < len; i++)
		if (cmd[i] != ' ' && cmd[i] != '\t')
			return 0;
	return jobspec_fail(why, whylen, -EINVAL, "is empty");
}

int
jobspec_mail_to_check(const char *s, char *why, size_t whylen)
{
	return mail_addrs_check(s, why, whylen);
}

int
jobspec_mail_on_parse(const char *s, enum mail_on *on, char *why,
    size_t whylen)
{
	if (mail_on_parse(s, on) != 0)
		return jobspec_fail(why, whylen, -EINVAL, "use failure, "
		    "output, always or never");
	return 0;
}

/* An option that is JOB_DEFAULT or within [min, max]. */
static int
spec_range(const char *what, int64_t v, int64_t min, int64_t max, char *why,
    size_t whylen)
{
	if (v == JOB_DEFAULT || (v >= min && v <= max))
		return 0;
	snprintf(why, whylen, "%s: %lld is not between %lld and %lld", what,
	    (long long)v, (long long)min, (long long)max);
	return -EINVAL;
}

/* The environment blob: "NAME=VALUE\0" entries, names as env_name_check. */
static int
spec_env_check(const char *env, size_t len, char *why, size_t whylen)
{
	const char *p = env, *end = env + len, *nul, *eq;

	if (len > JOBSPEC_ENV_MAX) {
		snprintf(why, whylen, "environment: %zu bytes (at most %d)",
		    len, JOBSPEC_ENV_MAX);
		return -EINVAL;
	}
	while (p < end) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return jobspec_fail(why, whylen, -EINVAL,
			    "environment: an entry without its NUL");
		if ((eq = memchr(p, '=', (size_t)(nul - p))) == NULL)
			return jobspec_fail(why, whylen, -EINVAL,
			    "environment: expected NAME=VALUE");
		if (jobspec_env_name_check(p, (size_t)(eq - p), why,
		    whylen) != 0)
			return -EINVAL;
		p = nul + 1;
	}
	return 0;
}

int
jobspec_check(const struct job_spec *s, char *why, size_t whylen)
{
	static const char *const hooks[JOB_NHOOKS] = {
		"on_dead", "on_failure", "on_success",
	};
	char r[JOBSPEC_WHY_MAX], buf[PROCOPT_MAX];
	int64_t v;
	int i, error;

#define SPEC(call, what) do {						\
	if ((error = (call)) != 0) {					\
		snprintf(why, whylen, "%s: %s", (what), r);		\
		return error;						\
	}								\
} while (0)
	if (s->command == NULL)
		return jobspec_fail(why, whylen, -EINVAL, "no command");
	SPEC(jobspec_command_check(s->command, strlen(s->command), r,
	    sizeof(r)), "command");
	if (s->queue != NULL)
		SPEC(jobspec_queue_check(s->queue, r, sizeof(r)), "queue");
	if ((error = spec_range("priority", s->priority, JOBSPEC_PRIORITY_MIN,
	    JOBSPEC_PRIORITY_MAX, why, whylen)) != 0 ||
	    (error = spec_range("max_attempts", s->max_attempts, 1,
	    JOBSPEC_ATTEMPTS_MAX, why, whylen)) != 0 ||
	    (error = spec_range("timeout", s->timeout_ms, 0, INT64_MAX / 2,
	    why, whylen)) != 0 ||
	    (error = spec_range("backoff", s->backoff_ms, 0, INT64_MAX / 2,
	    why, whylen)) != 0 ||
	    (error = spec_range("backoff maximum", s->backoff_max_ms, 0,
	    INT64_MAX / 2, why, whylen)) != 0 ||
	    (error = spec_range("key ttl", s->key_ttl_ms, 0, INT64_MAX / 2,
	    why, whylen)) != 0)
		return error;
	SPEC(jobspec_backoff_check(s->backoff_ms, s->backoff_max_ms, r,
	    sizeof(r)), "backoff");
	if (s->env != NULL &&
	    (error = spec_env_check(s->env, s->env_len, why, whylen)) != 0)
		return error;
	if (s->cwd != NULL)
		SPEC(jobspec_cwd_check(s->cwd, r, sizeof(r)), "cwd");
	if (s->run_as != NULL)
		SPEC(jobspec_user_check(s->run_as, NULL, r, sizeof(r)),
		    "user");
	if (s->mail_to != NULL)
		SPEC(jobspec_mail_to_check(s->mail_to, r, sizeof(r)),
		    "mail_to");
	if ((int)s->mail_on < (int)MAIL_ON_UNSET ||
	    (int)s->mail_on > (int)MAIL_ON_ALWAYS)
		return jobspec_fail(why, whylen, -EINVAL, "mail_on: out of "
		    "range");
	for (i = 0; i < JOB_NHOOKS; i++)
		if (s->hook[i] != NULL)
			SPEC(jobspec_command_check(s->hook[i],
			    strlen(s->hook[i]), r, sizeof(r)), hooks[i]);
	/* A process option is what its own parser would have made. */
	for (i = 0; i < PROCOPT_N; i++) {
		v = procopt_get(&s->proc, (enum procopt)i);
		if (v == JOB_DEFAULT)
			continue;
		procopt_format((enum procopt)i, v, buf, sizeof(buf));
		if (procopt_parse((enum procopt)i, buf, &v, r, sizeof(r)) !=
		    0 || v != procopt_get(&s->proc, (enum procopt)i)) {
			snprintf(why, whylen, "%s: not a value it takes",
			    procopt_key((enum procopt)i));
			return -EINVAL;
		}
	}
#undef SPEC
	return 0;
}
