/*
 * schedfile: schedule files, the /etc/cron.d of jobd.
 *
 * schedfile_sync() makes the store's "file:" schedules of one directory
 * match its "*.conf" files.  A file is read whole (at most CONFIG_FILE_MAX
 * bytes), parsed by the strict INI reader of config.h and checked
 * completely (every value, every cron expression and zone, the next fire
 * time of every schedule) before anything is written.  Then all the files
 * are synced in one store transaction (store_schedule_sync_dir), each as
 * source "file:PATH", so that a schedule whose section moves to another
 * file, or whose file is renamed, is the same schedule afterwards: its id,
 * its slot history and its jobs stay.  A file with an error changes
 * nothing: its schedules stay as they were and the other files are synced
 * all the same; so does a file whose names clash with another source (the
 * transaction is tried again without it).  A name in two files is an
 * error naming both, and then no file is synced.
 *
 * config_read_ini calls back for keys only, so the section headers are
 * found by a scan of the buffer before it is parsed: every schedule gets
 * the line of its header, for the errors about a section as a whole (a
 * required key missing, an empty or repeated section), and a key is
 * mapped to the last header above it.
 *
 * Loop thread of jobd only: it uses the store.  No global state.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/config.h"
#include "jobd/cron.h"
#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/log.h"
#include "jobd/outbox.h"
#include "jobd/procopt.h"
#include "jobd/schedfile.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/tz.h"

#define SF_FILES_MAX		1000		/* *.conf files per directory */
#define SF_SCHEDULES_MAX	10000		/* sections per file */
#define SF_WHY_MAX		512
#define SF_SUFFIX		".conf"

/* Keys a section has seen (sf_file.flags). */
#define SF_HAS_CRON		0x01
#define SF_HAS_COMMAND		0x02

/* A section header, found by sf_scan in the file's buffer. */
struct sf_header {
	const char	*name;		/* in the buffer, not NUL-terminated */
	size_t		 len;
	int		 line;		/* 1-based */
};

/* One file being read. */
struct sf_file {
	const char		*path;		/* labels messages */
	const char		*source;	/* "file:" path */
	int64_t			 now;		/* UTC ms */
	struct sf_header	*hdr;		/* owned; nh of them */
	size_t			 nh;
	struct schedule		*sc;		/* owned; sc[i] of hdr[i] */
	unsigned char		*flags;		/* owned; SF_HAS_* of sc[i] */
	size_t			 next;		/* headers entered so far */
	size_t			 done;		/* headers finished so far */
	int			 eline;		/* an error on another line */
	char			 ewhy[SF_WHY_MAX];
};

/* The directory being synced. */
struct sf_dir {
	char		 path[PATH_MAX];	/* no trailing '/' but "/" */
	char		 prefix[PATH_MAX + 8];	/* "file:" path "/" */
	char		**names;		/* owned; sorted */
	size_t		 n;
};

static int
sf_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Values.  Each parser writes a reason to why (whylen bytes) on error;
 * callers prefix the key and value.
 */

static int
sf_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "0") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Append "NAME=VALUE\0" to s->env; name is what follows "env.". */
static int
sf_env(struct schedule *s, const char *name, const char *value, char *why,
    size_t whylen)
{
	if (*name == '\0') {
		snprintf(why, whylen, "no variable name after \"env.\"");
		return -EINVAL;
	}
	return jobspec_env_set(&s->env, &s->env_len, name, strlen(name), value,
	    0, why, whylen);
}

