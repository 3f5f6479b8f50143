/*
 * Fault injection for store: every store operation that writes, run on a
 * real SQLite file while the k-th write, truncate or sync it makes fails,
 * for k = 1 .. the number of such calls the operation makes.
 *
 * Writes and truncates are failed through the unix VFS's system-call table
 * (xSetSystemCall on "write", "pwrite", "pwrite64", "ftruncate").  That
 * table has no entry for fsync or fdatasync, so this program defines
 * those two itself: the dynamic linker binds libsqlite3's calls to them
 * here.
 *
 * Three kinds of fault, for each k:
 *   once   the k-th call fails with EIO, later ones succeed;
 *   full   the k-th call and every later one fail with ENOSPC (a disk
 *          that stays full until the fault is lifted);
 *   torn   as full, but the k-th call, if it is a write, writes half of
 *          its bytes first.
 *
 * After each run, with the faults lifted: the operation succeeded, or
 * returned -EIO/-ENOSPC with a message that names the database; PRAGMA
 * integrity_check and foreign_key_check are clean; the database holds
 * exactly the state from before the operation or the one a fault-free run
 * leaves (no partial write, no lost job), and success means the latter;
 * a copy of the files taken right after the operation, as a crash would
 * leave them, recovers to one of those two states as well; the same
 * handle runs the operation again (when it had failed) to the fault-free
 * state; and a fresh handle opens the file and writes to it.  Each test
 * prints its figures: the calls an operation makes (k runs up to that),
 * the runs, and how they ended.
 */
#define _GNU_SOURCE	/* off64_t */

#include <sys/stat.h>
#include <sys/types.h>

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
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "jobd/job.h"
#include "jobd/procopt.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "fake_clock.h"

#define T0		1764460800000LL		/* 2025-11-30T00:00:00Z */
#define OWNER		"host:1:0000beef"	/* the daemon that claims */
#define LEASE_MS	30000
#define PATHLEN		(PATH_MAX + 128)	/* a database path here */

/*
 * The fault switch.
 */
enum fault_mode {
	FAULT_OFF,
	FAULT_COUNT,	/* count calls, fail none */
	FAULT_ONCE,
	FAULT_FULL,
	FAULT_TORN,
};

static struct {
	enum fault_mode	 mode;
	long		 k;		/* the first call to fail, from 1 */
	long		 calls;		/* counted since fault_arm() */
	int		 err;
	bool		 fired;
	bool		 fired_write;	/* the first failed call wrote */
	bool		 wrote[256];	/* FAULT_COUNT: call i+1 was a write */
} fault;

typedef ssize_t	(*write_fn)(int, const void *, size_t);
typedef ssize_t	(*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t	(*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef int	(*ftruncate_fn)(int, off_t);

static write_fn		real_write;
static pwrite_fn	real_pwrite;
static pwrite64_fn	real_pwrite64;
static ftruncate_fn	real_ftruncate;

static void
fault_arm(enum fault_mode mode, long k, int err)
{
	fault.mode = mode;
	fault.k = k;
	fault.err = err;
	fault.calls = 0;
	fault.fired = fault.fired_write = false;
}

/* Lift the fault; returns the number of calls counted. */
static long
fault_disarm(void)
{
	fault.mode = FAULT_OFF;
	return fault.calls;
}

/*
 * Count one call (a write when "write").  Returns 0 to let it through, 1
 * to tear it (write half, when it is a write), or -1 to fail it with
 * errno set.
 */
static int
fault_hit(bool write)
{
	if (fault.mode == FAULT_OFF)
		return 0;
	fault.calls++;
	if (fault.mode == FAULT_COUNT && fault.calls <= 256)
		fault.wrote[fault.calls - 1] = write;
	switch (fault.mode) {
	case FAULT_ONCE:
		if (fault.calls != fault.k)
			return 0;
		break;
	case FAULT_FULL:
	case FAULT_TORN:
		if (fault.calls < fault.k)
			return 0;
		break;
	default:
		return 0;
	}
	if (!fault.fired)
		fault.fired_write = write;
	fault.fired = true;
	if (fault.mode == FAULT_TORN && fault.calls == fault.k)
		return 1;
	errno = fault.err;
	return -1;
}

static ssize_t
fault_write(int fd, const void *buf, size_t n)
{
	switch (fault_hit(true)) {
	case -1:
		return -1;
	case 1:
		if (n > 1)
			return real_write(fd, buf, n / 2);
		errno = fault.err;
		return -1;
	}
	return real_write(fd, buf, n);
}

static ssize_t
fault_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	switch (fault_hit(true)) {
	case -1:
		return -1;
	case 1:
		if (n > 1)
			return real_pwrite(fd, buf, n / 2, off);
		errno = fault.err;
		return -1;
	}
	return real_pwrite(fd, buf, n, off);
}

static ssize_t
fault_pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	switch (fault_hit(true)) {
	case -1:
		return -1;
	case 1:
		if (n > 1)
			return real_pwrite64(fd, buf, n / 2, off);
		errno = fault.err;
		return -1;
	}
	return real_pwrite64(fd, buf, n, off);
}

