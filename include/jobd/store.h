/*
 * store: the job database.  Every SQL statement of jobd lives in store.c,
 * the only file that includes <sqlite3.h>.
 *
 * A store is one SQLite connection in WAL mode with synchronous=FULL,
 * foreign keys on and a busy timeout.  Every write runs in a BEGIN
 * IMMEDIATE transaction, retried a bounded number of times when the
 * database stays locked.  Statements are prepared once per store.
 *
 * A store is used by one thread at a time.  Functions return 0 or a
 * negative errno; store_errmsg() then says more.  Errors:
 *   -ENOENT     no such file, directory or job
 *   -EISDIR     the path is a directory
 *   -EACCES     permission denied
 *   -EROFS      the database is read-only
 *   -EBUSY      the database stayed locked
 *   -EBADMSG    not a jobd database, not SQLite, or corrupt
 *   -EPROTONOSUPPORT  made by a newer jobd (schema version too new)
 *   -ENOSPC     disk or database full
 *   -EIO        I/O error
 *   -ENOMEM     out of memory
 *   -EINVAL     bad argument (e.g. a value the schema refuses)
 */
#ifndef JOBD_STORE_H
#define JOBD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"

struct jd_clock;
struct store;

/* store_open() flags */
#define STORE_CREATE	0x01	/* create the file (0600) when missing */
#define STORE_MKDIR	0x02	/* also create missing directories (0700) */
#define STORE_READONLY	0x04	/* open read-only, never migrate */

/*
 * Open the database at "path", creating and migrating it as flags allow,
 * and return it in *stp.  The clock is borrowed for the life of the store.
 * Without STORE_CREATE a missing file is -ENOENT.  A database whose schema
 * is newer than this build is refused (-EPROTONOSUPPORT) and left untouched.
 * On error, a message naming the path is written to err (errlen bytes) and
 * *stp is not written.
 */
int	store_open(struct store **stp, const char *path, int flags,
	    const struct jd_clock *clock, char *err, size_t errlen);

/* Finalize every statement and close.  NULL is fine. */
void	store_close(struct store *st);

/* The message of the last failed call on st, never NULL. */
const char *store_errmsg(const struct store *st);

/* The schema version this build writes (the number of migrations). */
int	store_schema_version(void);

/*
 * Submit the n jobs of specs[] in one transaction.  For each, ids[i] gets
 * the job's id and existed[i] (if existed is not NULL) whether a job with
 * the same idempotency key was already there, in which case nothing was
 * created for it.  All or nothing: on error no job was created.
 */
int	store_submit(struct store *st, const struct job_spec *specs, size_t n,
	    int64_t *ids, bool *existed);

struct job_filter {
	int		 state;		/* an enum job_state, or -1: any */
	const char	*queue;		/* or NULL: any */
	int64_t		 limit;		/* > 0 */
};

/* Called for each job or attempt; return non-zero to stop (returned). */
typedef int (*store_job_fn)(const struct job *j, void *arg);
typedef int (*store_attempt_fn)(const struct attempt *a, void *arg);

/*
 * Call fn for the jobs that match f, live and dead, newest (highest id)
 * first.  The job handed to fn is borrowed.
 */
int	store_job_list(struct store *st, const struct job_filter *f,
	    store_job_fn fn, void *arg);

/* Read job "id", live or dead, into *out (owned; job_clear()).  -ENOENT. */
int	store_job_get(struct store *st, int64_t id, struct job *out);

/* Call fn for every attempt of job "id", oldest first. */
int	store_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
	    void *arg);

/*
 * Cancel the n jobs of ids[] in one transaction: a pending job becomes
 * cancelled, a running one is flagged for its daemon to kill, and one
 * already cancelled stays so.  was[i] gets each job's state before the
 * call.  All or nothing: when a job does not exist (-ENOENT) or has
 * finished as done or dead (-EALREADY), nothing changes and *bad gets the
 * index of the first such job.
 */
int	store_cancel(struct store *st, const int64_t *ids, size_t n,
	    enum job_state *was, size_t *bad);

/* Called with the job count of each (queue, state) that has jobs. */
typedef int (*store_count_fn)(const char *queue, enum job_state state,
    int64_t count, void *arg);

/* Count jobs by queue and state, queues in name order. */
int	store_count(struct store *st, store_count_fn fn, void *arg);

struct daemon_info {
	const char	*instance;
	const char	*host;
	int64_t		 pid;
	const char	*boot_id;
	const char	*version;
	int64_t		 started_at;	/* UTC ms */
	int64_t		 heartbeat_at;	/* UTC ms */
};
typedef int (*store_daemon_fn)(const struct daemon_info *d, void *arg);

/* Call fn for every registered daemon, by start time. */
int	store_daemon_list(struct store *st, store_daemon_fn fn, void *arg);

#endif /* JOBD_STORE_H */
