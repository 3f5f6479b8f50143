/*
 * Fuzz target for jobd's submission socket: one request body (wire.h) run
 * by sockreq.c as a connection's would be, on a real SQLite database in a
 * temporary directory (under /dev/shm when there is one, so that commits
 * cost no disk), with no loop and no connection (sockserv_fuzz()).
 *
 * The input's first byte picks the user: even, root (every job); odd, an
 * ordinary user, "nobody", who may act only on the jobs that run as
 * nobody.  The answer must be one whole message: {"v": 1, "rc": N, "r":
 * ...} with rc 0 or a negative errno, and [words, index] when it is not 0.
 * As nobody, no job that runs as anyone else may be created, and none of
 * root's jobs may change.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/sockserv.h"
#include "jobd/store.h"
#include "jobd/wire.h"

#define FUZZ_NAME	"fuzz_socket"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct store	*st;
static char		 dir[64];
static int64_t		 root_job;	/* a job of root's, pending */

static void
cleanup(void)
{
	char path[128];

	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "%s: could not remove %s\n", FUZZ_NAME, dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct job_spec s;
	char path[128], err[512];
	bool existed;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/jobd-fuzz.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/jobs.db", dir);
	if (store_open(&st, path, STORE_CREATE, clock_default(), err,
	    sizeof(err)) != 0)
		fuzz_fail("store_open: %s", err);
	atexit(cleanup);
	memset(&s, 0, sizeof(s));
	s.command = "true";
	s.run_at = INT64_C(4102444800000);	/* 2100: never due here */
	s.max_attempts = s.timeout_ms = s.backoff_ms = JOB_DEFAULT;
	s.backoff_max_ms = s.key_ttl_ms = JOB_DEFAULT;
	s.proc.umask = s.proc.kill_mode = JOB_DEFAULT;
	s.proc.limit[0] = s.proc.limit[1] = JOB_DEFAULT;
	s.proc.limit[2] = s.proc.limit[3] = JOB_DEFAULT;
	if (store_submit(st, &s, 1, &root_job, &existed) != 0)
		fuzz_fail("store_submit: %s", store_errmsg(st));
	s.run_as = "nobody";
	if (store_submit(st, &s, 1, &(int64_t){ 0 }, &existed) != 0)
		fuzz_fail("store_submit: %s", store_errmsg(st));
	return 0;
}

/* Jobs of others than nobody, and the state of root's job. */
struct census {
	int64_t		 others;
	enum job_state	 root_state;
};

static int
count_other(const struct job *j, void *arg)
{
	struct census *c = arg;

	if (j->run_as == NULL || strcmp(j->run_as, "nobody") != 0)
		c->others++;
	if (j->id == root_job)
		c->root_state = j->state;
	return 0;
}

static void
census(struct census *c)
{
	struct job_filter f;

	memset(c, 0, sizeof(*c));
	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.limit = INT64_MAX;
	if (store_job_list(st, &f, count_other, c) != 0)
		fuzz_fail("store_job_list: %s", store_errmsg(st));
}

static void
check_answer(const unsigned char *p, size_t n)
{
	struct wire_rd rd;
	char key[WIRE_KEY_MAX], *msg;
	int64_t v, rc, bad;
	size_t len, m;

	if (n < WIRE_HEADER || wire_length(p, WIRE_RESPONSE_MAX, &len) != 0 ||
	    len != n - WIRE_HEADER)
		fuzz_fail("an answer of %zu bytes with a bad header", n);
	wire_rd_init(&rd, p + WIRE_HEADER, len);
	if (wire_get_map(&rd, &m) != 0 || m != 3 ||
	    wire_get_key(&rd, key, sizeof(key)) != 0 || strcmp(key, "v") != 0 ||
	    wire_get_int(&rd, &v) != 0 || v != WIRE_VERSION ||
	    wire_get_key(&rd, key, sizeof(key)) != 0 ||
	    strcmp(key, "rc") != 0 || wire_get_int(&rd, &rc) != 0 ||
	    wire_get_key(&rd, key, sizeof(key)) != 0 || strcmp(key, "r") != 0)
		fuzz_fail("a bad answer head: %s", rd.err);
	if (rc > 0 || rc < -4095)
		fuzz_fail("rc %lld", (long long)rc);
	if (rc == 0)
		return;
	if (wire_get_array(&rd, &m) != 0 || m != 2 ||
	    wire_get_str(&rd, &msg) != 0 || wire_get_int(&rd, &bad) != 0 ||
	    wire_rd_done(&rd) != 0)
		fuzz_fail("a bad error answer: %s", rd.err);
	if (msg == NULL || msg[0] == '\0' || strchr(msg, '\n') != NULL)
		fuzz_fail("rc %lld without one line of words", (long long)rc);
	free(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct census before, after;
	unsigned char *ans = NULL;
	size_t n = 0;
	bool all;

	if (size == 0 || size - 1 > WIRE_REQUEST_MAX)
		return 0;
	all = (data[0] & 1) == 0;
	if (!all)
		census(&before);
	if (sockserv_fuzz(st, clock_default(), all, data + 1, size - 1, &ans,
	    &n) != 0)
		fuzz_fail("out of memory");
	check_answer(ans, n);
	free(ans);
	if (!all) {
		census(&after);
		if (after.others != before.others)
			fuzz_fail("nobody changed how many jobs others have: "
			    "%lld, then %lld", (long long)before.others,
			    (long long)after.others);
		if (after.root_state != before.root_state)
			fuzz_fail("nobody moved root's job %lld",
			    (long long)root_job);
	}
	return 0;
}
