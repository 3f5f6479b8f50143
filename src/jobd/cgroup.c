/*
 * cgroup: attempt cgroups in a cgroup v2 hierarchy (see cgroup.h).
 *
 * cgroups_open() finds the cgroup2 mount in /proc/self/mountinfo and
 * jobd's own cgroup in /proc/self/cgroup, never a fixed path: systemd
 * mounts the unified hierarchy at /sys/fs/cgroup, a hybrid layout at
 * /sys/fs/cgroup/unified.  Killing is one write of "1" to cgroup.kill
 * (Linux 5.14), which the kernel applies to every process in the cgroup
 * and its descendants at once, so a process that forks meanwhile cannot
 * escape it; then cgroup.events is read until "populated 0".
 */
#define _GNU_SOURCE

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/cgroup.h"
#include "jobd/sanitize.h"

#define CG_KILL_WAIT_MS	1000	/* for a killed cgroup to empty */
#define CG_KILL_PAUSE	5	/* ms between looks */
#define CG_RMDIR_TRIES	20
#define CG_MOVE_ROUNDS	20	/* reads of cgroup.procs when moving out */
#define CG_LEFTOVER	"leftover"	/* what kill_mode process leaves */

struct cgroups {
	char	mnt[PATH_MAX];		/* the cgroup2 mount point */
	char	dbrel[PATH_MAX];	/* the database's dir, below mnt */
	char	dbdir[PATH_MAX];	/* mnt + dbrel */
	int	dbfd;			/* dbdir, O_DIRECTORY */
};

/*
 * openat(), but under ThreadSanitizer, which does not see openat() make
 * an fd (it would take it for the last fd of its number it saw, a
 * connection of the loop thread's socket, and report its close as a
 * race), open() of the same file through /proc/self/fd.
 */
static int
cg_openat(int dir, const char *name, int flags)
{
	char path[PATH_MAX];

	if (!JOBD_TSAN)
		return openat(dir, name, flags);
	if ((size_t)snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir,
	    name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags);
}

static void	cg_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
cg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The mount point of the first cgroup2 file system in mountinfo. */
static int
cg_mount(char *mnt, size_t len)
{
	char *line = NULL, *p, *sep, *f[6];
	size_t cap = 0;
	FILE *fp;
	int i, rc = -ENOENT;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -errno;
	while (getline(&line, &cap, fp) != -1) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE ... */
		if ((sep = strstr(line, " - ")) == NULL ||
		    strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		p = line;
		for (i = 0; i < 5; i++) {
			f[i] = p;
			if ((p = strchr(p, ' ')) == NULL)
				break;
			*p++ = '\0';
		}
		if (i < 5 || strcmp(f[3], "/") != 0)
			continue;	/* a bind mount of a subtree */
		/* Octal escapes (\040) in the path: not worth decoding. */
		if (strchr(f[4], '\\') != NULL ||
		    strlen(f[4]) >= len)
			continue;
		(void)snprintf(mnt, len, "%s", f[4]);
		rc = 0;
		break;
	}
	free(line);
	(void)fclose(fp);
	return rc;
}

/* jobd's own cgroup: the "0::PATH" line of /proc/self/cgroup. */
static int
cg_own(char *own, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int rc = -ENOENT;

	if ((fp = fopen("/proc/self/cgroup", "re")) == NULL)
		return -errno;
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (line[3] != '/' || strlen(line + 3) >= len ||
		    strstr(line, " (deleted)") != NULL)
			break;
		(void)snprintf(own, len, "%s", line + 3);
		rc = 0;
		break;
	}
	free(line);
	(void)fclose(fp);
	return rc;
}

