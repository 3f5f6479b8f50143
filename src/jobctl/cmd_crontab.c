/*
 * jobctl crontab: crontab(1) on jobd's schedules.  A user's crontab is
 * kept as the user wrote it (-l gives those bytes back) and its entries
 * are schedules of source "crontab:~USER" (store_crontab_source()),
 * named "crontab-USER:HASH" by the rules of import-crontab
 * (crontab_parse.c), that run as USER.  Installing writes the text and
 * syncs the schedules in one transaction, so installing the same text
 * again changes nothing, an entry whose time changed is updated in place
 * (its id and ledger kept), and the two never disagree.
 *
 * The user is the caller (its effective uid's name); root may name
 * another with -u.  A crontab is read and checked whole before anything
 * is written: a bad line names FILE:LINE and changes nothing.
 *
 * -e edits a private copy in $TMPDIR (else /tmp) with $VISUAL, else
 * $EDITOR, else vi, run through /bin/sh -c so that the variable may hold
 * arguments.  A copy that fails its check can be edited again; declined,
 * the copy is left where it is, so the edits are not lost.
 *
 * The database is reached in one block ("Reaching the crontabs"), which
 * the rest calls; nothing else of the command knows how.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "crontab_parse.h"
#include "ctl.h"
#include "jobopts.h"
#include "out.h"

#define CT_NOTHING	"nothing installed"

/* What one invocation works on. */
struct ct_cmd {
	struct ctl	*ctl;
	char		*user;		/* whose crontab */
	char		 source[STORE_CRONTAB_SOURCE_MAX];
	bool		 yes;		/* -y: remove without asking */
};

/*
 * Reaching the crontabs: here, the database, written directly (root, or
 * the database's owner).  ct_get() gives the user's text (-ENOENT: none,
 * also when there is no database yet); ct_old() reads every schedule
 * into im->old for crontab_plan(); ct_put() installs a checked crontab;
 * ct_remove() removes one (-ENOENT: none).  Other errors exit.
 */
/* Open the database if there is one: -ENOENT when there is none yet. */
static int
ct_open(struct ctl *ctl)
{
	if (ctl->st == NULL && ctl_open(ctl, CTL_OPTIONAL) == -ENOENT) {
		free(ctl->db_missing);
		ctl->db_missing = NULL;
		return -ENOENT;
	}
	return 0;
}

static int
ct_get(struct ct_cmd *c, char **text, size_t *len)
{
	struct ctl *ctl = c->ctl;
	int error;

	if (ct_open(ctl) == -ENOENT)
		return -ENOENT;
	error = store_crontab_get(ctl->st, c->user, text, len);
	if (error != 0 && error != -ENOENT)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return error;
}

static void
ct_old(struct ct_cmd *c, struct crontab *im)
{
	struct ctl *ctl = c->ctl;
	int error;

	if (ctl->st == NULL)
		(void)ctl_open(ctl, CTL_CREATE);
	if ((error = store_schedule_list(ctl->st, crontab_old_one, im)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s; %s",
		    store_errmsg(ctl->st), CT_NOTHING);
}

static void
ct_put(struct ct_cmd *c, struct crontab *im, const char *text, size_t len,
    int64_t *added, int64_t *updated, int64_t *removed)
{
	struct ctl *ctl = c->ctl;
	struct schedule *items;
	size_t i, bad = 0;
	int error;

	if ((items = calloc(im->n + 1, sizeof(*items))) == NULL)
		ct_oom(im);
	for (i = 0; i < im->n; i++)
		items[i] = im->ents[i].s;
	error = store_crontab_put(ctl->st, c->user, text, len, items, im->n,
	    &bad, added, updated, removed);
	free(items);
	if (error == -EEXIST && bad < im->n)
		ct_fail(im, im->ents[bad].line, EXIT_DATAERR, "%s",
		    store_errmsg(ctl->st));
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s; %s",
		    store_errmsg(ctl->st), CT_NOTHING);
}

static int
ct_remove(struct ct_cmd *c, int64_t *removed)
{
	struct ctl *ctl = c->ctl;
	int error;

	if (ct_open(ctl) == -ENOENT)
		return -ENOENT;
	error = store_crontab_remove(ctl->st, c->user, removed);
	if (error != 0 && error != -ENOENT)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return error;
}

/* The end of the block that reaches the crontabs. */

static _Noreturn void
no_crontab(const struct ct_cmd *c)
{
	ctl_fail(c->ctl, 1, "no crontab for %s", c->user);
}

/*
 * All of fp into *buf (allocated, NUL after *len bytes), at most one byte
 * more than a crontab may have, so that the check says it is too large.
 */
