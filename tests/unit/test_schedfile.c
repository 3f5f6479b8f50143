/*
 * Tests for schedfile: schedule files synced into a real SQLite store in a
 * temporary directory (under $TMPDIR, else /tmp), with a fake clock.  The
 * log (stderr) of each sync is captured in a file and checked for the
 * FILE:LINE of errors and the per-file summaries.
 *
 * Fire times are checked in zone UTC; T0 is a Sunday, midnight UTC.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
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

#include "jobd/job.h"
#include "jobd/log.h"
#include "jobd/procopt.h"
#include "jobd/schedfile.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "fake_clock.h"
#include "testdir.h"

#define T0	1764460800000LL		/* 2025-11-30T00:00:00Z, a Sunday */
#define HOUR	3600000LL
#define LOG_MAX	65536

struct fixture {
	char			 dir[1024];		/* the temp dir */
	char			 sdir[2048];		/* schedules_dir */
	char			 db[2048];
	char			 logpath[2048];
	char			 log[LOG_MAX];		/* the last sync's */
	struct fake_clock	 fc;
	struct store		*st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_tmpdir(f->dir, sizeof(f->dir), "schedfile");
	snprintf(f->sdir, sizeof(f->sdir), "%s/schedules.d", f->dir);
	assert_int_equal(mkdir(f->sdir, 0755), 0);
	snprintf(f->logpath, sizeof(f->logpath), "%s/log", f->dir);
	fake_clock_init(&f->fc, T0);
	test_store_open(f->dir, f->db, sizeof(f->db), &f->fc.clock, &f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	test_rmdir(f->dir);
	free(f);
	return 0;
}

/* Write schedule file "name" of the schedules dir, mode 0644. */
static void
put(struct fixture *f, const char *name, const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->sdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
rm(struct fixture *f, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->sdir, name);
	assert_int_equal(unlink(path), 0);
}

/* schedfile_sync(dir) at the clock's time, its log in f->log. */
static int
sync_dir(struct fixture *f, const char *dir)
{
	int fd, saved, rc;
	ssize_t n;

	fd = open(f->logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	rc = schedfile_sync(f->st, dir, f->fc.wall);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, f->log, sizeof(f->log) - 1);
	assert_true(n >= 0);
	f->log[n] = '\0';
	close(fd);
	return rc;
}

static int
sync_all(struct fixture *f)
{
	return sync_dir(f, f->sdir);
}

/* The log of the last sync contains "FILE" then s, e.g. ":3: unknown". */
static void
log_has_(struct fixture *f, const char *file, const char *s, int line)
{
	char want[PATH_MAX + 256];

	if (file != NULL)
		snprintf(want, sizeof(want), "%s/%s%s", f->sdir, file, s);
	else
		snprintf(want, sizeof(want), "%s", s);
	if (strstr(f->log, want) == NULL)
		fail_msg("line %d: \"%s\" not in the log:\n%s", line, want,
		    f->log);
}
#define log_has(f, file, s)	log_has_((f), (file), (s), __LINE__)

static bool
exists(struct fixture *f, const char *name)
{
	struct schedule sc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	rc = store_schedule_get(f->st, name, &sc);
	assert_true(rc == 0 || rc == -ENOENT);
	schedule_clear(&sc);
	return rc == 0;
}

/* Schedule "name", which must exist; schedule_clear() it. */
static struct schedule
get(struct fixture *f, const char *name)
{
	struct schedule sc;

	memset(&sc, 0, sizeof(sc));
	if (store_schedule_get(f->st, name, &sc) != 0)
		fail_msg("no schedule \"%s\": %s", name, store_errmsg(f->st));
	return sc;
}

static int
count_one(const struct schedule *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static int
count(struct fixture *f)
{
	int n = 0;

	assert_int_equal(store_schedule_list(f->st, count_one, &n), 0);
	return n;
}

static void
assert_source(struct fixture *f, const char *name, const char *file)
{
	struct schedule sc = get(f, name);
	char want[PATH_MAX + 16];

	snprintf(want, sizeof(want), "file:%s/%s", f->sdir, file);
	assert_string_equal(sc.source, want);
	schedule_clear(&sc);
}

static const char two_conf[] =
    "# two schedules\n"
    "[one]\n"
    "cron = 0 3 * * *\n"
    "tz = UTC\n"
    "command = echo one\n"
    "\n"
    "[two]\n"
    "cron = */15 * * * *\n"
    "command = echo two\n";

static void
test_schedfile_sync_adds_sections(void **state)
{
	struct fixture *f = *state;
	struct schedule sc;

	put(f, "a.conf", two_conf);
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 2);
	assert_source(f, "one", "a.conf");
	assert_source(f, "two", "a.conf");
	sc = get(f, "one");
	assert_string_equal(sc.cron, "0 3 * * *");
	assert_string_equal(sc.tz, "UTC");
	assert_string_equal(sc.command, "echo one");
	assert_int_equal(sc.next_run_at, T0 + 3 * HOUR);
	schedule_clear(&sc);
	sc = get(f, "two");
	assert_null(sc.tz);			/* the daemon's local zone */
	assert_int_equal(sc.next_run_at, T0 + 15 * 60000);
	schedule_clear(&sc);
	log_has(f, "a.conf", ": 2 added, 0 changed, 0 removed");
}

static void
test_schedfile_sync_changes_and_removes_sections(void **state)
{
	struct fixture *f = *state;
	struct schedule sc;

	put(f, "a.conf", two_conf);
	assert_int_equal(sync_all(f), 0);
	put(f, "a.conf",
	    "[two]\n"
	    "cron = 0 * * * *\n"
	    "command = echo two, changed\n"
	    "[three]\n"
	    "cron = @daily\n"
	    "command = echo three\n");
	assert_int_equal(sync_all(f), 0);
	assert_false(exists(f, "one"));
	sc = get(f, "two");
	assert_string_equal(sc.cron, "0 * * * *");
	assert_string_equal(sc.command, "echo two, changed");
	schedule_clear(&sc);
	assert_true(exists(f, "three"));
	assert_int_equal(count(f), 2);
	log_has(f, "a.conf", ": 1 added, 1 changed, 1 removed");

	/* Nothing changed: nothing logged. */
	assert_int_equal(sync_all(f), 0);
	assert_string_equal(f->log, "");

	/* Only a process option changed: a change too. */
	put(f, "a.conf",
	    "[two]\n"
	    "cron = 0 * * * *\n"
	    "command = echo two, changed\n"
	    "umask = 027\n"
	    "[three]\n"
	    "cron = @daily\n"
	    "command = echo three\n");
	assert_int_equal(sync_all(f), 0);
	log_has(f, "a.conf", ": 0 added, 1 changed, 0 removed");
	sc = get(f, "two");
	assert_int_equal(sc.proc.umask, 027);
	schedule_clear(&sc);
}

static void
test_schedfile_unchanged_keeps_next_run_at(void **state)
{
	struct fixture *f = *state;
	struct schedule sc;

	put(f, "a.conf", two_conf);
	assert_int_equal(sync_all(f), 0);
	fake_clock_advance(&f->fc, 5 * HOUR);	/* past one's 03:00 slot */
	assert_int_equal(sync_all(f), 0);
	sc = get(f, "one");
	assert_int_equal(sc.next_run_at, T0 + 3 * HOUR);	/* kept */
	schedule_clear(&sc);

	/* A changed definition counts its next run from now. */
	put(f, "a.conf",
	    "[one]\n"
	    "cron = 0 3 * * *\n"
	    "tz = UTC\n"
	    "command = echo one again\n");
	assert_int_equal(sync_all(f), 0);
	sc = get(f, "one");
	assert_int_equal(sc.next_run_at, T0 + 27 * HOUR);
	schedule_clear(&sc);
}

static void
test_schedfile_every_key(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwuid(geteuid());
	struct schedule sc;
	char text[2048];

	assert_non_null(pw);
	snprintf(text, sizeof(text),
	    "[every.key_1]\n"
	    "cron = 30 4 * * mon-fri\n"
	    "command = tar czf /tmp/x.tgz /etc ; echo done # kept\n"
	    "tz = America/New_York\n"
	    "queue = backup\n"
	    "priority = -1000\n"
	    "max_attempts = 1000\n"
	    "timeout = 1h30m\n"
	    "backoff = 500ms\n"
	    "backoff_max = 2d\n"
	    "cwd = /var/tmp\n"
	    "user = %s\n"
	    "overlap = queue\n"
	    "catchup = all\n"
	    "enabled = no\n"
	    "env.PATH = /usr/bin:/bin\n"
	    "umask = 0027\n"
	    "limit_nofile = 512\n"
	    "limit_nproc = unlimited\n"
	    "limit_as = 4G\n"
	    "limit_cpu = 2h\n"
	    "kill_mode = process\n"
	    "mail_to = ops@example.com, root\n"
	    "mail_on = output\n"
	    "[defaults]\n"
	    "cron = @hourly\n"
	    "command = true\n"
	    "[knobs]\n"
	    "cron = @reboot\n"
	    "command = true\n"
	    "priority = 1000\n"
	    "overlap = allow\n"
	    "catchup = once\n"
	    "enabled = 1\n", pw->pw_name);
	put(f, "every.conf", text);
	assert_int_equal(sync_all(f), 0);

	sc = get(f, "every.key_1");
	assert_string_equal(sc.cron, "30 4 * * mon-fri");
	assert_string_equal(sc.command,
	    "tar czf /tmp/x.tgz /etc ; echo done # kept");
	assert_string_equal(sc.tz, "America/New_York");
	assert_string_equal(sc.queue, "backup");
	assert_int_equal(sc.priority, -1000);
	assert_int_equal(sc.max_attempts, 1000);
	assert_int_equal(sc.timeout_ms, 90 * 60000);
	assert_int_equal(sc.backoff_ms, 500);
	assert_int_equal(sc.backoff_max_ms, 48 * HOUR);
	assert_string_equal(sc.cwd, "/var/tmp");
	assert_string_equal(sc.run_as, pw->pw_name);
	assert_int_equal(sc.overlap, OVERLAP_QUEUE);
	assert_int_equal(sc.catchup, CATCHUP_ALL);
	assert_false(sc.enabled);
	assert_int_equal(sc.env_len, sizeof("PATH=/usr/bin:/bin"));
	assert_memory_equal(sc.env, "PATH=/usr/bin:/bin", sc.env_len);
	assert_int_equal(sc.proc.umask, 027);
	assert_int_equal(sc.proc.limit[JOB_LIMIT_NOFILE], 512);
	assert_true(sc.proc.limit[JOB_LIMIT_NPROC] == JOB_UNLIMITED);
	assert_int_equal(sc.proc.limit[JOB_LIMIT_AS], 4LL << 30);
	assert_int_equal(sc.proc.limit[JOB_LIMIT_CPU], 7200);
	assert_int_equal(sc.proc.kill_mode, JOB_KILL_PROCESS);
	assert_string_equal(sc.mail_to, "ops@example.com, root");
	assert_int_equal(sc.mail_on, MAIL_ON_OUTPUT);
	/* Monday 2025-12-01 04:30 in New York is 09:30 UTC. */
	assert_int_equal(sc.next_run_at, T0 + 24 * HOUR + 9 * HOUR +
	    30 * 60000);
	schedule_clear(&sc);

	sc = get(f, "defaults");
	assert_null(sc.tz);
	assert_true(sc.queue == NULL || strcmp(sc.queue, "default") == 0);
	assert_int_equal(sc.priority, 0);
	assert_int_equal(sc.max_attempts, JOB_DEFAULT);
	assert_int_equal(sc.timeout_ms, JOB_DEFAULT);
	assert_int_equal(sc.backoff_ms, JOB_DEFAULT);
	assert_int_equal(sc.backoff_max_ms, JOB_DEFAULT);
	assert_int_equal(sc.proc.umask, JOB_DEFAULT);
	assert_int_equal(sc.proc.limit[JOB_LIMIT_AS], JOB_DEFAULT);
	assert_int_equal(sc.proc.kill_mode, JOB_DEFAULT);
	assert_null(sc.mail_to);
	assert_int_equal(sc.mail_on, MAIL_ON_UNSET);
	assert_null(sc.cwd);
	assert_null(sc.run_as);
	assert_int_equal(sc.env_len, 0);
	assert_int_equal(sc.overlap, OVERLAP_SKIP);
	assert_int_equal(sc.catchup, CATCHUP_SKIP);
	assert_true(sc.enabled);
	schedule_clear(&sc);

	sc = get(f, "knobs");
	assert_int_equal(sc.priority, 1000);
	assert_int_equal(sc.overlap, OVERLAP_ALLOW);
	assert_int_equal(sc.catchup, CATCHUP_ONCE);
	assert_true(sc.enabled);
	assert_int_equal(sc.next_run_at, 0);	/* @reboot */
	schedule_clear(&sc);
}

static void
test_schedfile_env(void **state)
{
	struct fixture *f = *state;
	static const char want[] = "LANG=C.UTF-8\0EMPTY=\0_x1=a=b;c\0";
	struct schedule sc;

	put(f, "env.conf",
	    "[env]\n"
	    "cron = @daily\n"
	    "command = env\n"
	    "env.LANG = C.UTF-8\n"
	    "env.EMPTY =\n"
	    "env._x1 = a=b;c\n");
	assert_int_equal(sync_all(f), 0);
	sc = get(f, "env");
	assert_int_equal(sc.env_len, sizeof(want) - 1);
	assert_memory_equal(sc.env, want, sc.env_len);
	schedule_clear(&sc);
}

static void
test_schedfile_bad_file_keeps_its_schedules(void **state)
{
	struct fixture *f = *state;
	struct schedule sc;

	put(f, "a.conf", "[a1]\ncron = @daily\ncommand = echo a\n");
	put(f, "b.conf", "[b1]\ncron = @daily\ncommand = echo b\n"
	    "[b2]\ncron = @hourly\ncommand = echo b2\n");
	assert_int_equal(sync_all(f), 0);

	/* b.conf goes bad on line 5; a.conf changes all the same. */
	put(f, "a.conf", "[a1]\ncron = @weekly\ncommand = echo a\n");
	put(f, "b.conf", "[b1]\ncron = @daily\ncommand = echo b, changed\n"
	    "[b2]\ncolour = blue\n");
	assert_int_equal(sync_all(f), 1);
	log_has(f, "b.conf", ":5: unknown key \"colour\"");
	log_has(f, NULL, "its schedules are unchanged");
	sc = get(f, "a1");
	assert_string_equal(sc.cron, "@weekly");
	schedule_clear(&sc);
	sc = get(f, "b1");
	assert_string_equal(sc.command, "echo b");	/* unchanged */
	schedule_clear(&sc);
	assert_true(exists(f, "b2"));
	assert_int_equal(count(f), 3);
}

static void
test_schedfile_deleted_file_removes_its_schedules(void **state)
{
	struct fixture *f = *state;

	put(f, "a.conf", two_conf);
	put(f, "b.conf", "[b1]\ncron = @daily\ncommand = echo b\n");
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 3);
	rm(f, "a.conf");
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 1);
	assert_true(exists(f, "b1"));
	log_has(f, "a.conf", ": 0 added, 0 changed, 2 removed");
}