/* Replace the owned string *dst with a copy of value. */
static int
sf_str(char **dst, const char *value, char *why, size_t whylen)
{
	char *s;

	if ((s = strdup(value)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/*
 * Set key = value of schedule s (its SF_HAS_* flags in *flags).  Returns
 * 0, or -EINVAL/-ENOMEM with a reason in why.
 */
static int
sf_key(struct schedule *s, unsigned char *flags, const char *key,
    const char *value, char *why, size_t whylen)
{
	char r[SF_WHY_MAX - 128];
	struct cron_expr e;
	struct tz *z = NULL;
	int64_t v;
	bool b;
	int o, rc;

	r[0] = '\0';
	if (strncmp(key, "env.", 4) == 0) {
		if ((rc = sf_env(s, key + 4, value, r, sizeof(r))) != 0)
			goto bad;
		return 0;
	}
	if (*value == '\0') {
		snprintf(why, whylen, "%s: empty value", key);
		return -EINVAL;
	}
	rc = 0;
	for (o = 0; o < PROCOPT_N; o++) {
		if (strcmp(key, procopt_key((enum procopt)o)) != 0)
			continue;
		if ((rc = procopt_parse((enum procopt)o, value, &v, r,
		    sizeof(r))) != 0)
			goto bad;
		*procopt_field(&s->proc, (enum procopt)o) = v;
		return 0;
	}
	for (o = 0; o < JOB_NHOOKS; o++) {
		if (strcmp(key, outbox_hook_key((enum job_hook)o)) != 0)
			continue;
		if ((rc = outbox_hook_check(value, r, sizeof(r))) == 0)
			rc = sf_str(&s->hook[o], value, r, sizeof(r));
		if (rc != 0)
			goto bad;
		return 0;
	}
	if (strcmp(key, "cron") == 0) {
		if (cron_parse(value, &e, r, sizeof(r)) != 0) {
			rc = -EINVAL;
			goto bad;
		}
		*flags |= SF_HAS_CRON;
		rc = sf_str(&s->cron, value, r, sizeof(r));
	} else if (strcmp(key, "command") == 0) {
		if ((rc = jobspec_command_check(value, strlen(value), r,
		    sizeof(r))) != 0) {
			rc = -EINVAL;
			goto bad;
		}
		*flags |= SF_HAS_COMMAND;
		rc = sf_str(&s->command, value, r, sizeof(r));
	} else if (strcmp(key, "tz") == 0) {
		if ((rc = tz_load(value, &z, r, sizeof(r))) != 0) {
			rc = rc == -ENOMEM ? -ENOMEM : -EINVAL;
			goto bad;
		}
		tz_free(z);
		rc = sf_str(&s->tz, value, r, sizeof(r));
	} else if (strcmp(key, "queue") == 0) {
		if ((rc = jobspec_queue_check(value, r, sizeof(r))) == 0)
			rc = sf_str(&s->queue, value, r, sizeof(r));
	} else if (strcmp(key, "priority") == 0) {
		if ((rc = jobspec_priority_parse(value, &v, r,
		    sizeof(r))) == 0)
			s->priority = v;
	} else if (strcmp(key, "max_attempts") == 0) {
		if ((rc = jobspec_attempts_parse(value, &v, r,
		    sizeof(r))) == 0)
			s->max_attempts = v;
	} else if (strcmp(key, "timeout") == 0) {
		rc = jobspec_duration_parse(value, &s->timeout_ms, r,
		    sizeof(r));
	} else if (strcmp(key, "backoff") == 0) {
		if ((rc = jobspec_duration_parse(value, &v, r,
		    sizeof(r))) == 0)
			rc = jobspec_backoff_check(v, s->backoff_max_ms, r,
			    sizeof(r));
		if (rc == 0)
			s->backoff_ms = v;
	} else if (strcmp(key, "backoff_max") == 0) {
		if ((rc = jobspec_duration_parse(value, &v, r,
		    sizeof(r))) == 0)
			rc = jobspec_backoff_check(s->backoff_ms, v, r,
			    sizeof(r));
		if (rc == 0)
			s->backoff_max_ms = v;
	} else if (strcmp(key, "cwd") == 0) {
		if ((rc = jobspec_cwd_check(value, r, sizeof(r))) == 0)
			rc = sf_str(&s->cwd, value, r, sizeof(r));
	} else if (strcmp(key, "user") == 0) {
		if ((rc = jobspec_user_check(value, NULL, r, sizeof(r))) == 0)
			rc = sf_str(&s->run_as, value, r, sizeof(r));
		else if (rc != -ENOMEM)
			rc = -EINVAL;
	} else if (strcmp(key, "mail_to") == 0) {
		if ((rc = jobspec_mail_to_check(value, r, sizeof(r))) == 0)
			rc = sf_str(&s->mail_to, value, r, sizeof(r));
	} else if (strcmp(key, "mail_on") == 0) {
		rc = jobspec_mail_on_parse(value, &s->mail_on, r, sizeof(r));
	} else if (strcmp(key, "overlap") == 0) {
		if ((rc = sched_overlap_parse(value, &s->overlap)) != 0)
			snprintf(r, sizeof(r), "expected skip, allow or queue");
	} else if (strcmp(key, "catchup") == 0) {
		if ((rc = sched_catchup_parse(value, &s->catchup)) != 0)
			snprintf(r, sizeof(r), "expected skip, once or all");
	} else if (strcmp(key, "enabled") == 0) {
		if ((rc = sf_bool(value, &b)) != 0)
			snprintf(r, sizeof(r), "expected true, false, yes, no, "
			    "1 or 0");
		else
			s->enabled = b;
	} else {
		snprintf(why, whylen, "unknown key \"%s\" (the keys are cron, "
		    "command, tz, queue, priority, max_attempts, timeout, "
		    "backoff, backoff_max, cwd, user, umask, limit_nofile, "
		    "limit_nproc, limit_as, limit_cpu, kill_mode, mail_to, "
		    "mail_on, on_dead, on_failure, on_success, overlap, "
		    "catchup, enabled and env.NAME)", key);
		return -EINVAL;
	}
	if (rc == 0)
		return 0;
bad:
	if (rc == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	else
		snprintf(why, whylen, "%s = \"%s\": %s", key, value, r);
	return rc == -ENOMEM ? -ENOMEM : -EINVAL;
}

/*
 * Find the section headers of buf (len bytes), which the strict reader
 * will check: a line whose first character other than a blank is '['.
 * The header lines of a file that fails to parse may be garbage past the
 * first bad line; the keys before it never reach them.
 */
static int
sf_scan(struct sf_file *f, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol, *s, *e;
	struct sf_header *n;
	size_t cap = 0;
	int line = 0;
	bool cont = false, was;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		line++;
		s = p;
		e = eol;
		p = eol + 1;
		if (line == 1 && e - s >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		if (e > s && e[-1] == '\r')
			e--;
		/* A key line's continuation (config.h) is no header. */
		was = cont;
		cont = e > s && e[-1] == '\\';
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (!was && (s == e || *s == '#' || *s == ';' || *s == '['))
			cont = false;
		if (was)
			continue;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s != '[')
			continue;
		if (f->nh == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((n = realloc(f->hdr, cap * sizeof(*n))) == NULL)
				return -ENOMEM;
			f->hdr = n;
		}
		f->hdr[f->nh].name = s + 1;
		f->hdr[f->nh].len = e - s >= 2 && e[-1] == ']' ?
		    (size_t)(e - s - 2) : (size_t)(e - s - 1);
		f->hdr[f->nh].line = line;
		f->nh++;
	}
	return 0;
}

/* An error about a line other than the one being parsed. */
static int
sf_fail_at(struct sf_file *f, int line, int error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
sf_fail_at(struct sf_file *f, int line, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->ewhy, sizeof(f->ewhy), fmt, ap);
	va_end(ap);
	f->eline = line;
	return error;
}

/* Section i is complete: check it as a whole and compute its next run. */
static int
sf_finish(struct sf_file *f, size_t i)
{
	struct schedule *s = &f->sc[i];
	char why[SF_WHY_MAX - 64];
	int line = f->hdr[i].line;

	if (!(f->flags[i] & SF_HAS_CRON))
		return sf_fail_at(f, line, -EINVAL, "[%s]: no \"cron\" key "
		    "(it is required)", s->name);
	if (!(f->flags[i] & SF_HAS_COMMAND))
		return sf_fail_at(f, line, -EINVAL, "[%s]: no \"command\" key "
		    "(it is required)", s->name);
	why[0] = '\0';
	if (schedule_check(s, f->now, why, sizeof(why)) != 0)
		return sf_fail_at(f, line, -EINVAL, "[%s]: %s", s->name, why);
	return 0;
}

/* config_ini_fn: one key of the file. */
static int
sf_on_key(void *arg, const char *section, const char *key, const char *value,
    int line, char *err, size_t errlen)
{
	struct sf_file *f = arg;
	size_t cur;
	int error;

	if (*section == '\0') {
		snprintf(err, errlen, "key \"%s\" is outside any section "
		    "(a schedule is a \"[name]\" section)", key);
		return -EINVAL;
	}
	while (f->next < f->nh && f->hdr[f->next].line < line)
		f->next++;
	if (f->next == 0 || strlen(section) != f->hdr[f->next - 1].len ||
	    memcmp(section, f->hdr[f->next - 1].name,
	    f->hdr[f->next - 1].len) != 0) {
		snprintf(err, errlen, "cannot tell which section key \"%s\" "
		    "is in", key);		/* not reached */
		return -EINVAL;
	}
	cur = f->next - 1;
	while (f->done < cur)
		if ((error = sf_finish(f, f->done++)) != 0) {
			snprintf(err, errlen, "%s", f->ewhy);
			return error;
		}
	return sf_key(&f->sc[cur], &f->flags[cur], key, value, err, errlen);
}

static int
sf_hdr_cmp(const void *a, const void *b)
{
	const struct sf_header *x = *(const struct sf_header *const *)a;
	const struct sf_header *y = *(const struct sf_header *const *)b;
	int c;

	if ((c = memcmp(x->name, y->name, x->len < y->len ? x->len :
	    y->len)) != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A section name used twice is an error at its second header. */
static int
sf_check_repeats(struct sf_file *f)
{
	const struct sf_header **v, *first = NULL, *second = NULL;
	size_t i;

	if (f->nh < 2)
		return 0;
	if ((v = calloc(f->nh, sizeof(*v))) == NULL)
		return sf_fail_at(f, 0, -ENOMEM, "out of memory");
	for (i = 0; i < f->nh; i++)
		v[i] = &f->hdr[i];
	qsort(v, f->nh, sizeof(*v), sf_hdr_cmp);
	for (i = 1; i < f->nh; i++) {
		if (v[i]->len != v[i - 1]->len ||
		    memcmp(v[i]->name, v[i - 1]->name, v[i]->len) != 0)
			continue;
		if (second == NULL || v[i]->line < second->line) {
			first = v[i - 1];
			second = v[i];
		}
	}
	free(v);
	if (second == NULL)
		return 0;
	return sf_fail_at(f, second->line, -EINVAL, "section [%.*s] again "
	    "(first on line %d): a schedule is one section",
	    (int)second->len, second->name, first->line);
}

static void
sf_file_free(struct sf_file *f)
{
	size_t i;

	for (i = 0; f->sc != NULL && i < f->nh; i++) {
		f->sc[i].source = NULL;		/* borrowed */
		schedule_clear(&f->sc[i]);
	}
	free(f->sc);
	free(f->flags);
	free(f->hdr);
}

/*
 * Parse and check the len bytes of buf, file f->path, into f->sc[].
 * Returns 0, or a negative errno with "PATH:LINE: reason" in err.
 */
static int
sf_parse(struct sf_file *f, const char *buf, size_t len, char *err,
    size_t errlen)
{
	size_t i;
	int error;

	if ((error = sf_scan(f, buf, len)) != 0)
		goto oom;
	if (f->nh > SF_SCHEDULES_MAX) {
		snprintf(err, errlen, "%s:%d: too many schedules (at most %d "
		    "in one file)", f->path, f->hdr[SF_SCHEDULES_MAX].line,
		    SF_SCHEDULES_MAX);
		return -EINVAL;
	}
	if (f->nh > 0 && ((f->sc = calloc(f->nh, sizeof(*f->sc))) == NULL ||
	    (f->flags = calloc(f->nh, 1)) == NULL))
		goto oom;
	for (i = 0; i < f->nh; i++) {
		struct schedule *s = &f->sc[i];

		if ((s->name = strndup(f->hdr[i].name, f->hdr[i].len)) == NULL)
			goto oom;
		s->priority = 0;
		s->max_attempts = s->timeout_ms = JOB_DEFAULT;
		s->backoff_ms = s->backoff_max_ms = JOB_DEFAULT;
		procopt_init(&s->proc);
		s->overlap = OVERLAP_SKIP;
		s->catchup = CATCHUP_SKIP;
		s->enabled = true;
		s->source = (char *)(uintptr_t)f->source;
	}
	if ((error = config_read_ini_buf(buf, len, f->path, sf_on_key, f, err,
	    errlen)) != 0) {
		if (f->eline != 0)	/* about an earlier line */
			snprintf(err, errlen, "%s:%d: %s", f->path, f->eline,
			    f->ewhy);
		return error;
	}
	if ((error = sf_check_repeats(f)) != 0)
		goto fail;
	while (f->done < f->nh)
		if ((error = sf_finish(f, f->done++)) != 0)
			goto fail;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", f->path);
	return -ENOMEM;
fail:
	if (f->eline != 0)
		snprintf(err, errlen, "%s:%d: %s", f->path, f->eline, f->ewhy);
	else
		snprintf(err, errlen, "%s: %s", f->path, f->ewhy);
	return error;
}

/* Log what a sync of one source did, if it did anything. */
static void
sf_log_counts(const char *path, int64_t added, int64_t changed,
    int64_t removed, const char *why)
{
	if (added == 0 && changed == 0 && removed == 0)
		return;
	log_info("%s: %lld added, %lld changed, %lld removed%s", path,
	    (long long)added, (long long)changed, (long long)removed, why);
}

/* One file of the directory, read and checked (sf_load()). */
struct sf_loaded {
	char		 path[PATH_MAX];
	char		 source[PATH_MAX + 8];	/* "file:" path */
	struct sf_file	 f;
	char		*buf;
	bool		 file;		/* a regular file, read or not */
	bool		 ignored;	/* not a regular file: no schedules */
	bool		 bad;		/* error: its schedules stay */
	bool		 untrusted;	/* the error: others could write it */
	char		 err[SF_WHY_MAX + PATH_MAX];	/* why bad */
};

/*
 * Read and check file d->names[i] into *l.  An error marks it bad, with
 * the reason ("FILE:LINE: ...") in l->err, for the caller to report; a
 * name that is not a regular file, or is gone, holds no schedules.
 */
static void
sf_load(const struct sf_dir *d, size_t i, int64_t now, struct sf_loaded *l)
{
	size_t len = 0;
	int error;

	memset(l, 0, sizeof(*l));
	if ((size_t)snprintf(l->path, sizeof(l->path), "%s%s%s", d->path,
	    strcmp(d->path, "/") == 0 ? "" : "/", d->names[i]) >=
	    sizeof(l->path)) {
		snprintf(l->err, sizeof(l->err), "%s/%s: path too long",
		    d->path, d->names[i]);
		l->bad = true;
		return;
	}
	snprintf(l->source, sizeof(l->source), "file:%s", l->path);
	l->f.path = l->path;
	l->f.source = l->source;
	l->f.now = now;
	error = config_read_file(l->path, CONFIG_PRIVATE, &l->buf, &len,
	    l->err, sizeof(l->err));
	if (error == -EISDIR || error == -EINVAL) {
		l->ignored = true;
		l->err[0] = '\0';
		return;
	}
	if (error == -ENOENT) {		/* gone since the directory was read */
		l->err[0] = '\0';
		return;
	}
	l->file = true;
	if (error != 0) {
		l->bad = true;
		l->untrusted = error == -EPERM;
	} else if (sf_parse(&l->f, l->buf, len, l->err, sizeof(l->err)) != 0) {
		l->bad = true;
	}
}

/* Free what sf_load() put in l[0..n-1], and l. */
static void
sf_loaded_free(struct sf_loaded *l, size_t n)
{
	size_t i;

	for (i = 0; l != NULL && i < n; i++) {
		sf_file_free(&l[i].f);
		free(l[i].buf);
	}
	free(l);
}

/*
 * Load every file of d (*lp, d->n entries; NULL when there are none).
 * Returns 0 or -ENOMEM.
 */
static int
sf_load_all(const struct sf_dir *d, int64_t now, struct sf_loaded **lp)
{
	size_t i;

	*lp = NULL;
	if (d->n == 0)
		return 0;
	if ((*lp = calloc(d->n, sizeof(**lp))) == NULL)
		return -ENOMEM;
	for (i = 0; i < d->n; i++)
		sf_load(d, i, now, &(*lp)[i]);
	return 0;
}

/* A schedule name and where it is, for the check across files. */
struct sf_where {
	const char	*name;
	size_t		 file;
	int		 line;
};

static int
sf_where_cmp(const void *a, const void *b)
{
	const struct sf_where *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->file < y->file ? -1 : x->file > y->file;
}

/* Told each schedule name found in two files, as "FILE:LINE: ...". */
typedef void (*sf_report_fn)(void *arg, const char *msg);

/*
 * A schedule is in one file: each name in two good files is reported to
 * fn, naming both places.  Returns 0, or -EINVAL (reported) or -ENOMEM.
 */
static int
sf_check_across(const struct sf_loaded *l, size_t n, sf_report_fn fn,
    void *arg)
{
	char msg[3 * PATH_MAX];
	struct sf_where *w;
	size_t nw = 0, i, j;
	int error = 0;

	for (i = 0; i < n; i++)
		if (!l[i].bad)
			nw += l[i].f.nh;
	if (nw < 2)
		return 0;
	if ((w = calloc(nw, sizeof(*w))) == NULL)
		return -ENOMEM;
	nw = 0;
	for (i = 0; i < n; i++)
		for (j = 0; !l[i].bad && j < l[i].f.nh; j++) {
			w[nw].name = l[i].f.sc[j].name;
			w[nw].file = i;
			w[nw].line = l[i].f.hdr[j].line;
			nw++;
		}
	qsort(w, nw, sizeof(*w), sf_where_cmp);
	for (i = 1; i < nw; i++) {
		if (strcmp(w[i].name, w[i - 1].name) != 0)
			continue;
		snprintf(msg, sizeof(msg), "%s:%d: schedule [%s] is also in "
		    "%s:%d (a schedule is in one file)", l[w[i].file].path,
		    w[i].line, w[i].name, l[w[i - 1].file].path,
		    w[i - 1].line);
		fn(arg, msg);
		error = -EINVAL;
	}
	free(w);
	return error;
}

/* store_schedule_fn: the sources of files of d that are gone. */
struct sf_gone {
	const struct sf_dir	*d;
	char			**v;		/* owned */
	size_t			 n, cap;
	int			 error;
};

static int
sf_on_schedule(const struct schedule *s, void *arg)
{
	struct sf_gone *g = arg;
	size_t plen = strlen(g->d->prefix), i;
	const char *name;
	char **n;

	if (s->source == NULL || strncmp(s->source, g->d->prefix, plen) != 0 ||
	    strchr(s->source + plen, '/') != NULL)
		return 0;
	name = s->source + plen;
	if (g->d->n > 0 && bsearch(&name, g->d->names, g->d->n,
	    sizeof(*g->d->names), sf_strcmp) != NULL)
		return 0;
	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i], s->source) == 0)
			return 0;
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : g->cap * 2;
		if ((n = realloc(g->v, g->cap * sizeof(*n))) == NULL)
			goto oom;
		g->v = n;
	}
	if ((g->v[g->n] = strdup(s->source)) == NULL)
		goto oom;
	g->n++;
	return 0;
oom:
	g->error = -ENOMEM;
	return 1;
}

/*
 * Sync the loaded files l[0..n-1] of d in one transaction: a name that
 * moves between files keeps its schedule.  A file whose names clash with
 * another source is logged and kept as it was, and the rest tried again.
 * Returns the number of errors.
 */
static int
sf_sync_all(struct store *st, const struct sf_dir *d, struct sf_loaded *l,
    size_t n)
{
	struct sched_src *srcs = NULL;
	struct sf_gone g;
	size_t i, k = 0, bad = 0, tries;
	int errors = 0, error;

	/* The files that are gone are sources without schedules. */
	memset(&g, 0, sizeof(g));
	g.d = d;
	if ((error = store_schedule_list(st, sf_on_schedule, &g)) != 0 ||
	    g.error != 0) {
		log_warnx("%s: listing schedules: %s; schedules unchanged",
		    d->path, g.error != 0 ? strerror(-g.error) :
		    store_errmsg(st));
		errors = 1;
		goto out;
	}
	if (n + g.n > 0 &&
	    (srcs = calloc(n + g.n, sizeof(*srcs))) == NULL) {
		log_warnx("%s: out of memory; schedules unchanged", d->path);
		errors = 1;
		goto out;
	}
	for (i = 0; i < g.n; i++)
		srcs[n + i].source = g.v[i];
	for (i = 0; i < n; i++) {
		srcs[i].source = l[i].source;
		srcs[i].items = l[i].f.sc;
		srcs[i].n = l[i].f.nh;
		srcs[i].keep = l[i].bad;
	}
	for (tries = 0; tries <= n; tries++) {
		error = store_schedule_sync_dir(st, d->prefix, srcs, n + g.n,
		    &k, &bad, NULL);
		if (error != -EEXIST || k >= n)
			break;
		if (bad < l[k].f.nh)
			log_warnx("%s:%d: %s; its schedules are unchanged",
			    l[k].path, l[k].f.hdr[bad].line, store_errmsg(st));
		else
			log_warnx("%s: %s; its schedules are unchanged",
			    l[k].path, store_errmsg(st));
		srcs[k].keep = true;
		errors++;
	}
	if (error != 0) {
		log_warnx("%s: %s; schedules unchanged", d->path,
		    store_errmsg(st));
		errors++;
	} else {
		for (i = 0; i < n; i++) {
			if (srcs[i].keep)
				continue;
			if (srcs[i].moved > 0)
				log_info("%s: %lld moved here from another "
				    "file, history kept", l[i].path,
				    (long long)srcs[i].moved);
			sf_log_counts(l[i].path, srcs[i].created,
			    srcs[i].updated, srcs[i].deleted, "");
		}
		for (i = 0; i < g.n; i++)
			sf_log_counts(g.v[i] + 5, 0, 0, srcs[n + i].deleted,
			    " (the file is gone)");
	}
out:
	free(srcs);
	for (i = 0; i < g.n; i++)
		free(g.v[i]);
	free(g.v);
	return errors;
}

/*
 * The "*.conf" names of d->path, not starting with '.', sorted, into
 * d->names.  Returns 0, -ENOENT (no directory), -E2BIG (too many files),
 * or another negative errno.
 */
static int
sf_list(struct sf_dir *d)
{
	struct dirent *de;
	size_t cap = 0, len, slen = strlen(SF_SUFFIX);
	char **n;
	DIR *dp;
	int fd, error = 0;

	if ((fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if ((dp = fdopendir(fd)) == NULL) {
		error = -errno;
		close(fd);
		return error;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			error = -errno;
			break;
		}
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, SF_SUFFIX) != 0)
			continue;
		if (d->n == SF_FILES_MAX) {
			error = -E2BIG;
			break;
		}
		if (d->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((n = realloc(d->names, cap * sizeof(*n))) == NULL) {
				error = -ENOMEM;
				break;
			}
			d->names = n;
		}
		if ((d->names[d->n] = strdup(de->d_name)) == NULL) {
			error = -ENOMEM;
			break;
		}
		d->n++;
	}
	closedir(dp);
	if (error == 0 && d->n > 1)
		qsort(d->names, d->n, sizeof(*d->names), sf_strcmp);
	return error;
}