static int
fault_ftruncate(int fd, off_t len)
{
	if (fault_hit(false) != 0) {
		errno = fault.err;
		return -1;
	}
	return real_ftruncate(fd, len);
}

/*
 * SQLite syncs with fdatasync(), store_sqlite.c syncs directories with fsync().
 * A sync that is let through only checks its descriptor (fcntl): this test
 * is about errors, not power loss, and some 20000 real syncs would make
 * it slow.
 */
int
fdatasync(int fd)
{
	if (fault_hit(false) != 0) {
		errno = fault.err;
		return -1;
	}
	return fcntl(fd, F_GETFD) == -1 ? -1 : 0;
}

int
fsync(int fd)
{
	return fdatasync(fd);
}

/* Put the wrappers into the default VFS; restored by fault_uninstall(). */
static int
fault_install(void **state)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	int n = 0;

	(void)state;
	assert_non_null(vfs);
	assert_string_equal(vfs->zName, "unix");
	/* The generic function pointer type converts to and from any. */
	real_write = (write_fn)vfs->xGetSystemCall(vfs, "write");
	real_pwrite = (pwrite_fn)vfs->xGetSystemCall(vfs, "pwrite");
	real_pwrite64 = (pwrite64_fn)vfs->xGetSystemCall(vfs, "pwrite64");
	real_ftruncate = (ftruncate_fn)vfs->xGetSystemCall(vfs, "ftruncate");
	if (real_write != NULL && vfs->xSetSystemCall(vfs, "write",
	    (sqlite3_syscall_ptr)fault_write) == SQLITE_OK)
		n++;
	if (real_pwrite != NULL && vfs->xSetSystemCall(vfs, "pwrite",
	    (sqlite3_syscall_ptr)fault_pwrite) == SQLITE_OK)
		n++;
	if (real_pwrite64 != NULL && vfs->xSetSystemCall(vfs, "pwrite64",
	    (sqlite3_syscall_ptr)fault_pwrite64) == SQLITE_OK)
		n++;
	assert_true(n >= 2);		/* write, and one of the pwrites */
	assert_non_null(real_ftruncate);
	assert_int_equal(vfs->xSetSystemCall(vfs, "ftruncate",
	    (sqlite3_syscall_ptr)fault_ftruncate), SQLITE_OK);
	return 0;
}

static int
fault_uninstall(void **state)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);

	(void)state;
	fault_disarm();
	vfs->xSetSystemCall(vfs, NULL, NULL);	/* every call back */
	return 0;
}

/*
 * Looking at a database from outside the store: its whole content as
 * text, and its integrity.  Always with the faults off.
 */

static void
dump_value(FILE *fp, sqlite3_stmt *s, int i)
{
	const unsigned char *b;
	int n, j;

	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		fputs("NULL", fp);
		break;
	case SQLITE_INTEGER:
		fprintf(fp, "%lld", (long long)sqlite3_column_int64(s, i));
		break;
	case SQLITE_FLOAT:
		fprintf(fp, "%.17g", sqlite3_column_double(s, i));
		break;
	case SQLITE_TEXT:
		fprintf(fp, "'%s'", sqlite3_column_text(s, i));
		break;
	default:
		b = sqlite3_column_blob(s, i);
		n = sqlite3_column_bytes(s, i);
		fputs("x'", fp);
		for (j = 0; j < n; j++)
			fprintf(fp, "%02x", b[j]);
		fputc('\'', fp);
		break;
	}
}

