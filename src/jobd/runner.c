/*
 * runner: run one job as a child process, from fork to reaping.
 *
 * This module owns the job's processes: it is the only code in jobd that
 * calls fork, clone, execve, waitpid or kill.  runner_prepare() turns a
 * job into a struct run_spec (argv, a from-scratch environment, the working
 * directory and the user to run as); everything that can fail or allocate
 * happens there, before fork.  runner_run() starts the child, sets it up
 * with
 * async-signal-safe calls only (new session, default signal dispositions
 * and an empty mask, stdin from /dev/null, stdout and stderr into one pipe,
 * the user switch, chdir, every other fd close-on-exec) and execs
 * "/bin/sh -c COMMAND".  A failure before exec is reported through a
 * close-on-exec status pipe as a (stage, errno) pair, so the parent can
 * tell "could not start" (RUN_SPAWN_ERROR) from "ran and failed".
 *
 * The parent then polls three fds: the output pipe, the run_ctl wake pipe
 * and a pidfd for the child (without pidfd_open, on an old kernel or under
 * valgrind, it polls waitpid(WNOHANG) every RN_POLL_SLICE ms).  Output goes
 * into a ring buffer of exactly max_output bytes that keeps the tail.  A
 * timeout or runner_stop() sends SIGTERM (and SIGCONT, so a stopped job
 * sees it) to the job's process group and SIGKILL after kill_grace_ms.
 * When the shell has exited, the pipe is read until EOF or
 * RUNNER_LINGER_MS, then the whole process group is killed, so nothing the
 * job started in its group outlives it.  When the job was stopped, or the
 * pipe is still open, every process left in its session is killed too
 * (found in /proc): job control puts background jobs in groups of their
 * own.  The shell is reaped only after that, so that its pid, the id of
 * the group and the session, cannot be reused meanwhile.  A process that
 * left the session with setsid() is out of reach.  In a cgroup, the
 * whole cgroup is killed instead.  A job of kill_mode process (cron's
 * way) loses nothing after a normal exit of its shell, and only its
 * process group on a timeout, cancel or shutdown; the worker moves what
 * is left out of its cgroup.
 *
 * Invariants: every fd runner_run() opens is close-on-exec and is closed
 * before it returns; the child is always reaped, with waitpid() on its own
 * pid (never -1), so worker threads never steal each other's children.
 * Time: wall time (started_at, finished_at) and monotonic deadlines both
 * come from the jd_clock passed in.
 *
 * Threads: runner_prepare(), runner_run() and runner_spec_free() may run in
 * any number of threads at once, each on its own spec and result.
 * runner_stop() may be called from any thread at any time on a live
 * run_ctl.
 */
#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <sched.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/sched.h>	/* struct clone_args, CLONE_INTO_CGROUP */

#include "jobd/cgroup.h"
#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/crash.h"
#include "jobd/procfs.h"
#include "jobd/procopt.h"
#include "jobd/runner.h"
#include "jobd/sanitize.h"
#include "jobd/timefmt.h"

#if defined(__GNUC__)
#define RN_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define RN_PRINTF(f, a)
#endif

#define RN_SHELL	"/bin/sh"
#define RN_PATH_ROOT	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			"/sbin:/bin"
#define RN_PATH_USER	"/usr/local/bin:/usr/bin:/bin"
#define RN_READ_MAX	65536		/* bytes per read of the output pipe */
#define RN_PWBUF_MAX	(1024 * 1024)	/* getpw*_r buffer limit, bytes */
#define RN_GROUPS_MAX	65536		/* NGROUPS_MAX on Linux */
#define RN_POLL_SLICE	50		/* ms between waitpid polls, no pidfd */
#define RN_DRAIN_READS	16		/* reads after the final SIGKILL */
#define RN_SWEEPS	20		/* session sweeps at most */
#define RN_SWEEP_PAUSE	5		/* ms between session sweeps */
#define RN_NEVER	INT64_MAX	/* a deadline that is not set */

/* Variables jobd sets itself; a job variable of the same name is dropped. */
static const char *const rn_reserved[] = {
	"JOBD_JOB_ID", "JOBD_ATTEMPT", "JOBD_QUEUE", "JOBD_IDEMPOTENCY_KEY",
	"JOBD_SCHEDULE", "JOBD_SLOT",
};
#define RN_NRESERVED	(sizeof(rn_reserved) / sizeof(rn_reserved[0]))

/* Where the child failed before exec; sent with errno on the status pipe. */
enum rn_stage {
	STAGE_SETSID = 1,
	STAGE_DUP,
	STAGE_SETGROUPS,
	STAGE_SETRESGID,
	STAGE_SETRESUID,
	STAGE_CHECKID,
	STAGE_CHDIR,
	STAGE_CLOSE,
	STAGE_SIGMASK,
	STAGE_EXEC,
	STAGE_CAPS,
	STAGE_CGROUP,
	STAGE_RLIMIT = 64,	/* + enum job_limit */
};

/* The resource of each job limit (enum job_limit). */
static const int rn_rlimit_res[JOB_NLIMITS] = {
	[JOB_LIMIT_NOFILE] = RLIMIT_NOFILE,
	[JOB_LIMIT_NPROC] = RLIMIT_NPROC,
	[JOB_LIMIT_AS] = RLIMIT_AS,
	[JOB_LIMIT_CPU] = RLIMIT_CPU,
};

struct rn_status {
	int	stage;			/* an enum rn_stage */
	int	err;			/* errno, or 0 */
};

/* Why the runner signalled the job, if it did. */
enum rn_why {
	WHY_NONE = 0,
	WHY_TIMEOUT,
	WHY_CANCEL,
	WHY_SHUTDOWN,
};

/* A user from the password database. */
struct rn_user {
	char	*name;			/* owned */
	char	*home;			/* owned; "/" when the entry has none */
	uid_t	 uid;
	gid_t	 gid;
};

/* An environment under construction: NULL-terminated, names unique. */
struct rn_env {
	char	**v;			/* owned strings, v[n] == NULL */
	size_t	  n;
	size_t	  cap;			/* slots in v, the NULL included */
};

/* The state of one runner_run() call, owned by its thread. */
struct rn_run {
	const struct run_spec	*rs;
	struct run_ctl		*rc;	/* or NULL */
	const struct jd_clock	*clock;
	struct run_result	*res;
	pid_t			 pid;	/* the shell, and its process group */
	int			 outfd;	/* output pipe read end, or -1 */
	int			 pidfd;	/* or -1: waitpid(WNOHANG) polling */
	char			*ring;	/* max_output bytes */
	size_t			 cap;	/* bytes in ring, > 0 */
	uint64_t		 total;	/* bytes read from the pipe */
	enum rn_why		 why;	/* set once, when first signalled */
	int64_t			 timeout_at;	/* mono ms, or RN_NEVER */
	int64_t			 kill_at;	/* mono ms: SIGKILL time */
	int64_t			 linger_at;	/* mono ms, stop reading */
	bool			 reaped;
	bool			 status_lost;	/* waitpid failed: ECHILD */
	int			 status;	/* from waitpid */
	int			 sys_err;	/* poll failed: errno */
};

static void	rn_err(char *, size_t, const char *, ...) RN_PRINTF(3, 4);
static void	rn_fail(struct run_result *, const char *, ...) RN_PRINTF(2, 3);

/* Helpers. */

static void
rn_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* strerror() without its static buffer: thread-safe. */
static const char *
rn_strerror(int e)
{
	const char *s;

	s = strerrordesc_np(e);
	return s != NULL ? s : "Unknown error";
}

static int64_t
rn_add(int64_t a, int64_t b)
{
	if (b <= 0)
		return a;
	return clock_add(a, b);		/* saturates at RN_NEVER */
}

