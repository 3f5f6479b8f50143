/*
 * procopt: parse, check and print a job's umask and resource limits, for
 * jobctl, schedule files and jobd.conf alike (see procopt.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jobd/procopt.h"
#include "jobd/timefmt.h"

#define KIB	((int64_t)1024)
#define MIB	(1024 * KIB)
#define GIB	(1024 * MIB)
#define TIB	(1024 * GIB)

struct procopt_info {
	const char	*key, *flag;
	int64_t		 min, max;	/* in the stored unit */
	bool		 unlimited;	/* "unlimited" is allowed */
};

static const struct procopt_info procopt_info[PROCOPT_N] = {
	[PROCOPT_UMASK] = { "umask", "--umask", 0, 0777, false },
	[PROCOPT_NOFILE] = { "limit_nofile", "--limit-nofile", 1,
	    1LL << 30, false },
	[PROCOPT_NPROC] = { "limit_nproc", "--limit-nproc", 1, 4194304,
	    true },
	[PROCOPT_AS] = { "limit_as", "--limit-as", MIB, 1024 * TIB, true },
	/* 24855 days: the seconds in an int32, as RLIMIT_CPU on 32 bits. */
	[PROCOPT_CPU] = { "limit_cpu", "--limit-cpu", 1, 24855LL * 86400,
	    true },
	[PROCOPT_KILLMODE] = { "kill_mode", "--kill-mode", JOB_KILL_ATTEMPT,
	    JOB_KILL_PROCESS, false },
};

/* The names of the kill modes, by JOB_KILL_* value. */
static const char *const procopt_kill_names[] = {
	[JOB_KILL_ATTEMPT] = "attempt",
	[JOB_KILL_PROCESS] = "process",
};

void
procopt_init(struct job_proc *p)
{
	int i;

	p->umask = JOB_DEFAULT;
	for (i = 0; i < JOB_NLIMITS; i++)
		p->limit[i] = JOB_DEFAULT;
	p->kill_mode = JOB_DEFAULT;
}

const char *
procopt_key(enum procopt o)
{
	return (unsigned)o < PROCOPT_N ? procopt_info[o].key : "?";
}

const char *
procopt_flag(enum procopt o)
{
	return (unsigned)o < PROCOPT_N ? procopt_info[o].flag : "?";
}

int64_t *
procopt_field(struct job_proc *p, enum procopt o)
{
	if (o == PROCOPT_UMASK)
		return &p->umask;
	if (o == PROCOPT_KILLMODE)
		return &p->kill_mode;
	return &p->limit[o - 1];
}

int64_t
procopt_get(const struct job_proc *p, enum procopt o)
{
	return *procopt_field((struct job_proc *)(uintptr_t)p, o);
}

/* Digits only, base 8 or 10, into *v; -EINVAL, or -ERANGE past max. */
static int
parse_digits(const char *s, int base, int64_t max, int64_t *v,
    const char **end)
{
	int64_t n = 0;
	int d;

	for (*end = s; **end >= '0' && **end < '0' + base; (*end)++) {
		d = **end - '0';
		if (n > (max - d) / base)
			return -ERANGE;
		n = n * base + d;
	}
	if (*end == s)
		return -EINVAL;
	*v = n;
	return 0;
}

int
procopt_size_parse(const char *s, int64_t max, int64_t *v)
{
	const char *p;
	int64_t n, mult = 1;
	int rc;

	/* Syntax first: "99999999999999999999X" is a bad suffix. */
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p == s || (p[0] != '\0' && (p[1] != '\0' ||
	    strchr("KMGT", p[0]) == NULL)))
		return -EINVAL;
	if (p[0] == 'K')
		mult = KIB;
	else if (p[0] == 'M')
		mult = MIB;
	else if (p[0] == 'G')
		mult = GIB;
	else if (p[0] == 'T')
		mult = TIB;
	if ((rc = parse_digits(s, 10, INT64_MAX, &n, &p)) != 0)
		return rc;
	if (n > max / mult)
		return -ERANGE;
	*v = n * mult;
	return 0;
}

static void
why_range(enum procopt o, char *why, size_t whylen)
{
	const struct procopt_info *in = &procopt_info[o];
	char lo[PROCOPT_MAX], hi[PROCOPT_MAX];

	procopt_format(o, in->min, lo, sizeof(lo));
	procopt_format(o, in->max, hi, sizeof(hi));
	snprintf(why, whylen, "must be between %s and %s%s", lo, hi,
	    in->unlimited ? ", or unlimited" : "");
}