/* Every row of table "name", sorted by all its columns. */
static void
dump_table(FILE *fp, sqlite3 *db, const char *name)
{
	char sql[512];
	sqlite3_stmt *s;
	int ncol, i, len;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", name);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	ncol = sqlite3_column_count(s);
	sqlite3_finalize(s);
	len = snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1",
	    name);
	for (i = 2; i <= ncol && len < (int)sizeof(sql) - 8; i++)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, ", %d",
		    i);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	fprintf(fp, "table %s\n", name);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++) {
			fputc(i == 0 ? '\t' : '|', fp);
			dump_value(fp, s, i);
		}
		fputc('\n', fp);
	}
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
}

/* PRAGMA integrity_check says ok and foreign_key_check finds nothing. */
static void
check_integrity(sqlite3 *db, const char *path)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check",
	    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
		fail_msg("%s: integrity_check: %s", path,
		    sqlite3_column_text(s, 0));
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check",
	    -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		fail_msg("%s: foreign_key_check: table %s rowid %lld",
		    path, sqlite3_column_text(s, 0),
		    (long long)sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
}

/*
 * The schema, the header stamps and every row of database "path", after
 * checking its integrity; a missing file reads as an empty database.  The
 * caller frees.
 */
static char *
dump(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *buf = NULL, **names = NULL;
	size_t len = 0, n = 0, i;
	FILE *fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	if (access(path, F_OK) != 0) {
		fputs("user_version 0\napplication_id 0\n", fp);
		fclose(fp);
		return buf;
	}
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	/* Looking writes nothing of ours; its checkpoint need not sync. */
	assert_int_equal(sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	check_integrity(db, path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT "
	    "(SELECT user_version FROM pragma_user_version), "
	    "(SELECT application_id FROM pragma_application_id)", -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	fprintf(fp, "user_version %lld\napplication_id %lld\n",
	    (long long)sqlite3_column_int64(s, 0),
	    (long long)sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT type, name, sql, "
	    "type = 'table' FROM sqlite_schema ORDER BY type, name", -1, &s,
	    NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		fprintf(fp, "%s %s: %s\n", sqlite3_column_text(s, 0),
		    sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 2) != NULL ?
		    (const char *)sqlite3_column_text(s, 2) : "");
		if (sqlite3_column_int(s, 3)) {
			assert_non_null(names = realloc(names,
			    (n + 1) * sizeof(*names)));
			assert_non_null(names[n++] = strdup((const char *)
			    sqlite3_column_text(s, 1)));
		}
	}
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	for (i = 0; i < n; i++) {
		dump_table(fp, db, names[i]);
		free(names[i]);
	}
	free(names);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	fclose(fp);
	return buf;
}

/* Copy file "from" to "to" when it exists; remove "to" when it does not. */
static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if (unlink(to) == -1)
		assert_int_equal(errno, ENOENT);
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		assert_int_equal(errno, ENOENT);
		return;
	}
	assert_true((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) != -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/*
 * The operations.
 */

struct run {
	struct store		*st;		/* the handle, or NULL */
	char			 path[PATHLEN];
	struct fake_clock	*fc;
	char			 err[1024];	/* store_open's message */
	/* What operations hand back, checked on success. */
	int64_t			 ids[64];
	bool			 existed[64];
	struct job		 jobs[4];
	size_t			 n;
};

struct op {
	const char	*name;
	int		 flags;
#define OP_NOFILE	0x01	/* no database before: run opens (creates) */
#define OP_CLOSES	0x02	/* run closes the handle */
	/* Make the base state on a fresh database (faults off). */
	void		(*prep)(struct run *r);
	/* Before each run, on the run's handle (faults off); or NULL. */
	void		(*pre)(struct run *r);
	/* The operation: 0 or a negative errno. */
	int		(*run)(struct run *r);
	/* Check what it handed back after returning 0; or NULL. */
	void		(*check)(struct run *r);
};

static struct job_spec
spec(const char *command)
{
	struct job_spec js;

	memset(&js, 0, sizeof(js));
	js.command = command;
	js.run_at = T0;
	js.max_attempts = js.timeout_ms = JOB_DEFAULT;
	js.backoff_ms = js.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&js.proc);
	return js;
}

static int64_t
submit1(struct run *r, const char *command, const char *key)
{
	struct job_spec js = spec(command);
	int64_t id = 0;

	js.key = key;
	assert_int_equal(store_submit(r->st, &js, 1, &id, NULL), 0);
	return id;
}

