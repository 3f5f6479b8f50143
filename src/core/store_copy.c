/*
 * store_copy: a whole jobd database copied into an empty one of the same
 * schema -- jobctl migrate-db, from SQLite to PostgreSQL -- through the
 * statement calls of store_impl.h alone, so that it knows neither engine.
 *
 * The tables are copy_tables[], the tables of the SQLite migrations (which
 * schema/postgresql/001_init.sql repeats), in an order where the table a
 * foreign key names comes first.  Both databases must have exactly these
 * tables, and each table the same columns, by name, of the same type
 * (db_col_type()): a schema of another version is refused before a row
 * is read.  Each row is read as its column's type says and bound as that
 * type, so an integer stays an integer, a blob a blob and NULL NULL.
 *
 * The counts the triggers keep are left to the triggers: queues are
 * copied before the jobs (their settings; their "ready" flag the
 * triggers then set from the jobs), and the rows of metric_jobs that the
 * triggers made as the jobs went in win over the copied ones (only the
 * rows of n = 0 are copied in).  A count of the jobs then checks them
 * (SQL_COPY_CHECK), so what the target holds is what its triggers would
 * give, even when the source's counts had drifted.
 *
 * The ids are copied as they are; then each identity is set to go on
 * above them and above every id the source ever gave (sqlite_sequence),
 * by the engine's id_last_set(), which a rollback undoes (PostgreSQL's
 * setval() would not be).
 *
 * One write transaction on the target, reading one snapshot of the
 * source: a failure leaves the target as it was.  The thread that owns
 * both stores calls it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/strbuf.h"
#include "store_impl.h"

#define COPY_IDS	0x01	/* its id is an identity: set its sequence */
#define COPY_KEPT	0x02	/* the triggers keep it: theirs win */

static const struct copy_table {
	const char	*name;
	unsigned	 flags;
	const char	*ids_also;	/* another table holding ids of this
					   table's sequence (dead jobs keep
					   their job's id) */
} copy_tables[] = {
	{ "schedules",		COPY_IDS,	NULL },
	{ "queues",		COPY_KEPT,	NULL },	/* before the jobs */
	{ "jobs",		COPY_IDS,	"dead_jobs" },
	{ "dead_jobs",		0,		NULL },
	{ "attempts",		COPY_IDS,	NULL },
	{ "schedule_slots",	0,		NULL },
	{ "job_keys",		0,		NULL },
	{ "job_deps",		0,		NULL },
	{ "daemons",		0,		NULL },
	{ "metric_attempts",	0,		NULL },
	{ "metric_counters",	0,		NULL },
	{ "metric_jobs",	COPY_KEPT,	NULL },	/* after the jobs */
	{ "crontabs",		0,		NULL },
};
#define NTABLES	(sizeof(copy_tables) / sizeof(copy_tables[0]))

/* What was copied of each table. */
struct copy_state {
	int64_t		 rows[NTABLES];		/* read from the source */
	int64_t		 next_id[NTABLES];
};

/* A name as a quoted identifier: "any" is a keyword in PostgreSQL. */
static void
buf_ident(struct strbuf *b, const char *name)
{
	const char *q;

	strbuf_add(b, "\"", 1);
	while ((q = strchr(name, '"')) != NULL) {
		strbuf_add(b, name, (size_t)(q - name) + 1);
		strbuf_add(b, "\"", 1);
		name = q + 1;
	}
	strbuf_str(b, name);
	strbuf_add(b, "\"", 1);
}

/* Fail with error, the message made from fmt in to's errmsg. */
static int __attribute__((format(printf, 3, 4)))
copy_fail(struct store *to, int error, const char *fmt, ...)
{
	char msg[sizeof(to->errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(to->errmsg, msg, sizeof(msg));
	return error;
}

/*
 * Store st's error (what a call on it returned) as to's, naming st's
 * database unless its message does already.
 */
static int
copy_err(struct store *to, struct store *st, int error)
{
	const char *name = store_name(st);
	size_t n = strlen(name);

	if (n > 0 && strncmp(st->errmsg, name, n) == 0)
		return copy_fail(to, error, "%s", st->errmsg);
	return copy_fail(to, error, "%s: %s", name, st->errmsg);
}

/* The one integer that sql gives on st into *v. */
static int
copy_int(struct store *st, const char *sql, int64_t *v)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_prepare(st, sql, &error)) == NULL)
		return error;
	if ((rc = store_norow(st, db_step(s))) == 0)
		*v = db_col_int(s, 0);
	db_finalize(s);
	return rc;
}