static void
test_schedfile_missing_dir_is_empty(void **state)
{
	struct fixture *f = *state;
	char gone[PATH_MAX + 8];

	snprintf(gone, sizeof(gone), "%s/nope", f->dir);
	assert_int_equal(sync_dir(f, gone), 0);
	assert_int_equal(count(f), 0);

	/* The schedules of a directory that went away go with it. */
	put(f, "a.conf", two_conf);
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(rename(f->sdir, gone), 0);
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 0);
}

static void
test_schedfile_only_conf_files(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];

	put(f, ".hidden.conf", "[hidden]\ncron = @daily\ncommand = x\n");
	put(f, "a.conf~", "[backup]\ncron = @daily\ncommand = x\n");
	put(f, "README", "[readme]\ncron = @daily\ncommand = x\n");
	put(f, "a.conf.disabled", "[disabled]\ncron = @daily\ncommand = x\n");
	snprintf(path, sizeof(path), "%s/dir.conf", f->sdir);
	assert_int_equal(mkdir(path, 0755), 0);
	put(f, "z.conf", "[z]\ncron = @daily\ncommand = x\n");
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 1);
	assert_true(exists(f, "z"));
	log_has(f, "dir.conf", ": not a regular file; ignored");
}

static void
test_schedfile_trailing_slash_is_the_same_dir(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX + 8];

	put(f, "a.conf", two_conf);
	assert_int_equal(sync_all(f), 0);
	snprintf(dir, sizeof(dir), "%s//", f->sdir);
	assert_int_equal(sync_dir(f, dir), 0);
	assert_string_equal(f->log, "");		/* nothing changed */
	assert_source(f, "one", "a.conf");
}