/*
 * The directory dir as *d (path and prefix; no names yet).  Returns 0 or
 * -ENAMETOOLONG/-EINVAL with the reason in why.
 */
static int
sf_dir_init(struct sf_dir *d, const char *dir, const char **why)
{
	size_t len = strlen(dir);

	memset(d, 0, sizeof(*d));
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(d->path)) {
		*why = len == 0 ? "empty path" : "path too long";
		return len == 0 ? -EINVAL : -ENAMETOOLONG;
	}
	memcpy(d->path, dir, len);
	d->path[len] = '\0';
	snprintf(d->prefix, sizeof(d->prefix), "file:%s%s", d->path,
	    strcmp(d->path, "/") == 0 ? "" : "/");
	return 0;
}

static void
sf_dir_free(struct sf_dir *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	d->names = NULL;
	d->n = 0;
}

static void
sf_report_print(void *arg, const char *msg)
{
	fprintf((FILE *)arg, "%s\n", msg);
}

int
schedfile_check(const char *dir, int64_t now, FILE *out, size_t *nfiles,
    size_t *nschedules)
{
	struct sf_loaded *l = NULL;
	struct sf_dir d;
	const char *why;
	size_t i;
	bool bad = false, untrusted = false;
	int error;

	*nfiles = *nschedules = 0;
	if ((error = sf_dir_init(&d, dir, &why)) != 0) {
		fprintf(out, "schedules_dir \"%s\": %s\n", dir, why);
		return -EINVAL;
	}
	if ((error = sf_list(&d)) != 0) {
		sf_dir_free(&d);
		if (error == -ENOENT)
			return 0;	/* no directory: no schedule files */
		if (error == -E2BIG)
			fprintf(out, "%s: more than %d schedule files\n",
			    d.path, SF_FILES_MAX);
		else
			fprintf(out, "%s: %s\n", d.path, strerror(-error));
		return error == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if ((error = sf_load_all(&d, now, &l)) != 0) {
		sf_dir_free(&d);
		return error;
	}
	for (i = 0; i < d.n; i++) {
		*nfiles += l[i].file;
		if (!l[i].bad) {
			*nschedules += l[i].f.nh;
			continue;
		}
		fprintf(out, "%s\n", l[i].err);
		if (l[i].untrusted)
			untrusted = true;
		else
			bad = true;
	}
	if ((error = sf_check_across(l, d.n, sf_report_print, out)) != 0)
		bad = true;
	sf_loaded_free(l, d.n);
	sf_dir_free(&d);
	if (error == -ENOMEM)
		return error;
	return bad ? -EINVAL : untrusted ? -EPERM : 0;
}

static void
sf_report_log(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s; no schedule file synced, schedules unchanged", msg);
}

int
schedfile_sync(struct store *st, const char *dir, int64_t now)
{
	struct sf_loaded *loaded = NULL;
	struct sf_dir d;
	const char *why;
	size_t i;
	int errors = 0, error;

	if (sf_dir_init(&d, dir, &why) != 0) {
		log_warnx("schedules_dir \"%s\": %s; schedules unchanged", dir,
		    why);
		return 1;
	}

	if ((error = sf_list(&d)) != 0 && error != -ENOENT) {
		if (error == -E2BIG)
			log_warnx("%s: more than %d schedule files; none "
			    "synced, schedules unchanged", d.path,
			    SF_FILES_MAX);
		else
			log_warnx("%s: %s; schedules unchanged", d.path,
			    strerror(-error));
		errors = 1;
		goto out;
	}
	/* A missing directory is empty: its files' schedules go. */
	if (sf_load_all(&d, now, &loaded) != 0) {
		log_warnx("%s: out of memory; schedules unchanged", d.path);
		errors++;
		goto out;
	}
	for (i = 0; i < d.n; i++) {
		if (loaded[i].ignored)
			log_warnx("%s: not a regular file; ignored",
			    loaded[i].path);
		else if (loaded[i].bad)
			log_warnx("%s; its schedules are unchanged",
			    loaded[i].err);
		errors += loaded[i].bad;
	}
	if ((error = sf_check_across(loaded, d.n, sf_report_log,
	    NULL)) != 0) {
		if (error == -ENOMEM)
			log_warnx("%s: out of memory; schedules unchanged",
			    d.path);
		errors++;
		goto out;
	}
	errors += sf_sync_all(st, &d, loaded, d.n);
out:
	sf_loaded_free(loaded, d.n);
	sf_dir_free(&d);
	return errors;
}
