/*
 * Tests for store: a real SQLite file in a temporary directory, an injected
 * clock, and nothing mocked.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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
#include "testdir.h"

#define T0	1764460800000LL		/* 2025-11-30T00:00:00Z */

static int
setup(void **state)
{
	return test_store_fixture(state, "store", T0);
}

static int
teardown(void **state)
{
	return test_store_unfixture(state);
}

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

static int	count_fn(const struct job *, void *);

static int64_t
submit1(struct store_fixture *f, const struct job_spec *js, bool *existed)
{
	int64_t id = 0;
	bool ex = false;

	assert_int_equal(store_submit(f->st, js, 1, &id, &ex), 0);
	if (existed != NULL)
		*existed = ex;
	return id;
}

/* Read a whole file; the caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
test_store_open_creates_private_file(void **state)
{
	struct store_fixture *f = *state;
	struct stat sb;

	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_true(store_schema_version() >= 1);
}

static void
test_store_open_mkdir_creates_private_dirs(void **state)
{
	struct store_fixture *f = *state;
	struct store *st;
	struct stat sb;
	char path[PATH_MAX + 32], dir[PATH_MAX + 32], err[512];

	assert_true(snprintf(dir, sizeof(dir), "%s/a/b", f->dir) <
	    (int)sizeof(dir));
	assert_true(snprintf(path, sizeof(path), "%s/jobs.db", dir) <
	    (int)sizeof(path));
	assert_int_equal(store_open(&st, path, STORE_CREATE, &f->fc.clock,
	    err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no such directory"));
	assert_int_equal(store_open(&st, path, STORE_CREATE | STORE_MKDIR,
	    &f->fc.clock, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
}

static void
test_store_open_missing_without_create(void **state)
{
	struct store_fixture *f = *state;
	struct store *st = NULL;
	char path[PATH_MAX + 16], err[512];

	assert_true(snprintf(path, sizeof(path), "%s/none.db", f->dir) <
	    (int)sizeof(path));
	assert_int_equal(store_open(&st, path, 0, &f->fc.clock, err,
	    sizeof(err)), -ENOENT);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_store_open_directory(void **state)
{
	struct store_fixture *f = *state;
	struct store *st;
	char err[512];

	assert_int_equal(store_open(&st, f->dir, STORE_CREATE, &f->fc.clock,
	    err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "directory"));
}

static void
test_store_open_not_sqlite(void **state)
{
	struct store_fixture *f = *state;
	struct store *st;
	char path[PATH_MAX + 16], err[512], *before, *after;
	size_t blen, alen;
	FILE *fp;
	int i;

	assert_true(snprintf(path, sizeof(path), "%s/text.db", f->dir) <
	    (int)sizeof(path));
	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < 200; i++)
		fprintf(fp, "this is not a database, line %d\n", i);
	fclose(fp);
	before = slurp(path, &blen);
	assert_int_equal(store_open(&st, path, STORE_CREATE, &f->fc.clock,
	    err, sizeof(err)), -EBADMSG);
	after = slurp(path, &alen);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
}

/*
 * A database stamped with a newer schema version is refused and left
 * byte for byte as it was.
 */