static void
test_schedfile_name_clash_with_cli_schedule(void **state)
{
	struct fixture *f = *state;
	struct schedule cli, sc;
	int64_t id;

	memset(&cli, 0, sizeof(cli));
	cli.name = "nightly";
	cli.cron = "0 1 * * *";
	cli.command = "echo cli";
	cli.max_attempts = cli.timeout_ms = JOB_DEFAULT;
	cli.backoff_ms = cli.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&cli.proc);
	cli.enabled = true;
	cli.next_run_at = T0 + HOUR;
	cli.source = "cli";
	assert_int_equal(store_schedule_put(f->st, &cli, false, &id), 0);

	put(f, "a.conf", "[ok]\ncron = @daily\ncommand = x\n\n"
	    "[nightly]\ncron = @daily\ncommand = echo file\n");
	assert_int_equal(sync_all(f), 1);
	log_has(f, "a.conf", ":5: ");
	log_has(f, NULL, "nightly");
	assert_false(exists(f, "ok"));		/* the whole file */
	sc = get(f, "nightly");
	assert_string_equal(sc.source, "cli");
	assert_string_equal(sc.command, "echo cli");
	schedule_clear(&sc);
}

static void
test_schedfile_clash_between_files(void **state)
{
	struct fixture *f = *state;

	put(f, "a.conf", "[same]\ncron = @daily\ncommand = a\n");
	put(f, "b.conf", "[same]\ncron = @daily\ncommand = b\n"
	    "[bee]\ncron = @daily\ncommand = b\n");
	assert_int_equal(sync_all(f), 1);
	log_has(f, "b.conf", ":1: schedule [same] is also in ");
	log_has(f, "a.conf", ":1 (a schedule is in one file)");
	assert_false(exists(f, "same"));
	assert_false(exists(f, "bee"));

	/* Nothing changes, in any file. */
	put(f, "a.conf", "[same]\ncron = @daily\ncommand = a\n");
	rm(f, "b.conf");
	assert_int_equal(sync_all(f), 0);
	put(f, "b.conf", "[same]\ncron = @daily\ncommand = b\n"
	    "[bee]\ncron = @daily\ncommand = b\n");
	put(f, "c.conf", "[sea]\ncron = @daily\ncommand = c\n");
	assert_int_equal(sync_all(f), 1);
	assert_source(f, "same", "a.conf");
	assert_false(exists(f, "bee"));
	assert_false(exists(f, "sea"));
}