static void
rn_close(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* User lookup. */

static void
rn_user_free(struct rn_user *u)
{
	free(u->name);
	free(u->home);
	memset(u, 0, sizeof(*u));
}

/*
 * Look up user "name", or uid "uid" when name is NULL, in the password
 * database into *u.  Returns 0, -ENOENT when there is no such user,
 * -ENOMEM, or another negative errno from getpwnam_r()/getpwuid_r().
 */
static int
rn_user_lookup(const char *name, uid_t uid, struct rn_user *u)
{
	struct passwd pw, *pwp;
	char *buf, *nbuf;
	size_t len;
	long sz;
	int rc;

	memset(u, 0, sizeof(*u));
	sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	len = sz > 0 && sz < RN_PWBUF_MAX ? (size_t)sz : 4096;
	buf = NULL;
	for (;;) {
		if ((nbuf = realloc(buf, len)) == NULL) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		pwp = NULL;
		if (name != NULL)
			rc = getpwnam_r(name, &pw, buf, len, &pwp);
		else
			rc = getpwuid_r(uid, &pw, buf, len, &pwp);
		if (rc != ERANGE)
			break;
		if (len >= RN_PWBUF_MAX) {
			free(buf);
			return -ERANGE;
		}
		len *= 2;
	}
	if (pwp == NULL) {
		free(buf);
		/* getpwnam(3): these all mean "not found". */
		if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
		    rc == EPERM)
			return -ENOENT;
		return -rc;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	u->name = strdup(pw.pw_name);
	u->home = strdup(pw.pw_dir != NULL && pw.pw_dir[0] != '\0' ?
	    pw.pw_dir : "/");
	free(buf);
	if (u->name == NULL || u->home == NULL) {
		rn_user_free(u);
		return -ENOMEM;
	}
	return 0;
}

/*
 * jobd's own user (the effective uid), for the environment and messages.
 * A uid the password database cannot name is named by its number, with
 * home "/".  Returns 0 or -ENOMEM.
 */
static int
rn_user_self(struct rn_user *u)
{
	char num[32];
	int rc;

	if ((rc = rn_user_lookup(NULL, geteuid(), u)) == 0 || rc == -ENOMEM) {
		if (rc == 0)
			u->gid = getegid();
		return rc;
	}
	(void)snprintf(num, sizeof(num), "%u", (unsigned)geteuid());
	u->uid = geteuid();
	u->gid = getegid();
	u->name = strdup(num);
	u->home = strdup("/");
	if (u->name == NULL || u->home == NULL) {
		rn_user_free(u);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The supplementary groups of user "name" with primary group gid, from
 * getgrouplist(), into a malloc'd array; the array grows until it fits.
 */
static int
rn_groups(const char *name, gid_t gid, gid_t **groupsp, int *ngroupsp)
{
	gid_t *g, *ng;
	int n, cnt;

	g = NULL;
	n = 16;
	for (;;) {
		if ((ng = realloc(g, (size_t)n * sizeof(*g))) == NULL) {
			free(g);
			return -ENOMEM;
		}
		g = ng;
		cnt = n;
		if (getgrouplist(name, gid, g, &cnt) != -1) {
			n = cnt;
			break;
		}
		/* glibc stores the number needed in cnt. */
		if (n >= RN_GROUPS_MAX) {
			free(g);
			return -E2BIG;
		}
		n = cnt > n ? cnt : n * 2;
		if (n > RN_GROUPS_MAX)
			n = RN_GROUPS_MAX;
	}
	*groupsp = g;
	*ngroupsp = n;
	return 0;
}

/* Environment. */

static void
rn_env_free(struct rn_env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/*
 * Set NAME=VALUE (name: namelen bytes, value: a string), replacing a
 * variable of the same name.  Returns 0 or -ENOMEM.
 */
static int
rn_env_set(struct rn_env *e, const char *name, size_t namelen,
    const char *value)
{
	char *s, **nv;
	size_t i, vlen;

	vlen = strlen(value);
	if ((s = malloc(namelen + 1 + vlen + 1)) == NULL)
		return -ENOMEM;
	memcpy(s, name, namelen);
	s[namelen] = '=';
	memcpy(s + namelen + 1, value, vlen + 1);
	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], s, namelen + 1) == 0) {
			free(e->v[i]);
			e->v[i] = s;
			return 0;
		}
	}
	if (e->n + 1 >= e->cap) {
		nv = reallocarray(e->v, e->cap ? e->cap * 2 : 16, sizeof(*nv));
		if (nv == NULL) {
			free(s);
			return -ENOMEM;
		}
		e->v = nv;
		e->cap = e->cap ? e->cap * 2 : 16;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

static int
rn_env_setc(struct rn_env *e, const char *name, const char *value)
{
	return rn_env_set(e, name, strlen(name), value);
}

static bool
rn_env_reserved(const char *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < RN_NRESERVED; i++)
		if (strlen(rn_reserved[i]) == namelen &&
		    memcmp(rn_reserved[i], name, namelen) == 0)
			return true;
	return false;
}

/*
 * Add the job's variables, blob "env" (len bytes of "NAME=VALUE\0"...).
 * Empty entries are skipped; an entry without "=" or with an empty name
 * is -EINVAL.
 */
static int
rn_env_job(struct rn_env *e, const char *env, size_t len, bool notify,
    char *err, size_t errlen)
{
	const char *p, *end, *nul, *eq;
	char *entry;
	size_t elen;
	int rc;

	p = env;
	end = env + len;
	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		elen = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
		if (elen == 0) {
			p++;
			continue;
		}
		/* The blob may lack its last NUL: copy to terminate. */
		if ((entry = strndup(p, elen)) == NULL)
			return -ENOMEM;
		eq = strchr(entry, '=');
		if (eq == NULL || eq == entry) {
			rn_err(err, errlen,
			    "invalid environment entry \"%.64s\"", entry);
			free(entry);
			return -EINVAL;
		}
		rc = 0;
		if (notify || !rn_env_reserved(entry, (size_t)(eq - entry)))
			rc = rn_env_set(e, entry, (size_t)(eq - entry), eq + 1);
		free(entry);
		if (rc != 0)
			return rc;
		p += elen + 1;
	}
	return 0;
}

/* Is name[0..len) a locale variable: LANG, LANGUAGE or LC_[A-Z]+? */
static bool
rn_locale_name(const char *name, size_t len)
{
	size_t i;

	if ((len == 4 && memcmp(name, "LANG", 4) == 0) ||
	    (len == 8 && memcmp(name, "LANGUAGE", 8) == 0))
		return true;
	if (len < 4 || memcmp(name, "LC_", 3) != 0)
		return false;
	for (i = 3; i < len; i++)
		if (name[i] < 'A' || name[i] > 'Z')
			return false;
	return true;
}

/*
 * Add the locale of file "path" (Debian's /etc/default/locale, which cron
 * gets through pam_env): its lines "NAME=VALUE", "export NAME=VALUE",
 * VALUE optionally in single or double quotes, for LANG, LANGUAGE and
 * LC_* only.  Comments, blank lines and anything else are skipped; a file
 * that does not exist or cannot be read adds nothing.  Returns 0 or
 * -ENOMEM.
 */