static int
cg_mkdir(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write s to file "name" in directory dir.  Returns 0 or -errno. */
static int
cg_write(int dir, const char *name, const char *s)
{
	ssize_t n;
	int fd, e;

	if ((fd = cg_openat(dir, name, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	n = write(fd, s, strlen(s));
	e = errno;
	(void)close(fd);
	if (n != (ssize_t)strlen(s))
		return n == -1 ? -e : -EIO;
	return 0;
}

/* Is the cgroup open as dir empty ("populated 0" in cgroup.events)? */
static bool
cg_empty(int dir)
{
	char buf[256], *p;
	ssize_t n;
	int fd;

	if ((fd = cg_openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT;		/* removed */
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return (p = strstr(buf, "populated ")) != NULL && p[10] == '0';
}

int
cgroup_kill(int dir)
{
	int i, rc;

	if (cg_empty(dir))
		return 0;
	if ((rc = cg_write(dir, "cgroup.kill", "1")) != 0)
		return rc;
	for (i = 0; i < CG_KILL_WAIT_MS / CG_KILL_PAUSE; i++) {
		if (cg_empty(dir))
			return 0;
		(void)poll(NULL, 0, CG_KILL_PAUSE);
	}
	return -ETIMEDOUT;
}

/* rmdir, retried while the last processes leave (EBUSY). */
static int
cg_rmdir(int parent, const char *name)
{
	int i;

	for (i = 0; i < CG_RMDIR_TRIES; i++) {
		if (unlinkat(parent, name, AT_REMOVEDIR) == 0 ||
		    errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		(void)poll(NULL, 0, CG_KILL_PAUSE);
	}
	return -EBUSY;
}

int
cgroups_open(struct cgroups **cgp, const uint64_t db_id[2], char *err,
    size_t errlen)
{
	struct cgroups *cg;
	char own[PATH_MAX], base[PATH_MAX], leaf[2 * PATH_MAX + 16], pid[32];
	int rc, fd;

	if ((cg = calloc(1, sizeof(*cg))) == NULL)
		return -ENOMEM;
	cg->dbfd = -1;
	if ((rc = cg_mount(cg->mnt, sizeof(cg->mnt))) != 0) {
		cg_err(err, errlen, "no cgroup2 file system is mounted");
		goto fail;
	}
	if ((rc = cg_own(own, sizeof(own))) != 0) {
		cg_err(err, errlen, "no cgroup v2 line in /proc/self/cgroup");
		goto fail;
	}
	if (strcmp(own, "/") == 0)
		(void)snprintf(base, sizeof(base), "/jobd");
	else
		(void)snprintf(base, sizeof(base), "%s", own);
	if ((size_t)snprintf(cg->dbrel, sizeof(cg->dbrel), "%s/db-%jx-%jx",
	    base, (uintmax_t)db_id[0], (uintmax_t)db_id[1]) >=
	    sizeof(cg->dbrel) ||
	    (size_t)snprintf(cg->dbdir, sizeof(cg->dbdir), "%s%s", cg->mnt,
	    cg->dbrel) >= sizeof(cg->dbdir)) {
		rc = -ENAMETOOLONG;
		cg_err(err, errlen, "cgroup path too long: %s%s", cg->mnt,
		    cg->dbrel);
		goto fail;
	}
	(void)snprintf(leaf, sizeof(leaf), "%s%s", cg->mnt, base);
	if (strcmp(own, "/") == 0 && (rc = cg_mkdir(leaf)) != 0) {
		cg_err(err, errlen, "cannot make cgroup %s: %s", leaf,
		    strerror(-rc));
		goto fail;
	}
	if (access(leaf, W_OK) == -1) {
		rc = -errno;
		cg_err(err, errlen, "cgroup %s is not writable (%s); under "
		    "systemd, Delegate=yes makes it so", leaf, strerror(-rc));
		goto fail;
	}
	if (strcmp(own, "/") != 0) {
		/* Delegated: jobd goes into a leaf of its own. */
		(void)snprintf(leaf, sizeof(leaf), "%s%s/daemon", cg->mnt,
		    base);
		(void)snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		if ((rc = cg_mkdir(leaf)) == 0) {
			if ((fd = open(leaf, O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC)) == -1)
				rc = -errno;
			else {
				rc = cg_write(fd, "cgroup.procs", pid);
				(void)close(fd);
			}
		}
		if (rc != 0) {
			cg_err(err, errlen, "cannot move jobd into cgroup "
			    "%s: %s", leaf, strerror(-rc));
			goto fail;
		}
	}
	if ((rc = cg_mkdir(cg->dbdir)) != 0 ||
	    (cg->dbfd = open(cg->dbdir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		rc = rc != 0 ? rc : -errno;
		cg_err(err, errlen, "cannot make cgroup %s: %s", cg->dbdir,
		    strerror(-rc));
		goto fail;
	}
	/* Empty now that what it held has ended: no longer needed. */
	(void)unlinkat(cg->dbfd, CG_LEFTOVER, AT_REMOVEDIR);
	if (faccessat(cg->dbfd, "cgroup.kill", W_OK, 0) == -1) {
		rc = -errno;
		cg_err(err, errlen, "cgroup %s has no cgroup.kill (Linux "
		    "5.14 or later): %s", cg->dbdir, strerror(-rc));
		goto fail;
	}
	*cgp = cg;
	return 0;
fail:
	cgroups_close(cg);
	return rc;
}

const char *
cgroups_where(const struct cgroups *cg)
{
	return cg->dbdir;
}

void
cgroups_close(struct cgroups *cg)
{
	if (cg == NULL)
		return;
	/*
	 * The database's cgroup stays, empty: every jobd of this host on
	 * the same database shares it, and one that stops must not take it
	 * from the others (their next attempt could not be made).
	 */
	if (cg->dbfd != -1) {
		(void)unlinkat(cg->dbfd, CG_LEFTOVER, AT_REMOVEDIR);
		(void)close(cg->dbfd);
	}
	free(cg);
}

static void
cg_name(char *buf, size_t len, int64_t job, int64_t attempt)
{
	(void)snprintf(buf, len, "%" PRId64 "-%" PRId64, job, attempt);
}

int
cgroup_attempt_make(const struct cgroups *cg, int64_t job, int64_t attempt,
    struct cgroup_attempt *a)
{
	char name[64];
	int rc;

	a->dir = a->procs = -1;
	cg_name(name, sizeof(name), job, attempt);
	if ((size_t)snprintf(a->path, sizeof(a->path), "%s/%s", cg->dbrel,
	    name) >= sizeof(a->path))
		return -ENAMETOOLONG;
	if (mkdirat(cg->dbfd, name, 0755) == -1 && errno != EEXIST)
		return -errno;
	if ((a->dir = cg_openat(cg->dbfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	/* Left by a crash, with something in it: not for this run. */
	if ((rc = cgroup_kill(a->dir)) != 0)
		goto fail;
	if ((a->procs = cg_openat(a->dir, "cgroup.procs", O_WRONLY |
	    O_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	return 0;
fail:
	if (a->dir != -1)
		(void)close(a->dir);
	a->dir = -1;
	return rc;
}

void
cgroup_attempt_end(const struct cgroups *cg, struct cgroup_attempt *a)
{
	const char *name;

	if (a->procs != -1)
		(void)close(a->procs);
	a->procs = -1;
	if (a->dir == -1)
		return;
	(void)cgroup_kill(a->dir);
	(void)close(a->dir);
	a->dir = -1;
	if ((name = strrchr(a->path, '/')) != NULL)
		(void)cg_rmdir(cg->dbfd, name + 1);
}

/* Move the processes listed in the cgroup open as dir to procs; -errno. */
static int
cg_move_all(int dir, int procs)
{
	FILE *f;
	char num[32];
	long pid;
	int fd, rc = 0;

	if ((fd = cg_openat(dir, "cgroup.procs", O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if ((f = fdopen(fd, "r")) == NULL) {
		rc = -errno;
		(void)close(fd);
		return rc;
	}
	while (fscanf(f, "%ld", &pid) == 1) {
		(void)snprintf(num, sizeof(num), "%ld", pid);
		/* One pid per write; ESRCH: it has ended meanwhile. */
		if (write(procs, num, strlen(num)) == -1 && errno != ESRCH &&
		    rc == 0)
			rc = -errno;
	}
	(void)fclose(f);
	return rc;
}

int
cgroup_attempt_release(const struct cgroups *cg, struct cgroup_attempt *a)
{
	int procs, i, rc = 0;

	if (a->dir == -1 || cg_empty(a->dir))
		return 0;
	if (mkdirat(cg->dbfd, CG_LEFTOVER, 0755) == -1 && errno != EEXIST)
		return -errno;
	if ((procs = cg_openat(cg->dbfd, CG_LEFTOVER "/cgroup.procs",
	    O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	/* A process that forks meanwhile leaves its child behind: again. */
	for (i = 0; i < CG_MOVE_ROUNDS && !cg_empty(a->dir); i++) {
		if (i > 0)
			(void)poll(NULL, 0, CG_KILL_PAUSE);
		if ((rc = cg_move_all(a->dir, procs)) != 0)
			break;
	}
	(void)close(procs);
	if (rc == 0 && !cg_empty(a->dir))
		rc = -EBUSY;
	return rc;
}

/* Kill and remove cgroup "name" of the database's directory. */
static int
cg_kill_name(const struct cgroups *cg, const char *name)
{
	int dir, rc;

	if ((dir = cg_openat(cg->dbfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -errno;
	rc = cgroup_kill(dir);
	(void)close(dir);
	if (rc == 0)
		rc = cg_rmdir(cg->dbfd, name);
	return rc == 0 ? 1 : rc;
}

/* "ID-ATTEMPT" into its numbers; -EINVAL for any other name. */
static int
cg_parse(const char *name, int64_t *job, int64_t *attempt)
{
	char tail;

	if (name[0] < '1' || name[0] > '9' ||
	    sscanf(name, "%" SCNd64 "-%" SCNd64 "%c", job, attempt,
	    &tail) != 2 || *job <= 0 || *attempt <= 0)
		return -EINVAL;
	return 0;
}

int
cgroup_attempt_path(const struct cgroups *cg, int64_t job, int64_t attempt,
    char *buf, size_t len)
{
	char name[64];

	cg_name(name, sizeof(name), job, attempt);
	if ((size_t)snprintf(buf, len, "%s/%s", cg->dbrel, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
cgroup_kill_path(const struct cgroups *cg, const char *path, int64_t job,
    int64_t attempt)
{
	const char *db = strrchr(cg->dbrel, '/');
	char tail[PATH_MAX], full[2 * PATH_MAX];
	size_t n, t;
	int dir, rc;

	/* Only an attempt cgroup of this database, job and attempt. */
	if ((size_t)snprintf(tail, sizeof(tail), "%s/%" PRId64 "-%" PRId64,
	    db, job, attempt) >= sizeof(tail))
		return -EINVAL;
	n = strlen(path);
	t = strlen(tail);
	if (path[0] != '/' || strstr(path, "/..") != NULL || n < t ||
	    strcmp(path + n - t, tail) != 0)
		return -EINVAL;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", cg->mnt, path) >=
	    sizeof(full))
		return -ENAMETOOLONG;
	if ((dir = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -errno;
	rc = cgroup_kill(dir);
	(void)close(dir);
	if (rc == 0) {
		for (n = 0; n < CG_RMDIR_TRIES; n++) {
			if (rmdir(full) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY)
				break;
			(void)poll(NULL, 0, CG_KILL_PAUSE);
		}
	}
	return rc == 0 ? 1 : rc;
}

int
cgroup_kill_attempt(const struct cgroups *cg, int64_t job, int64_t attempt)
{
	char name[64];

	cg_name(name, sizeof(name), job, attempt);
	return cg_kill_name(cg, name);
}

int
cgroups_sweep(const struct cgroups *cg,
    int (*fn)(int64_t job, int64_t attempt, void *arg), void *arg)
{
	struct dirent *de;
	int64_t job, attempt;
	DIR *d;
	int fd, killed = 0;

	if ((fd = dup(cg->dbfd)) == -1)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR ||
		    cg_parse(de->d_name, &job, &attempt) != 0)
			continue;
		if (fn(job, attempt, arg) != 0 &&
		    cg_kill_name(cg, de->d_name) > 0)
			killed++;
	}
	(void)closedir(d);
	return killed;
}