/* Claim every due job for OWNER; their number. */
static size_t
claim_all(struct run *r)
{
	struct job jobs[8];
	size_t n = 0, i;

	assert_int_equal(store_claim(r->st, OWNER, T0, LEASE_MS, 8, jobs,
	    &n), 0);
	for (i = 0; i < n; i++)
		job_clear(&jobs[i]);
	return n;
}

static void
register_owner(struct run *r)
{
	struct daemon_info d = { OWNER, "host", 1, "boot", "test", T0, T0 };

	assert_int_equal(store_daemon_register(r->st, &d), 0);
}

static void
fill_schedule(struct schedule *sc, const char *name)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = (char *)(uintptr_t)name;
	sc->cron = (char *)(uintptr_t)"*/5 * * * *";
	sc->command = (char *)(uintptr_t)"echo tick";
	sc->max_attempts = sc->timeout_ms = JOB_DEFAULT;
	sc->backoff_ms = sc->backoff_max_ms = JOB_DEFAULT;
	procopt_init(&sc->proc);
	sc->overlap = OVERLAP_ALLOW;
	sc->catchup = CATCHUP_SKIP;
	sc->enabled = true;
	sc->next_run_at = T0 + 300000;
	sc->source = (char *)(uintptr_t)"cli";
}

static int
run_open(struct run *r)
{
	return store_open(&r->st, r->path, STORE_CREATE, &r->fc->clock,
	    r->err, sizeof(r->err));
}

static void
prep_two_jobs(struct run *r)
{
	submit1(r, "echo one", "key-1");
	submit1(r, "echo two", NULL);
}

static int
run_submit(struct run *r)
{
	static const char env[] = "A=1\0B=two words";
	struct job_spec js = spec("echo submitted; sleep 1");

	js.queue = "mail";
	js.key = "key-new";
	js.env = env;
	js.env_len = sizeof(env);
	js.cwd = "/srv";
	return store_submit(r->st, &js, 1, r->ids, r->existed);
}

static void
check_submit(struct run *r)
{
	assert_int_equal(r->ids[0], 3);
	assert_false(r->existed[0]);
}

/* 40 jobs with an output-sized command each, one a repeated key. */
static int
run_batch(struct run *r)
{
	static char cmds[40][200];
	struct job_spec specs[40];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "echo batch %d %0150d", i,
		    i);
		specs[i] = spec(cmds[i]);
	}
	specs[7] = spec("echo one");	/* the job key-1 names */
	specs[7].key = "key-1";
	return store_submit(r->st, specs, 40, r->ids, r->existed);
}

static void
check_batch(struct run *r)
{
	assert_true(r->existed[7]);
	assert_int_equal(r->ids[7], 1);
	assert_int_equal(r->ids[39], 41);
}

static void
prep_three_jobs(struct run *r)
{
	prep_two_jobs(r);
	submit1(r, "echo three", NULL);
}

static int
run_claim(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		job_clear(&r->jobs[i]);
	r->n = 0;
	return store_claim(r->st, OWNER, T0 + 1000, LEASE_MS, 2, r->jobs,
	    &r->n);
}

static void
check_claim(struct run *r)
{
	assert_int_equal(r->n, 2);
	assert_int_equal(r->jobs[0].id, 1);
	assert_int_equal(r->jobs[0].state, JOB_RUNNING);
	assert_int_equal(r->jobs[1].id, 2);
}

static void
prep_running(struct run *r)
{
	register_owner(r);
	submit1(r, "echo one", "key-1");
	assert_int_equal(claim_all(r), 1);
}

/* One ended attempt of job 1 (attempt 1, OWNER) with an output tail. */
static int
finish1(struct run *r, enum end_action action)
{
	static char output[3000];
	struct attempt_end e;
	int error;

	memset(output, 'o', sizeof(output));
	memset(&e, 0, sizeof(e));
	e.job_id = 1;
	e.attempt = 1;
	e.owner = OWNER;
	e.outcome = action == END_DONE ? "ok" : "failed";
	e.has_exit_code = true;
	e.exit_code = action == END_DONE ? 0 : 3;
	e.finished_at = T0 + 2000;
	e.output = output;
	e.output_len = sizeof(output);
	e.error = action == END_DONE ? NULL : "exit status 3";
	e.action = action;
	e.run_at = T0 + 7000;
	e.reason = "exit status 3 on attempt 1 of 1, no attempts left";
	error = store_finish(r->st, &e, 1, T0 + 2000);
	if (error == 0) {
		assert_true(e.applied);
		assert_int_equal(e.action, action);
	}
	return error;
}

