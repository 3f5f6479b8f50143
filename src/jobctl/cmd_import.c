/*
 * jobctl import-crontab: turn a crontab into schedules, in one transaction
 * (store_schedule_sync), so that the crontab's source then holds exactly
 * its entries: new ones are added, changed ones updated in place, and those
 * no longer in the file removed.
 *
 * The whole file is read and checked before the database is opened; any bad
 * line is an error that names FILE:LINE, and nothing is imported.  A dry
 * run needs no database: without one, every entry would be added.
 *
 * Job options.  As cron runs a line, each entry runs once per slot
 * (max_attempts 1), runs may overlap and missed runs are lost; the options
 * --max-attempts, --backoff, --timeout, --queue (checked by jobopts, as
 * submit's), --overlap and --catchup apply to every entry instead.
 *
 * Formats.  A user crontab (crontab(5): five time fields or a macro, then
 * the command) or a system crontab (/etc/crontab, files in /etc/cron.d:
 * the same with a user name before the command).  --system forces the system format
 * and --user USER the user format; otherwise a file that is /etc/crontab
 * or directly in /etc/cron.d is a system crontab, and anything else (also
 * standard input) a user crontab.  A user crontab from cron's spool
 * (/var/spool/cron/crontabs/USER, /var/spool/cron/USER) runs as its owner,
 * as cron runs it.
 *
 * Trust.  As cron requires, a system crontab (a file, or standard input
 * redirected from one) must be owned by root, or by the user importing
 * it, and not be writable by group or others (trust.h): its lines name
 * the users its commands run as.  Root importing a user crontab without
 * --user is refused: its entries would run as root, and a user crontab
 * says nothing of that; --user root says it.
 *
 * Names, environment lines, MAILTO and '%': crontab_parse.c.  PREFIX is
 * --name, or the file's base name ("stdin" for -).
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/trust.h"
#include "crontab_parse.h"
#include "ctl.h"
#include "jobopts.h"

#define IMP_OPT_DRYRUN		0x200
#define IMP_OPT_NAME		0x201
#define IMP_OPT_SYSTEM		0x202
#define IMP_OPT_USER		0x203
#define IMP_OPT_OVERLAP		0x204
#define IMP_OPT_CATCHUP		0x205

/* PREFIX from the file's base name: name characters only. */
static void
default_prefix(struct crontab *im, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b != NULL ? b + 1 : path;
	if (strcmp(path, "-") == 0 || *b == '\0')
		b = strcmp(path, "-") == 0 ? "stdin" : "crontab";
	for (i = 0; b[i] != '\0' && i < CRONTAB_PREFIX_MAX; i++) {
		char c = b[i];

		im->prefix[i] = (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._-@", c) != NULL ? c : '_';
	}
	im->prefix[i] = '\0';
}

static void
opt_name(const struct ctl *ctl, struct crontab *im, const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > CRONTAB_PREFIX_MAX)
		ctl_fail(ctl, EXIT_USAGE, "invalid --name \"%s\": must be 1 to "
		    "%d characters", s, CRONTAB_PREFIX_MAX);
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-:@", *p) != NULL))
			ctl_fail(ctl, EXIT_USAGE, "invalid --name \"%s\": use "
			    "letters, digits, '.', '_', '-', ':' and '@'", s);
	strcpy(im->prefix, s);
}

/* Is path (absolute) directly in directory dir? */
static bool
in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0' && strchr(path + n + 1, '/') == NULL;
}