static int
rn_env_locale(struct rn_env *e, const char *path)
{
	char *buf, *line, *next, *eq, *v, why[256];
	size_t len, nlen, vlen, i;
	int rc;

	if (path == NULL || *path == '\0')
		return 0;
	if ((rc = config_read_file(path, 0, &buf, &len, why,
	    sizeof(why))) != 0)
		return rc == -ENOMEM ? rc : 0;
	rc = 0;
	for (line = buf; rc == 0 && line < buf + len; line = next) {
		if ((next = memchr(line, '\n', (size_t)(buf + len - line)))
		    == NULL)
			next = buf + len;
		*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "export ", 7) == 0)
			line += 7;
		while (*line == ' ' || *line == '\t')
			line++;
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		nlen = (size_t)(eq - line);
		if (!rn_locale_name(line, nlen))
			continue;
		v = eq + 1;
		vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' ||
		    v[vlen - 1] == '\t' || v[vlen - 1] == '\r'))
			v[--vlen] = '\0';
		if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[vlen - 1] == v[0]) {
			v[--vlen] = '\0';
			v++;
			vlen--;
		}
		for (i = 0; i < vlen; i++)
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f ||
			    v[i] == '"' || v[i] == '\'')
				break;
		if (vlen == 0 || i < vlen)
			continue;
		rc = rn_env_set(e, line, nlen, v);
	}
	free(buf);
	return rc;
}

/* Build rs->envp for job j and user u (the target user). */
static int
rn_env_build(struct run_spec *rs, const struct run_job *j,
    const struct rn_user *u, char *err, size_t errlen)
{
	struct rn_env e;
	char num[32], slot[TIMEFMT_MAX];
	int rc;

	memset(&e, 0, sizeof(e));
	if ((rc = rn_env_setc(&e, "HOME", u->home)) != 0 ||
	    (rc = rn_env_setc(&e, "USER", u->name)) != 0 ||
	    (rc = rn_env_setc(&e, "LOGNAME", u->name)) != 0 ||
	    (rc = rn_env_setc(&e, "SHELL", RN_SHELL)) != 0 ||
	    (rc = rn_env_setc(&e, "PATH",
	    rs->uid == 0 ? RN_PATH_ROOT : RN_PATH_USER)) != 0 ||
	    (rc = rn_env_locale(&e, j->locale_file)) != 0)
		goto fail;
	if (j->env != NULL &&
	    (rc = rn_env_job(&e, j->env, j->env_len, j->notify, err,
	    errlen)) != 0)
		goto fail;
	if (j->notify) {	/* the reported job's, from its env */
		(void)snprintf(num, sizeof(num), "%" PRId64, j->id);
		if ((rc = rn_env_setc(&e, "JOBD_NOTIFY_ID", num)) != 0)
			goto fail;
		(void)snprintf(num, sizeof(num), "%" PRId64, j->attempt);
		if ((rc = rn_env_setc(&e, "JOBD_NOTIFY_ATTEMPT", num)) != 0)
			goto fail;
		goto done;
	}
	(void)snprintf(num, sizeof(num), "%" PRId64, j->id);
	if ((rc = rn_env_setc(&e, "JOBD_JOB_ID", num)) != 0)
		goto fail;
	(void)snprintf(num, sizeof(num), "%" PRId64, j->attempt);
	if ((rc = rn_env_setc(&e, "JOBD_ATTEMPT", num)) != 0 ||
	    (rc = rn_env_setc(&e, "JOBD_QUEUE",
	    j->queue != NULL ? j->queue : "")) != 0)
		goto fail;
	if (j->key != NULL &&
	    (rc = rn_env_setc(&e, "JOBD_IDEMPOTENCY_KEY", j->key)) != 0)
		goto fail;
	if (j->schedule != NULL &&
	    (rc = rn_env_setc(&e, "JOBD_SCHEDULE", j->schedule)) != 0)
		goto fail;
	if (j->slot_at != 0) {
		if ((rc = timefmt_format_utc(j->slot_at, slot,
		    sizeof(slot))) != 0) {
			rn_err(err, errlen, "slot time %" PRId64
			    " ms is out of range", j->slot_at);
			goto fail;
		}
		if ((rc = rn_env_setc(&e, "JOBD_SLOT", slot)) != 0)
			goto fail;
	}
done:
	rs->envp = e.v;
	return 0;
fail:
	if (rc == -ENOMEM)
		rn_err(err, errlen, "out of memory");
	rn_env_free(&e);
	return rc;
}

/* Preparation. */

/*
 * May jobs run as user "name"?  Not when its account is locked or expired
 * in the shadow database: a password field starting with '!' (what
 * usermod -L and passwd -l add), except "!" alone, which like "*" marks an
 * account that never had a password (system users cron runs jobs for);
 * an expiry date (chage -E) that is today or past, as pam_unix's account
 * check has it.  A user without a shadow entry passes.  Returns 0,
 * -EACCES with the reason in err, or -ENOMEM.
 */