static void
test_schedfile_move_section_between_files(void **state)
{
	struct fixture *f = *state;

	/* [x] moves from b.conf to a.conf, which is synced first. */
	put(f, "b.conf", "[x]\ncron = @daily\ncommand = x\n"
	    "[y]\ncron = @daily\ncommand = y\n");
	assert_int_equal(sync_all(f), 0);
	put(f, "a.conf", "[x]\ncron = @daily\ncommand = x\n");
	put(f, "b.conf", "[y]\ncron = @daily\ncommand = y\n");
	assert_int_equal(sync_all(f), 0);
	assert_source(f, "x", "a.conf");
	assert_source(f, "y", "b.conf");

	/* A renamed file keeps its schedules' names in one sync. */
	put(f, "c.conf", "[y]\ncron = @daily\ncommand = y\n");
	rm(f, "b.conf");
	assert_int_equal(sync_all(f), 0);
	assert_source(f, "y", "c.conf");
	assert_int_equal(count(f), 2);
}

static void
test_schedfile_group_writable_file_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];

	put(f, "a.conf", "[a]\ncron = @daily\ncommand = a\n");
	assert_int_equal(sync_all(f), 0);
	put(f, "a.conf", "[a]\ncron = @daily\ncommand = changed\n");
	snprintf(path, sizeof(path), "%s/a.conf", f->sdir);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(sync_all(f), 1);
	log_has(f, "a.conf", ": writable by group or others");
	assert_true(exists(f, "a"));
}