static void
read_all(const struct ctl *ctl, FILE *fp, const char *file, char **buf,
    size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *p = NULL, *np;

	for (;;) {
		if ((np = realloc(p, cap + 1)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		p = np;
		got = fread(p + n, 1, cap - n, fp);
		n += got;
		if (n < cap || n > CRONTAB_FILE_MAX)
			break;
		cap *= 2;
	}
	if (ferror(fp))
		ctl_fail(ctl, EXIT_IOERR, "reading %s: %s; %s", file,
		    strerror(errno), CT_NOTHING);
	p[n] = '\0';
	*buf = p;
	*len = n;
}

/* The name prefix "crontab-USER", in schedule name characters. */
static void
ct_prefix(const struct ct_cmd *c, struct crontab *im)
{
	store_crontab_prefix(c->user, im->prefix, sizeof(im->prefix));
}

/*
 * Check text (len bytes, named file in messages) as c->user's crontab and
 * install it; print what changed.  Returns 0, or, with retry, the exit
 * code of a crontab that failed its check (printed); without, exits.
 */
static int
install(struct ct_cmd *c, const char *text, size_t len, const char *file,
    bool retry)
{
	struct ctl *ctl = c->ctl;
	struct crontab im;
	int64_t added = 0, updated = 0, removed = 0;
	FILE *fp;
	int code = 0;

	crontab_init(&im, ctl);
	im.file = file;
	im.nothing = CT_NOTHING;
	im.retry = true;
	im.user = c->user;		/* as cron runs a user's crontab */
	im.now = clock_wall_ms(ctl->clock);
	ct_prefix(c, &im);
	if ((im.source = strdup(c->source)) == NULL)
		ct_oom(&im);
	if (len > 0) {
		if ((fp = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "%s: %s", file,
			    strerror(errno));
		code = crontab_read(&im, fp);
		fclose(fp);
	}
	if (code != 0) {
		if (!retry)
			ct_die(&im);
		ct_warn(&im);
		crontab_free(&im);
		return code;
	}
	crontab_unique_names(&im);
	ct_old(c, &im);
	crontab_next_runs(&im);
	crontab_plan(&im, &added, &updated, &removed);
	ct_put(c, &im, text, len, &added, &updated, &removed);
	crontab_print(&im);
	ctl_warnx(ctl, "installed the crontab of %s from %s: %zu schedule%s "
	    "(%" PRId64 " added, %" PRId64 " updated, %" PRId64 " removed)",
	    c->user, file, im.n, im.n == 1 ? "" : "s", added, updated,
	    removed);
	crontab_free(&im);
	return 0;
}

/*
 * Ask question on stderr and read the answer from standard input: true
 * for yes; no, or the end of the input, is false.
 */
static bool
ask(const char *question)
{
	char line[256];

	for (;;) {
		fflush(stdout);
		fputs(question, stderr);
		fflush(stderr);
		if (fgets(line, sizeof(line), stdin) == NULL) {
			fputc('\n', stderr);
			return false;
		}
		if (!isatty(STDIN_FILENO))	/* the answer was not echoed */
			fputc('\n', stderr);
		if (line[0] == 'y' || line[0] == 'Y')
			return true;
		if (line[0] == 'n' || line[0] == 'N')
			return false;
		fputs("Please answer y or n.\n", stderr);
	}
}

/* Run the editor on path; exits when it cannot be run or fails. */
static void
run_editor(const struct ctl *ctl, const char *path)
{
	struct sigaction ign, oint, oquit;
	const char *ed;
	char *cmd;
	size_t n;
	pid_t pid;
	int status;

	if ((ed = getenv("VISUAL")) == NULL || *ed == '\0')
		if ((ed = getenv("EDITOR")) == NULL || *ed == '\0')
			ed = "vi";
	/* The file as "$1": any name, quoted by the shell itself. */
	n = strlen(ed) + sizeof(" \"$1\"");
	if ((cmd = malloc(n)) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	snprintf(cmd, n, "%s \"$1\"", ed);
	fflush(stdout);
	fflush(stderr);
	/* As a shell does: ^C in the editor is the editor's. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	if ((pid = fork()) == -1)
		ctl_fail(ctl, EXIT_OSERR, "fork: %s; edits left in %s",
		    strerror(errno), path);
	if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	free(cmd);
	if (WIFSIGNALED(status))
		ctl_fail(ctl, 1, "the editor (%s) was killed by signal %d; "
		    "crontab not changed, edits left in %s", ed,
		    WTERMSIG(status), path);
	if (WEXITSTATUS(status) != 0)
		ctl_fail(ctl, 1, "the editor (%s) exited with status %d; "
		    "crontab not changed, edits left in %s", ed,
		    WEXITSTATUS(status), path);
}

/* -e */
static int
edit(struct ct_cmd *c)
{
	struct ctl *ctl = c->ctl;
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX], *old = NULL, *text = NULL;
	size_t oldlen = 0, len;
	FILE *fp;
	int fd, code;

	if (ct_get(c, &old, &oldlen) == -ENOENT)
		oldlen = 0;
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/crontab.XXXXXX", tmp) >=
	    sizeof(path))
		ctl_fail(ctl, EXIT_USAGE, "TMPDIR too long");
	/* mkstemp(): mode 0600, a name no one else has. */
	if ((fd = mkstemp(path)) == -1)
		ctl_fail(ctl, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
	if ((fp = fdopen(fd, "w")) == NULL ||
	    (oldlen > 0 && fwrite(old, 1, oldlen, fp) != oldlen) ||
	    fclose(fp) != 0) {
		unlink(path);
		ctl_fail(ctl, EXIT_IOERR, "writing %s: %s", path,
		    strerror(errno));
	}
	for (;;) {
		run_editor(ctl, path);
		if ((fp = fopen(path, "r")) == NULL)
			ctl_fail(ctl, EXIT_NOINPUT, "%s: %s; crontab not "
			    "changed", path, strerror(errno));
		read_all(ctl, fp, path, &text, &len);
		fclose(fp);
		if (len == oldlen && memcmp(text, old != NULL ? old : "",
		    len) == 0) {
			ctl_warnx(ctl, "no changes made to crontab");
			break;
		}
		code = install(c, text, len, path, true);
		free(text);
		text = NULL;
		if (code == 0)
			break;
		if (!ask("Do you want to retry the same edit? (y/n) "))
			ctl_fail(ctl, code, "crontab not changed; edits left "
			    "in %s", path);
	}
	free(text);
	free(old);
	unlink(path);
	return 0;
}

/* -l */
static int
list(struct ct_cmd *c)
{
	struct out_json j;
	char *text;
	size_t len;

	if (ct_get(c, &text, &len) == -ENOENT)
		no_crontab(c);
	if (c->ctl->json) {
		out_json_begin(&j, stdout);
		out_json_str(&j, "user", c->user);
		out_json_strn(&j, "text", text, len);
		out_json_end(&j);
	} else {
		fwrite(text, 1, len, stdout);
	}
	free(text);
	return 0;
}

/* -r */
static int
remove_crontab(struct ct_cmd *c)
{
	char q[256], *text;
	int64_t removed = 0;
	size_t len;

	if (ct_get(c, &text, &len) == -ENOENT)
		no_crontab(c);
	free(text);
	snprintf(q, sizeof(q), "remove crontab for %s? (y/n) ", c->user);
	if (!c->yes && !ask(q)) {
		ctl_warnx(c->ctl, "crontab for %s kept", c->user);
		return 0;
	}
	if (ct_remove(c, &removed) == -ENOENT)
		no_crontab(c);
	ctl_warnx(c->ctl, "removed the crontab of %s (%" PRId64 " schedule%s "
	    "removed)", c->user, removed, removed == 1 ? "" : "s");
	return 0;
}

/* FILE or - */
static int
install_file(struct ct_cmd *c, const char *path)
{
	const char *file = strcmp(path, "-") == 0 ? "stdin" : path;
	char *text;
	size_t len;
	FILE *fp = stdin;

	if (strcmp(path, "-") != 0 && (fp = fopen(path, "r")) == NULL)
		ctl_fail(c->ctl, ctl_exit_code(-errno), "%s: %s", path,
		    strerror(errno));
	read_all(c->ctl, fp, file, &text, &len);
	if (fp != stdin)
		fclose(fp);
	(void)install(c, text, len, file, false);
	free(text);
	return 0;
}

int
cmd_crontab(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct ct_cmd c;
	struct passwd *pw;
	const char *uopt = NULL;
	char why[JOBSPEC_WHY_MAX];
	int ch, mode = 0, code, rc;

	memset(&c, 0, sizeof(c));
	c.ctl = ctl;
	while ((ch = ctl_getopt(ctl, argc, argv, ":hu:ylre", opts)) != -1) {
		switch (ch) {
		case 'u':
			uopt = optarg;
			break;
		case 'y':
			c.yes = true;
			break;
		case 'l':
		case 'r':
		case 'e':
			if (mode != 0 && mode != ch)
				ctl_fail(ctl, EXIT_USAGE, "-%c and -%c exclude "
				    "each other", mode, ch);
			mode = ch;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (mode == 0 && argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected -l, -e, -r, or one crontab "
		    "file (- for standard input) (usage: jobctl crontab "
		    "[-u USER] [-y] -l | -e | -r | FILE | -)");
	if (mode != 0 && argc - optind != 0)
		ctl_fail(ctl, EXIT_USAGE, "-%c takes no file", mode);
	if (uopt != NULL) {
		/* As crontab(1): another user's crontab is root's to manage. */
		if (geteuid() != 0)
			ctl_fail(ctl, EXIT_NOPERM, "-u %s: only root may manage "
			    "another user's crontab (without -u, your own)",
			    uopt);
		if ((code = jobopts_user_check(uopt, why, sizeof(why))) != 0)
			ctl_fail(ctl, code, "-u %s: %s", uopt, why);
		c.user = strdup(uopt);
	} else {
		errno = 0;
		if ((pw = getpwuid(geteuid())) == NULL)
			ctl_fail(ctl, EXIT_NOUSER, "user id %ld has no name "
			    "(%s)", (long)geteuid(), errno != 0 ?
			    strerror(errno) : "not in the user database");
		c.user = strdup(pw->pw_name);
	}
	if (c.user == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	store_crontab_source(c.user, c.source, sizeof(c.source));

	switch (mode) {
	case 'l':
		rc = list(&c);
		break;
	case 'r':
		rc = remove_crontab(&c);
		break;
	case 'e':
		rc = edit(&c);
		break;
	default:
		rc = install_file(&c, argv[optind]);
		break;
	}
	free(c.user);
	return rc;
}