static void
test_store_open_newer_schema_untouched(void **state)
{
	struct store_fixture *f = *state;
	struct store *st;
	char err[512], *before, *after;
	size_t blen, alen;
	unsigned char v[4];
	int fd, newer = store_schema_version() + 1;

	store_close(f->st);
	f->st = NULL;
	/* user_version is the big-endian int at offset 60 of the header. */
	v[0] = (unsigned char)(newer >> 24);
	v[1] = (unsigned char)(newer >> 16);
	v[2] = (unsigned char)(newer >> 8);
	v[3] = (unsigned char)newer;
	assert_true((fd = open(f->db, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, v, 4, 60), 4);
	close(fd);
	before = slurp(f->db, &blen);
	assert_int_equal(store_open(&st, f->db, STORE_CREATE, &f->fc.clock,
	    err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "newer"));
	after = slurp(f->db, &alen);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
}

static void
test_store_reopen_keeps_jobs(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("echo kept");
	struct job j;
	char err[512];
	int64_t id;

	id = submit1(f, &js, NULL);
	store_close(f->st);
	assert_int_equal(store_open(&f->st, f->db, 0, &f->fc.clock, err,
	    sizeof(err)), 0);
	assert_int_equal(store_job_get(f->st, id, &j), 0);
	assert_string_equal(j.command, "echo kept");
	job_clear(&j);
}

static void
test_store_submit_roundtrip(void **state)
{
	struct store_fixture *f = *state;
	static const char env[] = "A=1\0B=two words";
	struct job_spec js = spec("sleep 1; echo ok");
	struct job j;
	int64_t id;

	js.queue = "mail";
	js.priority = -5;
	js.run_at = T0 + 60000;
	js.max_attempts = 3;
	js.timeout_ms = 0;
	js.backoff_ms = 2000;
	js.backoff_max_ms = 60000;
	js.key = "order-42";
	js.env = env;
	js.env_len = sizeof(env);
	js.cwd = "/srv";
	js.run_as = "nobody";
	js.proc.umask = 0;
	js.proc.limit[JOB_LIMIT_NOFILE] = 64;
	js.proc.limit[JOB_LIMIT_AS] = JOB_UNLIMITED;
	js.proc.kill_mode = JOB_KILL_PROCESS;
	js.mail_to = "ops@example.com, root";
	js.mail_on = MAIL_ON_OUTPUT;
	fake_clock_advance(&f->fc, 1234);
	id = submit1(f, &js, NULL);
	assert_true(id > 0);

	assert_int_equal(store_job_get(f->st, id, &j), 0);
	assert_int_equal(j.id, id);
	assert_string_equal(j.queue, "mail");
	assert_string_equal(j.command, "sleep 1; echo ok");
	assert_int_equal(j.priority, -5);
	assert_int_equal(j.state, JOB_PENDING);
	assert_int_equal(j.run_at, T0 + 60000);
	assert_int_equal(j.attempts, 0);
	assert_int_equal(j.max_attempts, 3);
	assert_int_equal(j.timeout_ms, 0);
	assert_int_equal(j.backoff_ms, 2000);
	assert_int_equal(j.backoff_max_ms, 60000);
	assert_string_equal(j.key, "order-42");
	assert_int_equal(j.env_len, sizeof(env));
	assert_memory_equal(j.env, env, sizeof(env));
	assert_string_equal(j.cwd, "/srv");
	assert_string_equal(j.run_as, "nobody");
	assert_int_equal(j.proc.umask, 0);
	assert_int_equal(j.proc.limit[JOB_LIMIT_NOFILE], 64);
	assert_int_equal(j.proc.limit[JOB_LIMIT_NPROC], JOB_DEFAULT);
	assert_true(j.proc.limit[JOB_LIMIT_AS] == JOB_UNLIMITED);
	assert_int_equal(j.proc.limit[JOB_LIMIT_CPU], JOB_DEFAULT);
	assert_int_equal(j.proc.kill_mode, JOB_KILL_PROCESS);
	assert_string_equal(j.mail_to, "ops@example.com, root");
	assert_int_equal(j.mail_on, MAIL_ON_OUTPUT);
	assert_int_equal(j.created_at, T0 + 1234);
	assert_int_equal(j.updated_at, T0 + 1234);
	assert_int_equal(j.finished_at, 0);
	assert_false(j.has_exit_code);
	assert_false(j.cancel_requested);
	job_clear(&j);
}

static void
test_store_submit_defaults_are_null(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("true");
	struct job j;
	int64_t id;

	id = submit1(f, &js, NULL);
	assert_int_equal(store_job_get(f->st, id, &j), 0);
	assert_string_equal(j.queue, "default");
	assert_int_equal(j.max_attempts, JOB_DEFAULT);
	assert_int_equal(j.timeout_ms, JOB_DEFAULT);
	assert_int_equal(j.backoff_ms, JOB_DEFAULT);
	assert_int_equal(j.backoff_max_ms, JOB_DEFAULT);
	assert_int_equal(j.proc.umask, JOB_DEFAULT);
	assert_int_equal(j.proc.limit[JOB_LIMIT_NOFILE], JOB_DEFAULT);
	assert_int_equal(j.proc.kill_mode, JOB_DEFAULT);
	assert_null(j.mail_to);
	assert_int_equal(j.mail_on, MAIL_ON_UNSET);
	assert_null(j.key);
	assert_null(j.env);
	assert_null(j.cwd);
	assert_null(j.run_as);
	job_clear(&j);
}

static void
test_store_submit_key_is_idempotent(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec a = spec("first"), b = spec("second");
	struct job j;
	bool existed;
	int64_t id1, id2, id3, id4;
	enum job_state was[1];
	size_t bad;
	int nb = 0;

	a.key = b.key = "k";
	a.key_ttl_ms = b.key_ttl_ms = 60000;
	id1 = submit1(f, &a, &existed);
	assert_false(existed);
	id2 = submit1(f, &a, &existed);
	assert_true(existed);
	assert_int_equal(id1, id2);
	/* The same key with another command: refused, nothing written. */
	assert_int_equal(store_submit(f->st, &b, 1, &id4, &existed), -EEXIST);
	assert_non_null(strstr(store_errmsg(f->st), "command differs"));
	assert_int_equal(store_job_list(f->st, &(struct job_filter){ -1, NULL,
	    100 }, count_fn, &nb), 0);
	assert_int_equal(nb, 1);
	assert_int_equal(store_job_get(f->st, id1, &j), 0);
	assert_string_equal(j.command, "first");
	job_clear(&j);
	/* A different key is a different job. */
	b.key = "other";
	id3 = submit1(f, &b, &existed);
	assert_false(existed);
	assert_int_not_equal(id3, id1);
	/* Once its job ended, the key lives key_ttl_ms, then is free. */
	assert_int_equal(store_cancel(f->st, &id1, 1, was, &bad), 0);
	fake_clock_advance(&f->fc, 59999);
	assert_int_equal(submit1(f, &a, &existed), id1);
	assert_true(existed);
	fake_clock_advance(&f->fc, 1);
	id4 = submit1(f, &a, &existed);
	assert_false(existed);
	assert_int_not_equal(id4, id1);
	assert_int_equal(store_job_get(f->st, id1, &j), 0);
	assert_string_equal(j.key, "k");	/* the old job keeps it */
	job_clear(&j);
	assert_int_equal(submit1(f, &a, &existed), id4);
}

static int
count_fn(const struct job *j, void *arg)
{
	(void)j;
	(*(int *)arg)++;
	return 0;
}

static int
count_jobs(struct store_fixture *f)
{
	struct job_filter all = { -1, NULL, 1000000 };
	int n = 0;

	assert_int_equal(store_job_list(f->st, &all, count_fn, &n), 0);
	return n;
}

static void
test_store_submit_batch_all_or_nothing(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec specs[3] = { spec("a"), spec("b"), spec("c") };
	int64_t ids[3];

	assert_int_equal(store_submit(f->st, specs, 3, ids, NULL), 0);
	assert_int_equal(ids[1], ids[0] + 1);
	assert_int_equal(ids[2], ids[0] + 2);
	assert_int_equal(count_jobs(f), 3);

	/* The schema refuses max_attempts 0: the whole batch goes. */
	specs[2].max_attempts = 0;
	assert_int_equal(store_submit(f->st, specs, 3, ids, NULL), -EINVAL);
	assert_int_equal(count_jobs(f), 3);
}

static void
test_store_ids_not_reused_after_failed_batch(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec ok = spec("ok"), bad = spec("bad");
	int64_t id1, id2;

	id1 = submit1(f, &ok, NULL);
	bad.max_attempts = 0;
	assert_int_equal(store_submit(f->st, &bad, 1, &id2, NULL), -EINVAL);
	id2 = submit1(f, &ok, NULL);
	assert_true(id2 > id1);
}

struct collect {
	int64_t	ids[16];
	int	n;
};

static int
collect_fn(const struct job *j, void *arg)
{
	struct collect *c = arg;

	if (c->n < 16)
		c->ids[c->n++] = j->id;
	return 0;
}

static void
test_store_list_newest_first_with_filters(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec a = spec("a"), b = spec("b");
	struct job_filter flt = { -1, NULL, 100 };
	struct collect c = { { 0 }, 0 };
	enum job_state was[1];
	int64_t id[4];
	size_t bad;

	b.queue = "other";
	id[0] = submit1(f, &a, NULL);
	id[1] = submit1(f, &b, NULL);
	id[2] = submit1(f, &a, NULL);
	id[3] = submit1(f, &b, NULL);
	assert_int_equal(store_cancel(f->st, &id[2], 1, was, &bad), 0);

	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.ids[0], id[3]);
	assert_int_equal(c.ids[3], id[0]);

	memset(&c, 0, sizeof(c));
	flt.queue = "other";
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], id[3]);
	assert_int_equal(c.ids[1], id[1]);

	memset(&c, 0, sizeof(c));
	flt.queue = NULL;
	flt.state = JOB_CANCELLED;
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id[2]);

	memset(&c, 0, sizeof(c));
	flt.state = -1;
	flt.limit = 2;
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[1], id[2]);

	memset(&c, 0, sizeof(c));
	flt.limit = 100;
	flt.state = JOB_DEAD;
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 0);
}