/* Each bad file must fail with "FILE:LINE: reason" and sync nothing. */
static const struct {
	const char	*text;
	const char	*want;		/* after the file name */
} bad_files[] = {
	{ "cron = @daily\n[a]\ncron = @daily\ncommand = x\n",
	    ":1: key \"cron\" is outside any section" },
	{ "[a]\ncron = @daily\ncommand = x\nfoo = bar\n",
	    ":4: unknown key \"foo\"" },
	{ "[a]\ncron = @daily\ncommand = x\nkill_mode = all\n",
	    ":4: kill_mode = \"all\": not \"attempt\" or \"process\"" },
	{ "[a]\ncron = @daily\ncommand = x\nmail_to = a@b Bcc: x\n",
	    ":4: mail_to = \"a@b Bcc: x\": address \"a@b Bcc: x\" contains "
	    "a blank" },
	{ "[a]\ncron = @daily\ncommand = x\nmail_to = a@b,,c\n",
	    ":4: mail_to = \"a@b,,c\": empty address at byte 5" },
	{ "[a]\ncron = @daily\ncommand = x\nmail_to = a@b\tc\n",
	    ":4: mail_to = \"a@b\\x09c\": control character 0x09 at byte 4" },
	{ "[a]\ncron = @daily\ncommand = x\nmail_to =\n",
	    ":4: mail_to: empty value" },
	{ "[a]\ncron = @daily\ncommand = x\nmail_on = sometimes\n",
	    ":4: mail_on = \"sometimes\": use failure, output, always or "
	    "never" },
	{ "[ok]\ncron = @daily\ncommand = x\n\n[a]\ncommand = x\n",
	    ":5: [a]: no \"cron\" key" },
	{ "[a]\ncron = @daily\n[b]\ncron = @daily\ncommand = x\n",
	    ":1: [a]: no \"command\" key" },
	{ "[a]\ncron = @daily\ncommand = x\n[empty]\n",
	    ":4: [empty]: no \"cron\" key" },
	{ "[empty]\n[a]\ncron = @daily\ncommand = x\n",
	    ":1: [empty]: no \"cron\" key" },
	{ "[a]\ncron = @daily\ncommand = x\n[b]\ncron = @daily\ncommand = y\n"
	    "[a]\n",
	    ":7: section [a] again (first on line 1)" },
	{ "[a]\ncron = 0 0 30 2 *\ncommand = x\n",
	    ":2: cron = \"0 0 30 2 *\"" },
	{ "[a]\ncron = 61 * * * *\ncommand = x\n",
	    ":2: cron = \"61 * * * *\"" },
	{ "[a]\ncron = @Daily\ncommand = x\n", ":2: cron = \"@Daily\"" },
	{ "[a]\ncron = @daily\ncommand = x\ntz = Mars/Olympus_Mons\n",
	    ":4: tz = \"Mars/Olympus_Mons\"" },
	{ "[a]\ncron = @daily\ncommand = x\ntz = ../../etc/passwd\n",
	    ":4: tz = " },
	{ "[a]\ncron = @daily\ncommand =  \t\n", ":3: command: empty value" },
	{ "[a]\ncron = @daily\ncommand = x\nqueue = a b\n",
	    ":4: queue = \"a b\"" },
	{ "[a]\ncron = @daily\ncommand = x\npriority = 1001\n",
	    ":4: priority = \"1001\": must be between -1000 and 1000" },
	{ "[a]\ncron = @daily\ncommand = x\npriority = 1e3\n",
	    ":4: priority = \"1e3\": not an integer" },
	{ "[a]\ncron = @daily\ncommand = x\nmax_attempts = 0\n",
	    ":4: max_attempts = \"0\": must be between 1 and 1000" },
	{ "[a]\ncron = @daily\ncommand = x\ntimeout = 10\n",
	    ":4: timeout = \"10\"" },
	{ "[a]\ncron = @daily\ncommand = x\nbackoff = 1 m\n",
	    ":4: backoff = \"1 m\"" },
	{ "[a]\ncron = @daily\ncommand = x\nbackoff = 1m\nbackoff_max = 30s\n",
	    ":5: backoff_max = \"30s\": the maximum must not be less than "
	    "the base" },
	{ "[a]\ncron = @daily\ncommand = x\nbackoff_max = 30s\nbackoff = 1m\n",
	    ":5: backoff = \"1m\": the maximum must not be less than the "
	    "base" },
	{ "[a]\ncron = @daily\ncommand = x\ncwd = tmp\n",
	    ":4: cwd = \"tmp\": must be an absolute path" },
	{ "[a]\ncron = @daily\ncommand = x\nuser = no-such-user-jobd\n",
	    ":4: user = \"no-such-user-jobd\": no such user" },
	{ "[a]\ncron = @daily\ncommand = x\noverlap = never\n",
	    ":4: overlap = \"never\": expected skip, allow or queue" },
	{ "[a]\ncron = @daily\ncommand = x\ncatchup = some\n",
	    ":4: catchup = \"some\": expected skip, once or all" },
	{ "[a]\ncron = @daily\ncommand = x\nenabled = True\n",
	    ":4: enabled = \"True\"" },
	{ "[a]\ncron = @daily\ncommand = x\nqueue =\n",
	    ":4: queue: empty value" },
	{ "[a]\ncron = @daily\ncommand = x\nenv.JOBD_ID = 1\n",
	    ":4: env.JOBD_ID = \"1\": JOBD_* variables are set by jobd" },
	{ "[a]\ncron = @daily\ncommand = x\nenv.1X = 1\n",
	    ":4: env.1X = \"1\": a variable name" },
	{ "[a]\ncron = @daily\ncommand = x\nenv. = 1\n",
	    ":4: env. = \"1\": no variable name" },
	{ "[a]\ncron = @daily\ncommand = x\ncommand = y\n",
	    ":4: duplicate key \"command\"" },
	{ "[bad name]\ncron = @daily\ncommand = x\n",
	    ":1: [bad name]: invalid name" },
	{ "[a]\ncron = @daily\ncommand = x\nno equals sign\n", ":4: " },
};

