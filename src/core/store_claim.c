/*
 * store_claim: which pending jobs start next.  The claim runs inside the
 * caller's write transaction (store_finish_claim() in store.c records the
 * finished attempts in the same one); the SQL is in store_sql[] (store.c,
 * Q_CLAIM_*).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "store_impl.h"

/*
 * The ids of up to max due jobs in claim order, inside the caller's write
 * transaction.
 */
static int
claim_pick(struct store *st, int64_t now, size_t max, int64_t *ids,
    size_t *n)
{
	sqlite3_stmt *pr, *pk;
	int64_t prio, from = INT64_MIN;
	int error = 0, rc;

	*n = 0;
	if ((pr = store_stmt(st, Q_CLAIM_PRIO, &error)) == NULL ||
	    (pk = store_stmt(st, Q_CLAIM_PICK, &error)) == NULL)
		return error;
	while (*n < max) {
		sqlite3_bind_int64(pr, 1, from);
		rc = sqlite3_step(pr);
		prio = rc == SQLITE_ROW ? sqlite3_column_int64(pr, 0) : 0;
		sqlite3_reset(pr);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			return store_err(st, rc);
		sqlite3_bind_int64(pk, 1, prio);
		sqlite3_bind_int64(pk, 2, now);
		sqlite3_bind_int64(pk, 3, (int64_t)(max - *n));
		while ((rc = sqlite3_step(pk)) == SQLITE_ROW && *n < max)
			ids[(*n)++] = sqlite3_column_int64(pk, 0);
		sqlite3_reset(pk);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return store_err(st, rc);
		if (prio == INT64_MAX)
			break;
		from = prio + 1;
	}
	return 0;
}

int
store_claim_locked(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, size_t max, struct job *out, size_t *n)
{
	sqlite3_stmt *c, *g, *a;
	int64_t *ids;
	size_t i, got = 0;
	int error = 0, rc;

	*n = 0;
	if ((c = store_stmt(st, Q_CLAIM, &error)) == NULL ||
	    (g = store_stmt(st, Q_CLAIMED, &error)) == NULL ||
	    (a = store_stmt(st, Q_ATTEMPT_START, &error)) == NULL)
		return error;
	if ((ids = calloc(max, sizeof(*ids))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	if ((error = claim_pick(st, now, max, ids, &got)) != 0)
		goto out;
	for (i = 0; i < got; i++) {
		sqlite3_bind_int64(c, 1, ids[i]);
		sqlite3_bind_text(c, 2, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(c, 3, now);
		sqlite3_bind_int64(c, 4, lease_ms);
		if ((error = store_run(st, c)) != 0)
			break;
		sqlite3_bind_int64(g, 1, ids[i]);
		if ((rc = sqlite3_step(g)) == SQLITE_ROW)
			error = job_read(g, &out[*n], true);
		else
			error = store_err(st, rc == SQLITE_DONE ?
			    SQLITE_INTERNAL : rc);
		sqlite3_reset(g);
		if (error != 0)
			break;
		(*n)++;
		sqlite3_bind_int64(a, 1, ids[i]);
		sqlite3_bind_int64(a, 2, out[*n - 1].attempts);
		sqlite3_bind_text(a, 3, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(a, 4, now);
		if ((error = store_run(st, a)) != 0)
			break;
	}
out:
	free(ids);
	if (error != 0) {
		for (i = 0; i < *n; i++)
			job_clear(&out[i]);
		*n = 0;
	}
	return error;
}

int
store_claim(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, size_t max, struct job *out, size_t *n)
{
	return store_finish_claim(st, NULL, 0, now, owner, lease_ms, max,
	    out, n);
}
