/*
 * cgroup: one cgroup v2 per attempt, where jobd can write a cgroup2
 * hierarchy, so that an attempt can be killed whole (cgroup.kill) -- even
 * the processes that left its session, and even after jobd died.
 *
 * Layout, below the cgroup2 mount (found in /proc/self/mountinfo) and
 * jobd's own cgroup (the "0::" line of /proc/self/cgroup):
 *
 *   own cgroup is the root:   /jobd/db-DEV-INO/ID-ATTEMPT
 *   own cgroup is OWN:        OWN/db-DEV-INO/ID-ATTEMPT, and jobd itself
 *                             moves into the leaf OWN/daemon (systemd's
 *                             Delegate=yes wants the delegated cgroup's
 *                             processes in a leaf)
 *
 * DEV and INO name the database file (hex), so that daemons of other
 * databases on the host never take each other's attempts for orphans;
 * ID-ATTEMPT is the job and attempt number, so that a cgroup names the
 * lease it ran under and can be found without anything recorded.
 *
 * Next to the attempts, db-DEV-INO/leftover holds what jobs of kill_mode
 * process left running (cgroup_attempt_release()): no longer attempts.
 *
 * Only the cgroup files are written here (mkdir, cgroup.procs of jobd
 * itself, cgroup.kill, rmdir); processes are started by runner.c.
 * Thread-safe once cgroups_open() has returned: the functions that take a
 * const struct cgroups only read it.
 */
#ifndef JOBD_CGROUP_H
#define JOBD_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroups;

/*
 * Find a writable cgroup2 hierarchy and set up the database's directory in
 * it for the database named db_id (store_identity()).  Returns 0 with *cgp set, or a
 * negative errno with the reason in err (errlen bytes): no cgroup2 mount,
 * not writable, no cgroup.kill (Linux < 5.14) ...  Not thread-safe: call
 * before the workers start.
 */
int	cgroups_open(struct cgroups **cgp, const uint64_t db_id[2], char *err,
	    size_t errlen);

/* The database's directory, as a path below the mount ("/jobd/db-..."). */
const char *cgroups_where(const struct cgroups *cg);

/*
 * Remove the database's directory when it is empty, and free cg.  NULL is
 * fine.
 */
void	cgroups_close(struct cgroups *cg);

/* One attempt's cgroup. */
struct cgroup_attempt {
	int	dir;			/* O_DIRECTORY fd, or -1 */
	int	procs;			/* cgroup.procs, for writing, or -1 */
	char	path[4096];	/* below the mount: for the database */
};

/*
 * Make the cgroup of attempt "attempt" of job "job" (an empty one of the
 * same name, left by a crash, is used again; one with processes is killed
 * first) and open it into *a.  Returns 0 or a negative errno.
 */
int	cgroup_attempt_make(const struct cgroups *cg, int64_t job,
	    int64_t attempt, struct cgroup_attempt *a);

/*
 * Kill everything in *a (cgroup.kill), remove the cgroup and close its
 * fds.  Safe on an attempt whose make failed.
 */
void	cgroup_attempt_end(const struct cgroups *cg,
	    struct cgroup_attempt *a);

/*
 * Move every process left in *a (what a job of kill_mode process left
 * running after its shell ended) out of the attempt, into the cgroup
 * "leftover" of the database's directory, where nothing kills them; jobd
 * removes that cgroup when it starts or stops and it is empty.  Call
 * before cgroup_attempt_end(), which kills what could not be moved.
 * Returns 0 or a negative errno (-EBUSY: processes are left in *a).
 */
int	cgroup_attempt_release(const struct cgroups *cg,
	    struct cgroup_attempt *a);

/*
 * Write cgroup.kill in the cgroup open as dir and wait (bounded, about a
 * second) until it is empty.  Returns 0, or a negative errno: -ETIMEDOUT
 * when processes are left (in uninterruptible sleep).
 */
int	cgroup_kill(int dir);

/* The path of attempt "attempt" of job "job" below the mount, into buf. */
int	cgroup_attempt_path(const struct cgroups *cg, int64_t job,
	    int64_t attempt, char *buf, size_t len);

/*
 * Kill and remove the cgroup at "path" below the mount, as recorded in the
 * database by this or another daemon: it must be the cgroup of attempt
 * "attempt" of job "job" of this database (its last two components), else
 * -EINVAL.  Returns 1 when there was such a cgroup, 0 when there was none,
 * or a negative errno.
 */
int	cgroup_kill_path(const struct cgroups *cg, const char *path,
	    int64_t job, int64_t attempt);

/* The same for the cgroup of attempt "attempt" of job "job". */
int	cgroup_kill_attempt(const struct cgroups *cg, int64_t job,
	    int64_t attempt);

/*
 * Call fn(job, attempt, arg) for each attempt cgroup in cg's database
 * directory; when fn returns non-zero, kill and remove that cgroup.
 * Returns the number killed, or a negative errno.
 */
int	cgroups_sweep(const struct cgroups *cg,
	    int (*fn)(int64_t job, int64_t attempt, void *arg), void *arg);

#endif /* JOBD_CGROUP_H */