static void
test_schedfile_errors_name_file_and_line(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		put(f, "bad.conf", bad_files[i].text);
		if (sync_all(f) != 1)
			fail_msg("bad_files[%zu]: synced:\n%s", i, f->log);
		log_has_(f, "bad.conf", bad_files[i].want, (int)i);
		if (count(f) != 0)
			fail_msg("bad_files[%zu]: %d schedules", i, count(f));
	}
}

static void
test_schedfile_too_many_files(void **state)
{
	struct fixture *f = *state;
	char name[32];
	int i;

	put(f, "keep.conf", "[keep]\ncron = @daily\ncommand = x\n");
	assert_int_equal(sync_all(f), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%04d.conf", i);
		put(f, name, "");
	}
	assert_int_equal(sync_all(f), 1);
	log_has(f, NULL, "more than 1000 schedule files");
	assert_true(exists(f, "keep"));
}

/*
 * etc/schedules.d/example.conf as installed syncs to nothing, and with its
 * "#key" and "#[section]" lines uncommented (user: ours) to its examples.
 * Needs $JOBD_TOP (tests/run.sh sets it).
 */
/* Long commands (one line, or continued) and names as long as the CLI's. */
static void
test_schedfile_long_lines(void **state)
{
	struct fixture *f = *state;
	char name[SCHEDULE_NAME_MAX + 1], *text, *cmd;
	struct schedule sc;
	size_t i;

	memset(name, 'n', SCHEDULE_NAME_MAX);
	name[SCHEDULE_NAME_MAX] = '\0';
	assert_non_null(cmd = malloc(5001));
	for (i = 0; i < 5000; i++)
		cmd[i] = "echo x;"[i % 7];
	cmd[5000] = '\0';
	assert_non_null(text = malloc(6000));
	snprintf(text, 6000, "[%s]\ncron = @daily\ncommand = %s\n"
	    "[cont]\ncron = @daily\ncommand = printf '%%s\\n' \\\n"
	    "    [not-a-section] \\\n\t# not a comment\npriority = 3\n",
	    name, cmd);
	put(f, "long.conf", text);
	assert_int_equal(sync_all(f), 0);
	sc = get(f, name);
	assert_string_equal(sc.command, cmd);
	schedule_clear(&sc);
	sc = get(f, "cont");
	assert_string_equal(sc.command,
	    "printf '%s\\n' [not-a-section] # not a comment");
	assert_int_equal(sc.priority, 3);
	schedule_clear(&sc);
	assert_false(exists(f, "not-a-section"));

	/* A backslash at the end of the last line continues nothing. */
	put(f, "long.conf", "[cont]\ncron = @daily\ncommand = echo \\\n");
	assert_int_equal(sync_all(f), 1);
	log_has(f, "long.conf", ":3: the line ends in \"\\\" but no line "
	    "follows");
	assert_true(exists(f, "cont"));
	free(text);
	free(cmd);
}