static int
run_finish_done(struct run *r)
{
	return finish1(r, END_DONE);
}

static int
run_finish_retry(struct run *r)
{
	return finish1(r, END_RETRY);
}

static int
run_finish_dead(struct run *r)
{
	return finish1(r, END_DEAD);
}

static void
prep_cancel(struct run *r)
{
	prep_running(r);		/* job 1 running */
	submit1(r, "echo two", NULL);	/* 2 and 3 pending */
	submit1(r, "echo three", NULL);
}

static int
run_cancel(struct run *r)
{
	static const int64_t ids[3] = { 1, 2, 3 };
	enum job_state was[3];
	size_t bad = 0;

	return store_cancel(r->st, ids, 3, was, &bad);
}

static int
run_heartbeat(struct run *r)
{
	return store_heartbeat(r->st, OWNER, T0 + 10000, LEASE_MS, 1000);
}

static int
run_register(struct run *r)
{
	struct daemon_info d = { "other:2:0000cafe", "other", 2, "boot",
	    "test", T0, T0 };

	return store_daemon_register(r->st, &d);
}

static int
run_schedule_add(struct run *r)
{
	struct schedule sc;

	fill_schedule(&sc, "nightly");
	return store_schedule_put(r->st, &sc, false, &r->ids[0]);
}

static void
prep_schedule(struct run *r)
{
	struct schedule sc;
	int64_t id;

	prep_two_jobs(r);
	fill_schedule(&sc, "nightly");
	assert_int_equal(store_schedule_put(r->st, &sc, false, &id), 0);
	assert_int_equal(id, 1);
}

/* Two slots of schedule 1 come due: one runs, one is skipped. */
static int
run_schedule_fire(struct run *r)
{
	struct schedule sc;
	struct slot slots[2];
	int error;

	assert_int_equal(store_schedule_get(r->st, "nightly", &sc), 0);
	memset(slots, 0, sizeof(slots));
	slots[0].slot_at = T0 + 300000;
	slots[0].skip = true;
	slots[0].reason = "missed while jobd was not running";
	slots[1].slot_at = T0 + 600000;
	error = store_schedule_fire(r->st, &sc, slots, 2, T0 + 900000,
	    T0 + 600000);
	if (error == 0)
		r->ids[0] = slots[1].job_id;
	schedule_clear(&sc);
	return error;
}

static void
check_schedule_fire(struct run *r)
{
	assert_int_equal(r->ids[0], 3);
}

static void
prep_dead(struct run *r)
{
	prep_running(r);
	assert_int_equal(finish1(r, END_DEAD), 0);
	submit1(r, "echo two", NULL);
}

static int
run_dead_retry(struct run *r)
{
	static const int64_t ids[1] = { 1 };
	int64_t moved = 0;
	size_t bad = 0;
	int error;

	if ((error = store_dead_retry(r->st, ids, 1, T0 + 5000, &bad,
	    &moved)) == 0)
		assert_int_equal(moved, 1);
	return error;
}

static int
run_schedule_sync(struct run *r)
{
	struct schedule items[2];
	size_t bad = 0;

	fill_schedule(&items[0], "file-a");
	fill_schedule(&items[1], "file-b");
	items[0].source = items[1].source = (char *)(uintptr_t)"file:/x";
	items[1].cron = (char *)(uintptr_t)"0 3 * * *";
	return store_schedule_sync(r->st, "file:/x", items, 2, &bad, NULL,
	    NULL, NULL);
}

/* Commits left in the WAL, then the close that checkpoints them. */
static void
pre_close(struct run *r)
{
	submit1(r, "echo in the wal", NULL);
	submit1(r, "echo also in the wal", "key-wal");
}

static int
run_close(struct run *r)
{
	store_close(r->st);
	r->st = NULL;
	return 0;
}

/*
 * The driver.
 */

static char topdir[PATH_MAX];

struct figures {
	long	calls;		/* faultable calls in a fault-free run */
	long	runs;		/* faulted runs */
	long	failed;		/* returned an error, state as before */
	long	failed_after;	/* returned an error, yet committed */
	long	crash_after;	/* returned an error; a crash right after
				   would have left the after-state */
	long	absorbed;	/* succeeded despite the fault */
};

static struct figures total;

static void
remove_db(const char *path)
{
	char p[PATHLEN + 8];

	snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	(void)unlink(path);
}