/* "SELECT what FROM table", then the rest, on st, into *v. */
static int
copy_table_int(struct store *st, const char *what, const char *table,
    const char *rest, int64_t *v)
{
	struct strbuf b = { NULL, 0, 0, false };
	int error;

	strbuf_str(&b, "SELECT ");
	strbuf_str(&b, what);
	strbuf_str(&b, " FROM ");
	buf_ident(&b, table);
	strbuf_str(&b, rest);
	if (b.nomem)
		error = store_seterr(st, -ENOMEM, "out of memory");
	else
		error = copy_int(st, b.p, v);
	free(b.p);
	return error;
}

/* The tables of st's schema must be copy_tables[], no more, no fewer. */
static int
copy_check_tables(struct store *st, struct store *to)
{
	bool seen[NTABLES] = { false };
	struct stmt *s;
	const char *name;
	size_t i;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_COPY_TABLES, &error)) == NULL)
		return copy_err(to, st, error);
	while ((rc = db_step(s)) == DB_ROW) {
		name = db_col_text(s, 0);
		for (i = 0; i < NTABLES; i++)
			if (name != NULL && strcmp(copy_tables[i].name,
			    name) == 0)
				break;
		if (i == NTABLES) {
			error = copy_fail(to, -EBADMSG, "%s has a table "
			    "\"%s\" that this jobd's schema does not have: a "
			    "schema of another version", store_name(st),
			    name != NULL ? name : "");
			db_reset(s);
			return error;
		}
		seen[i] = true;
	}
	db_reset(s);
	if (rc < 0)
		return copy_err(to, st, rc);
	for (i = 0; i < NTABLES; i++)
		if (!seen[i])
			return copy_fail(to, -EBADMSG, "%s has no table \"%s\": "
			    "not the schema of this jobd", store_name(st),
			    copy_tables[i].name);
	return 0;
}

/* Is every table of to empty? -ENOTEMPTY naming one that is not. */
static int
copy_check_empty(struct store *to)
{
	int64_t any;
	size_t i;
	int error;

	for (i = 0; i < NTABLES; i++) {
		any = 0;
		if ((error = copy_table_int(to, "count(*)",
		    copy_tables[i].name, "", &any)) != 0)
			return copy_err(to, to, error);
		if (any > 0)
			return copy_fail(to, -ENOTEMPTY, "%s is not empty: "
			    "table %s has %" PRId64 " row%s (the copy goes "
			    "into an empty database only)", store_name(to),
			    copy_tables[i].name, any, any == 1 ? "" : "s");
	}
	return 0;
}

static const char *
copy_type_name(enum db_type t)
{
	switch (t) {
	case DB_INT:
		return "integer";
	case DB_FLOAT:
		return "real";
	case DB_TEXT:
		return "text";
	case DB_BLOB:
		return "blob";
	default:
		return "untyped";
	}
}

/* Bind column i of src's row to ?i+1 of ins, read as type says. */
static void
copy_bind(struct stmt *src, struct stmt *ins, int i, enum db_type type)
{
	const void *p;
	size_t len;

	if (db_col_null(src, i)) {
		db_bind_null(ins, i + 1);
		return;
	}
	switch (type) {
	case DB_INT:
		db_bind_int(ins, i + 1, db_col_int(src, i));
		break;
	case DB_FLOAT:
		db_bind_double(ins, i + 1, db_col_double(src, i));
		break;
	case DB_BLOB:
		/* An empty blob stays one: NULL would bind NULL. */
		p = db_col_blob(src, i, &len);
		db_bind_blob(ins, i + 1, p != NULL ? p : "", len);
		break;
	default:
		db_bind_text(ins, i + 1, db_col_text(src, i));
		break;
	}
}

/*
 * The INSERT of table t into ins (text), for the columns of src (stepped
 * once), each matched by name to a column of the target's shape (an
 * empty result of the whole table, stepped); their types into types[].
 * -EBADMSG, in to's errmsg, when the columns or their types differ.
 */
static int
copy_columns(struct store *from, struct store *to, const struct copy_table *t,
    struct stmt *src, struct stmt *shape, enum db_type *types,
    struct strbuf *ins)
{
	const char *name, *tname;
	enum db_type ft;
	char num[32];
	int i, j, n = db_col_count(src), m = db_col_count(shape);