static void
test_schedfile_example_conf(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwuid(geteuid());
	const char *top = getenv("JOBD_TOP");
	static char orig[65536], out[65536];
	char path[PATH_MAX], *line, *save = NULL, user[256];
	struct schedule sc;
	size_t n, len = 0;
	FILE *fp;

	if (top == NULL || *top == '\0')
		skip();
	assert_non_null(pw);
	snprintf(path, sizeof(path), "%s/etc/schedules.d/example.conf", top);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(orig, 1, sizeof(orig) - 1, fp);
	assert_true(n > 0 && n < sizeof(orig) - 1);
	orig[n] = '\0';
	fclose(fp);
	put(f, "example.conf", orig);
	assert_int_equal(sync_all(f), 0);
	assert_int_equal(count(f), 0);

	snprintf(user, sizeof(user), "user = %s", pw->pw_name);
	for (line = strtok_r(orig, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' && ((line[1] >= 'a' && line[1] <= 'z') ||
		    line[1] == '['))
			line++;
		if (strncmp(line, "user = ", 7) == 0)
			line = user;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s\n",
		    line);
		assert_true(len < sizeof(out));
	}
	put(f, "example.conf", out);
	if (sync_all(f) != 0)
		fail_msg("uncommented example.conf: %s", f->log);
	assert_int_equal(count(f), 2);
	sc = get(f, "nightly-backup");
	assert_string_equal(sc.command,
	    "tar czf /var/backups/etc.tgz /etc ; echo done");
	assert_int_equal(sc.proc.kill_mode, JOB_KILL_ATTEMPT);
	assert_int_equal(sc.env_len, sizeof("PATH=/usr/local/bin:/usr/bin:/bin"
	    "\0BACKUP_LEVEL=full"));
	schedule_clear(&sc);
	assert_true(exists(f, "tmp-cleanup"));
}