/* Copy database "from" (and its WAL) to "to", as a crash would leave it. */
static void
copy_db(const char *from, const char *to)
{
	char f[PATHLEN + 8], t[PATHLEN + 8];

	remove_db(to);
	copy_file(from, to);
	snprintf(f, sizeof(f), "%s-wal", from);
	snprintf(t, sizeof(t), "%s-wal", to);
	copy_file(f, t);
}

/* A fresh copy of the base database at r->path, open unless OP_NOFILE. */
static void
start_run(const struct op *op, const char *base, struct run *r)
{
	char err[1024];

	copy_db(base, r->path);
	r->st = NULL;
	r->n = 0;
	r->err[0] = '\0';
	if (op->flags & OP_NOFILE)
		return;
	if (store_open(&r->st, r->path, 0, &r->fc->clock, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", op->name, err);
	if (op->pre != NULL)
		op->pre(r);
}

static void
end_run(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n && i < 4; i++)
		job_clear(&r->jobs[i]);
	r->n = 0;
	store_close(r->st);
	r->st = NULL;
}

/* A fresh handle opens the database and commits to it. */
static void
check_fresh_handle(const struct op *op, struct run *r)
{
	struct daemon_info d = { "canary", "host", 3, "boot", "test", T0,
	    T0 };
	struct store *st;
	char err[1024];

	if (store_open(&st, r->path, 0, &r->fc->clock, err,
	    sizeof(err)) != 0)
		fail_msg("%s: fresh open: %s", op->name, err);
	assert_int_equal(store_daemon_register(st, &d), 0);
	assert_int_equal(store_daemon_unregister(st, "canary"), 0);
	store_close(st);
}

static const char *const mode_names[] = {
	[FAULT_ONCE] = "once",
	[FAULT_FULL] = "full",
	[FAULT_TORN] = "torn",
};

struct trial {
	const struct op	*op;
	const char	*base;
	const char	*before;	/* dump() of the states */
	const char	*after;
	enum fault_mode	 mode;
	int		 err;
	long		 k;
};

/* Fail "what" of trial t, naming it. */
#define TRIAL_FAIL(t, what, ...)					\
	fail_msg("%s: %s k=%ld: " what, (t)->op->name,			\
	    mode_names[(t)->mode], (t)->k, __VA_ARGS__)

/* Run t->op once with the k-th call failing, and check what it left. */
static void
fault_one(const struct trial *t, struct run *r, struct figures *fg)
{
	const struct op *op = t->op;
	char crash[PATHLEN], *got;
	int rc;

	start_run(op, t->base, r);
	fault_arm(t->mode, t->k, t->err);
	rc = op->run(r);
	fault_disarm();
	fg->runs++;
	if (!fault.fired)
		TRIAL_FAIL(t, "the fault never fired%s", "");
	/*
	 * A failed write says which error it was; a failed sync may not
	 * (SQLite does not keep the system errno of a failed COMMIT), so
	 * a full disk may show as an I/O error there.
	 */
	if (rc != 0 && rc != -t->err && (fault.fired_write || rc != -EIO))
		TRIAL_FAIL(t, "returned %s, not %s (%s)", strerror(-rc),
		    strerror(t->err), r->st != NULL ? store_errmsg(r->st) :
		    r->err);
	if (rc != 0 && (op->flags & OP_NOFILE) &&
	    strstr(r->err, r->path) == NULL)
		TRIAL_FAIL(t, "the message does not name the database: %s",
		    r->err);
	if (rc != 0 && r->st != NULL &&
	    strstr(store_errmsg(r->st), r->path) == NULL)
		TRIAL_FAIL(t, "the message does not name the database: %s",
		    store_errmsg(r->st));

	/* Had the process died right now: recovery finds before or after. */
	if (snprintf(crash, sizeof(crash), "%s.crash", r->path) >=
	    (int)sizeof(crash))
		fail_msg("path too long: %s", r->path);
	copy_db(r->path, crash);
	got = dump(crash);
	if (strcmp(got, t->after) == 0) {
		if (rc != 0)
			fg->crash_after++;
	} else if (rc == 0 || strcmp(got, t->before) != 0) {
		TRIAL_FAIL(t, "returned %s; recovered after a crash, the "
		    "database is neither as before nor as after:\n"
		    "--- before\n%s--- after\n%s--- got\n%s",
		    rc == 0 ? "success" : strerror(-rc), t->before, t->after,
		    got);
	}
	free(got);
	remove_db(crash);

	/* The faults lifted, as the live handle and others see it. */
	got = dump(r->path);
	if (rc == 0) {
		if (strcmp(got, t->after) != 0)
			TRIAL_FAIL(t, "succeeded, but the state is not the "
			    "after-state:\n--- after\n%s--- got\n%s",
			    t->after, got);
		if (op->check != NULL)
			op->check(r);
		fg->absorbed++;
	} else if (strcmp(got, t->before) == 0) {
		fg->failed++;
		/* Space is back: the same handle does it now. */
		if ((rc = op->run(r)) != 0)
			TRIAL_FAIL(t, "fails again on the same handle once "
			    "the fault is lifted: %s", r->st != NULL ?
			    store_errmsg(r->st) : r->err);
		if (op->check != NULL)
			op->check(r);
		free(got);
		got = dump(r->path);
		if (strcmp(got, t->after) != 0)
			TRIAL_FAIL(t, "run again: not the after-state:\n"
			    "--- after\n%s--- got\n%s", t->after, got);
	} else if (strcmp(got, t->after) == 0) {
		fg->failed_after++;
	} else {
		TRIAL_FAIL(t, "returned %s and left a state that is neither "
		    "before nor after:\n--- before\n%s--- after\n%s"
		    "--- got\n%s", strerror(-rc), t->before, t->after, got);
	}
	free(got);

	/* Closed and opened again: intact, and a fresh handle writes. */
	end_run(r);
	check_fresh_handle(op, r);
	got = dump(r->path);
	if (strcmp(got, t->after) != 0)
		TRIAL_FAIL(t, "not the after-state once closed and opened "
		    "again:\n--- after\n%s--- got\n%s", t->after, got);
	free(got);
}

static void
fault_op(const struct op *op)
{
	static const struct {
		enum fault_mode	mode;
		int		err;
	} kinds[] = {
		{ FAULT_ONCE, EIO },
		{ FAULT_FULL, ENOSPC },
		{ FAULT_TORN, ENOSPC },
	};
	struct fake_clock fc;
	struct figures fg;
	struct trial t;
	struct run r;
	char base[PATHLEN], *before, *after, *got;
	bool wrote[256];
	size_t kind;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&fg, 0, sizeof(fg));
	fake_clock_init(&fc, T0);
	r.fc = &fc;
	snprintf(base, sizeof(base), "%s/%s.base.db", topdir, op->name);
	snprintf(r.path, sizeof(r.path), "%s/%s.db", topdir, op->name);

	/* The base state. */
	remove_db(base);
	if (!(op->flags & OP_NOFILE)) {
		assert_int_equal(store_open(&r.st, base, STORE_CREATE,
		    &fc.clock, r.err, sizeof(r.err)), 0);
		if (op->prep != NULL)
			op->prep(&r);
		store_close(r.st);
		r.st = NULL;
	}

	/* A fault-free run: the after-state, and the calls to fail. */
	start_run(op, base, &r);
	before = dump(r.path);
	fault_arm(FAULT_COUNT, 0, 0);
	rc = op->run(&r);
	fg.calls = fault_disarm();
	memcpy(wrote, fault.wrote, sizeof(wrote));
	if (rc != 0)
		fail_msg("%s: fails without a fault: %s", op->name,
		    r.st != NULL ? store_errmsg(r.st) : r.err);
	if (op->check != NULL)
		op->check(&r);
	after = dump(r.path);
	end_run(&r);
	got = dump(r.path);
	assert_string_equal(got, after);
	free(got);
	if (strcmp(before, after) == 0 && !(op->flags & OP_CLOSES))
		fail_msg("%s: the operation changes nothing", op->name);
	assert_true(fg.calls > 0 && fg.calls <= 256);

	t.op = op;
	t.base = base;
	t.before = before;
	t.after = after;
	for (kind = 0; kind < sizeof(kinds) / sizeof(kinds[0]); kind++) {
		t.mode = kinds[kind].mode;
		t.err = kinds[kind].err;
		for (t.k = 1; t.k <= fg.calls; t.k++) {
			/* Torn differs from full only on a write. */
			if (t.mode == FAULT_TORN && !wrote[t.k - 1])
				continue;
			fault_one(&t, &r, &fg);
		}
	}
	print_message("faults %-14s calls %2ld  runs %3ld  failed %3ld  "
	    "failed-but-committed %ld  committed-on-crash %2ld  "
	    "succeeded %2ld\n", op->name, fg.calls, fg.runs, fg.failed,
	    fg.failed_after, fg.crash_after, fg.absorbed);
	if (fg.calls > total.calls)
		total.calls = fg.calls;
	total.runs += fg.runs;
	total.failed += fg.failed;
	total.failed_after += fg.failed_after;
	total.crash_after += fg.crash_after;
	total.absorbed += fg.absorbed;
	remove_db(r.path);
	remove_db(base);
	free(before);
	free(after);
}