static int
rn_account_check(const char *name, char *err, size_t errlen)
{
	struct spwd sp, *spp;
	char *buf, *nbuf, day[TIMEFMT_MAX];
	size_t len = 4096;
	int64_t today;
	int rc;

	buf = NULL;
	for (;;) {
		if ((nbuf = realloc(buf, len)) == NULL) {
			free(buf);
			rn_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		buf = nbuf;
		spp = NULL;
		rc = getspnam_r(name, &sp, buf, len, &spp);
		if (rc != ERANGE || len >= RN_PWBUF_MAX)
			break;
		len *= 2;
	}
	rc = 0;
	if (spp == NULL)
		goto out;
	if (sp.sp_pwdp != NULL && sp.sp_pwdp[0] == '!' &&
	    sp.sp_pwdp[1] != '\0') {
		rn_err(err, errlen, "account \"%s\" is locked (its password "
		    "starts with '!', as usermod -L leaves it)", name);
		rc = -EACCES;
		goto out;
	}
	today = (int64_t)time(NULL) / 86400;
	if (sp.sp_expire >= 0 && today >= sp.sp_expire) {
		if (timefmt_format_utc((int64_t)sp.sp_expire * 86400000,
		    day, sizeof(day)) != 0)
			snprintf(day, sizeof(day), "day %ld", sp.sp_expire);
		else
			day[10] = '\0';	/* the date only */
		rn_err(err, errlen, "account \"%s\" expired on %s (chage -E)",
		    name, day);
		rc = -EACCES;
	}
out:
	free(buf);
	return rc;
}

/*
 * Resolve the user for j into rs (uid, gid, groups, switch_user) and *u,
 * the user whose HOME, USER and PATH the job gets.
 */
static int
rn_prepare_user(struct run_spec *rs, const struct run_job *j,
    struct rn_user *u, char *err, size_t errlen)
{
	struct rn_user self;
	uid_t euid;
	int rc;

	euid = geteuid();
	if (j->run_as == NULL) {
		if ((rc = rn_user_self(u)) != 0)
			goto lookup_failed;
	} else {
		if ((rc = rn_user_lookup(j->run_as, 0, u)) != 0)
			goto lookup_failed;
		if (u->uid == euid)
			u->gid = getegid();	/* no switch: jobd's own */
		else if (euid != 0) {
			if (rn_user_self(&self) != 0) {
				rn_err(err, errlen, "jobd does not run as "
				    "root: cannot run jobs as \"%s\"",
				    j->run_as);
			} else {
				rn_err(err, errlen, "jobd runs as %s, not "
				    "root: cannot run jobs as \"%s\"",
				    self.name, j->run_as);
				rn_user_free(&self);
			}
			return -EPERM;
		} else {
			if ((rc = rn_account_check(u->name, err,
			    errlen)) != 0)
				return rc;
			rc = rn_groups(u->name, u->gid, &rs->groups,
			    &rs->ngroups);
			if (rc != 0) {
				rn_err(err, errlen, "groups of user \"%s\": "
				    "%s", j->run_as, rn_strerror(-rc));
				return rc;
			}
			rs->switch_user = true;
		}
	}
	rs->uid = u->uid;
	rs->gid = u->gid;
	return 0;
lookup_failed:
	if (rc == -ENOENT && j->run_as != NULL)
		rn_err(err, errlen, "no such user \"%s\"", j->run_as);
	else if (j->run_as != NULL)
		rn_err(err, errlen, "looking up user \"%s\": %s", j->run_as,
		    rn_strerror(-rc));
	else
		rn_err(err, errlen, "looking up uid %u: %s",
		    (unsigned)euid, rn_strerror(-rc));
	return rc;
}

/* The umask and limits the child sets (checked by procopt already). */
static void
rn_prepare_proc(struct run_spec *rs, const struct job_proc *p)
{
	int i;

	rs->umask = p->umask >= 0 && p->umask <= 0777 ? p->umask :
	    JOB_DEFAULT;
	for (i = 0; i < JOB_NLIMITS; i++)
		rs->limit[i] = p->limit[i] > 0 ? p->limit[i] : JOB_DEFAULT;
	rs->kill_process = p->kill_mode == JOB_KILL_PROCESS;
}

int
runner_prepare(struct run_spec *rs, const struct run_job *j, char *err,
    size_t errlen)
{
	struct rn_user u;
	const char *cwd;
	int rc;

	memset(rs, 0, sizeof(*rs));
	memset(&u, 0, sizeof(u));
	rn_err(err, errlen, "%s", "");
	if (j->command == NULL) {
		rn_err(err, errlen, "no command");
		return -EINVAL;
	}
	if (j->cwd != NULL && j->cwd[0] != '\0' && j->cwd[0] != '/') {
		rn_err(err, errlen, "working directory \"%s\" is not an "
		    "absolute path", j->cwd);
		return -EINVAL;
	}
	if ((rc = rn_prepare_user(rs, j, &u, err, errlen)) != 0)
		goto fail;
	rc = -ENOMEM;
	if ((rs->argv = calloc(4, sizeof(*rs->argv))) == NULL ||
	    (rs->argv[0] = strdup(RN_SHELL)) == NULL ||
	    (rs->argv[1] = strdup("-c")) == NULL ||
	    (rs->argv[2] = strdup(j->command)) == NULL)
		goto nomem;
	cwd = j->cwd != NULL && j->cwd[0] != '\0' ? j->cwd : u.home;
	if ((rs->cwd = strdup(cwd)) == NULL)
		goto nomem;
	if ((rc = rn_env_build(rs, j, &u, err, errlen)) != 0)
		goto fail;
	rs->timeout_ms = j->timeout_ms > 0 ? j->timeout_ms : 0;
	rs->kill_grace_ms = j->kill_grace_ms > 0 ? j->kill_grace_ms : 0;
	rs->max_output = j->max_output > 0 ? j->max_output : 1;
	rs->input = j->input_len > 0 ? j->input : NULL;
	rs->input_len = rs->input != NULL ? j->input_len : 0;
	rn_prepare_proc(rs, &j->proc);
	rn_user_free(&u);
	return 0;
nomem:
	rn_err(err, errlen, "out of memory");
fail:
	rn_user_free(&u);
	runner_spec_free(rs);
	return rc;
}

void
runner_spec_free(struct run_spec *rs)
{
	char **p;

	if (rs->argv != NULL)
		for (p = rs->argv; *p != NULL; p++)
			free(*p);
	free(rs->argv);
	if (rs->envp != NULL)
		for (p = rs->envp; *p != NULL; p++)
			free(*p);
	free(rs->envp);
	free(rs->cwd);
	free(rs->groups);
	memset(rs, 0, sizeof(*rs));
}

/* Stop control. */

int
runner_ctl_init(struct run_ctl *rc)
{
	atomic_init(&rc->stop, RUN_STOP_NONE);
	rc->on_start = NULL;
	atomic_init(&rc->now, false);
	if (pipe2(rc->wake_fd, O_CLOEXEC | O_NONBLOCK) == -1) {
		rc->wake_fd[0] = rc->wake_fd[1] = -1;
		return -errno;
	}
	return 0;
}

void
runner_ctl_destroy(struct run_ctl *rc)
{
	rn_close(&rc->wake_fd[0]);
	rn_close(&rc->wake_fd[1]);
}

void
runner_stop(struct run_ctl *rc, enum run_stop why)
{
	int expected = RUN_STOP_NONE;
	ssize_t n;

	if (why == RUN_STOP_NONE ||
	    !atomic_compare_exchange_strong(&rc->stop, &expected, (int)why))
		return;
	/* A full pipe already says "wake up": EAGAIN is fine. */
	do
		n = write(rc->wake_fd[1], "s", 1);
	while (n == -1 && errno == EINTR);
}

void
runner_stop_now(struct run_ctl *rc)
{
	int expected = RUN_STOP_NONE;
	ssize_t n;

	atomic_store(&rc->now, true);
	(void)atomic_compare_exchange_strong(&rc->stop, &expected,
	    (int)RUN_STOP_SHUTDOWN);
	do
		n = write(rc->wake_fd[1], "s", 1);
	while (n == -1 && errno == EINTR);
}

/* The child, between fork and exec: async-signal-safe calls only. */

static _Noreturn void
rn_child_fail(int statfd, int stage, int err)
{
	struct rn_status st;
	ssize_t n;

	st.stage = stage;
	st.err = err;
	do
		n = write(statfd, &st, sizeof(st));
	while (n == -1 && errno == EINTR);
	_exit(127);
}

/* Move fd above 2 (close-on-exec): dup2 onto 0-2 must not clobber it. */
static int
rn_child_high(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * glibc's sigaction() refuses the signals it keeps for itself (32 and 33,
 * thread cancellation and set*id), but an ignored one is inherited across
 * exec all the same: reset those with the system call.  Only an ignored
 * one: exec resets a handler anyway, and glibc's own handler must stay
 * until then, since set*id() below signals every other thread of the
 * child (a sanitizer runtime may start one after fork).  The layout is
 * the kernel's struct sigaction on the architectures where it is this one.
 */
static void
rn_child_default(int sig)
{
#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || \
    defined(__riscv)
	struct {
		void		(*handler)(int);
		unsigned long	  flags;
		void		(*restorer)(void);
		uint64_t	  mask;
	} ksa = { SIG_DFL, 0, NULL, 0 }, old;

	if (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(old.mask)) == 0 &&
	    old.handler != SIG_IGN)
		return;
	(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
#else
	(void)sig;
#endif
}

/*
 * After the uid switch: no capability survives it.  The kernel clears the
 * permitted, effective and ambient sets when the last root uid goes, but
 * not with SECBIT_NO_SETUID_FIXUP, and never the inheritable set, which
 * a file's inheritable capabilities would turn into real ones at exec.
 * Returns 0 when every set is empty, else -1 with errno.
 */
static int
rn_child_drop_caps(void)
{
	struct __user_cap_header_struct hdr = {
		_LINUX_CAPABILITY_VERSION_3, 0
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
		{ 0, 0, 0 }
	};
	int i;

	/* EINVAL: a kernel without ambient capabilities (before 4.3). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	if (syscall(SYS_capset, &hdr, data) == -1 ||
	    syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if ((data[i].effective | data[i].permitted |
		    data[i].inheritable) != 0) {
			errno = EPERM;
			return -1;
		}
	}
	return 0;
}

/*
 * The job's umask and limits, before the user switch (so that root may
 * raise a hard limit).  Returns -1 with errno and *which, the limit that
 * failed, or 0.
 */
static int
rn_child_limits(const struct run_spec *rs, int *which)
{
	struct rlimit rl;
	int i;

	if (rs->umask != JOB_DEFAULT)
		(void)umask((mode_t)rs->umask);
	for (i = 0; i < JOB_NLIMITS; i++) {
		if (rs->limit[i] == JOB_DEFAULT)
			continue;
		rl.rlim_cur = rl.rlim_max = rs->limit[i] == JOB_UNLIMITED ?
		    RLIM_INFINITY : (rlim_t)rs->limit[i];
		if (setrlimit(rn_rlimit_res[i], &rl) == -1) {
			*which = i;
			return -1;
		}
	}
	return 0;
}

/* joined: born in the attempt's cgroup (rn_clone_into()). */
static _Noreturn void
rn_child(const struct run_spec *rs, int nullfd, int outfd, int statfd,
    bool joined)
{
	struct sigaction sa;
	sigset_t empty;
	int fd, sig, which;

	if ((fd = rn_child_high(statfd)) == -1)
		rn_child_fail(statfd, STAGE_DUP, errno);
	statfd = fd;
	/* Into the attempt's cgroup before anything that can hang. */
	if (rs->in_cgroup && !joined && write(rs->cg_procs, "0", 1) != 1)
		rn_child_fail(statfd, STAGE_CGROUP, errno);
	if (setsid() == -1)
		rn_child_fail(statfd, STAGE_SETSID, errno);

	/* Every signal was blocked before fork; reset, unblock at the end. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, &sa, NULL) == -1)
			rn_child_default(sig);

	if ((nullfd = rn_child_high(nullfd)) == -1 ||
	    (outfd = rn_child_high(outfd)) == -1 ||
	    dup2(nullfd, STDIN_FILENO) == -1 ||
	    dup2(outfd, STDOUT_FILENO) == -1 ||
	    dup2(outfd, STDERR_FILENO) == -1)
		rn_child_fail(statfd, STAGE_DUP, errno);

	if (rn_child_limits(rs, &which) == -1)
		rn_child_fail(statfd, STAGE_RLIMIT + which, errno);

	if (rs->switch_user) {
		if (setgroups((size_t)rs->ngroups, rs->groups) == -1)
			rn_child_fail(statfd, STAGE_SETGROUPS, errno);
		if (setresgid(rs->gid, rs->gid, rs->gid) == -1)
			rn_child_fail(statfd, STAGE_SETRESGID, errno);
		if (setresuid(rs->uid, rs->uid, rs->uid) == -1)
			rn_child_fail(statfd, STAGE_SETRESUID, errno);
		if (rn_child_drop_caps() == -1)
			rn_child_fail(statfd, STAGE_CAPS, errno);
		/* Trust, but check. */
		if (getuid() != rs->uid || geteuid() != rs->uid ||
		    getgid() != rs->gid || getegid() != rs->gid ||
		    (rs->uid != 0 && setuid(0) != -1))
			rn_child_fail(statfd, STAGE_CHECKID, EPERM);
	}
	if (chdir(rs->cwd) == -1)
		rn_child_fail(statfd, STAGE_CHDIR, errno);

	/* Only 0-2 survive exec; statfd is close-on-exec already. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		if ((statfd > 3 && close_range(3, (unsigned)statfd - 1,
		    0) == -1) ||
		    close_range((unsigned)statfd + 1, ~0U, 0) == -1)
			rn_child_fail(statfd, STAGE_CLOSE, errno);
	}
	(void)sigemptyset(&empty);
	if (sigprocmask(SIG_SETMASK, &empty, NULL) == -1)
		rn_child_fail(statfd, STAGE_SIGMASK, errno);
	execve(rs->argv[0], rs->argv, rs->envp);
	rn_child_fail(statfd, STAGE_EXEC, errno);
}

/*
 * The child shares the daemon's memory until it execs (rn_spawn): a copy of
 * the daemon's page tables for every job costs more than the job's own
 * "sh -c true".  The calls above are plain system calls on the child's own
 * stack, and every signal is blocked until the dispositions are back to
 * default.  The parent thread is not suspended (no CLONE_VFORK: a child
 * can hang before exec, and the parent must be free to time it out), but
 * it stays in rn_spawn(), whose frame holds that stack and the arguments,
 * until the child has exec'd or is reaped.  glibc's set*id() signals the
 * other threads of what it takes for its own process, so a child that
 * switches user gets its own memory (fork) instead.
 */
struct rn_child_args {
	const struct run_spec	*rs;
	int			 nullfd, outfd, statfd;
};

#define RN_CHILD_STACK	65536	/* the child's stack, until exec */

/*
 * AddressSanitizer and ThreadSanitizer keep state about the parent thread's
 * stack and memory that a child running in that memory would corrupt: their
 * builds fork.
 */
#define RN_SHARED_CHILD	(!JOBD_ASAN && !JOBD_TSAN)

/*
 * valgrind runs a clone with CLONE_VM as a thread or, with CLONE_VFORK, as
 * a fork; one without either it refuses by ending the process.  Under it
 * (its preload library is in LD_PRELOAD), jobs get their own memory.
 */
static pthread_once_t	rn_vg_once = PTHREAD_ONCE_INIT;
static bool		rn_vg;

static void
rn_vg_check(void)
{
	const char *p = getenv("LD_PRELOAD");

	rn_vg = p != NULL && strstr(p, "vgpreload") != NULL;
}

static bool
rn_shared_child(void)
{
	(void)pthread_once(&rn_vg_once, rn_vg_check);
	return RN_SHARED_CHILD && !rn_vg;
}

static int
rn_child_main(void *arg)
{
	const struct rn_child_args *a = arg;

	rn_child(a->rs, a->nullfd, a->outfd, a->statfd, false);
}

/*
 * A child born in the cgroup whose directory is cgfd: clone3() with
 * CLONE_INTO_CGROUP (Linux 5.7), fork's semantics otherwise.  Moving a
 * process into a cgroup (cgroup.procs) takes the cgroup threadgroup
 * lock for writing, which waits for an RCU grace period: some 12 ms of
 * an idle machine's submit-to-start (bench/RESULTS.md), where a child
 * that starts there takes it only for reading.  -1 with errno ENOSYS
 * where the kernel (or valgrind) lacks it: rn_spawn() then moves the
 * child as before, and does not try again.  Not under the sanitizers,
 * whose runtimes expect fork() and clone() to go through them.
 */
static atomic_int	rn_clone3 = 1;	/* 0: unavailable here */

static pid_t
rn_clone_into(int cgfd)
{
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
	struct clone_args ca;
	long pid;

	if (!RN_SHARED_CHILD || rn_vg || atomic_load(&rn_clone3) == 0) {
		errno = ENOSYS;
		return -1;
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cgfd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == -1 && (errno == ENOSYS || errno == E2BIG ||
	    errno == EINVAL || errno == EPERM)) {
		atomic_store(&rn_clone3, 0);
		errno = ENOSYS;
	}
	return (pid_t)pid;
#else
	(void)cgfd;
	errno = ENOSYS;
	return -1;
#endif
}

/* The parent. */

static void
rn_fail(struct run_result *res, const char *fmt, ...)
{
	va_list ap;

	res->outcome = RUN_SPAWN_ERROR;
	va_start(ap, fmt);
	(void)vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
}

/* Why limit i (enum job_limit) could not be set: jobd's own, for EPERM. */
static void
rn_limit_reason(const struct rn_run *r, int i, int err)
{
	struct rlimit own;
	char want[PROCOPT_MAX], have[PROCOPT_MAX];
	enum procopt o = (enum procopt)(PROCOPT_NOFILE + i);

	procopt_format(o, r->rs->limit[i], want, sizeof(want));
	if (err == EPERM && getrlimit(rn_rlimit_res[i], &own) == 0) {
		procopt_format(o, own.rlim_max == RLIM_INFINITY ?
		    JOB_UNLIMITED : (int64_t)own.rlim_max, have, sizeof(have));
		rn_fail(r->res, "%s %s: above jobd's hard limit %s (only "
		    "root may raise it)", procopt_key(o), want, have);
	} else
		rn_fail(r->res, "%s %s: %s", procopt_key(o), want,
		    rn_strerror(err));
}

/* The reason for a failure the child reported before exec. */
static void
rn_spawn_reason(const struct rn_run *r, const struct rn_status *st)
{
	const struct run_spec *rs = r->rs;
	const char *e = rn_strerror(st->err);

	switch (st->stage) {
	case STAGE_SETSID:
		rn_fail(r->res, "setsid: %s", e);
		break;
	case STAGE_DUP:
		rn_fail(r->res, "dup2: %s", e);
		break;
	case STAGE_SETGROUPS:
		rn_fail(r->res, "setgroups: %s", e);
		break;
	case STAGE_SETRESGID:
		rn_fail(r->res, "setresgid %u: %s", (unsigned)rs->gid, e);
		break;
	case STAGE_SETRESUID:
		rn_fail(r->res, "setresuid %u: %s", (unsigned)rs->uid, e);
		break;
	case STAGE_CHECKID:
		rn_fail(r->res, "cannot drop privileges to uid %u gid %u",
		    (unsigned)rs->uid, (unsigned)rs->gid);
		break;
	case STAGE_CHDIR:
		rn_fail(r->res, "chdir %s: %s", rs->cwd, e);
		break;
	case STAGE_CLOSE:
		rn_fail(r->res, "close_range: %s", e);
		break;
	case STAGE_SIGMASK:
		rn_fail(r->res, "sigprocmask: %s", e);
		break;
	case STAGE_EXEC:
		rn_fail(r->res, "exec %s: %s", rs->argv[0], e);
		break;
	case STAGE_CAPS:
		rn_fail(r->res, "dropping capabilities for uid %u: %s",
		    (unsigned)rs->uid, e);
		break;
	case STAGE_CGROUP:
		rn_fail(r->res, "joining the attempt's cgroup: %s", e);
		break;
	default:
		if (st->stage >= STAGE_RLIMIT &&
		    st->stage < STAGE_RLIMIT + JOB_NLIMITS) {
			rn_limit_reason(r, st->stage - STAGE_RLIMIT, st->err);
			break;
		}
		rn_fail(r->res, "child setup failed (stage %d): %s",
		    st->stage, e);
		break;
	}
}

#define RN_STOPPED	(-2)	/* rn_wait_exec: stopped before exec */

/*
 * Wait for the child to exec (EOF on the status pipe) or to report a
 * failure, like read(2) on statfd into *st, but with the job's timeout
 * and its stop requests in force: a child can hang before exec (a chdir
 * into a mount whose server does not answer).  On a timeout or a stop,
 * SIGKILL the child (a hung FUSE or NFS request gives way to SIGKILL),
 * wait for its status pipe to close and reap it; set r->why and
 * r->status and return RN_STOPPED.
 *
 * The child may share this thread's memory (CLONE_VM without
 * CLONE_VFORK, so that this thread keeps watching the clock): until it
 * has exec'd it also shares errno, so the calls here are ones that do
 * not fail in practice, and errno is read only where they do.
 */
static ssize_t
rn_wait_exec(struct rn_run *r, pid_t pid, int statfd, struct rn_status *st)
{
	struct pollfd pfd[2];
	int64_t now, d;
	ssize_t n;
	int stop, status;

	for (;;) {
		pfd[0].fd = statfd;
		pfd[1].fd = r->rc != NULL ? r->rc->wake_fd[0] : -1;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		now = clock_mono_ms(r->clock);
		d = r->timeout_at == RN_NEVER ? -1 : r->timeout_at - now;
		if (d < 0 && r->timeout_at != RN_NEVER)
			d = 0;
		if (poll(pfd, 2, d > INT_MAX ? INT_MAX : (int)d) == -1 &&
		    errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		stop = r->rc != NULL ? atomic_load(&r->rc->stop) :
		    RUN_STOP_NONE;
		if (stop != RUN_STOP_NONE) {
			r->why = stop == RUN_STOP_SHUTDOWN ? WHY_SHUTDOWN :
			    WHY_CANCEL;
		} else if (r->timeout_at != RN_NEVER &&
		    clock_mono_ms(r->clock) >= r->timeout_at)
			r->why = WHY_TIMEOUT;
		else
			continue;
		(void)kill(pid, SIGKILL);
		/* The pipe closes when the child is gone: its memory too. */
		do
			n = read(statfd, st, sizeof(*st));
		while (n > 0 || (n == -1 && errno == EINTR));
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		r->status = status;
		r->reaped = true;
		r->res->finished_at = clock_wall_ms(r->clock);
		return RN_STOPPED;
	}
	do
		n = read(statfd, st, sizeof(*st));
	while (n == -1 && errno == EINTR);
	return n;
}

/* Wait for our child (blocking): only for a child that is exiting. */
static void
rn_reap_blocking(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/*
 * The child's stdin: /dev/null, or a memory file holding rs->input, sealed
 * and at offset 0.  -1 with errno on failure.
 */
static int
rn_input(const struct run_spec *rs)
{
	const char *p = rs->input;
	size_t left = rs->input_len;
	ssize_t n;
	int fd, e;

	if (p == NULL)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((fd = memfd_create("jobd-input", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return -1;
	while (left > 0) {
		if ((n = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	(void)close(fd);
	errno = e;
	return -1;
}

/*
 * Start the job and wait for its exec.  Returns 0 with r->pid and
 * r->outfd set; -1 after filling r->res as RUN_SPAWN_ERROR; or 1 when a
 * timeout or a stop came before exec: the child was killed and reaped,
 * r->why and r->status say how.  No fd or child is left over.  The child
 * runs on "stack", in this frame: this function returns only once the
 * child has exec'd or is gone.
 */
static int
rn_spawn(struct rn_run *r)
{
	_Alignas(16) char stack[RN_CHILD_STACK];
	struct rn_child_args ca;
	struct rn_status st;
	sigset_t all, old;
	ssize_t n;
	pid_t pid;
	bool shared = rn_shared_child() && !r->rs->switch_user;
	int outp[2] = { -1, -1 }, statp[2] = { -1, -1 }, nullfd, e;

	if ((nullfd = rn_input(r->rs)) == -1) {
		rn_fail(r->res, "%s: %s", r->rs->input != NULL ?
		    "the job's input" : "open /dev/null", rn_strerror(errno));
		return -1;
	}
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(statp, O_CLOEXEC) == -1 ||
	    fcntl(outp[0], F_SETFL, O_NONBLOCK) == -1) {
		rn_fail(r->res, "pipe: %s", rn_strerror(errno));
		goto fail;
	}

	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r->res->started_at = clock_wall_ms(r->clock);
	pid = -1;
	errno = ENOSYS;
	if (r->rs->in_cgroup &&
	    (pid = rn_clone_into(r->rs->cg_dir)) == 0)
		rn_child(r->rs, nullfd, outp[1], statp[1], true);
	if (pid != -1 || errno != ENOSYS)
		shared = false;		/* for the message below */
	else if (shared) {
		ca.rs = r->rs;
		ca.nullfd = nullfd;
		ca.outfd = outp[1];
		ca.statfd = statp[1];
		pid = clone(rn_child_main, stack + sizeof(stack),
		    CLONE_VM | SIGCHLD, &ca);
	} else if ((pid = fork()) == 0)
		rn_child(r->rs, nullfd, outp[1], statp[1], false);
	e = errno;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		rn_fail(r->res, "%s: %s", shared ? "clone" : "fork",
		    rn_strerror(e));
		goto fail;
	}
	rn_close(&nullfd);
	rn_close(&outp[1]);
	rn_close(&statp[1]);
	if (r->rc != NULL && r->rc->on_start != NULL)
		r->rc->on_start(r->rc, pid, runner_proc_start(pid));

	/* EOF: exec succeeded (the status pipe is close-on-exec). */
	n = rn_wait_exec(r, pid, statp[0], &st);
	e = errno;
	rn_close(&statp[0]);
	if (n == RN_STOPPED) {
		/* Stopped before exec: killed and reaped already. */
		r->pid = pid;
		rn_close(&outp[0]);
		return 1;
	}
	if (n != 0) {
		if (n == (ssize_t)sizeof(st))
			rn_spawn_reason(r, &st);
		else if (n < 0) {
			rn_fail(r->res, "reading the exec status: %s",
			    rn_strerror(e));
			(void)kill(pid, SIGKILL);
		} else
			rn_fail(r->res, "child setup failed");
		rn_reap_blocking(pid);
		r->res->finished_at = clock_wall_ms(r->clock);
		rn_close(&outp[0]);
		return -1;
	}
	r->pid = pid;
	r->outfd = outp[0];
	crash_point("after_spawn");
	return 0;
fail:
	r->res->started_at = r->res->finished_at = clock_wall_ms(r->clock);
	rn_close(&nullfd);
	rn_close(&outp[0]);
	rn_close(&outp[1]);
	rn_close(&statp[0]);
	rn_close(&statp[1]);
	return -1;
}

/* Keep the last r->cap bytes of everything read. */
static void
rn_ring_put(struct rn_run *r, const char *p, size_t n)
{
	size_t off, k;

	r->total += n;
	if (n > r->cap) {
		p += n - r->cap;
		n = r->cap;
	}
	off = (size_t)((r->total - n) % r->cap);
	k = n < r->cap - off ? n : r->cap - off;
	memcpy(r->ring + off, p, k);
	memcpy(r->ring, p + k, n - k);
}

static void
rn_reverse(char *p, size_t n)
{
	char c;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		c = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = c;
	}
}

/* Hand the ring over to res->output, oldest byte first. */
static void
rn_ring_take(struct rn_run *r)
{
	size_t len, start;
	char *p;

	len = r->total < r->cap ? (size_t)r->total : r->cap;
	r->res->output_dropped = (int64_t)(r->total - len);
	if (len == 0) {
		free(r->ring);
		r->ring = NULL;
		return;
	}
	start = (size_t)((r->total - len) % r->cap);
	if (start != 0) {
		/* Wrapped, so len == cap: rotate left by start. */
		rn_reverse(r->ring, start);
		rn_reverse(r->ring + start, len - start);
		rn_reverse(r->ring, len);
	}
	if (len < r->cap && (p = realloc(r->ring, len)) != NULL)
		r->ring = p;
	r->res->output = r->ring;
	r->res->output_len = len;
	r->ring = NULL;
}

/* One read of the output pipe: > 0 bytes, 0 at EOF (fd closed), -1 none. */
static ssize_t
rn_read(struct rn_run *r)
{
	char buf[RN_READ_MAX];
	ssize_t n;

	n = read(r->outfd, buf, sizeof(buf));
	if (n > 0) {
		rn_ring_put(r, buf, (size_t)n);
		return n;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	rn_close(&r->outfd);
	return 0;
}

static void
rn_wake_drain(struct run_ctl *rc)
{
	char buf[64];

	while (read(rc->wake_fd[0], buf, sizeof(buf)) > 0)
		;
}

/* Signal the job's whole process group; it may be gone already. */
static void
rn_signal(struct rn_run *r, int sig)
{
	(void)kill(-r->pid, sig);
}

/* Ask the job to stop: SIGTERM now, SIGKILL after the grace period. */
static void
rn_terminate(struct rn_run *r, enum rn_why why, int64_t now)
{
	r->why = why;
	rn_signal(r, SIGTERM);
	rn_signal(r, SIGCONT);		/* a stopped job must see SIGTERM */
	r->kill_at = rn_add(now, r->rs->kill_grace_ms);
}

/*
 * Note the shell's exit; flags 0 or WNOHANG.  Returns true once it has
 * exited.  The shell stays a zombie (WNOWAIT) until runner_run() is done
 * with its process group and session: their id is the shell's pid, which
 * no other process can get before the shell is reaped.
 */
static bool
rn_reap(struct rn_run *r, int flags)
{
	siginfo_t si;
	int rc;

	do {
		memset(&si, 0, sizeof(si));
		rc = waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOWAIT |
		    flags);
	} while (rc == -1 && errno == EINTR);
	if (rc == 0 && si.si_pid == 0)
		return false;		/* WNOHANG: still running */
	if (rc == -1)
		r->status_lost = true;	/* ECHILD: SIGCHLD is SIG_IGN? */
	else if (si.si_code == CLD_EXITED)
		r->status = W_EXITCODE(si.si_status, 0);
	else
		r->status = W_EXITCODE(0, si.si_status) |
		    (si.si_code == CLD_DUMPED ? WCOREFLAG : 0);
	r->reaped = true;
	r->res->finished_at = clock_wall_ms(r->clock);
	r->linger_at = rn_add(clock_mono_ms(r->clock), RUNNER_LINGER_MS);
	rn_close(&r->pidfd);
	return true;
}

/* The session of process "pid", or -1 for a zombie or a process gone. */
static pid_t
rn_session_of(long pid)
{
	uint64_t start;
	pid_t sid;

	return procfs_stat(pid, &sid, &start) == 0 ? sid : -1;
}

/*
 * SIGKILL every process left in the job's session, whatever its process
 * group: a job that uses job control (bash's "set -m") puts its
 * background jobs in process groups of their own.  The session's id is
 * the shell's pid, held by the unreaped shell.  A process may fork before
 * it dies, so sweep /proc again until a sweep finds nothing (or
 * RN_SWEEPS times: a process in uninterruptible sleep dies when it wakes).
 */
static void
rn_kill_session(const struct rn_run *r)
{
	DIR *d;
	long pid;
	int i, found;

	for (i = 0; i < RN_SWEEPS; i++) {
		if (i > 0)
			(void)poll(NULL, 0, RN_SWEEP_PAUSE);
		if ((d = opendir("/proc")) == NULL)
			return;
		found = 0;
		while ((pid = procfs_next_pid(d)) != -1) {
			if (pid == r->pid || rn_session_of(pid) != r->pid)
				continue;
			(void)kill((pid_t)pid, SIGKILL);
			found++;
		}
		(void)closedir(d);
		if (found == 0)
			return;
	}
}

/* Act on deadlines that have passed. */
static void
rn_deadlines(struct rn_run *r, int64_t now)
{
	if (!r->reaped && r->why == WHY_NONE && now >= r->timeout_at)
		rn_terminate(r, WHY_TIMEOUT, now);
	if (r->why != WHY_NONE && r->kill_at != RN_NEVER &&
	    now >= r->kill_at) {
		rn_signal(r, SIGKILL);
		r->kill_at = RN_NEVER;
	}
}

/* The poll() timeout, ms, to the next deadline; -1 for none. */
static int
rn_poll_timeout(const struct rn_run *r, int64_t now)
{
	int64_t next, d;

	next = RN_NEVER;
	if (!r->reaped && r->why == WHY_NONE && r->timeout_at < next)
		next = r->timeout_at;
	if (r->kill_at < next)
		next = r->kill_at;
	if (r->reaped && r->linger_at < next)
		next = r->linger_at;
	if (r->pidfd == -1 && !r->reaped && rn_add(now, RN_POLL_SLICE) < next)
		next = rn_add(now, RN_POLL_SLICE);
	if (next == RN_NEVER)
		return -1;
	d = next - now;
	return d <= 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

/* Poll until the shell is reaped and its output is read (or lingered). */
static void
rn_loop(struct rn_run *r)
{
	struct pollfd pfd[3];
	int64_t now;
	int stop, n;

	for (;;) {
		now = clock_mono_ms(r->clock);
		if (r->reaped && (r->outfd == -1 || now >= r->linger_at))
			break;
		rn_deadlines(r, now);
		pfd[0].fd = r->pidfd;
		pfd[1].fd = r->reaped || r->rc == NULL ? -1 :
		    r->rc->wake_fd[0];
		pfd[2].fd = r->outfd;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		n = poll(pfd, 3, rn_poll_timeout(r, now));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			r->sys_err = errno;
			rn_signal(r, SIGKILL);
			if (!r->reaped)
				(void)rn_reap(r, 0);
			break;
		}
		/* The exit first: a later stop changes nothing. */
		if (pfd[0].revents != 0 || (r->pidfd == -1 && !r->reaped))
			(void)rn_reap(r, pfd[0].revents != 0 ? 0 : WNOHANG);
		if (pfd[1].revents != 0 && !r->reaped) {
			rn_wake_drain(r->rc);
			stop = atomic_load(&r->rc->stop);
			if (stop != RUN_STOP_NONE && r->why == WHY_NONE)
				rn_terminate(r, stop == RUN_STOP_SHUTDOWN ?
				    WHY_SHUTDOWN : WHY_CANCEL,
				    clock_mono_ms(r->clock));
			/* No grace: the next turn's deadlines kill it. */
			if (atomic_load(&r->rc->now) && r->why != WHY_NONE &&
			    r->kill_at != RN_NEVER)
				r->kill_at = clock_mono_ms(r->clock);
		}
		if (pfd[2].revents != 0 && r->outfd != -1)
			(void)rn_read(r);
	}
}

/* Fill in the outcome and the words for it. */
static void
rn_outcome(struct rn_run *r)
{
	struct run_result *res = r->res;
	char dur[TIMEFMT_MAX];
	const char *desc;

	if (!r->status_lost && WIFEXITED(r->status)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(r->status);
	} else if (!r->status_lost && WIFSIGNALED(r->status))
		res->signal = WTERMSIG(r->status);

	switch (r->why) {
	case WHY_TIMEOUT:
		res->outcome = RUN_TIMEOUT;
		if (timefmt_format_duration(r->rs->timeout_ms, dur,
		    sizeof(dur)) != 0)
			(void)snprintf(dur, sizeof(dur), "%" PRId64 "ms",
			    r->rs->timeout_ms);
		(void)snprintf(res->error, sizeof(res->error),
		    "timed out after %s", dur);
		return;
	case WHY_CANCEL:
		res->outcome = RUN_CANCELLED;
		(void)snprintf(res->error, sizeof(res->error), "cancelled");
		return;
	case WHY_SHUTDOWN:
		res->outcome = RUN_SHUTDOWN;
		(void)snprintf(res->error, sizeof(res->error),
		    "stopped: jobd shutting down");
		return;
	case WHY_NONE:
		break;
	}
	res->outcome = RUN_FAILED;
	if (r->sys_err != 0)
		(void)snprintf(res->error, sizeof(res->error),
		    "poll: %s", rn_strerror(r->sys_err));
	else if (r->status_lost)
		(void)snprintf(res->error, sizeof(res->error),
		    "exit status lost: %s", rn_strerror(ECHILD));
	else if (res->exited && res->exit_code == 0) {
		res->outcome = RUN_OK;
		res->error[0] = '\0';
	} else if (res->exited)
		(void)snprintf(res->error, sizeof(res->error), "exit %d",
		    res->exit_code);
	else {
		desc = sigdescr_np(res->signal);
		(void)snprintf(res->error, sizeof(res->error),
		    "killed by signal %d (%s)", res->signal,
		    desc != NULL ? desc : "unknown signal");
	}
}

void
runner_run(const struct run_spec *rs, struct run_ctl *rc,
    const struct jd_clock *clock, struct run_result *res)
{
	struct rn_run r;
	int i, stop;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.rs = rs;
	r.rc = rc;
	r.clock = clock;
	r.res = res;
	r.pid = -1;
	r.outfd = r.pidfd = -1;
	r.kill_at = RN_NEVER;
	r.linger_at = RN_NEVER;

	stop = rc != NULL ? atomic_load(&rc->stop) : RUN_STOP_NONE;
	if (stop != RUN_STOP_NONE) {
		res->outcome = stop == RUN_STOP_SHUTDOWN ? RUN_SHUTDOWN :
		    RUN_CANCELLED;
		(void)snprintf(res->error, sizeof(res->error), "%s",
		    stop == RUN_STOP_SHUTDOWN ? "stopped: jobd shutting down" :
		    "cancelled");
		res->started_at = res->finished_at = clock_wall_ms(clock);
		return;
	}
	r.cap = rs->max_output > 0 ? rs->max_output : 1;
	if ((r.ring = malloc(r.cap)) == NULL) {
		rn_fail(res, "out of memory for %zu bytes of output", r.cap);
		res->started_at = res->finished_at = clock_wall_ms(clock);
		return;
	}
	r.timeout_at = rs->timeout_ms > 0 ?
	    rn_add(clock_mono_ms(clock), rs->timeout_ms) : RN_NEVER;
	if ((i = rn_spawn(&r)) != 0) {
		if (i > 0) {
			rn_ring_take(&r);
			rn_outcome(&r);
		} else
			free(r.ring);
		return;
	}
	/*
	 * Without a pidfd (old kernel), poll with waitpid(WNOHANG).  Not
	 * under ThreadSanitizer, which does not see pidfd_open() make an fd:
	 * it would take the pidfd for the last fd of its number it saw (a
	 * connection of the loop thread's socket) and report its close as a
	 * race.
	 */
	r.pidfd = JOBD_TSAN ? -1 : (int)syscall(SYS_pidfd_open, r.pid, 0);

	rn_loop(&r);

	/*
	 * Nothing of the job's process group outlives it, and nothing of its
	 * session when it was stopped or something still holds its output
	 * (a sweep of /proc: not after every job).  Then take what is
	 * already in the pipe, a bounded amount: a writer that left the
	 * session (setsid) is not killed and could keep writing.
	 */
	if (rs->kill_process) {
		/* cron's way: only a stopped job's process group. */
		if (r.why != WHY_NONE || r.sys_err != 0)
			rn_signal(&r, SIGKILL);
	} else
		rn_signal(&r, SIGKILL);
	/* The whole attempt: its cgroup, else (or if that fails) its session. */
	if (!rs->kill_process &&
	    (!rs->in_cgroup || cgroup_kill(rs->cg_dir) != 0) &&
	    (rs->in_cgroup || r.why != WHY_NONE || r.outfd != -1 ||
	    r.sys_err != 0))
		rn_kill_session(&r);
	for (i = 0; i < RN_DRAIN_READS && r.outfd != -1; i++)
		if (rn_read(&r) <= 0)
			break;
	rn_close(&r.outfd);
	rn_close(&r.pidfd);
	rn_reap_blocking(r.pid);	/* only now: see rn_reap() */
	rn_ring_take(&r);
	rn_outcome(&r);
}

/* Containment after a crash: the remains of a session. */

uint64_t
runner_proc_start(pid_t pid)
{
	uint64_t start;
	pid_t sid;

	return procfs_stat((long)pid, &sid, &start) == 0 ? start : 0;
}

int
runner_kill_session(pid_t sid, uint64_t start)
{
	uint64_t t;
	pid_t s;
	DIR *d;
	long pid;
	int i, found, killed = 0;

	if (sid <= 1 || start == 0)
		return 0;
	/* The leader lives on with another start time: not ours. */
	if (procfs_stat((long)sid, &s, &t) == 0 && t != start)
		return 0;
	for (i = 0; i < RN_SWEEPS; i++) {
		if (i > 0)
			(void)poll(NULL, 0, RN_SWEEP_PAUSE);
		if ((d = opendir("/proc")) == NULL)
			return killed;
		found = 0;
		while ((pid = procfs_next_pid(d)) != -1) {
			if (procfs_stat(pid, &s, &t) != 0 || s != sid ||
			    t < start)
				continue;
			if (kill((pid_t)pid, SIGKILL) == 0)
				killed++;
			found++;
		}
		(void)closedir(d);
		if (found == 0)
			break;
	}
	return killed;
}
