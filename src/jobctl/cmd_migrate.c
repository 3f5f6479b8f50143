/*
 * jobctl migrate-db: copy a SQLite jobd database (--from, opened
 * read-only, of this jobd's schema) into an empty PostgreSQL database
 * (--to, a postgresql:// URI; its schema is made when it has none), in
 * one transaction, every id kept (store_copy()).  Prints what it copied,
 * table by table; --dry-run does it all, checks it, and rolls it back.
 * Databases are named by store_name(), which masks passwords.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/dburl.h"
#include "jobd/store.h"
#include "ctl.h"
#include "out.h"

enum { MIGRATE_OPT_FROM = 0x200, MIGRATE_OPT_TO, MIGRATE_OPT_DRY };

struct migrate_ctx {
	struct ctl		*ctl;
	struct out_table	*t;		/* human output */
	struct out_json		 j;		/* --json */
	const char		*from, *to;	/* store_name()s */
	bool			 dry;
	int64_t			 tables, rows;
	int64_t			 daemons;	/* rows of table daemons */
};

static int
migrate_table(const struct store_copy_table *ct, void *arg)
{
	struct migrate_ctx *mc = arg;

	/* Called once the copy is done and checked: nothing before. */
	if (mc->ctl->json && mc->tables == 0) {
		out_json_begin(&mc->j, stdout);
		out_json_str(&mc->j, "from", mc->from);
		out_json_str(&mc->j, "to", mc->to);
		out_json_bool(&mc->j, "dry_run", mc->dry);
		out_json_array(&mc->j, "tables");
	}
	mc->tables++;
	mc->rows += ct->rows;
	if (strcmp(ct->name, "daemons") == 0)
		mc->daemons = ct->rows;
	if (mc->ctl->json) {
		out_json_object(&mc->j, NULL);
		out_json_str(&mc->j, "name", ct->name);
		out_json_int(&mc->j, "rows", ct->rows);
		if (ct->next_id > 0)
			out_json_int(&mc->j, "next_id", ct->next_id);
		else
			out_json_null(&mc->j, "next_id");
		out_json_close(&mc->j, '}');
		return 0;
	}
	out_table_cell(mc->t, ct->name, 0);
	out_table_cellf(mc->t, "%" PRId64, ct->rows);
	if (ct->next_id > 0)
		out_table_cellf(mc->t, "%" PRId64, ct->next_id);
	else
		out_table_cell(mc->t, "-", 0);
	return 0;
}

/* The exit code of store_copy()'s error. */
static int
migrate_exit_code(int error)
{
	switch (error) {
	case -ENOTEMPTY:
		return EXIT_CANTCREAT;
	case -EBADMSG:
		return EXIT_DATAERR;
	default:
		return ctl_exit_code(error);
	}
}

int
cmd_migrate_db(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	   NULL, MIGRATE_OPT_DRY },
		{ "from",	required_argument, NULL, MIGRATE_OPT_FROM },
		{ "to",		required_argument, NULL, MIGRATE_OPT_TO },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct migrate_ctx mc;
	struct store *from = NULL;
	const char *src = NULL, *dst = NULL;
	char err[1024], shown[512];
	bool dry = false;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case MIGRATE_OPT_DRY:
			dry = true;
			break;
		case MIGRATE_OPT_FROM:
			src = optarg;
			break;
		case MIGRATE_OPT_TO:
			dst = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	if (ctl->db_flag != NULL)
		ctl_fail(ctl, EXIT_USAGE, "--db names no database here: name "
		    "the source with --from and the target with --to");
	if (src == NULL || dst == NULL)
		ctl_fail(ctl, EXIT_USAGE, "both --from PATH (the SQLite "
		    "database) and --to URI (the PostgreSQL database) are "
		    "needed");
	if (*src == '\0' || dburl_is_postgres(src)) {
		dburl_redact(src, shown, sizeof(shown));
		ctl_fail(ctl, EXIT_USAGE, "--from \"%s\": not a SQLite "
		    "database file (migrate-db copies from SQLite)", shown);
	}
	if (!dburl_is_postgres(dst)) {
		if (dburl_check(dst, err, sizeof(err)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "--to: %s", err);
		dburl_redact(dst, shown, sizeof(shown));
		ctl_fail(ctl, EXIT_USAGE, "--to \"%s\": not a PostgreSQL URI "
		    "(postgresql://[USER@]HOST/DATABASE...)", shown);
	}

	/* The source as it is: never migrated, never written. */
	if ((error = store_open(&from, src, STORE_READONLY, ctl->clock, err,
	    sizeof(err))) != 0) {
		if (error == -EROFS)
			ctl_fail(ctl, EXIT_DATAERR, "%s; upgrade it first: run "
			    "this version's jobd on it, or any jobctl command "
			    "(e.g. \"jobctl --db %s list\"), once", err, src);
		ctl_fail(ctl, ctl_exit_code(error), "%s", err);
	}
	/* The target: its schema made when it has no tables. */
	if ((error = store_open(&ctl->st, dst, STORE_CREATE, ctl->clock, err,
	    sizeof(err))) != 0) {
		store_close(from);
		ctl_fail(ctl, ctl_exit_code(error), "%s", err);
	}

	memset(&mc, 0, sizeof(mc));
	mc.ctl = ctl;
	mc.from = store_name(from);
	mc.to = store_name(ctl->st);
	mc.dry = dry;
	if (!ctl->json && (mc.t = out_table_new(3, "TABLE", "ROWS",
	    "NEXT ID")) == NULL) {
		store_close(from);
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	}
	error = store_copy(from, ctl->st, dry ? STORE_COPY_DRY : 0,
	    migrate_table, &mc);
	if (error != 0) {
		snprintf(err, sizeof(err), "%s", store_errmsg(ctl->st));
		store_close(from);
		ctl_fail(ctl, migrate_exit_code(error), "%s%s", err,
		    error == -EIO && strstr(err, "committed") != NULL ? "" :
		    "; nothing changed");
	}
	if (ctl->json) {
		out_json_close(&mc.j, ']');
		out_json_int(&mc.j, "total_rows", mc.rows);
		out_json_end(&mc.j);
	} else {
		out_table_print(mc.t, stdout);
		printf("%s %" PRId64 " tables, %" PRId64 " rows from %s to "
		    "%s%s\n", dry ? "would copy" : "copied", mc.tables,
		    mc.rows, mc.from, mc.to,
		    dry ? " (dry run: rolled back, nothing changed)" : "");
	}
	if (mc.daemons > 0)
		ctl_warnx(ctl, "%s lists %" PRId64 " jobd instance%s in its "
		    "daemons table: a jobd still running on it goes on "
		    "changing it, and what it does now is not in the copy",
		    mc.from, mc.daemons, mc.daemons == 1 ? "" : "s");
	store_close(from);
	return 0;
}