static const struct op ops[] = {
	{ "open", OP_NOFILE, NULL, NULL, run_open, NULL },
	{ "submit", 0, prep_two_jobs, NULL, run_submit, check_submit },
	{ "submit_batch", 0, prep_two_jobs, NULL, run_batch, check_batch },
	{ "claim", 0, prep_three_jobs, NULL, run_claim, check_claim },
	{ "finish_done", 0, prep_running, NULL, run_finish_done, NULL },
	{ "finish_retry", 0, prep_running, NULL, run_finish_retry, NULL },
	{ "finish_dead", 0, prep_running, NULL, run_finish_dead, NULL },
	{ "cancel", 0, prep_cancel, NULL, run_cancel, NULL },
	{ "heartbeat", 0, prep_running, NULL, run_heartbeat, NULL },
	{ "register", 0, prep_running, NULL, run_register, NULL },
	{ "schedule_add", 0, prep_two_jobs, NULL, run_schedule_add, NULL },
	{ "schedule_fire", 0, prep_schedule, NULL, run_schedule_fire,
	    check_schedule_fire },
	{ "schedule_sync", 0, prep_schedule, NULL, run_schedule_sync, NULL },
	{ "dead_retry", 0, prep_dead, NULL, run_dead_retry, NULL },
	{ "close", OP_CLOSES, prep_two_jobs, pre_close, run_close, NULL },
};