/* *im for ctl: no entries yet, cron's job options. */
int
cmd_import_crontab(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	   NULL, IMP_OPT_DRYRUN },
		{ "name",	required_argument, NULL, IMP_OPT_NAME },
		{ "system",	no_argument,	   NULL, IMP_OPT_SYSTEM },
		{ "user",	required_argument, NULL, IMP_OPT_USER },
		{ "overlap",	required_argument, NULL, IMP_OPT_OVERLAP },
		{ "catchup",	required_argument, NULL, IMP_OPT_CATCHUP },
		/* The job options that fit every entry (jobopts.h). */
		{ "backoff",	  required_argument, NULL, 'b' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "queue",	  required_argument, NULL, 'q' },
		{ "timeout",	  required_argument, NULL, 't' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct crontab im;
	struct stat sb;
	const char *path, *name = NULL;
	char why[JOBSPEC_WHY_MAX];
	char real[PATH_MAX], *slash;
	int64_t added, updated, removed, n_c, n_u, n_d;
	size_t bad = 0, len;
	bool dry_run = false, force_system = false, have_real, have_sb;
	char why_buf[PATH_MAX + 256];
	FILE *fp;
	int c, code, error;

	crontab_init(&im, ctl);
	im.nothing = "nothing imported";
	im.hint = "; import with another --name";
	im.now = clock_wall_ms(ctl->clock);
	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		if ((c == 'b' || c == 'm' || c == 'q' || c == 't') &&
		    jobopts_option(ctl, &im.jo, c, optarg))
			continue;
		switch (c) {
		case IMP_OPT_OVERLAP:
			if (sched_overlap_parse(optarg, &im.overlap) != 0)
				ctl_fail(ctl, EXIT_USAGE, "invalid --overlap "
				    "\"%s\": use skip, allow or queue", optarg);
			break;
		case IMP_OPT_CATCHUP:
			if (sched_catchup_parse(optarg, &im.catchup) != 0)
				ctl_fail(ctl, EXIT_USAGE, "invalid --catchup "
				    "\"%s\": use skip, once or all", optarg);
			break;
		case IMP_OPT_DRYRUN:
			dry_run = true;
			break;
		case IMP_OPT_NAME:
			opt_name(ctl, &im, optarg);
			name = optarg;
			break;
		case IMP_OPT_SYSTEM:
			force_system = true;
			break;
		case IMP_OPT_USER:
			code = jobopts_user_check(optarg, why, sizeof(why));
			if (code == EXIT_NOUSER)
				ctl_fail(ctl, code, "invalid --user \"%s\": %s",
				    optarg, why);
			if (code != 0)
				ctl_fail(ctl, code, "--user \"%s\": %s", optarg,
				    why);
			im.user = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected one crontab file, or - "
		    "for standard input (usage: jobctl import-crontab "
		    "[OPTIONS] FILE | -)");
	if (force_system && im.user != NULL)
		ctl_fail(ctl, EXIT_USAGE, "--user and --system exclude each "
		    "other (a system crontab names the user on each line)");
	path = argv[optind];
	if (name == NULL)
		default_prefix(&im, path);

	/* The file, its source name, and its format. */
	have_real = false;
	if (strcmp(path, "-") == 0) {
		im.file = "stdin";
		fp = stdin;
		have_sb = fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode);
		len = strlen("crontab:-") + (name != NULL ? strlen(name) + 1 :
		    0) + 1;
		if ((im.source = malloc(len)) == NULL)
			ct_oom(&im);
		snprintf(im.source, len, "crontab:-%s%s", name != NULL ? ":" :
		    "", name != NULL ? name : "");
	} else {
		im.file = path;
		if ((fp = fopen(path, "r")) == NULL)
			ctl_fail(ctl, ctl_exit_code(-errno), "%s: %s", path,
			    strerror(errno));
		have_sb = fstat(fileno(fp), &sb) == 0;
		if (have_sb && S_ISDIR(sb.st_mode))
			ctl_fail(ctl, EXIT_NOINPUT, "%s: %s", path,
			    strerror(EISDIR));
		if (realpath(path, real) != NULL)
			have_real = true;
		len = strlen("crontab:") + strlen(have_real ? real : path) + 1;
		if ((im.source = malloc(len)) == NULL)
			ct_oom(&im);
		snprintf(im.source, len, "crontab:%s", have_real ? real : path);
	}
	im.system = force_system || (im.user == NULL && have_real &&
	    (strcmp(real, "/etc/crontab") == 0 || in_dir(real, "/etc/cron.d")));
	if (!im.system && im.user == NULL && have_real &&
	    (in_dir(real, "/var/spool/cron/crontabs") ||
	    in_dir(real, "/var/spool/cron"))) {
		/* cron runs a spool crontab as the user it is named after */
		slash = strrchr(real, '/');
		if ((code = jobopts_user_check(slash + 1, why, sizeof(why))) !=
		    0)
			ctl_fail(ctl, code, "%s: the crontab of user "
			    "\"%s\": %s", path, slash + 1, why);
		im.user = slash + 1;
	}
	im.user_guessed = !im.system && im.user == NULL;
	if (im.system && have_sb && trust_check_stat(&sb, im.file, why_buf,
	    sizeof(why_buf)) != 0)
		ctl_fail(ctl, EXIT_NOPERM, "%s; nothing imported", why_buf);

	if (crontab_read(&im, fp) != 0)
		ct_die(&im);
	if (fp != stdin)
		fclose(fp);
	crontab_unique_names(&im);
	if (im.user_guessed && geteuid() == 0)
		ctl_fail(ctl, EXIT_USAGE, "%s: a user crontab (no user field) "
		    "imported by root would run as root: pass --user USER "
		    "(--user root if that is meant)%s; nothing imported",
		    im.file, im.n > 0 && im.userlike == im.n ? ", or --system "
		    "if this is a system crontab (every command starts with "
		    "a user name)" : "");
	if (im.user_guessed && im.n > 0 && im.userlike == im.n)
		ctl_warnx(ctl, "%s: every command starts with a user name; "
		    "if this is a system crontab, import it with --system",
		    im.file);

	/*
	 * A dry run needs no database (a fresh server's first step): without
	 * one, nothing is there yet, and every entry would be added to the
	 * database the import creates.
	 */
	if (ctl_open(ctl, dry_run ? CTL_OPTIONAL : CTL_CREATE) == 0 &&
	    (error = store_schedule_list(ctl->st, crontab_old_one, &im)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s; nothing imported",
		    store_errmsg(ctl->st));
	if (ctl->st != NULL)
		crontab_next_runs(&im);
	crontab_plan(&im, &added, &updated, &removed);
	if (!dry_run) {
		struct schedule *items;
		size_t i;

		if ((items = calloc(im.n + 1, sizeof(*items))) == NULL)
			ct_oom(&im);
		for (i = 0; i < im.n; i++)
			items[i] = im.ents[i].s;
		error = store_schedule_sync(ctl->st, im.source, items, im.n,
		    &bad, &n_c, &n_u, &n_d);
		free(items);
		if (error == -EEXIST && bad < im.n)
			ct_fail(&im, im.ents[bad].line, EXIT_DATAERR, "%s",
			    store_errmsg(ctl->st));
		if (error != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s; nothing "
			    "imported", store_errmsg(ctl->st));
		added = n_c;
		updated = n_u;
		removed = n_d;
	}
	crontab_print(&im);
	ctl_warnx(ctl, "%s %zu schedule%s from %s (%" PRId64 " added, %"
	    PRId64 " updated, %" PRId64 " removed)%s%s%s",
	    dry_run ? "would import" : "imported", im.n, im.n == 1 ? "" : "s",
	    im.file, added, updated, removed,
	    ctl->db_missing != NULL ? "; no database at " : "",
	    ctl->db_missing != NULL ? ctl->db_missing : "",
	    ctl->db_missing != NULL ? ": every entry would be added to a "
	    "new one; dry run, nothing created" :
	    dry_run ? "; dry run, nothing changed" : "");
	free(ctl->db_missing);
	ctl->db_missing = NULL;
	crontab_free(&im);
	return 0;
}