	strbuf_str(ins, "INSERT INTO ");
	buf_ident(ins, t->name);
	strbuf_str(ins, " (");
	for (i = 0; i < n; i++) {
		name = db_col_name(src, i);
		for (j = 0; j < m; j++)
			if (name != NULL && (tname = db_col_name(shape, j)) !=
			    NULL && strcmp(name, tname) == 0)
				break;
		if (name == NULL || j == m)
			return copy_fail(to, -EBADMSG, "table %s: column \"%s\" "
			    "of %s is not in %s: the schemas differ", t->name,
			    name != NULL ? name : "", store_name(from),
			    store_name(to));
		ft = db_col_type(src, i);
		types[i] = db_col_type(shape, j);
		if (ft != types[i])
			return copy_fail(to, -EBADMSG, "table %s: column %s "
			    "is %s in %s and %s in %s: the schemas differ",
			    t->name, name, copy_type_name(ft),
			    store_name(from), copy_type_name(types[i]),
			    store_name(to));
		strbuf_str(ins, i > 0 ? ", " : "");
		buf_ident(ins, name);
	}
	if (n != m)
		return copy_fail(to, -EBADMSG, "table %s has %d columns in %s "
		    "and %d in %s: the schemas differ", t->name, n,
		    store_name(from), m, store_name(to));
	strbuf_str(ins, ") VALUES (");
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%s?%d", i > 0 ? ", " : "", i + 1);
		strbuf_str(ins, num);
	}
	/* The triggers' rows win: theirs are counts of what went in. */
	strbuf_str(ins, (t->flags & COPY_KEPT) ? ") ON CONFLICT DO NOTHING" :
	    ")");
	return ins->nomem ? store_seterr(to, -ENOMEM, "out of memory") : 0;
}

/* Copy the rows of table t; *rows gets how many were read. */
static int
copy_table(struct store *from, struct store *to, const struct copy_table *t,
    int64_t *rows)
{
	struct strbuf sel = { NULL, 0, 0, false }, ins = sel, shp = sel;
	struct stmt *src = NULL, *shape = NULL, *s = NULL;
	enum db_type *types = NULL;
	const char *first;
	int error = 0, i, rc, n;

	*rows = 0;
	strbuf_str(&sel, "SELECT * FROM ");
	buf_ident(&sel, t->name);
	strbuf_str(&shp, "SELECT * FROM ");
	buf_ident(&shp, t->name);
	strbuf_str(&shp, " WHERE 0 = 1");
	if (sel.nomem || shp.nomem) {
		error = store_seterr(to, -ENOMEM, "out of memory");
		goto out;
	}
	if ((src = store_prepare(from, sel.p, &error)) == NULL ||
	    (rc = db_step(src)) < 0) {
		error = copy_err(to, from, src == NULL ? error : rc);
		goto out;
	}
	if ((shape = store_prepare(to, shp.p, &error)) == NULL ||
	    (error = db_step(shape)) < 0) {
		error = copy_err(to, to, error);
		goto out;
	}
	error = 0;
	if ((n = db_col_count(src)) <= 0 ||
	    (types = calloc((size_t)n, sizeof(*types))) == NULL) {
		error = store_seterr(to, n <= 0 ? -EBADMSG : -ENOMEM,
		    n <= 0 ? "a table without columns" : "out of memory");
		goto out;
	}
	if ((error = copy_columns(from, to, t, src, shape, types, &ins)) != 0)
		goto out;
	if ((s = store_prepare(to, ins.p, &error)) == NULL) {
		error = copy_err(to, to, error);
		goto out;
	}
	while (rc == DB_ROW) {
		for (i = 0; i < n; i++)
			copy_bind(src, s, i, types[i]);
		error = db_step(s);
		db_reset(s);
		if (error < 0) {
			first = db_col_text(src, 0);
			error = copy_fail(to, error, "%s: table %s, row %" PRId64
			    " (%s %.60s): %s", store_name(to), t->name,
			    *rows + 1, db_col_name(src, 0),
			    first != NULL ? first : "NULL", to->errmsg);
			goto out;
		}
		error = 0;
		(*rows)++;
		rc = db_step(src);
	}
	if (rc < 0)
		error = copy_err(to, from, rc);
out:
	db_finalize(s);
	db_finalize(shape);
	db_finalize(src);
	free(types);
	free(sel.p);
	free(shp.p);
	free(ins.p);
	return error;
}

/* The highest id table's identity has given on st (0: none) into *v. */
static int
copy_seq(struct store *st, const char *table, int64_t *v)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_COPY_SEQ_GET, &error)) == NULL)
		return error;
	db_bind_text(s, 1, table);
	if ((error = store_norow(st, db_step(s))) == 0)
		*v = db_col_int(s, 0);
	db_reset(s);
	return error;
}

/*
 * The identity of table t's ids: above every id copied (of t, and of
 * t->ids_also) and every id the source ever gave (its sequence), and
 * never below where the target's was.  *next gets the next id.
 */