#define OP_TEST(i, fn)							\
static void								\
fn(void **state)							\
{									\
	(void)state;							\
	fault_op(&ops[i]);						\
}
OP_TEST(0, test_faults_open)
OP_TEST(1, test_faults_submit)
OP_TEST(2, test_faults_submit_batch)
OP_TEST(3, test_faults_claim)
OP_TEST(4, test_faults_finish_done)
OP_TEST(5, test_faults_finish_retry)
OP_TEST(6, test_faults_finish_dead)
OP_TEST(7, test_faults_cancel)
OP_TEST(8, test_faults_heartbeat)
OP_TEST(9, test_faults_register)
OP_TEST(10, test_faults_schedule_add)
OP_TEST(11, test_faults_schedule_fire)
OP_TEST(12, test_faults_schedule_sync)
OP_TEST(13, test_faults_dead_retry)
OP_TEST(14, test_faults_close)
#undef OP_TEST

/* The figures over every operation. */
static void
test_faults_total(void **state)
{
	(void)state;
	print_message("faults total: K %ld (most calls of one operation), "
	    "%ld faulted runs: %ld failed cleanly, %ld failed but "
	    "committed, %ld succeeded; %ld failed runs a crash would have "
	    "committed\n", total.calls, total.runs, total.failed,
	    total.failed_after, total.absorbed, total.crash_after);
	assert_true(total.runs > 0);
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(topdir, sizeof(topdir), "%s/faults.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(topdir) == NULL)
		return -1;
	return fault_install(state);
}

static int
group_teardown(void **state)
{
	fault_uninstall(state);
	return rmdir(topdir) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_open),
		cmocka_unit_test(test_faults_submit),
		cmocka_unit_test(test_faults_submit_batch),
		cmocka_unit_test(test_faults_claim),
		cmocka_unit_test(test_faults_finish_done),
		cmocka_unit_test(test_faults_finish_retry),
		cmocka_unit_test(test_faults_finish_dead),
		cmocka_unit_test(test_faults_cancel),
		cmocka_unit_test(test_faults_heartbeat),
		cmocka_unit_test(test_faults_register),
		cmocka_unit_test(test_faults_schedule_add),
		cmocka_unit_test(test_faults_schedule_fire),
		cmocka_unit_test(test_faults_schedule_sync),
		cmocka_unit_test(test_faults_dead_retry),
		cmocka_unit_test(test_faults_close),
		cmocka_unit_test(test_faults_total),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