static int
rerun_fn(int64_t id, void *arg)
{
	struct collect *c = arg;

	if (c->n < 16)
		c->ids[c->n++] = id;
	return 0;
}

/* rerun: finished jobs only, a copy without the key, linked both ways. */
static void
test_store_rerun(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("echo again");
	struct job_filter flt = { -1, NULL, 100, 0, 0, 0 };
	struct collect c = { { 0 }, 0 };
	enum job_state was[1];
	struct job j;
	int64_t id, pend, rid = 0;
	size_t bad;

	js.key = "k";
	js.priority = 4;
	js.mail_to = "a@b";
	js.mail_on = MAIL_ON_ALWAYS;
	id = submit1(f, &js, NULL);
	js.key = NULL;
	pend = submit1(f, &js, NULL);
	assert_int_equal(store_job_rerun(f->st, pend, T0, &rid), -EINPROGRESS);
	assert_int_equal(store_job_rerun(f->st, 424242, T0, &rid), -ENOENT);
	assert_int_equal(rid, 0);
	assert_int_equal(store_cancel(f->st, &id, 1, was, &bad), 0);
	fake_clock_advance(&f->fc, 1000);
	assert_int_equal(store_job_rerun(f->st, id, T0 + 1000, &rid), 0);
	assert_true(rid > pend);
	assert_int_equal(store_job_get(f->st, rid, &j), 0);
	assert_int_equal(j.state, JOB_PENDING);
	assert_string_equal(j.command, "echo again");
	assert_int_equal(j.priority, 4);
	assert_null(j.key);
	assert_int_equal(j.rerun_of, id);
	assert_int_equal(j.run_at, T0 + 1000);
	assert_string_equal(j.mail_to, "a@b");
	assert_int_equal(j.mail_on, MAIL_ON_ALWAYS);
	job_clear(&j);
	assert_int_equal(store_job_reruns(f->st, id, rerun_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], rid);

	/* Several states at once: the cancelled one and the rerun. */
	memset(&c, 0, sizeof(c));
	flt.states = 1u << JOB_CANCELLED | 1u << JOB_DEAD;
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id);
	memset(&c, 0, sizeof(c));
	flt.states = 1u << JOB_PENDING | 1u << JOB_CANCELLED;
	flt.since = T0 + 1000;
	assert_int_equal(store_job_list(f->st, &flt, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], rid);
}