static int
copy_ids(struct store *from, struct store *to, const struct copy_table *t,
    int64_t *next)
{
	int64_t hi = 0, v = 0, cur = 0;
	int error;

	if ((error = copy_table_int(from, "coalesce(max(id), 0)", t->name,
	    "", &hi)) != 0)
		return copy_err(to, from, error);
	if (t->ids_also != NULL) {
		if ((error = copy_table_int(from, "coalesce(max(id), 0)",
		    t->ids_also, "", &v)) != 0)
			return copy_err(to, from, error);
		hi = v > hi ? v : hi;
	}
	if ((error = copy_seq(from, t->name, &v)) != 0)
		return copy_err(to, from, error);
	hi = v > hi ? v : hi;
	if ((error = copy_seq(to, t->name, &cur)) != 0)
		return copy_err(to, to, error);
	*next = (hi > cur ? hi : cur) + 1;
	if (hi > cur && (error = to->ops->id_last_set(to, t->name, hi)) != 0)
		return copy_err(to, to, error);
	return 0;
}

/*
 * Does each table of to hold the rows read from the source (the tables
 * the triggers keep: at least as many)?  "when" says when, for the
 * message.  *got[] gets the counts.
 */
static int
copy_verify(struct store *to, const struct copy_state *cs, int64_t *got,
    const char *when)
{
	size_t i;
	int error;

	for (i = 0; i < NTABLES; i++) {
		if ((error = copy_table_int(to, "count(*)",
		    copy_tables[i].name, "", &got[i])) != 0)
			return copy_err(to, to, error);
		if (got[i] == cs->rows[i] || ((copy_tables[i].flags &
		    COPY_KEPT) && got[i] > cs->rows[i]))
			continue;
		return copy_fail(to, -EIO, "%s: table %s has %" PRId64
		    " rows %s, the source %" PRId64, store_name(to),
		    copy_tables[i].name, got[i], when, cs->rows[i]);
	}
	return 0;
}

/* The copy itself, in the transactions store_copy() holds. */
static int
copy_all(struct store *from, struct store *to, struct copy_state *cs,
    int64_t *got)
{
	int64_t bad = 0;
	size_t i;
	int error;

	if ((error = copy_check_tables(from, to)) != 0 ||
	    (error = copy_check_tables(to, to)) != 0 ||
	    (error = copy_check_empty(to)) != 0)
		return error;
	for (i = 0; i < NTABLES; i++)
		if ((error = copy_table(from, to, &copy_tables[i],
		    &cs->rows[i])) != 0)
			return error;
	for (i = 0; i < NTABLES; i++)
		if ((copy_tables[i].flags & COPY_IDS) &&
		    (error = copy_ids(from, to, &copy_tables[i],
		    &cs->next_id[i])) != 0)
			return error;
	if ((error = store_first_int(to, Q_COPY_CHECK, &bad)) != 0)
		return copy_err(to, to, error);
	if (bad != 0)
		return copy_fail(to, -EIO, "%s: after the copy, %" PRId64
		    " of the counts the triggers keep (metric_jobs, "
		    "queues.ready) disagree with the jobs", store_name(to),
		    bad);
	return copy_verify(to, cs, got, "in the copy");
}

int
store_copy(struct store *from, struct store *to, int flags,
    store_copy_fn fn, void *arg)
{
	struct store_copy_table ct;
	struct copy_state cs;
	int64_t got[NTABLES];
	size_t i;
	int error;

	memset(&cs, 0, sizeof(cs));
	if ((error = store_begin_txn(from, TXN_READ)) != 0)
		return copy_err(to, from, error);
	if ((error = store_begin_txn(to, TXN_WRITE)) != 0) {
		store_rollback(from);
		return copy_err(to, to, error);
	}
	error = copy_all(from, to, &cs, got);
	if (error != 0 || (flags & STORE_COPY_DRY))
		store_rollback(to);
	else if ((error = store_commit(to)) != 0)
		error = copy_err(to, to, error);
	store_rollback(from);		/* the end of the read */
	if (error != 0)
		return error;
	/* What a new reader sees, once committed. */
	if (!(flags & STORE_COPY_DRY)) {
		if ((error = store_begin_txn(to, TXN_READ)) != 0)
			return copy_err(to, to, error);
		error = copy_verify(to, &cs, got, "after the commit");
		store_rollback(to);
		if (error != 0) {
			snprintf(to->errmsg + strlen(to->errmsg),
			    sizeof(to->errmsg) - strlen(to->errmsg),
			    " (the copy is committed)");
			return error;
		}
	}
	for (i = 0; fn != NULL && i < NTABLES; i++) {
		ct.name = copy_tables[i].name;
		ct.rows = got[i];
		ct.next_id = cs.next_id[i];
		if ((error = fn(&ct, arg)) != 0)
			return error;
	}
	return 0;
}
