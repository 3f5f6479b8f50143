/*
 * dump_sql: print, as a psql script, a PREPARE of every statement of the
 * store as the PostgreSQL backend sends it: store_pg_sql[] where it has
 * an entry, else store_sql[], through the backend's own
 * store_pg_translate().  A parameter number the text never uses is
 * declared text, as the executor sends it; the others are left for
 * PostgreSQL to infer.  Statements that PREPARE cannot hold (transaction
 * control) are printed to run as they are.  The statement names, in
 * enum store_stmt order, one a line, are read from the file named by the
 * argument.  Used by check_sql.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

static char	*names[Q_MAX];

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
	const char *sql, *from;
	unsigned char used[128];
	char *pg;
	int k, max, all;

	if (names[i] == NULL) {
		printf("\\echo FAIL statement %d has no name\n", i);
		return;
	}
	from = store_pg_sql[i] != NULL ? "pg" : "sqlite";
	sql = store_pg_sql[i] != NULL ? store_pg_sql[i] : store_sql[i];
	if (sql == NULL) {
		if (!direct)
			printf("\\echo FAIL %s no SQL at all\n", names[i]);
		return;
	}
	memset(used, 0, sizeof(used));
	if ((pg = store_pg_translate(sql, &max, used, sizeof(used))) ==
	    NULL || max > (int)sizeof(used)) {
		if (!direct)
			printf("\\echo FAIL %s cannot translate\n", names[i]);
		free(pg);
		return;
	}
	if (is_direct(pg) != direct) {
		free(pg);
		return;
	}
	if (direct) {
		printf("%s;\n", pg);
	} else {
		printf("PREPARE %s", names[i]);
		for (k = 0, all = 1; k < max; k++)
			all = all && used[k];
		if (!all)
			for (k = 0; k < max; k++)
				printf("%s%s", k == 0 ? " (" : ", ",
				    used[k] ? "unknown" : "text");
		printf("%s AS %s;\n", all ? "" : ")", pg);
	}
	printf("\\if :ERROR\n\\echo FAIL %s %s :LAST_ERROR_MESSAGE\n"
	    "\\else\n\\echo OK %s %s %d%s\n\\endif\n", names[i], from,
	    names[i], from, max, direct ? " direct" : "");
	free(pg);
}

int
main(int argc, char **argv)
{
	char line[128];
	FILE *fp;
	int i;

	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: dump_sql NAMES-FILE\n");
		return 2;
	}
	for (i = 0; i < Q_MAX && fgets(line, sizeof(line), fp) != NULL; i++) {
		line[strcspn(line, "\n")] = '\0';
		if ((names[i] = strdup(line)) == NULL)
			return 1;
	}
	fclose(fp);
	for (i = 0; i < Q_MAX; i++)
		emit(i, 0);
	emit(Q_ROLLBACK, 1);
	emit(Q_COMMIT, 1);
	for (i = 0; i < Q_MAX; i++)
		free(names[i]);
	return 0;
}