static void
test_store_get_missing(void **state)
{
	struct store_fixture *f = *state;
	struct job j;

	assert_int_equal(store_job_get(f->st, 424242, &j), -ENOENT);
}

static void
test_store_cancel_pending(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("x");
	enum job_state was[2];
	struct job j;
	size_t bad = 99;
	int64_t id;

	id = submit1(f, &js, NULL);
	fake_clock_advance(&f->fc, 5000);
	assert_int_equal(store_cancel(f->st, &id, 1, was, &bad), 0);
	assert_int_equal(was[0], JOB_PENDING);
	assert_int_equal(store_job_get(f->st, id, &j), 0);
	assert_int_equal(j.state, JOB_CANCELLED);
	assert_int_equal(j.finished_at, T0 + 5000);
	job_clear(&j);
	/* Cancelling again is fine and changes nothing. */
	assert_int_equal(store_cancel(f->st, &id, 1, was, &bad), 0);
	assert_int_equal(was[0], JOB_CANCELLED);
}

static void
test_store_cancel_all_or_nothing(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("x");
	enum job_state was[2];
	int64_t ids[2];
	struct job j;
	size_t bad = 99;

	ids[0] = submit1(f, &js, NULL);
	ids[1] = ids[0] + 1000;		/* no such job */
	assert_int_equal(store_cancel(f->st, ids, 2, was, &bad), -ENOENT);
	assert_int_equal(bad, 1);
	assert_int_equal(store_job_get(f->st, ids[0], &j), 0);
	assert_int_equal(j.state, JOB_PENDING);
	job_clear(&j);
}

struct counts {
	int64_t	n[JOB_NSTATES];
	int	rows;
};

static int
counts_fn(const char *queue, enum job_state s, int64_t n, void *arg)
{
	struct counts *c = arg;

	(void)queue;
	c->n[s] += n;
	c->rows++;
	return 0;
}

static void
test_store_count_by_queue_and_state(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec a = spec("a"), b = spec("b");
	struct counts c;
	enum job_state was[1];
	size_t bad;
	int64_t id;

	b.queue = "q2";
	submit1(f, &a, NULL);
	submit1(f, &a, NULL);
	id = submit1(f, &b, NULL);
	assert_int_equal(store_cancel(f->st, &id, 1, was, &bad), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_count(f->st, counts_fn, &c), 0);
	assert_int_equal(c.rows, 2);
	assert_int_equal(c.n[JOB_PENDING], 2);
	assert_int_equal(c.n[JOB_CANCELLED], 1);
	assert_int_equal(c.n[JOB_DONE], 0);
}

/* A second connection to the same file, for what the store has no API for. */
static sqlite3 *
side(struct store_fixture *f)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/*
 * The order the store promises within queue q (NULL: any queue not
 * paused), by brute force: up to max ids into ids[].
 */