int
procopt_parse(enum procopt o, const char *s, int64_t *v, char *why,
    size_t whylen)
{
	const struct procopt_info *in;
	const char *end;
	int64_t n, ms;
	int rc;

	if ((unsigned)o >= PROCOPT_N) {
		snprintf(why, whylen, "unknown option");
		return -EINVAL;
	}
	in = &procopt_info[o];
	if (strcmp(s, "unlimited") == 0) {
		if (!in->unlimited) {
			snprintf(why, whylen, "%s", o == PROCOPT_NOFILE ?
			    "cannot be unlimited (Linux caps it at "
			    "fs.nr_open)" : "cannot be unlimited");
			return -EINVAL;
		}
		*v = JOB_UNLIMITED;
		return 0;
	}
	switch (o) {
	case PROCOPT_KILLMODE:
		for (n = JOB_KILL_ATTEMPT; n <= JOB_KILL_PROCESS; n++)
			if (strcmp(s, procopt_kill_names[n]) == 0)
				break;
		if (n > JOB_KILL_PROCESS) {
			snprintf(why, whylen, "not \"attempt\" or "
			    "\"process\"");
			return -EINVAL;
		}
		rc = 0;
		break;
	case PROCOPT_UMASK:
		rc = parse_digits(s, 8, INT64_MAX, &n, &end);
		if (rc == 0 && *end != '\0')
			rc = -EINVAL;
		if (rc == -EINVAL || strlen(s) > 4) {
			snprintf(why, whylen, "not an octal mode like 022 or "
			    "0027");
			return -EINVAL;
		}
		break;
	case PROCOPT_NOFILE:
	case PROCOPT_NPROC:
		rc = parse_digits(s, 10, INT64_MAX, &n, &end);
		if (rc == 0 && *end != '\0')
			rc = -EINVAL;
		if (rc == -EINVAL) {
			snprintf(why, whylen, "not a whole number%s",
			    in->unlimited ? " or \"unlimited\"" : "");
			return -EINVAL;
		}
		break;
	case PROCOPT_AS:
		if ((rc = procopt_size_parse(s, INT64_MAX, &n)) == -EINVAL) {
			snprintf(why, whylen, "not a size like \"512M\" or "
			    "\"2G\" (bytes, or K, M, G, T: binary)");
			return -EINVAL;
		}
		break;
	case PROCOPT_CPU:
		if ((rc = timefmt_parse_duration(s, &ms, NULL, 0)) == -EINVAL) {
			snprintf(why, whylen, "not a duration like \"90s\" or "
			    "\"1h\"");
			return -EINVAL;
		}
		if (rc == 0 && ms % 1000 != 0) {
			snprintf(why, whylen, "not whole seconds");
			return -EINVAL;
		}
		n = ms / 1000;
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0 || n < in->min || n > in->max) {
		why_range(o, why, whylen);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

void
procopt_format(enum procopt o, int64_t v, char *buf, size_t len)
{
	if (v == JOB_DEFAULT) {
		snprintf(buf, len, "default");
		return;
	}
	if (v == JOB_UNLIMITED) {
		snprintf(buf, len, "unlimited");
		return;
	}
	switch (o) {
	case PROCOPT_KILLMODE:
		snprintf(buf, len, "%s", v >= JOB_KILL_ATTEMPT &&
		    v <= JOB_KILL_PROCESS ? procopt_kill_names[v] : "?");
		break;
	case PROCOPT_UMASK:
		snprintf(buf, len, "%03" PRIo64, v);
		break;
	case PROCOPT_AS:
		procopt_size_format(v, buf, len);
		break;
	case PROCOPT_CPU:
		if (v > INT64_MAX / 1000 ||
		    timefmt_format_duration(v * 1000, buf, len) != 0)
			snprintf(buf, len, "%" PRId64 "s", v);
		break;
	default:
		snprintf(buf, len, "%" PRId64, v);
		break;
	}
}

void
procopt_resolve(struct job_proc *job, const struct job_proc *def)
{
	int i;

	if (job->umask == JOB_DEFAULT)
		job->umask = def->umask;
	for (i = 0; i < JOB_NLIMITS; i++)
		if (job->limit[i] == JOB_DEFAULT)
			job->limit[i] = def->limit[i];
	if (job->kill_mode == JOB_DEFAULT)
		job->kill_mode = def->kill_mode;
}

void
procopt_size_format(int64_t v, char *buf, size_t len)
{
	if (v != 0 && v % TIB == 0)
		snprintf(buf, len, "%" PRId64 "T", v / TIB);
	else if (v != 0 && v % GIB == 0)
		snprintf(buf, len, "%" PRId64 "G", v / GIB);
	else if (v != 0 && v % MIB == 0)
		snprintf(buf, len, "%" PRId64 "M", v / MIB);
	else if (v != 0 && v % KIB == 0)
		snprintf(buf, len, "%" PRId64 "K", v / KIB);
	else
		snprintf(buf, len, "%" PRId64, v);
}
