/*
 * dump_sql: print, as a psql script, a PREPARE of every statement of the
 * store as the PostgreSQL backend would send it: store_pg_sql[] where it
 * has an entry, else store_sql[] with its placeholders rewritten as the
 * executor rewrites them (?N to $N, a bare ? to the next number).  A
 * parameter number the text never uses is declared text, as the
 * executor must send it; the others are left for PostgreSQL to infer.
 * Statements that PREPARE cannot hold (transaction control) are printed
 * to run as they are.  Used by check_sql.sh.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_pgsql.c"

#define MAXP	64

static const char *const names[Q_MAX] = {
#include "stmt_names.h"
};

/*
 * Copy sql to out, rewriting SQLite placeholders when sqlite is set, and
 * note in used[] the parameter numbers it refers to.  Quoted text
 * ('...' and "...") is copied as it is.
 */
static int
rewrite(const char *sql, int sqlite, char *out, size_t len, int used[MAXP])
{
	const char *p;
	char quote = 0;
	size_t o = 0;
	int max = 0, n;

	for (p = sql; *p != '\0'; p++) {
		if (o + 8 >= len)
			return -1;
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
			out[o++] = *p;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			out[o++] = *p;
			continue;
		}
		if ((sqlite && *p == '?') || (!sqlite && *p == '$' &&
		    isdigit((unsigned char)p[1]))) {
			if (isdigit((unsigned char)p[1])) {
				n = (int)strtol(p + 1, (char **)&p, 10);
				p--;
			} else
				n = max + 1;
			if (n < 1 || n >= MAXP)
				return -1;
			used[n] = 1;
			if (n > max)
				max = n;
			o += (size_t)snprintf(out + o, len - o, "$%d", n);
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return max;
}

/* Transaction control, which PREPARE cannot hold: run as it is. */
static int
is_direct(const char *sql)
{
	return strncmp(sql, "BEGIN", 5) == 0 || strcmp(sql, "COMMIT") == 0 ||
	    strcmp(sql, "ROLLBACK") == 0;
}

static void
emit(int i, int direct)
{
	static char buf[65536];
	int k, max, pg, used[MAXP];
	const char *sql, *from;

	if (names[i] == NULL) {
		printf("\\echo FAIL statement %d has no name\n", i);
		return;
	}
	pg = store_pg_sql[i] != NULL;
	from = pg ? "pg" : "sqlite";
	sql = pg ? store_pg_sql[i] : store_sql[i];
	if (sql == NULL) {
		if (!direct)
			printf("\\echo FAIL %s no SQL at all\n", names[i]);
		return;
	}
	memset(used, 0, sizeof(used));
	if ((max = rewrite(sql, !pg, buf, sizeof(buf), used)) < 0) {
		if (!direct)
			printf("\\echo FAIL %s cannot rewrite\n", names[i]);
		return;
	}
	if (is_direct(buf) != direct)
		return;
	if (direct)
		printf("%s;\n", buf);
	else {
		printf("PREPARE %s", names[i]);
		for (k = 1; k <= max && used[k]; k++)
			;
		if (k <= max) {
			for (k = 1; k <= max; k++)
				printf("%s%s", k == 1 ? " (" : ", ",
				    used[k] ? "unknown" : "text");
			printf(")");
		}
		printf(" AS %s;\n", buf);
	}
	printf("\\if :ERROR\n\\echo FAIL %s %s :LAST_ERROR_MESSAGE\n"
	    "\\else\n\\echo OK %s %s %d%s\n\\endif\n", names[i], from,
	    names[i], from, max, direct ? " direct" : "");
}

int
main(void)
{
	int i;

	for (i = 0; i < Q_MAX; i++)
		emit(i, 0);
	/* BEGIN, ROLLBACK, BEGIN, COMMIT: each of them once at least. */
	emit(Q_BEGIN, 1);
	emit(Q_ROLLBACK, 1);
	emit(Q_BEGIN, 1);
	emit(Q_COMMIT, 1);
	return 0;
}