static size_t
due_by_brute_force(sqlite3 *db, const char *q, int64_t now, size_t max,
    int64_t *ids)
{
	sqlite3_stmt *s;
	size_t n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM jobs "
	    "WHERE state = 'pending' AND run_at <= ?1 AND queue NOT IN "
	    "(SELECT name FROM queues WHERE paused) "
	    "AND (?3 IS NULL OR queue = ?3) "
	    "ORDER BY priority, run_at, id LIMIT ?2", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	if (q != NULL)
		sqlite3_bind_text(s, 3, q, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/*
 * Claims take due jobs by priority, run_at, id within a queue, across
 * many priorities, past jobs due later and jobs of paused queues, and
 * share between the queues (weight 1 each: turn about): compared with a
 * plain query over random jobs, claim by claim until nothing is due.
 */
static void
test_store_claim_order_matches_brute_force(void **state)
{
	struct store_fixture *f = *state;
	static const char *queues[] = { "a", "b", "paused" };
	struct job_spec js[400];
	struct job got[7];
	int64_t ids[400], want[2][7], now;
	uint64_t rng = 42;
	sqlite3 *db = side(f);
	size_t i, n, nwant[2], max, k[2], w;

	assert_int_equal(sqlite3_exec(db, "INSERT INTO queues (name, paused, "
	    "updated_at) VALUES ('paused', 1, 0)", NULL, NULL, NULL),
	    SQLITE_OK);
	for (i = 0; i < 400; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		js[i] = spec("true");
		js[i].priority = (int)((rng >> 33) % 9) - 4;
		js[i].run_at = T0 + (int64_t)((rng >> 20) % 4000) * 1000;
		js[i].queue = queues[(rng >> 45) % 3];
	}
	assert_int_equal(store_submit(f->st, js, 400, ids, NULL), 0);
	/* The ends of the priority range, as a hand-made row may hold. */
	assert_int_equal(sqlite3_exec(db, "UPDATE jobs SET queue = 'a', "
	    "priority = -9223372036854775807 - 1 WHERE id = 1; "
	    "UPDATE jobs SET queue = 'a', priority = 9223372036854775807 "
	    "WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	for (now = T0; now <= T0 + 4000 * 1000; now += 250 * 1000) {
		for (;;) {
			max = 1 + (size_t)(now / 1000 % 7);
			nwant[0] = due_by_brute_force(db, "a", now, max,
			    want[0]);
			nwant[1] = due_by_brute_force(db, "b", now, max,
			    want[1]);
			assert_int_equal(store_claim(f->st, "me", now, 60000,
			    max, got, &n), 0);
			w = nwant[0] + nwant[1];
			assert_int_equal(n, w < max ? w : max);
			k[0] = k[1] = 0;
			for (i = 0; i < n; i++) {
				w = strcmp(got[i].queue, "a") == 0 ? 0 : 1;
				assert_string_equal(got[i].queue,
				    queues[w]);
				assert_true(k[w] < nwant[w]);
				assert_int_equal(got[i].id, want[w][k[w]]);
				k[w]++;
				assert_int_equal(got[i].state, JOB_RUNNING);
				assert_int_equal(got[i].attempts, 1);
				job_clear(&got[i]);
			}
			/*
			 * Both had work for the whole claim: turn about,
			 * within one round (a queue back from idle starts
			 * level with the last one served).
			 */
			if (nwant[0] >= n && nwant[1] >= n)
				assert_true(k[0] <= k[1] + 2 &&
				    k[1] <= k[0] + 2);
			if (n < max)
				break;
		}
	}
	/* All that is left are the paused queue's jobs. */
	assert_int_equal(due_by_brute_force(db, NULL, INT64_MAX, 7,
	    want[0]), 0);
	assert_int_equal(store_claim(f->st, "me", INT64_MAX / 2, 60000, 7,
	    got, &n), 0);
	assert_int_equal(n, 0);
	sqlite3_close(db);
}

static int64_t
sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * One transaction records a result and claims the next job; the attempt
 * keeps the run's own start time, not the claim's.
 */
static void
test_store_finish_claim_together(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js[2] = { spec("first"), spec("second") };
	struct attempt_end e;
	struct job got[2];
	int64_t ids[2];
	sqlite3 *db = side(f);
	size_t n;
	char sql[160];

	assert_int_equal(store_submit(f->st, js, 2, ids, NULL), 0);
	assert_int_equal(store_claim(f->st, "me", T0, 60000, 1, got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, ids[0]);
	job_clear(&got[0]);

	memset(&e, 0, sizeof(e));
	e.job_id = ids[0];
	e.attempt = 1;
	e.owner = "me";
	e.outcome = "ok";
	e.has_exit_code = true;
	e.started_at = T0 + 700;
	e.finished_at = T0 + 900;
	e.action = END_DONE;
	assert_int_equal(store_finish_claim(f->st, &e, 1, T0 + 1000, "me",
	    60000, 2, got, &n), 0);
	assert_true(e.applied);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, ids[1]);
	assert_string_equal(got[0].command, "second");
	job_clear(&got[0]);

	snprintf(sql, sizeof(sql), "SELECT state = 'done' FROM jobs "
	    "WHERE id = %lld", (long long)ids[0]);
	assert_int_equal(sql_int(db, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT started_at FROM attempts "
	    "WHERE job_id = %lld", (long long)ids[0]);
	assert_int_equal(sql_int(db, sql), T0 + 700);
	snprintf(sql, sizeof(sql), "SELECT started_at FROM attempts "
	    "WHERE job_id = %lld", (long long)ids[1]);
	assert_int_equal(sql_int(db, sql), T0 + 1000);
	/* Nothing to record, nothing due: no transaction at all. */
	assert_int_equal(store_finish_claim(f->st, NULL, 0, T0 + 1000, "me",
	    60000, 0, NULL, &n), 0);
	assert_int_equal(n, 0);
	sqlite3_close(db);
}

/* A decide function that records what it was shown and cancels. */
struct seen {
	int	calls;
	bool	cancel_requested;
};

static void
decide_cancel(struct attempt_end *e, void *arg)
{
	struct seen *sn = arg;

	sn->calls++;
	sn->cancel_requested = e->cancel_requested;
	if (e->cancel_requested)
		e->action = END_CANCELLED;
}

/*
 * The store reports what the fence saw and decides nothing: a flagged
 * job's retry is recorded as a retry without a decide function, and as
 * the decide function's choice with one; a late result calls none.
 */
static void
test_store_finish_fence_decides_nothing(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("flagged");
	enum job_state was;
	struct attempt_end e;
	struct seen sn = { 0 };
	struct job got, jb;
	int64_t id;
	size_t n, bad;
	int pass;

	id = submit1(f, &js, NULL);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(store_claim(f->st, "me", T0 + pass, 60000, 1,
		    &got, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(store_cancel(f->st, &id, 1, &was, &bad), 0);
		assert_int_equal(was, JOB_RUNNING);
		memset(&e, 0, sizeof(e));
		e.job_id = id;
		e.attempt = got.attempts;
		e.owner = "me";
		e.outcome = "failed";
		e.finished_at = T0 + pass;
		e.action = END_RETRY;
		e.run_at = T0 + pass;
		job_clear(&got);
		if (pass == 1)
			store_set_decide(f->st, decide_cancel, &sn);
		assert_int_equal(store_finish(f->st, &e, 1, T0 + pass), 0);
		assert_true(e.applied);
		assert_true(e.cancel_requested);
		assert_int_equal(store_job_get(f->st, id, &jb), 0);
		if (pass == 0) {
			/* No decide function: the retry stands. */
			assert_int_equal(e.action, END_RETRY);
			assert_int_equal(jb.state, JOB_PENDING);
		} else {
			assert_int_equal(sn.calls, 1);
			assert_true(sn.cancel_requested);
			assert_int_equal(e.action, END_CANCELLED);
			assert_int_equal(jb.state, JOB_CANCELLED);
		}
		job_clear(&jb);
	}
	/* A result whose lease is gone is not shown to the decide function. */
	e.attempt = 1;
	assert_int_equal(store_finish(f->st, &e, 1, T0 + 2), 0);
	assert_false(e.applied);
	assert_int_equal(sn.calls, 1);
}

/* Claim job id (it must be the one due) and end its attempt with action. */
static void
run_to(struct store_fixture *f, int64_t id, enum end_action action, int64_t now)
{
	struct attempt_end e;
	struct job got;
	size_t n;

	assert_int_equal(store_claim(f->st, "me", now, 60000, 1, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got.id, id);
	memset(&e, 0, sizeof(e));
	e.job_id = id;
	e.attempt = got.attempts;
	e.owner = "me";
	e.outcome = action == END_DONE ? "ok" : "failed";
	e.has_exit_code = true;
	e.exit_code = action == END_DONE ? 0 : 1;
	e.finished_at = now;
	e.action = action;
	e.reason = "failed";
	job_clear(&got);
	assert_int_equal(store_finish(f->st, &e, 1, now), 0);
	assert_true(e.applied);
}

static int64_t
waiting_of(struct store_fixture *f, int64_t id)
{
	struct job jb;
	int64_t w;

	assert_int_equal(store_job_get(f->st, id, &jb), 0);
	w = jb.waiting;
	job_clear(&jb);
	return w;
}

/*
 * A batch whose entries wait on earlier ones: only the first is due; it
 * dies, which cancels the job that needed it done and, through that one,
 * the job that needed that done, in the transaction of the death.
 */
static void
test_store_deps_cascade(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js[3] = { spec("a"), spec("b"), spec("c") };
	struct job_dep db[1] = { { 0, 0, false } };
	struct job_dep dc[2] = { { 0, 0, true }, { 0, 1, false } };
	struct job got[3], jb;
	int64_t ids[3];
	sqlite3 *side_db = side(f);
	char want[64];
	size_t n;

	js[1].deps = db;
	js[1].ndeps = 1;
	js[2].deps = dc;
	js[2].ndeps = 2;
	/* A reference forward: refused, nothing submitted. */
	js[0].deps = dc + 1;
	js[0].ndeps = 1;
	assert_int_equal(store_submit(f->st, js, 3, ids, NULL), -EINVAL);
	assert_int_equal(count_jobs(f), 0);
	js[0].deps = NULL;
	js[0].ndeps = 0;
	assert_int_equal(store_submit(f->st, js, 3, ids, NULL), 0);
	assert_int_equal(waiting_of(f, ids[1]), 1);
	assert_int_equal(waiting_of(f, ids[2]), 2);
	assert_int_equal(store_claim(f->st, "me", T0 + 10, 60000, 3, got, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, ids[0]);
	job_clear(&got[0]);
	/* Its attempt was claimed above: end it by hand, dead. */
	{
		struct attempt_end e;

		memset(&e, 0, sizeof(e));
		e.job_id = ids[0];
		e.attempt = 1;
		e.owner = "me";
		e.outcome = "failed";
		e.finished_at = T0 + 20;
		e.action = END_DEAD;
		e.reason = "failed";
		assert_int_equal(store_finish(f->st, &e, 1, T0 + 20), 0);
	}
	assert_int_equal(store_job_get(f->st, ids[1], &jb), 0);
	assert_int_equal(jb.state, JOB_CANCELLED);
	snprintf(want, sizeof(want), "dependency job %lld ended dead",
	    (long long)ids[0]);
	assert_string_equal(jb.last_error, want);
	assert_int_equal(jb.finished_at, T0 + 20);
	job_clear(&jb);
	assert_int_equal(store_job_get(f->st, ids[2], &jb), 0);
	assert_int_equal(jb.state, JOB_CANCELLED);
	snprintf(want, sizeof(want), "dependency job %lld ended cancelled",
	    (long long)ids[1]);
	assert_string_equal(jb.last_error, want);
	/* Its --after-any row on the dead job is met, the other is not. */
	assert_int_equal(jb.waiting, 1);
	job_clear(&jb);
	assert_int_equal(sql_int(side_db, "SELECT count(*) FROM job_deps "
	    "WHERE met = 1"), 1);
	sqlite3_close(side_db);
}

/*
 * What a submission checks: the job exists, and for --after has not
 * failed; a dependency already done counts as met.  A dead job retried
 * and dying again lowers its dependents' counts once.
 */
static void
test_store_deps_checks_and_retry(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec a = spec("a"), p = spec("p"), w = spec("w");
	struct job_dep d[2];
	enum job_state was;
	int64_t ida, idp, idw, moved;
	size_t bad;

	ida = submit1(f, &a, NULL);
	p.run_at = T0 + 3600000;
	idp = submit1(f, &p, NULL);
	memset(d, 0, sizeof(d));
	d[0].id = 999;
	w.deps = d;
	w.ndeps = 1;
	assert_int_equal(store_submit(f->st, &w, 1, &idw, NULL), -ENOENT);
	assert_non_null(strstr(store_errmsg(f->st),
	    "dependency job 999 does not exist"));
	assert_int_equal(count_jobs(f), 2);

	run_to(f, ida, END_DEAD, T0 + 10);
	d[0].id = ida;
	assert_int_equal(store_submit(f->st, &w, 1, &idw, NULL), -EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "already ended dead"));
	d[0].any = true;
	d[1].id = idp;
	w.ndeps = 2;
	idw = submit1(f, &w, NULL);
	assert_int_equal(waiting_of(f, idw), 1);	/* p only */

	/* a again, and dead again: w still waits for p only. */
	assert_int_equal(store_dead_retry(f->st, &ida, 1, T0 + 20, &bad,
	    &moved), 0);
	assert_int_equal(moved, 1);
	run_to(f, ida, END_DEAD, T0 + 30);
	assert_int_equal(waiting_of(f, idw), 1);

	/* Cancelling p meets nothing: w needed p done, so it goes too. */
	assert_int_equal(store_cancel(f->st, &idp, 1, &was, &bad), 0);
	{
		struct job jb;

		assert_int_equal(store_job_get(f->st, idw, &jb), 0);
		assert_int_equal(jb.state, JOB_CANCELLED);
		job_clear(&jb);
	}

	/* Purging the dead job takes its rows with it. */
	{
		sqlite3 *db = side(f);
		int64_t purged;

		assert_int_equal(sql_int(db, "SELECT count(*) FROM job_deps"),
		    2);
		assert_int_equal(store_dead_purge(f->st, T0 + 1000, &purged),
		    0);
		assert_int_equal(purged, 1);
		assert_int_equal(sql_int(db, "SELECT count(*) FROM job_deps"),
		    1);
		sqlite3_close(db);
	}
}

static void
test_store_state_names(void **state)
{
	enum job_state s;
	int i;

	(void)state;
	for (i = 0; i < JOB_NSTATES; i++) {
		assert_int_equal(job_state_parse(job_state_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(job_state_parse("Pending", &s), -EINVAL);
	assert_null(job_state_name(JOB_NSTATES));
}

/*
 * @reboot once per boot: two daemons (two connections) and a restart in
 * one boot make one job; the next boot makes another.
 */
static void
test_store_schedule_reboot_once_per_boot(void **state)
{
	struct store_fixture *f = *state;
	struct store *st2;
	struct schedule sc, got;
	struct slot sl;
	char err[512];
	int64_t id, n = 0;
	int i;

	memset(&sc, 0, sizeof(sc));
	sc.name = (char *)(uintptr_t)"boot";
	sc.cron = (char *)(uintptr_t)"@reboot";
	sc.command = (char *)(uintptr_t)"true";
	sc.max_attempts = sc.timeout_ms = JOB_DEFAULT;
	sc.backoff_ms = sc.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&sc.proc);
	sc.enabled = true;
	sc.source = (char *)(uintptr_t)"cli";
	sc.mail_to = (char *)(uintptr_t)"root";
	sc.mail_on = MAIL_ON_OUTPUT;
	assert_int_equal(store_schedule_put(f->st, &sc, false, &id), 0);
	assert_int_equal(store_schedule_get(f->st, "boot", &got), 0);
	assert_string_equal(got.mail_to, "root");
	assert_int_equal(got.mail_on, MAIL_ON_OUTPUT);
	assert_int_equal(store_open(&st2, f->db, 0, &f->fc.clock, err,
	    sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		struct store *st = i % 2 == 0 ? f->st : st2;
		int rc;

		memset(&sl, 0, sizeof(sl));
		sl.slot_at = T0 + i;
		rc = store_schedule_reboot(st, &got, "boot-a", &sl, T0 + i);
		if (i == 0) {
			assert_int_equal(rc, 0);
			assert_true(sl.job_id > 0);
		} else {
			assert_int_equal(rc, -EALREADY);
			assert_int_equal(sl.job_id, 0);
		}
	}
	memset(&sl, 0, sizeof(sl));
	sl.slot_at = T0 + 10;
	assert_int_equal(store_schedule_reboot(st2, &got, "boot-b", &sl,
	    T0 + 10), 0);
	assert_true(sl.job_id > 0);
	assert_int_equal(store_schedule_active(f->st, got.id, &n), 0);
	assert_int_equal(n, sl.job_id);
	{
		struct job j;

		/* The job a schedule makes is mailed as the schedule says. */
		assert_int_equal(store_job_get(f->st, sl.job_id, &j), 0);
		assert_string_equal(j.mail_to, "root");
		assert_int_equal(j.mail_on, MAIL_ON_OUTPUT);
		job_clear(&j);
	}
	store_close(st2);
	schedule_clear(&got);
}

/* What store_copy() reported. */
struct copied {
	int		 tables;
	int64_t		 rows, jobs_rows, jobs_next;
};

static int
copied_fn(const struct store_copy_table *t, void *arg)
{
	struct copied *c = arg;

	c->tables++;
	c->rows += t->rows;
	if (strcmp(t->name, "jobs") == 0) {
		c->jobs_rows = t->rows;
		c->jobs_next = t->next_id;
	}
	return 0;
}

/* A new database "name" beside f's, opened with STORE_CREATE. */
static struct store *
open_beside(struct store_fixture *f, const char *name)
{
	char path[PATH_MAX + 32], err[512];
	struct store *st = NULL;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	if (store_open(&st, path, STORE_CREATE, &f->fc.clock, err,
	    sizeof(err)) != 0)
		fail_msg("store_open %s: %s", path, err);
	return st;
}

static void
test_store_copy_keeps_rows_and_ids(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js[3] = { spec("a"), spec("b"), spec("c") };
	struct job_filter all = { -1, NULL, 1000000 };
	enum job_state was[1];
	struct queue_info qi;
	struct copied c;
	struct store *to;
	struct job j;
	int64_t ids[3], last = 0, id;
	size_t bad, i;
	int n = 0;

	js[2].key = "key-c";
	js[2].queue = "q";
	assert_int_equal(store_submit(f->st, js, 3, ids, NULL), 0);
	assert_int_equal(store_cancel(f->st, &ids[1], 1, was, &bad), 0);
	assert_int_equal(store_queue_pause(f->st, "q", true, NULL), 0);
	to = open_beside(f, "copy.db");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_copy(f->st, to, 0, copied_fn, &c), 0);
	assert_int_equal(c.tables, 13);
	assert_int_equal(c.jobs_rows, 3);
	assert_int_equal(c.jobs_next, ids[2] + 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_job_get(to, ids[i], &j), 0);
		assert_string_equal(j.command, js[i].command);
		assert_int_equal(j.state, i == 1 ? JOB_CANCELLED :
		    JOB_PENDING);
		job_clear(&j);
	}
	assert_int_equal(store_job_list(to, &all, count_fn, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_queue_get(to, "q", &qi), 0);
	assert_true(qi.paused);
	assert_int_equal(qi.pending, 1);
	assert_int_equal(store_last_job_id(to, &last), 0);
	assert_int_equal(last, ids[2]);
	/* The key names its job there too; new ids go on from the last. */
	assert_int_equal(store_submit(to, &js[2], 1, &id, NULL), 0);
	assert_int_equal(id, ids[2]);
	assert_int_equal(store_submit(to, &js[0], 1, &id, NULL), 0);
	assert_int_equal(id, ids[2] + 1);
	/* Not into a database with rows: nothing changes. */
	assert_int_equal(store_copy(f->st, to, 0, copied_fn, &c), -ENOTEMPTY);
	assert_non_null(strstr(store_errmsg(to), "is not empty"));
	n = 0;
	assert_int_equal(store_job_list(to, &all, count_fn, &n), 0);
	assert_int_equal(n, 4);
	store_close(to);
}

static void
test_store_copy_dry_run_changes_nothing(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js = spec("a");
	struct job_filter all = { -1, NULL, 1000000 };
	struct copied c;
	struct store *to;
	int64_t id, last = -1;
	int n = 0;

	id = submit1(f, &js, NULL);
	to = open_beside(f, "dry.db");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_copy(f->st, to, STORE_COPY_DRY, copied_fn, &c),
	    0);
	assert_int_equal(c.tables, 13);
	assert_int_equal(c.jobs_rows, 1);
	assert_int_equal(c.jobs_next, id + 1);
	assert_int_equal(store_job_list(to, &all, count_fn, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_last_job_id(to, &last), 0);
	assert_int_equal(last, 0);
	store_close(to);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_store_open_creates_private_file),
		T(test_store_open_mkdir_creates_private_dirs),
		T(test_store_open_missing_without_create),
		T(test_store_open_directory),
		T(test_store_open_not_sqlite),
		T(test_store_open_newer_schema_untouched),
		T(test_store_reopen_keeps_jobs),
		T(test_store_submit_roundtrip),
		T(test_store_submit_defaults_are_null),
		T(test_store_submit_key_is_idempotent),
		T(test_store_submit_batch_all_or_nothing),
		T(test_store_ids_not_reused_after_failed_batch),
		T(test_store_list_newest_first_with_filters),
		T(test_store_get_missing),
		T(test_store_rerun),
		T(test_store_cancel_pending),
		T(test_store_cancel_all_or_nothing),
		T(test_store_finish_fence_decides_nothing),
		T(test_store_count_by_queue_and_state),
		T(test_store_claim_order_matches_brute_force),
		T(test_store_finish_claim_together),
		T(test_store_deps_cascade),
		T(test_store_deps_checks_and_retry),
		T(test_store_state_names),
		T(test_store_schedule_reboot_once_per_boot),
		T(test_store_copy_keeps_rows_and_ids),
		T(test_store_copy_dry_run_changes_nothing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