/* schedfile_check: the problems of every file, without a store. */
static char *
check_dir(const char *dir, int *rc, size_t *nfiles, size_t *nsched)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	assert_non_null(out = open_memstream(&text, &len));
	*rc = schedfile_check(dir, T0, out, nfiles, nsched);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void
test_schedfile_check_reports_every_file(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 32], want[PATH_MAX + 128], missing[PATH_MAX];
	size_t nf, ns;
	char *text;
	int rc;

	/* No directory, an empty one: nothing to check, all is well. */
	snprintf(missing, sizeof(missing), "%s/none.d", f->dir);
	text = check_dir(missing, &rc, &nf, &ns);
	assert_int_equal(rc, 0);
	assert_string_equal(text, "");
	free(text);
	put(f, "a.conf", "[a]\ncron = @daily\ncommand = true\n"
	    "[b]\ncron = @hourly\ncommand = true\n");
	text = check_dir(f->sdir, &rc, &nf, &ns);
	assert_int_equal(rc, 0);
	assert_int_equal(nf, 1);
	assert_int_equal(ns, 2);
	free(text);

	/* Two bad files and a name in two files: all three reported. */
	put(f, "b.conf", "[c]\ncron = @daily\ncommand = true\n"
	    "queue = .q\n");
	put(f, "c.conf", "[d]\ncron = 0 25 * * *\ncommand = true\n");
	put(f, "d.conf", "\n[a]\ncron = @daily\ncommand = true\n");
	text = check_dir(f->sdir, &rc, &nf, &ns);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(nf, 4);
	snprintf(want, sizeof(want), "%s/b.conf:4: queue = \".q\": must not "
	    "start with '-' or '.'\n", f->sdir);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "%s/c.conf:2: cron = \"0 25 * * *\"",
	    f->sdir);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "%s/d.conf:2: schedule [a] is also in "
	    "%s/a.conf:1", f->sdir, f->sdir);
	assert_non_null(strstr(text, want));
	free(text);

	/* Only a file others can write: -EPERM, named. */
	rm(f, "b.conf");
	rm(f, "c.conf");
	rm(f, "d.conf");
	snprintf(path, sizeof(path), "%s/a.conf", f->sdir);
	assert_int_equal(chmod(path, 0666), 0);
	text = check_dir(f->sdir, &rc, &nf, &ns);
	assert_int_equal(rc, -EPERM);
	snprintf(want, sizeof(want), "%s: writable by group or others", path);
	assert_non_null(strstr(text, want));
	free(text);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_schedfile_sync_adds_sections),
		T(test_schedfile_sync_changes_and_removes_sections),
		T(test_schedfile_unchanged_keeps_next_run_at),
		T(test_schedfile_every_key),
		T(test_schedfile_env),
		T(test_schedfile_bad_file_keeps_its_schedules),
		T(test_schedfile_deleted_file_removes_its_schedules),
		T(test_schedfile_missing_dir_is_empty),
		T(test_schedfile_only_conf_files),
		T(test_schedfile_trailing_slash_is_the_same_dir),
		T(test_schedfile_name_clash_with_cli_schedule),
		T(test_schedfile_clash_between_files),
		T(test_schedfile_move_section_between_files),
		T(test_schedfile_group_writable_file_is_refused),
		T(test_schedfile_errors_name_file_and_line),
		T(test_schedfile_too_many_files),
		T(test_schedfile_check_reports_every_file),
		T(test_schedfile_long_lines),
		T(test_schedfile_example_conf),
	};
#undef T
	log_init("jobd", LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
