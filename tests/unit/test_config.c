/*
 * Unit tests for config: the strict INI reader, jobd.conf keys, bounds and
 * messages, loading files, printing, the sample etc/jobd.conf and the
 * config and database path rules.
 *
 * Tests that need the repository (etc/jobd.conf) find it through
 * $JOBD_TOP and are skipped when it is unset.  Temporary files go under
 * $TMPDIR (else /tmp).  The path-rule tests set the environment variables
 * they depend on; when run as root they check the non-root rules in a
 * child that drops to uid 65534.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/config.h"

#define ERRLEN		512
#define NAME		"jobd.conf"
#define NOBODY		65534

/* A valid config where every key differs from its default. */
static const char base_conf[] =
    "[jobd]\n"
    "database = /srv/jobd/jobs.db\n"
    "workers = 9\n"
    "poll_interval = 2s\n"
    "visibility_timeout = 90s\n"
    "shutdown_grace = 1m\n"
    "kill_grace = 3s\n"
    "max_output = 256K\n"
    "schedules_dir = /srv/jobd/schedules\n"
    "[job]\n"
    "max_attempts = 3\n"
    "timeout = 2h\n"
    "backoff = 1s\n"
    "backoff_max = 2d\n";

static int
load(struct jd_config *c, const char *text, char *err)
{
	return config_load_buf(c, text, strlen(text), NAME, err, ERRLEN);
}

static void
assert_str_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_config_equal(const struct jd_config *a, const struct jd_config *b)
{
	assert_str_or_null(a->database, b->database);
	assert_int_equal(a->workers, b->workers);
	assert_int_equal(a->poll_interval_ms, b->poll_interval_ms);
	assert_int_equal(a->visibility_timeout_ms, b->visibility_timeout_ms);
	assert_int_equal(a->shutdown_grace_ms, b->shutdown_grace_ms);
	assert_int_equal(a->kill_grace_ms, b->kill_grace_ms);
	assert_int_equal(a->max_output, b->max_output);
	assert_str_or_null(a->schedules_dir, b->schedules_dir);
	assert_int_equal(a->cgroups, b->cgroups);
	assert_str_or_null(a->metrics_file, b->metrics_file);
	assert_int_equal(a->metrics_interval_ms, b->metrics_interval_ms);
	assert_int_equal(a->max_attempts, b->max_attempts);
	assert_int_equal(a->timeout_ms, b->timeout_ms);
	assert_int_equal(a->backoff_ms, b->backoff_ms);
	assert_int_equal(a->backoff_max_ms, b->backoff_max_ms);
	assert_str_or_null(a->locale_file, b->locale_file);
	assert_memory_equal(&a->proc, &b->proc, sizeof(a->proc));
	assert_str_or_null(a->notify_hook[JOB_HOOK_DEAD],
	    b->notify_hook[JOB_HOOK_DEAD]);
	assert_str_or_null(a->notify_hook[JOB_HOOK_FAILURE],
	    b->notify_hook[JOB_HOOK_FAILURE]);
	assert_str_or_null(a->notify_hook[JOB_HOOK_SUCCESS],
	    b->notify_hook[JOB_HOOK_SUCCESS]);
	assert_int_equal(a->notify_max_attempts, b->notify_max_attempts);
	assert_int_equal(a->notify_timeout_ms, b->notify_timeout_ms);
	assert_str_or_null(a->mailer, b->mailer);
	assert_str_or_null(a->mail_from, b->mail_from);
	assert_int_equal(a->mail_on, b->mail_on);
	assert_memory_equal(&a->retention, &b->retention,
	    sizeof(a->retention));
	assert_int_equal(a->prune_interval_ms, b->prune_interval_ms);
	assert_int_equal(a->quota.pending, b->quota.pending);
	assert_int_equal(a->quota.schedules, b->quota.schedules);
	assert_int_equal(a->quota.output, b->quota.output);
}

static void
assert_is_defaults(const struct jd_config *c)
{
	struct jd_config d;

	assert_int_equal(config_defaults(&d), 0);
	assert_config_equal(c, &d);
	config_free(&d);
}

/* A snapshot of a config: its pointers as they were, and deep copies. */
struct snap {
	struct jd_config	 v;		/* shallow copy */
	char			*database;	/* copies of the strings */
	char			*schedules_dir;
};

static void
snap_take(struct snap *s, const struct jd_config *c)
{
	s->v = *c;
	s->database = c->database != NULL ? strdup(c->database) : NULL;
	s->schedules_dir = c->schedules_dir != NULL ?
	    strdup(c->schedules_dir) : NULL;
}

/* *c still has the very same strings, with the same contents, and values. */
static void
snap_check(const struct snap *s, const struct jd_config *c)
{
	assert_ptr_equal(c->database, s->v.database);
	assert_ptr_equal(c->schedules_dir, s->v.schedules_dir);
	assert_config_equal(c, &s->v);
	assert_str_or_null(c->database, s->database);
	assert_str_or_null(c->schedules_dir, s->schedules_dir);
}

static void
snap_free(struct snap *s)
{
	free(s->database);
	free(s->schedules_dir);
}

/* Assert that err starts with "name:LINE: " (line 0: "name: "). */
static void
assert_prefix(const char *err, const char *name, int line)
{
	char want[256];

	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: ", name, line);
	else
		snprintf(want, sizeof(want), "%s: ", name);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", err,
		    want);
}

static void
assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/*
 * Load len bytes of text over a non-default config and expect -EINVAL, a
 * message "jobd.conf:LINE: ..." that contains want, and *c unchanged.
 */
static void
expect_bad(const char *text, size_t len, int line, const char *want)
{
	struct jd_config c;
	struct snap s;
	char err[ERRLEN];
	int rc;

	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, base_conf, err), 0);
	snap_take(&s, &c);
	strcpy(err, "(untouched)");
	rc = config_load_buf(&c, text, len, NAME, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("input \"%s\": got %d (%s), want -EINVAL", text, rc,
		    err);
	assert_prefix(err, NAME, line);
	assert_contains(err, want);
	snap_check(&s, &c);
	snap_free(&s);
	config_free(&c);
}

/* A directory of our own under $TMPDIR (or /tmp); dir holds its path. */
static void
tmpdir_make(char *dir, size_t len)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || *t != '/')
		t = "/tmp";
	snprintf(dir, len, "%s/test_config.XXXXXX", t);
	assert_non_null(mkdtemp(dir));
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The whole of file "path", NUL-terminated, or NULL. */
static char *
read_file(const char *path)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static char *
print_config(const struct jd_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(config_print(c, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_config_defaults(void **state)
{
	struct jd_config c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(config_defaults(&c), 0);
	assert_null(c.database);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.poll_interval_ms, 30000);
	assert_int_equal(c.visibility_timeout_ms, 300000);
	assert_int_equal(c.shutdown_grace_ms, 30000);
	assert_int_equal(c.kill_grace_ms, 10000);
	assert_int_equal(c.max_output, 1048576);
	assert_string_equal(c.schedules_dir, JOBD_SYSCONFDIR "/schedules.d");
	assert_int_equal(c.max_attempts, 5);
	assert_int_equal(c.timeout_ms, 0);
	assert_int_equal(c.backoff_ms, 10000);
	assert_int_equal(c.backoff_max_ms, 3600000);
	config_free(&c);
	assert_null(c.schedules_dir);
	config_free(NULL);
}

static void
test_config_empty_input_gives_defaults(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, base_conf, err), 0);
	assert_int_equal(load(&c, "", err), 0);
	assert_is_defaults(&c);
	assert_int_equal(load(&c, "\n\n# nothing\n[jobd]\n[job]\n", err), 0);
	assert_is_defaults(&c);
	config_free(&c);
}

static void
test_config_every_key(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, base_conf, err), 0);
	assert_string_equal(c.database, "/srv/jobd/jobs.db");
	assert_int_equal(c.workers, 9);
	assert_int_equal(c.poll_interval_ms, 2000);
	assert_int_equal(c.visibility_timeout_ms, 90000);
	assert_int_equal(c.shutdown_grace_ms, 60000);
	assert_int_equal(c.kill_grace_ms, 3000);
	assert_int_equal(c.max_output, 256 * 1024);
	assert_string_equal(c.schedules_dir, "/srv/jobd/schedules");
	assert_int_equal(c.max_attempts, 3);
	assert_int_equal(c.timeout_ms, 7200000);
	assert_int_equal(c.backoff_ms, 1000);
	assert_int_equal(c.backoff_max_ms, 2 * 86400000LL);

	/* The bounds themselves are allowed. */
	assert_int_equal(load(&c,
	    "[jobd]\n"
	    "workers = 256\n"
	    "poll_interval = 100ms\n"
	    "visibility_timeout = 1d\n"
	    "shutdown_grace = 0s\n"
	    "kill_grace = 10m\n"
	    "max_output = 64M\n"
	    "max_running_per_user = 100000\n"
	    "[job]\n"
	    "max_attempts = 1000\n"
	    "timeout = 30d\n"
	    "backoff = 1d\n"
	    "backoff_max = 30d\n", err), 0);
	assert_int_equal(c.workers, 256);
	assert_int_equal(c.poll_interval_ms, 100);
	assert_int_equal(c.visibility_timeout_ms, 86400000);
	assert_int_equal(c.shutdown_grace_ms, 0);
	assert_int_equal(c.kill_grace_ms, 600000);
	assert_int_equal(c.max_output, 64 * 1048576);
	assert_int_equal(c.max_running_per_user, 100000);
	assert_int_equal(c.max_attempts, 1000);
	assert_int_equal(c.timeout_ms, 30 * 86400000LL);
	assert_int_equal(c.backoff_ms, 86400000);
	assert_int_equal(c.backoff_max_ms, 30 * 86400000LL);
	/* Keys not in the file are back to their defaults. */
	assert_null(c.database);
	assert_string_equal(c.schedules_dir, JOBD_SYSCONFDIR "/schedules.d");

	assert_int_equal(load(&c,
	    "[jobd]\n"
	    "workers = 1\n"
	    "poll_interval = 1h\n"
	    "visibility_timeout = 1s\n"
	    "max_output = 1K\n"
	    "[job]\n"
	    "max_attempts = 1\n"
	    "backoff = 100ms\n"
	    "backoff_max = 100ms\n", err), 0);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.poll_interval_ms, 3600000);
	assert_int_equal(c.visibility_timeout_ms, 1000);
	assert_int_equal(c.max_output, 1024);
	/* Not in the file: no limit. */
	assert_int_equal(c.max_running_per_user, 0);
	assert_int_equal(c.max_attempts, 1);
	assert_int_equal(c.backoff_ms, 100);
	assert_int_equal(c.backoff_max_ms, 100);
	config_free(&c);
}

/*
 * [quota]: 0 (no limit) by default; the bounds load; a bad value is one
 * line naming the file, the line, the key and the allowed range; the
 * sizes print to load again.
 */
static void
test_config_quota(void **state)
{
	struct jd_config c, r;
	char err[ERRLEN], *out;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.quota.pending, 0);
	assert_int_equal(c.quota.schedules, 0);
	assert_int_equal(c.quota.output, 0);

	assert_int_equal(load(&c,
	    "[quota]\n"
	    "pending = 100\n"
	    "schedules = 20\n"
	    "output = 256M\n", err), 0);
	assert_int_equal(c.quota.pending, 100);
	assert_int_equal(c.quota.schedules, 20);
	assert_int_equal(c.quota.output, 256LL << 20);
	out = print_config(&c);
	assert_contains(out, "[quota]\npending = 100\nschedules = 20\n"
	    "output = 256M\n");
	assert_int_equal(config_defaults(&r), 0);
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	free(out);
	config_free(&r);

	assert_int_equal(load(&c,
	    "[quota]\n"
	    "pending = 1000000000\n"
	    "schedules = 1000000\n"
	    "output = 512G\n", err), 0);
	assert_int_equal(c.quota.pending, 1000000000);
	assert_int_equal(c.quota.schedules, 1000000);
	assert_int_equal(c.quota.output, 512LL << 30);
	assert_int_equal(load(&c, "[quota]\noutput = 1536\n", err), 0);
	assert_int_equal(c.quota.output, 1536);
	/* Keys not in the file are back to no limit. */
	assert_int_equal(c.quota.pending, 0);
	assert_int_equal(c.quota.schedules, 0);

	/* A bad file changes nothing. */
	assert_int_equal(load(&c, "[quota]\n\npending = -1\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":3: pending = \"-1\": must be "
	    "between 0 and 1000000000");
	assert_int_equal(load(&c, "[quota]\npending = 1000000001\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: pending = \"1000000001\": must "
	    "be between 0 and 1000000000");
	assert_int_equal(load(&c, "[quota]\npending = ten\n", err), -EINVAL);
	assert_string_equal(err, NAME ":2: pending = \"ten\": not an "
	    "integer");
	assert_int_equal(load(&c, "[quota]\nschedules = 1000001\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: schedules = \"1000001\": must "
	    "be between 0 and 1000000");
	assert_int_equal(load(&c, "[quota]\noutput = 1MB\n", err), -EINVAL);
	assert_string_equal(err, NAME ":2: output = \"1MB\": not a size like "
	    "\"65536\", \"64K\" or \"1M\"");
	assert_int_equal(load(&c, "[quota]\noutput = 513G\n", err), -EINVAL);
	assert_string_equal(err, NAME ":2: output = \"513G\": must be "
	    "between 0 and 512G");
	assert_int_equal(load(&c, "[quota]\nrunning = 2\n", err), -EINVAL);
	assert_string_equal(err, NAME ":2: unknown key \"running\" in "
	    "section [quota]");
	assert_int_equal(load(&c, "[quota]\noutput =\n", err), -EINVAL);
	assert_string_equal(err, NAME ":2: output = \"\": a value is "
	    "required");
	assert_int_equal(c.quota.output, 1536);
	config_free(&c);
}

static void
test_config_sizes_and_durations(void **state)
{
	static const struct {
		const char	*text;
		int64_t		 bytes;
	} sizes[] = {
		{ "64K", 65536 },
		{ "65536", 65536 },
		{ "1024", 1024 },
		{ "1025", 1025 },
		{ "2M", 2 * 1048576 },
		{ "1536K", 1536 * 1024 },
		{ "0001K", 1024 },
		{ "64M", 64 * 1048576 },
	};
	struct jd_config c;
	char buf[128], err[ERRLEN];
	size_t i;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(buf, sizeof(buf), "[jobd]\nmax_output = %s\n",
		    sizes[i].text);
		assert_int_equal(load(&c, buf, err), 0);
		assert_int_equal(c.max_output, sizes[i].bytes);
	}
	assert_int_equal(load(&c, "[job]\ntimeout = 1h30m\n"
	    "backoff = 1500ms\n", err), 0);
	assert_int_equal(c.timeout_ms, 5400000);
	assert_int_equal(c.backoff_ms, 1500);
	assert_int_equal(load(&c, "[jobd]\nworkers = 007\n", err), 0);
	assert_int_equal(c.workers, 7);
	config_free(&c);
}

static void
test_config_bad_inputs(void **state)
{
	static const struct {
		const char	*text;
		int		 line;
		const char	*want;
	} bad[] = {
		/* Sections and keys. */
		{ "[jobd]\nwokers = 4\n", 2,
		    "unknown key \"wokers\" in section [jobd]" },
		{ "[jbod]\n", 1, "unknown section [jbod]" },
		{ "[jbod]\nworkers = 4\n", 1, "unknown section [jbod]" },
		{ "[jobd]\nworkers = 4\n\n[jbod]\n", 4,
		    "unknown section [jbod]" },
		{ "[JOBD]\n", 1, "unknown section [JOBD]" },
		{ "[jobd]\nWorkers = 4\n", 2, "unknown key \"Workers\"" },
		{ "[job]\nworkers = 4\n", 2,
		    "unknown key \"workers\" in section [job]" },
		{ "workers = 4\n[jobd]\n", 1,
		    "key \"workers\" before any section" },
		{ "# a comment\n\nworkers = 4\n", 3,
		    "key \"workers\" before any section" },
		{ "\xef\xbb\xbf[jbod]\n", 1, "unknown section [jbod]" },
		{ "[jobd]\n  [job]\n  wokers = 1\n", 3,
		    "unknown key \"wokers\" in section [job]" },
		/* A job's process options (procopt.c). */
		{ "[job]\numask = 999\n", 2,
		    "umask = \"999\": not an octal mode like 022 or 0027" },
		{ "[job]\numask = abc\n", 2, "not an octal mode" },
		{ "[job]\numask = 1777\n", 2,
		    "umask = \"1777\": must be between 000 and 777" },
		{ "[job]\numask =\n", 2, "umask = \"\": a value is required" },
		{ "[job]\nlimit_nofile = -1\n", 2,
		    "limit_nofile = \"-1\": not a whole number" },
		{ "[job]\nlimit_nofile = unlimited\n", 2,
		    "limit_nofile = \"unlimited\": cannot be unlimited" },
		{ "[job]\nlimit_nproc = 0\n", 2,
		    "limit_nproc = \"0\": must be between 1 and 4194304, "
		    "or unlimited" },
		{ "[job]\nlimit_as = 1Q\n", 2,
		    "limit_as = \"1Q\": not a size like" },
		{ "[job]\nlimit_as = 1K\n", 2,
		    "limit_as = \"1K\": must be between 1M and 1024T" },
		{ "[job]\nlimit_cpu = 1500ms\n", 2,
		    "limit_cpu = \"1500ms\": not whole seconds" },
		{ "[job]\nlimit_cpu = soon\n", 2,
		    "limit_cpu = \"soon\": not a duration" },
		{ "[jobd]\nlocale_file = default/locale\n", 2,
		    "locale_file = \"default/locale\": must be an absolute "
		    "path" },
		/* Integers. */
		{ "[jobd]\nworkers = four\n", 2,
		    "workers = \"four\": not an integer" },
		{ "[jobd]\nworkers = 4x\n", 2,
		    "workers = \"4x\": not an integer" },
		{ "[jobd]\nworkers = +4\n", 2, "not an integer" },
		{ "[jobd]\nworkers = 0x10\n", 2, "not an integer" },
		{ "[jobd]\nworkers = 4.0\n", 2, "not an integer" },
		{ "[jobd]\nworkers = -\n", 2, "not an integer" },
		{ "[jobd]\nworkers = 4 ; four of them\n", 2,
		    "workers = \"4 ; four of them\": not an integer" },
		{ "[jobd]\nworkers = 0\n", 2,
		    "workers = \"0\": must be between 1 and 256" },
		{ "[jobd]\nworkers = 257\n", 2,
		    "workers = \"257\": must be between 1 and 256" },
		{ "[jobd]\nworkers = -1\n", 2,
		    "workers = \"-1\": must be between 1 and 256" },
		{ "[jobd]\nworkers = 99999999999999999999\n", 2,
		    "must be between 1 and 256" },
		{ "[jobd]\r\nworkers = 0\r\n", 2,
		    "workers = \"0\": must be between 1 and 256" },
		{ "[job]\nmax_attempts = 0\n", 2,
		    "max_attempts = \"0\": must be between 1 and 1000" },
		{ "[job]\nmax_attempts = 1001\n", 2,
		    "max_attempts = \"1001\": must be between 1 and 1000" },
		{ "[job]\nmax_attempts = 1 000\n", 2, "not an integer" },
		/* Words. */
		{ "[jobd]\ncgroups = maybe\n", 2,
		    "cgroups = \"maybe\": must be one of auto|off" },
		{ "[jobd]\ncgroups = Off\n", 2,
		    "cgroups = \"Off\": must be one of auto|off" },
		{ "[jobd]\ncgroups = autooff\n", 2, "must be one of auto|off" },
		/* Metrics. */
		{ "[jobd]\nmetrics_interval = 999ms\n", 2,
		    "metrics_interval = \"999ms\": must be between 1s and 1h" },
		{ "[jobd]\nmetrics_interval = 2h\n", 2,
		    "metrics_interval = \"2h\": must be between 1s and 1h" },
		{ "[jobd]\nmetrics_interval = often\n", 2,
		    "metrics_interval = \"often\": not a duration" },
		{ "[jobd]\nmetrics_file = jobd.prom\n", 2,
		    "metrics_file = \"jobd.prom\": must be an absolute path" },
		/* Durations. */
		{ "[jobd]\npoll_interval = 99ms\n", 2,
		    "poll_interval = \"99ms\": must be between 100ms and 1h" },
		{ "[jobd]\npoll_interval = 1h1ms\n", 2,
		    "poll_interval = \"1h1ms\": must be between 100ms and 1h" },
		{ "[jobd]\npoll_interval = 30\n", 2,
		    "poll_interval = \"30\": not a duration" },
		{ "[jobd]\npoll_interval = 5x\n", 2,
		    "poll_interval = \"5x\": not a duration" },
		{ "[jobd]\npoll_interval = 1m1h\n", 2, "not a duration" },
		{ "[jobd]\nvisibility_timeout = 999ms\n", 2,
		    "must be between 1s and 1d" },
		{ "[jobd]\nvisibility_timeout = 25h\n", 2,
		    "visibility_timeout = \"25h\": must be between 1s and 1d" },
		{ "[jobd]\nshutdown_grace = 61m\n", 2,
		    "shutdown_grace = \"61m\": must be between 0s and 1h" },
		{ "[jobd]\nkill_grace = 10m1s\n", 2,
		    "kill_grace = \"10m1s\": must be between 0s and 10m" },
		{ "[jobd]\nkill_grace = -1s\n", 2, "not a duration" },
		{ "[job]\ntimeout = 30d1ms\n", 2,
		    "timeout = \"30d1ms\": must be between 0s and 30d" },
		{ "[job]\nbackoff = 99ms\n", 2,
		    "backoff = \"99ms\": must be between 100ms and 1d" },
		{ "[job]\nbackoff = 1d1ms\n", 2,
		    "must be between 100ms and 1d" },
		{ "[job]\nbackoff_max = 31d\n", 2,
		    "backoff_max = \"31d\": must be between 100ms and 30d" },
		{ "[job]\nbackoff_max = 99ms\n", 2,
		    "must be between 100ms and 30d" },
		{ "[job]\ntimeout = 99999999999999999999d\n", 2,
		    "must be between 0s and 30d" },
		/* Sizes. */
		{ "[jobd]\nmax_output = 1023\n", 2,
		    "max_output = \"1023\": must be between 1K and 64M" },
		{ "[jobd]\nmax_output = 65M\n", 2,
		    "max_output = \"65M\": must be between 1K and 64M" },
		{ "[jobd]\nmax_output = 1G\n", 2,
		    "must be between 1K and 64M" },
		{ "[jobd]\nmax_output = 99999999999999999999G\n", 2,
		    "must be between 1K and 64M" },
		{ "[jobd]\nmax_output = 1.5M\n", 2,
		    "max_output = \"1.5M\": not a size" },
		{ "[jobd]\nmax_output = 1k\n", 2, "not a size" },
		{ "[jobd]\nmax_output = 1MB\n", 2, "not a size" },
		{ "[jobd]\nmax_output = 1 M\n", 2, "not a size" },
		{ "[jobd]\nmax_output = M\n", 2, "not a size" },
		{ "[jobd]\nmax_output = -1K\n", 2, "not a size" },
		/* Paths. */
		{ "[jobd]\nschedules_dir = etc/schedules.d\n", 2,
		    "schedules_dir = \"etc/schedules.d\": must be an absolute "
		    "path" },
		{ "[jobd]\ndatabase = jobs.db\n", 2,
		    "database = \"jobs.db\": must be an absolute path" },
		{ "[jobd]\ndatabase = ~/jobs.db\n", 2,
		    "must be an absolute path" },
		/* Empty values. */
		{ "[jobd]\nworkers =\n", 2,
		    "workers = \"\": a value is required" },
		{ "[jobd]\nschedules_dir =   \n", 2,
		    "schedules_dir = \"\": a value is required" },
		{ "[jobd]\npoll_interval =\n", 2,
		    "poll_interval = \"\": a value is required" },
		{ "[jobd]\nmax_output =\n", 2,
		    "max_output = \"\": a value is required" },
		/* Repeats. */
		{ "[jobd]\nworkers = 2\n\nworkers = 3\n", 4,
		    "duplicate key \"workers\" (first set on line 2)" },
		{ "[jobd]\nworkers = 2\n[job]\nbackoff = 1s\n[jobd]\n"
		    "workers = 2\n", 6,
		    "duplicate key \"workers\" (first set on line 2)" },
		/* Syntax. */
		{ "[jobd]\nworkers 4\n", 2,
		    "expected \"key = value\" or \"[section]\"" },
		{ "[jobd]\nworkers: 4\n", 2,
		    "expected \"key = value\" or \"[section]\"" },
		{ "[jobd]\n= 4\n", 2,
		    "expected \"key = value\" or \"[section]\"" },
		{ "[jobd\nworkers = 4\n", 1, "bad section header \"[jobd\"" },
		{ "[jobd] x\n", 1, "bad section header" },
		{ "[jobd]]\n", 1, "bad section header" },
		{ "[]\n", 1, "empty section name" },
		{ "[jobd]\n[0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "012345678]\n", 2,
		    "section name too long (129 bytes, at most 128)" },
		/* A key line that ends in a backslash needs a next line. */
		{ "[jobd]\nworkers = 4\\", 2,
		    "the line ends in \"\\\" but no line follows" },
		{ "[jobd]\nworkers = 4\\\n", 2,
		    "the line ends in \"\\\" but no line follows" },
		{ "[jobd]\nworkers = \\\n  \xff\n", 3,
		    "invalid UTF-8 (byte 0xff) at column 3" },
		{ "[jobd]\n\xef\xbb\xbf[job]\n", 2,
		    "invisible formatting character U+FEFF at column 1" },
		/* Text: UTF-8, no C1 controls, nothing invisible. */
		{ "[jobd]\nschedules_dir = /srv/\xff\n", 2,
		    "invalid UTF-8 (byte 0xff) at column 22" },
		{ "[jobd]\nschedules_dir = /srv/\xc3\n", 2,
		    "invalid UTF-8 (byte 0xc3) at column 22" },
		{ "# \xc0\xaf overlong\n", 1, "invalid UTF-8 (byte 0xc0)" },
		{ "[jobd]\nschedules_dir = /srv/\xc2\x9b" "31m\n", 2,
		    "control character U+009B at column 22" },
		{ "[jobd]\nschedules_dir = /srv/a\xe2\x80\xae" "b\n", 2,
		    "invisible formatting character U+202E at column 23" },
		/* Control bytes, in values and comments alike. */
		{ "[jobd]\nworkers = 4\x01\n", 2,
		    "control character 0x01 at column 12" },
		{ "[jobd]\nworkers = 4\x7f\n", 2, "control character 0x7f" },
		{ "[jobd]\nworkers = 4\r5\n", 2, "control character 0x0d" },
		{ "[jobd]\nworkers = 4\r", 2, "control character 0x0d" },
		{ "; a \x1b[31mred\x1b[0m comment\n", 1,
		    "control character 0x1b" },
		{ "[jobd]\n\x0b workers = 4\n", 2, "control character 0x0b" },
		/* Checks across keys. */
		{ "[job]\nbackoff = 1m\nbackoff_max = 30s\n", 3,
		    "backoff_max (30s) must not be less than backoff (1m)" },
		{ "[job]\nbackoff_max = 30s\nbackoff = 1m\n", 3,
		    "backoff_max (30s) must not be less than backoff (1m)" },
		{ "[job]\nbackoff = 2h\n", 2,
		    "backoff_max (1h) must not be less than backoff (2h)" },
		{ "[job]\nbackoff_max = 5s\n\n", 2,
		    "backoff_max (5s) must not be less than backoff (10s)" },
	};
	size_t i;

	(void)state;
	assert_true(sizeof(bad) / sizeof(bad[0]) >= 30);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i].text, strlen(bad[i].text), bad[i].line,
		    bad[i].want);
	/* A NUL byte is a control byte too. */
	expect_bad("[jobd]\nworkers = 4\0\n", 20, 2, "control character 0x00");
	expect_bad("\0", 1, 1, "control character 0x00");
}

/* "[jobd]\nschedules_dir = /aaa..." with a second line of len bytes. */
static char *
long_line(size_t len, const char *key, const char *eol)
{
	char *buf;
	size_t klen = strlen(key), off;

	buf = malloc(len + 32);
	assert_non_null(buf);
	off = (size_t)sprintf(buf, "[jobd]\n%s/", key);
	while (off < 7 + len)
		buf[off++] = 'a';
	strcpy(buf + off, eol);
	assert_true(7 + klen < len);
	return buf;
}

static void
test_config_line_limit(void **state)
{
	struct jd_config c, r;
	char err[ERRLEN], *buf, *out;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);

	/* 198 bytes (inih's line): fine, with or without LF, CRLF, and
	 * printable again. */
	buf = long_line(198, "schedules_dir = ", "\n");
	assert_int_equal(load(&c, buf, err), 0);
	assert_int_equal(strlen(c.schedules_dir), 198 - 16);
	free(buf);
	buf = long_line(198, "schedules_dir = ", "");
	assert_int_equal(load(&c, buf, err), 0);
	free(buf);
	buf = long_line(198, "schedules_dir = ", "\r\n");
	assert_int_equal(load(&c, buf, err), 0);
	assert_int_equal(strlen(c.schedules_dir), 198 - 16);
	free(buf);
	buf = long_line(198, "schedules_dir=", "\n");
	assert_int_equal(load(&c, buf, err), 0);
	assert_int_equal(strlen(c.schedules_dir), 198 - 14);
	free(buf);
	/* "schedules_dir = " + 184 bytes would not fit: printed compactly. */
	out = print_config(&c);
	assert_int_equal(config_defaults(&r), 0);
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	config_free(&r);
	free(out);

	/* Longer than inih's buffer: read whole, never split. */
	buf = long_line(199, "schedules_dir = ", "\n");
	assert_int_equal(load(&c, buf, err), 0);
	assert_int_equal(strlen(c.schedules_dir), 199 - 16);
	free(buf);
	buf = long_line(3000, "schedules_dir = ", "\r\nworkers = 3\n");
	assert_int_equal(load(&c, buf, err), 0);
	assert_int_equal(strlen(c.schedules_dir), 3000 - 16);
	assert_int_equal(c.workers, 3);
	free(buf);
	buf = long_line(500, "#", "\n");
	assert_int_equal(load(&c, buf, err), 0);
	free(buf);

	/* Continuation: the backslash, the line end, the indent go. */
	assert_int_equal(load(&c, "[jobd]\nschedules_dir = /srv/a \\\n"
	    "    b\\\r\n\tc\\\n\nworkers = 2\n", err), 0);
	assert_string_equal(c.schedules_dir, "/srv/a bc");
	assert_int_equal(c.workers, 2);
	/* A comment never continues; a backslash before a blank does not. */
	assert_int_equal(load(&c, "[jobd]\n# a \\\nworkers = 5\n", err), 0);
	assert_int_equal(c.workers, 5);
	assert_int_equal(load(&c, "[jobd]\nschedules_dir = /srv/x\\ \n"
	    "workers = 3\n", err), 0);
	assert_string_equal(c.schedules_dir, "/srv/x\\");
	assert_int_equal(c.workers, 3);

	/* Past CONFIG_LINE_MAX, joined or not: refused, c unchanged. */
	buf = long_line(CONFIG_LINE_MAX + 1, "schedules_dir = ", "\n");
	expect_bad(buf, strlen(buf), 2, "line too long (more than");
	free(buf);
	config_free(&c);
}

static void
test_config_semicolon_and_hash_kept(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, "[jobd]\nschedules_dir = /etc/a;b#c\n",
	    err), 0);
	assert_string_equal(c.schedules_dir, "/etc/a;b#c");
	assert_int_equal(load(&c,
	    "[jobd]\n"
	    "schedules_dir = /etc/a ;b # c;\n"
	    "database = /srv/x:y/j;obs.db\n", err), 0);
	assert_string_equal(c.schedules_dir, "/etc/a ;b # c;");
	assert_string_equal(c.database, "/srv/x:y/j;obs.db");
	config_free(&c);
}

static void
test_config_comments_ignored(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c,
	    "; a comment\n"
	    "# another\n"
	    "[jobd]\n"
	    ";workers = 100\n"
	    "#workers = 200\n"
	    "   ; indented; comment = x\n"
	    "\t# tab-indented [job]\n"
	    "workers = 7\n"
	    "#\n"
	    ";\n"
	    "[job]\n"
	    "# max_attempts = 9\n", err), 0);
	assert_int_equal(c.workers, 7);
	assert_int_equal(c.max_attempts, 5);
	config_free(&c);
}

static void
test_config_indented_keys(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	/* Stock inih takes an indented line as a continuation. */
	assert_int_equal(load(&c,
	    "  [jobd]\n"
	    "workers = 7\n"
	    "    max_output = 2M\n"
	    "\tpoll_interval = 5s\t\n"
	    " \t kill_grace=1s\n"
	    "[job]  \n"
	    "   max_attempts = 2\n", err), 0);
	assert_int_equal(c.workers, 7);
	assert_int_equal(c.max_output, 2 * 1048576);
	assert_int_equal(c.poll_interval_ms, 5000);
	assert_int_equal(c.kill_grace_ms, 1000);
	assert_int_equal(c.max_attempts, 2);
	config_free(&c);
}

static void
test_config_bom_and_crlf(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, "\xef\xbb\xbf[jobd]\nworkers = 3\n", err),
	    0);
	assert_int_equal(c.workers, 3);
	assert_int_equal(load(&c, "\xef\xbb\xbf" "workers", err), -EINVAL);
	assert_int_equal(load(&c,
	    "[jobd]\r\nworkers = 5\r\n\r\n[job]\r\nmax_attempts = 2", err),
	    0);
	assert_int_equal(c.workers, 5);
	assert_int_equal(c.max_attempts, 2);
	config_free(&c);
}

static void
test_config_reload_over_defaults(void **state)
{
	struct jd_config c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, base_conf, err), 0);
	assert_int_equal(load(&c, "[job]\nmax_attempts = 8\n", err), 0);
	assert_null(c.database);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.max_attempts, 8);
	assert_string_equal(c.schedules_dir, JOBD_SYSCONFDIR "/schedules.d");
	/* An empty database means the path rule. */
	assert_int_equal(load(&c, "[jobd]\ndatabase =\n", err), 0);
	assert_null(c.database);
	/* A zeroed struct may be loaded into too. */
	config_free(&c);
	assert_int_equal(load(&c, base_conf, err), 0);
	assert_int_equal(c.workers, 9);
	config_free(&c);
}

static void
test_config_load_file(void **state)
{
	struct jd_config c;
	struct snap s;
	char dir[256], path[512], err[ERRLEN];
	int fd_before, fd_after;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/jobd.conf", dir);
	write_file(path, base_conf, strlen(base_conf));
	fd_before = dup(0);
	close(fd_before);

	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.workers, 9);
	assert_string_equal(c.database, "/srv/jobd/jobs.db");

	/* A bad line: "PATH:LINE: reason", c unchanged. */
	snap_take(&s, &c);
	write_file(path, "[jobd]\n\nworkers = 0\n",
	    strlen("[jobd]\n\nworkers = 0\n"));
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_prefix(err, path, 3);
	assert_contains(err, "workers = \"0\": must be between 1 and 256");
	snap_check(&s, &c);
	unlink(path);

	/* Missing file. */
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -ENOENT);
	assert_prefix(err, path, 0);
	snap_check(&s, &c);

	/* A directory, a device. */
	assert_int_equal(config_load(&c, dir, err, sizeof(err)), -EISDIR);
	assert_prefix(err, dir, 0);
	assert_contains(err, "is a directory");
	snap_check(&s, &c);
	assert_int_equal(config_load(&c, "/dev/null", err, sizeof(err)),
	    -EINVAL);
	assert_contains(err, "/dev/null: not a regular file");
	snap_check(&s, &c);

	fd_after = dup(0);
	close(fd_after);
	assert_int_equal(fd_before, fd_after);	/* nothing left open */
	snap_free(&s);
	config_free(&c);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_config_load_file_size_cap(void **state)
{
	struct jd_config c;
	char dir[256], path[512], err[ERRLEN], *buf;
	size_t i;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	buf = malloc(CONFIG_FILE_MAX + 1);
	assert_non_null(buf);
	for (i = 0; i < CONFIG_FILE_MAX + 1; i++)
		buf[i] = i % 64 == 63 ? '\n' : i % 64 == 0 ? '#' : 'x';
	assert_int_equal(config_defaults(&c), 0);

	write_file(path, buf, CONFIG_FILE_MAX);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	write_file(path, buf, CONFIG_FILE_MAX + 1);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EFBIG);
	assert_prefix(err, path, 0);
	assert_contains(err, "too large");
	assert_is_defaults(&c);

	free(buf);
	config_free(&c);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

struct call {
	char	section[64];
	char	key[64];
	char	value[256];
	int	line;
};

struct calls {
	struct call	 v[32];
	int		 n;
	const char	*fail_key;	/* fail when this key comes */
};

static int
record_cb(void *arg, const char *section, const char *key, const char *value,
    int line, char *err, size_t errlen)
{
	struct calls *cs = arg;
	struct call *c;

	assert_true(cs->n < 32);
	c = &cs->v[cs->n++];
	snprintf(c->section, sizeof(c->section), "%s", section);
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->value, sizeof(c->value), "%s", value);
	c->line = line;
	if (cs->fail_key != NULL && strcmp(key, cs->fail_key) == 0) {
		snprintf(err, errlen, "no %s here", key);
		return -EINVAL;
	}
	return 0;
}

static void
assert_call(const struct call *c, const char *section, const char *key,
    const char *value, int line)
{
	assert_string_equal(c->section, section);
	assert_string_equal(c->key, key);
	assert_string_equal(c->value, value);
	assert_int_equal(c->line, line);
}

static const char sched_text[] =
    "top = level\n"					/* 1 */
    "\n"
    "[backup]\n"					/* 3 */
    "; comment\n"
    "command = tar czf x.tgz /etc ; echo done\n"	/* 5 */
    "  schedule = 0 3 * * *\n"				/* 6 */
    "# another = comment\n"
    "[a;b:c]\n"						/* 8 */
    "x:y = 1:2;3#4 = 5\n"				/* 9 */
    "empty =\n"						/* 10 */
    "[backup]\n"
    "env = A=B\n";					/* 12 */

/* Count keys; fail at "k19999". */
static int
count_cb(void *arg, const char *section, const char *key, const char *value,
    int line, char *err, size_t errlen)
{
	int *n = arg;

	(void)section;
	(void)value;
	(void)line;
	++*n;
	if (strcmp(key, "k19999") == 0) {
		snprintf(err, errlen, "%s is the last", key);
		return -EINVAL;
	}
	return 0;
}

static void
test_config_read_ini_callback(void **state)
{
	struct calls cs;
	char dir[256], path[512], err[ERRLEN], *big, *p;
	const char *text;
	int i, nkeys;

	(void)state;
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(config_read_ini_buf(sched_text, strlen(sched_text),
	    "s.conf", record_cb, &cs, err, sizeof(err)), 0);
	assert_int_equal(cs.n, 6);
	assert_call(&cs.v[0], "", "top", "level", 1);
	assert_call(&cs.v[1], "backup", "command",
	    "tar czf x.tgz /etc ; echo done", 5);
	assert_call(&cs.v[2], "backup", "schedule", "0 3 * * *", 6);
	assert_call(&cs.v[3], "a;b:c", "x:y", "1:2;3#4 = 5", 9);
	assert_call(&cs.v[4], "a;b:c", "empty", "", 10);
	assert_call(&cs.v[5], "backup", "env", "A=B", 12);

	/* The same from a file; messages name the path unless told. */
	tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/s.conf", dir);
	write_file(path, sched_text, strlen(sched_text));
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(config_read_ini(path, NULL, record_cb, &cs, err,
	    sizeof(err)), 0);
	assert_int_equal(cs.n, 6);
	assert_call(&cs.v[5], "backup", "env", "A=B", 12);

	/* The callback's error, prefixed; nothing after it is read. */
	memset(&cs, 0, sizeof(cs));
	cs.fail_key = "schedule";
	assert_int_equal(config_read_ini(path, NULL, record_cb, &cs, err,
	    sizeof(err)), -EINVAL);
	assert_int_equal(cs.n, 3);
	assert_prefix(err, path, 6);
	assert_contains(err, ": no schedule here");
	memset(&cs, 0, sizeof(cs));
	cs.fail_key = "env";
	assert_int_equal(config_read_ini(path, "sched.conf", record_cb, &cs,
	    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "sched.conf:12: no env here");

	/* A key repeated in a section is refused before fn sees it. */
	memset(&cs, 0, sizeof(cs));
	text = "[a]\nk = 1\n[b]\nk = 2\n[a]\nk = 3\n";
	assert_int_equal(config_read_ini_buf(text, strlen(text), "d.conf",
	    record_cb, &cs, err, sizeof(err)), -EINVAL);
	assert_int_equal(cs.n, 2);
	assert_string_equal(err,
	    "d.conf:6: duplicate key \"k\" (first set on line 2)");

	/* The first error only, and fn is not called after it. */
	memset(&cs, 0, sizeof(cs));
	text = "[a]\nbad\nk = 1\nworse\n";
	assert_int_equal(config_read_ini_buf(text, strlen(text), "e.conf",
	    record_cb, &cs, err, sizeof(err)), -EINVAL);
	assert_int_equal(cs.n, 0);
	assert_string_equal(err,
	    "e.conf:2: expected \"key = value\" or \"[section]\"");

	/* Many keys: the repeat check scales. */
	big = malloc(20000 * 16);
	assert_non_null(big);
	p = big + sprintf(big, "[s]\n");
	for (i = 0; i < 20000; i++)
		p += sprintf(p, "k%d = %d\n", i, i);
	nkeys = 0;
	assert_int_equal(config_read_ini_buf(big, (size_t)(p - big), "big.conf",
	    count_cb, &nkeys, err, sizeof(err)), -EINVAL);
	assert_int_equal(nkeys, 20000);
	assert_string_equal(err, "big.conf:20001: k19999 is the last");
	free(big);

	/* Unreadable. */
	unlink(path);
	assert_int_equal(config_read_ini(path, "x.conf", record_cb, &cs, err,
	    sizeof(err)), -ENOENT);
	assert_prefix(err, path, 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * The mail keys: a mailer named in the file must be an executable file,
 * the default is not checked; mail_from is one address; mail_on a policy.
 * A bad one leaves the config as it was.
 */
/*
 * database = takes an absolute path or a PostgreSQL URI; the URI is
 * printed with its password masked, and a bad one is refused without it.
 */
/* socket: a path, "none", or the default rule; and jobctl's lookup. */
static void
test_config_socket(void **state)
{
	char err[ERRLEN], buf[256], *out = NULL;
	struct jd_config c;
	size_t len = 0;
	bool guess;
	FILE *fp;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_null(c.socket);
	unsetenv("JOBD_SOCKET");
	assert_int_equal(config_socket_path(&c, NULL, buf, sizeof(buf),
	    &guess), 0);
	assert_string_equal(buf, CONFIG_SOCKET_DEFAULT);
	assert_true(guess);

	assert_int_equal(load(&c, "[jobd]\nsocket = none\n"
	    "socket_group = jobs\n", err), 0);
	assert_string_equal(c.socket, "");
	assert_string_equal(c.socket_group, "jobs");
	assert_non_null(fp = open_memstream(&out, &len));
	assert_int_equal(config_print(&c, fp), 0);
	fclose(fp);
	assert_non_null(strstr(out, "\nsocket = none\nsocket_group = jobs\n"));
	free(out);

	assert_int_equal(load(&c, "[jobd]\nsocket = /srv/jobd.sock\n", err),
	    0);
	assert_int_equal(config_socket_path(&c, NULL, buf, sizeof(buf),
	    &guess), 0);
	assert_string_equal(buf, "/srv/jobd.sock");
	assert_true(guess);
	setenv("JOBD_SOCKET", "/env.sock", 1);
	assert_int_equal(config_socket_path(&c, NULL, buf, sizeof(buf),
	    &guess), 0);
	assert_string_equal(buf, "/env.sock");
	assert_false(guess);
	assert_int_equal(config_socket_path(&c, "/flag.sock", buf,
	    sizeof(buf), &guess), 0);
	assert_string_equal(buf, "/flag.sock");
	assert_int_equal(config_socket_path(&c, "rel.sock", buf, sizeof(buf),
	    &guess), -EINVAL);
	unsetenv("JOBD_SOCKET");

	assert_int_equal(load(&c, "[jobd]\nsocket = jobd.sock\n", err),
	    -EINVAL);
	assert_non_null(strstr(err, NAME ":2: socket = \"jobd.sock\": must "
	    "be an absolute path"));
	assert_string_equal(c.socket, "/srv/jobd.sock");	/* unchanged */
	config_free(&c);
}

static void
test_config_database_uri(void **state)
{
	char err[ERRLEN], *out = NULL;
	struct jd_config c;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, "[jobd]\ndatabase = "
	    "postgresql://jobd:s3cret@db.example/jobs\n", err), 0);
	assert_string_equal(c.database,
	    "postgresql://jobd:s3cret@db.example/jobs");
	assert_non_null(fp = open_memstream(&out, &len));
	assert_int_equal(config_print(&c, fp), 0);
	fclose(fp);
	assert_non_null(strstr(out,
	    "database = postgresql://jobd:***@db.example/jobs\n"));
	assert_null(strstr(out, "s3cret"));
	free(out);

	assert_int_equal(load(&c, "[jobd]\ndatabase = "
	    "postgresql://jobd:s3cret@db.example/jobs?nosuch=1\n", err),
	    -EINVAL);
	assert_non_null(strstr(err, NAME ":2: database"));
	assert_null(strstr(err, "s3cret"));
	assert_int_equal(load(&c, "[jobd]\ndatabase = jobs.db\n", err),
	    -EINVAL);
	assert_non_null(strstr(err, "must be an absolute path or a "
	    "postgresql:// URI"));
	/* Unchanged by the refusals. */
	assert_string_equal(c.database,
	    "postgresql://jobd:s3cret@db.example/jobs");
	config_free(&c);
}

static void
test_config_mail(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char dir[1024], path[1100], text[1300], err[ERRLEN];
	struct jd_config c;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cfgmail.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(config_defaults(&c), 0);
	assert_null(c.mailer);
	assert_string_equal(config_mailer(&c), CONFIG_MAILER_DEFAULT);
	assert_null(c.mail_from);
	assert_int_equal(c.mail_on, MAIL_ON_FAILURE);

	snprintf(path, sizeof(path), "%s/sendmail", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0755)) >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(text, sizeof(text), "[jobd]\nmailer = %s\n"
	    "mail_from = jobd@example.com\n[job]\nmail_on = output\n", path);
	assert_int_equal(load(&c, text, err), 0);
	assert_string_equal(c.mailer, path);
	assert_string_equal(config_mailer(&c), path);
	assert_string_equal(c.mail_from, "jobd@example.com");
	assert_int_equal(c.mail_on, MAIL_ON_OUTPUT);

	/* Not executable, missing, a directory, relative: refused. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(load(&c, text, err), -EINVAL);
	snprintf(text, sizeof(text), "%s:2: mailer = \"%s\": not executable",
	    NAME, path);
	assert_string_equal(err, text);
	assert_string_equal(c.mailer, path);	/* unchanged */
	assert_int_equal(c.mail_on, MAIL_ON_OUTPUT);
	assert_int_equal(unlink(path), 0);
	snprintf(text, sizeof(text), "[jobd]\n\nmailer = %s\n", path);
	assert_int_equal(load(&c, text, err), -EINVAL);
	snprintf(text, sizeof(text), "%s:3: mailer = \"%s\": no such file",
	    NAME, path);
	assert_string_equal(err, text);
	snprintf(text, sizeof(text), "[jobd]\nmailer = %s\n", dir);
	assert_int_equal(load(&c, text, err), -EINVAL);
	snprintf(text, sizeof(text), "%s:2: mailer = \"%s\": not a regular "
	    "file", NAME, dir);
	assert_string_equal(err, text);
	assert_int_equal(load(&c, "[jobd]\nmailer = sendmail\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: mailer = \"sendmail\": must be "
	    "an absolute path");

	assert_int_equal(load(&c, "[jobd]\nmail_from = a@b, c@d\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: mail_from = \"a@b, c@d\": one "
	    "address only");
	assert_int_equal(load(&c, "[jobd]\nmail_from = a b\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: mail_from = \"a b\": address "
	    "\"a b\" contains a blank");
	assert_int_equal(load(&c, "[job]\nmail_on = sometimes\n", err),
	    -EINVAL);
	assert_string_equal(err, NAME ":2: mail_on = \"sometimes\": must be "
	    "one of never|failure|output|always");
	assert_int_equal(c.mail_on, MAIL_ON_OUTPUT);

	/* Empty: unset, the default. */
	assert_int_equal(load(&c, "[jobd]\nmailer =\nmail_from =\n", err),
	    0);
	assert_null(c.mailer);
	assert_null(c.mail_from);
	assert_int_equal(c.mail_on, MAIL_ON_FAILURE);
	config_free(&c);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_config_print_roundtrip(void **state)
{
	struct jd_config c, r;
	char err[ERRLEN], *out;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	out = print_config(&c);
	assert_string_equal(out,
	    "[jobd]\n"
	    "# database = (default path rule)\n"
	    "workers = 4\n"
	    "poll_interval = 30s\n"
	    "visibility_timeout = 5m\n"
	    "shutdown_grace = 30s\n"
	    "kill_grace = 10s\n"
	    "max_output = 1M\n"
	    "schedules_dir = " JOBD_SYSCONFDIR "/schedules.d\n"
	    "max_catchup = 100\n"
	    "locale_file = /etc/default/locale\n"
	    "cgroups = auto\n"
	    "# mailer = (/usr/sbin/sendmail)\n"
	    "# mail_from = (not set)\n"
	    "# metrics_file = (none)\n"
	    "metrics_interval = 15s\n"
	    "max_running_per_user = 0\n"
	    "# socket = (/run/jobd/jobd.sock for root, else none)\n"
	    "# socket_group = (none)\n"
	    "\n"
	    "[job]\n"
	    "max_attempts = 5\n"
	    "timeout = 0s\n"
	    "backoff = 10s\n"
	    "backoff_max = 1h\n"
	    "umask = 022\n"
	    "# limit_nofile = (jobd's own)\n"
	    "# limit_nproc = (jobd's own)\n"
	    "# limit_as = (jobd's own)\n"
	    "# limit_cpu = (jobd's own)\n"
	    "mail_on = failure\n"
	    "\n"
	    "[notify]\n"
	    "# on_dead = (none)\n"
	    "# on_failure = (none)\n"
	    "# on_success = (none)\n"
	    "max_attempts = 3\n"
	    "timeout = 5m\n"
	    "\n"
	    "[retention]\n"
	    "done = 7d\n"
	    "cancelled = 7d\n"
	    "dead = 30d\n"
	    "output = 7d\n"
	    "schedule_runs = 1000\n"
	    "interval = 1m\n"
	    "\n"
	    "[quota]\n"
	    "pending = 0\n"
	    "schedules = 0\n"
	    "output = 0\n");
	assert_int_equal(config_defaults(&r), 0);
	assert_int_equal(load(&r, base_conf, err), 0);
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	free(out);

	assert_int_equal(load(&c, base_conf, err), 0);
	assert_int_equal(load(&c,
	    "[jobd]\n"
	    "database = /srv/a;b#c/jobs.db\n"
	    "max_output = 1537\n"
	    "poll_interval = 1500ms\n"
	    "visibility_timeout = 90000ms\n"
	    "cgroups = off\n"
	    "[job]\n"
	    "timeout = 1d12h\n"
	    "backoff_max = 2d\n", err), 0);
	out = print_config(&c);
	assert_contains(out, "database = /srv/a;b#c/jobs.db\n");
	assert_contains(out, "max_output = 1537\n");
	assert_contains(out, "poll_interval = 1s500ms\n");
	assert_contains(out, "visibility_timeout = 1m30s\n");
	assert_contains(out, "cgroups = off\n");
	assert_int_equal(c.cgroups, CONFIG_CGROUPS_OFF);
	assert_contains(out, "timeout = 1d12h\n");
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	free(out);

	/* The process options: procopt.h's syntax, printed to load again. */
	assert_int_equal(load(&c,
	    "[job]\n"
	    "umask = 0027\n"
	    "limit_nofile = 256\n"
	    "limit_nproc = unlimited\n"
	    "limit_as = 2048M\n"
	    "limit_cpu = 90m\n", err), 0);
	assert_int_equal(c.proc.umask, 027);
	assert_int_equal(c.proc.limit[JOB_LIMIT_NOFILE], 256);
	assert_true(c.proc.limit[JOB_LIMIT_NPROC] == JOB_UNLIMITED);
	assert_int_equal(c.proc.limit[JOB_LIMIT_AS], 2048LL << 20);
	assert_int_equal(c.proc.limit[JOB_LIMIT_CPU], 5400);
	out = print_config(&c);
	assert_contains(out, "umask = 027\n");
	assert_contains(out, "limit_nofile = 256\n");
	assert_contains(out, "limit_nproc = unlimited\n");
	assert_contains(out, "limit_as = 2G\n");
	assert_contains(out, "limit_cpu = 1h30m\n");
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	free(out);

	assert_int_equal(load(&c, base_conf, err), 0);
	out = print_config(&c);
	assert_contains(out, "max_output = 256K\n");
	assert_int_equal(load(&r, "", err), 0);
	assert_int_equal(load(&r, out, err), 0);
	assert_config_equal(&c, &r);
	free(out);
	config_free(&c);
	config_free(&r);
}

/* $JOBD_TOP/rel, read whole; skips the test when JOBD_TOP is unset. */
static char *
read_top_file(const char *rel)
{
	const char *top = getenv("JOBD_TOP");
	char path[1024];
	char *buf;

	if (top == NULL || *top == '\0') {
		print_message("JOBD_TOP is not set: skipped (run with "
		    "JOBD_TOP=<repository top>)\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((buf = read_file(path)) == NULL)
		fail_msg("cannot read %s", path);
	return buf;
}

static void
test_config_sample_is_defaults(void **state)
{
	const char *top;
	struct jd_config c;
	char path[1024], err[ERRLEN];

	(void)state;
	free(read_top_file("etc/jobd.conf"));
	top = getenv("JOBD_TOP");
	snprintf(path, sizeof(path), "%s/etc/jobd.conf", top);
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, base_conf, err), 0);
	if (config_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_is_defaults(&c);
	config_free(&c);
}

/*
 * If "line" is a commented-out setting ("#key = value" or "# key = value",
 * key made of [a-z_]), return a pointer to the key, else NULL.
 */
static const char *
commented_key(const char *line, size_t *klen)
{
	const char *p = line, *k;

	if (*p++ != '#')
		return NULL;
	if (*p == ' ')
		p++;
	for (k = p; (*p >= 'a' && *p <= 'z') || *p == '_'; p++)
		;
	if (p == k || strncmp(p, " =", 2) != 0)
		return NULL;
	*klen = (size_t)(p - k);
	return k;
}

/* [queue NAME]: the settings of each queue, its errors, and printing. */
static void
test_config_queue_sections(void **state)
{
	static const char text[] =
	    "[queue mail]\n"
	    "concurrency = 4\n"
	    "rate = 100/1m\n"
	    "weight = 2\n"
	    "max_pending = 0\n"
	    "max_running_per_user = none\n"
	    "max_attempts = 3\n"
	    "timeout = 10m\n"
	    "backoff = 30s\n"
	    "backoff_max = 1h\n"
	    "[job]\n"
	    "max_attempts = 2\n"
	    "[queue  bulk.v2]\n";
	struct jd_config c, d;
	char err[ERRLEN], *out;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.nqueues, 0);
	if (load(&c, text, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.nqueues, 2);
	assert_string_equal(c.queues[0].name, "mail");
	assert_int_equal(c.queues[0].set.concurrency, 4);
	assert_int_equal(c.queues[0].set.rate_n, 100);
	assert_int_equal(c.queues[0].set.rate_period_ms, 60000);
	assert_int_equal(c.queues[0].set.weight, 2);
	assert_int_equal(c.queues[0].set.max_pending, 0);
	assert_int_equal(c.queues[0].set.max_running_per_user, QUEUE_NONE);
	assert_int_equal(c.queues[0].set.max_attempts, 3);
	assert_int_equal(c.queues[0].set.timeout_ms, 600000);
	assert_int_equal(c.queues[0].set.backoff_ms, 30000);
	assert_int_equal(c.queues[0].set.backoff_max_ms, 3600000);
	assert_int_equal(c.max_attempts, 2);
	assert_string_equal(c.queues[1].name, "bulk.v2");
	assert_false(queue_settings_any(&c.queues[1].set));

	/* What config_print writes loads back the same. */
	out = print_config(&c);
	assert_int_equal(config_defaults(&d), 0);
	if (load(&d, out, err) != 0)
		fail_msg("%s: %s", err, out);
	assert_int_equal(d.nqueues, 2);
	assert_memory_equal(&d.queues[0].set, &c.queues[0].set,
	    sizeof(c.queues[0].set));
	free(out);
	config_free(&d);

	/* A bad file leaves the config as it was, queues too. */
	assert_int_not_equal(load(&c, "[queue x]\nweight = 0\n", err), 0);
	assert_non_null(strstr(err, NAME ":2: weight = \"0\""));
	assert_int_equal(c.nqueues, 2);
	assert_int_not_equal(load(&c, "[queue x]\nfrob = 1\n", err), 0);
	assert_non_null(strstr(err, "unknown key \"frob\" in section "
	    "[queue x]"));
	assert_int_not_equal(load(&c, "[queue x]\n[queue x]\n", err), 0);
	assert_non_null(strstr(err, NAME ":2: [queue x] repeated"));
	assert_int_not_equal(load(&c, "[queue -x]\n", err), 0);
	assert_non_null(strstr(err, "invalid queue name"));
	assert_int_not_equal(load(&c, "[queue jobd.x]\n", err), 0);
	assert_int_not_equal(load(&c, "[queue]\n", err), 0);
	assert_int_not_equal(load(&c, "[queue x]\nbackoff = 1m\n"
	    "backoff_max = 1s\n", err), 0);
	assert_non_null(strstr(err, NAME ":3: [queue x]: backoff_max"));
	assert_int_equal(c.nqueues, 2);
	assert_string_equal(c.queues[0].name, "mail");
	config_free(&c);
}

static void
test_config_sample_documents_every_key(void **state)
{
	struct jd_config c, d;
	char *sample, *out, *uncommented, *line, *save, *p;
	char section[64] = "", sk[128], err[ERRLEN];
	char seen[4096] = "|";
	const char *k;
	size_t klen;
	int nkeys = 0;

	(void)state;
	sample = read_top_file("etc/jobd.conf");

	/* Uncomment every "#key = value" line; note "|section.key|". */
	uncommented = malloc(strlen(sample) + 2);
	assert_non_null(uncommented);
	p = uncommented;
	for (line = strtok_r(sample, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[') {
			snprintf(section, sizeof(section), "%.*s",
			    (int)(strcspn(line + 1, "]")), line + 1);
			p += sprintf(p, "%s\n", line);
		} else if ((k = commented_key(line, &klen)) != NULL) {
			p += sprintf(p, "%s\n", k);
			snprintf(sk, sizeof(sk), "%s.%.*s|", section,
			    (int)klen, k);
			assert_true(strlen(seen) + strlen(sk) < sizeof(seen));
			strcat(seen, sk);
		}
	}
	*p = '\0';

	/* Every key config_print knows, in its section, is in the sample. */
	assert_int_equal(config_defaults(&d), 0);
	out = print_config(&d);
	section[0] = '\0';
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[') {
			snprintf(section, sizeof(section), "%.*s",
			    (int)(strcspn(line + 1, "]")), line + 1);
			continue;
		}
		if (line[0] == '#')
			line += 2;	/* "# database = (default ...)" */
		klen = strcspn(line, " =");
		snprintf(sk, sizeof(sk), "|%s.%.*s|", section, (int)klen,
		    line);
		if (strstr(seen, sk) == NULL)
			fail_msg("etc/jobd.conf does not document %s", sk);
		nkeys++;
	}
	assert_int_equal(nkeys, 42);

	/* Every key of a [queue NAME] section, in the sample's example. */
	free(sample);
	sample = read_top_file("etc/jobd.conf");
	p = strstr(sample, "\n#[queue ");
	assert_non_null(p);
	for (nkeys = 0; nkeys < QK_N; nkeys++) {
		snprintf(sk, sizeof(sk), "\n#  %s = ",
		    queue_key_name((enum queue_key)nkeys));
		if (strstr(p, sk) == NULL)
			fail_msg("etc/jobd.conf does not document [queue] %s",
			    queue_key_name((enum queue_key)nkeys));
	}

	/* And the documented values, uncommented, are the defaults. */
	assert_int_equal(config_defaults(&c), 0);
	if (load(&c, uncommented, err) != 0)
		fail_msg("etc/jobd.conf uncommented: %s", err);
	if (strcmp(JOBD_SYSCONFDIR, "/etc/jobd") != 0) {
		/* The sample documents the stock /etc/jobd. */
		free(c.schedules_dir);
		c.schedules_dir = strdup(d.schedules_dir);
	}
	assert_config_equal(&c, &d);

	config_free(&c);
	config_free(&d);
	free(out);
	free(uncommented);
	free(sample);
}

enum path_fn { DB_PATH, CONFIG_PATH };

struct path_result {
	int	rc;
	bool	is_default;
	char	path[1024];
};

static void
path_call(enum path_fn fn, const struct jd_config *c,
    struct path_result *r)
{
	memset(r, 0, sizeof(*r));
	if (fn == DB_PATH)
		r->rc = config_db_path(c, NULL, r->path, sizeof(r->path),
		    &r->is_default);
	else
		r->rc = config_default_path(r->path, sizeof(r->path));
}

/*
 * Run the path rule fn as a user who is not root: directly if we are not
 * root, else in a child that switches to uid NOBODY.  Returns the uid used.
 */
static uid_t
path_as_user(enum path_fn fn, const struct jd_config *c,
    struct path_result *r)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (getuid() != 0) {
		path_call(fn, c, r);
		return getuid();
	}
	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(fds[0]);
		if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(99);
		path_call(fn, c, r);
		if (write(fds[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(98);
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(*r) &&
	    (n = read(fds[0], (char *)r + got, sizeof(*r) - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
		print_message("cannot switch to uid %d: skipped\n", NOBODY);
		skip();
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(*r));
	return NOBODY;
}

/* The password database's home of uid, or NULL. */
static const char *
pw_home(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? pw->pw_dir : NULL;
}

static void
test_config_db_path(void **state)
{
	struct jd_config c;
	struct path_result r;
	char buf[1024], want[1024], err[ERRLEN];
	bool isdef = true;
	const char *home;
	size_t hlen;
	uid_t uid;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(load(&c, "[jobd]\ndatabase = /conf/jobs.db\n", err),
	    0);
	setenv("JOBD_DB", "/env/jobs.db", 1);

	/* The flag first, */
	assert_int_equal(config_db_path(&c, "rel/flag.db", buf, sizeof(buf),
	    &isdef), 0);
	assert_string_equal(buf, "rel/flag.db");
	assert_false(isdef);
	assert_int_equal(config_db_path(&c, "", buf, sizeof(buf), &isdef),
	    -EINVAL);
	/* then $JOBD_DB if set and not empty, */
	isdef = true;
	assert_int_equal(config_db_path(&c, NULL, buf, sizeof(buf), &isdef),
	    0);
	assert_string_equal(buf, "/env/jobs.db");
	assert_false(isdef);
	/* then database = in the config, */
	setenv("JOBD_DB", "", 1);
	isdef = true;
	assert_int_equal(config_db_path(&c, NULL, buf, sizeof(buf), &isdef),
	    0);
	assert_string_equal(buf, "/conf/jobs.db");
	assert_false(isdef);
	unsetenv("JOBD_DB");
	assert_int_equal(config_db_path(&c, NULL, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "/conf/jobs.db");
	assert_int_equal(config_db_path(&c, NULL, buf, 13, &isdef),
	    -ENAMETOOLONG);
	assert_int_equal(config_db_path(&c, NULL, buf, 14, &isdef), 0);

	/* then the default: root's, */
	assert_int_equal(load(&c, "", err), 0);
	setenv("HOME", "/home/u", 1);
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	if (getuid() == 0) {
		isdef = false;
		assert_int_equal(config_db_path(&c, NULL, buf, sizeof(buf),
		    &isdef), 0);
		assert_string_equal(buf, JOBD_STATEDIR "/jobs.db");
		assert_true(isdef);
		assert_int_equal(config_db_path(NULL, NULL, buf, sizeof(buf),
		    &isdef), 0);
		assert_string_equal(buf, JOBD_STATEDIR "/jobs.db");
	}
	/* and a user's: $XDG_STATE_HOME when absolute, else ~/.local/state. */
	path_as_user(DB_PATH, &c, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.path, "/xdg/state/jobd/jobs.db");
	assert_true(r.is_default);
	setenv("XDG_STATE_HOME", "/xdg/state//", 1);
	path_as_user(DB_PATH, &c, &r);
	assert_string_equal(r.path, "/xdg/state/jobd/jobs.db");
	setenv("XDG_STATE_HOME", "xdg/state", 1);
	path_as_user(DB_PATH, &c, &r);
	assert_string_equal(r.path, "/home/u/.local/state/jobd/jobs.db");
	setenv("XDG_STATE_HOME", "", 1);
	path_as_user(DB_PATH, &c, &r);
	assert_string_equal(r.path, "/home/u/.local/state/jobd/jobs.db");
	assert_true(r.is_default);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u/", 1);
	path_as_user(DB_PATH, &c, &r);
	assert_string_equal(r.path, "/home/u/.local/state/jobd/jobs.db");
	/* No $HOME: the password database. */
	unsetenv("HOME");
	uid = path_as_user(DB_PATH, &c, &r);
	home = pw_home(uid);
	if (home == NULL || home[0] != '/') {
		assert_int_equal(r.rc, -ENOENT);
	} else {
		assert_int_equal(r.rc, 0);
		hlen = strlen(home);
		while (hlen > 0 && home[hlen - 1] == '/')
			hlen--;
		snprintf(want, sizeof(want), "%.*s/.local/state/jobd/jobs.db",
		    (int)hlen, home);
		assert_string_equal(r.path, want);
	}
	/* The config's database still wins over the default. */
	assert_int_equal(load(&c, "[jobd]\ndatabase = /conf/x.db\n", err), 0);
	path_as_user(DB_PATH, &c, &r);
	assert_string_equal(r.path, "/conf/x.db");
	assert_false(r.is_default);
	config_free(&c);
	setenv("HOME", "/home/u", 1);
}

static void
test_config_default_path(void **state)
{
	struct path_result r;
	char buf[1024];

	(void)state;
	setenv("JOBD_CONFIG", "/env/jobd.conf", 1);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/env/jobd.conf");
	assert_int_equal(config_default_path(buf, 5), -ENAMETOOLONG);
	path_as_user(CONFIG_PATH, NULL, &r);
	assert_string_equal(r.path, "/env/jobd.conf");

	setenv("JOBD_CONFIG", "", 1);
	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	if (getuid() == 0) {
		assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
		assert_string_equal(buf, JOBD_SYSCONFDIR "/jobd.conf");
	}
	path_as_user(CONFIG_PATH, NULL, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.path, "/xdg/config/jobd/jobd.conf");
	setenv("XDG_CONFIG_HOME", "relative", 1);
	path_as_user(CONFIG_PATH, NULL, &r);
	assert_string_equal(r.path, "/home/u/.config/jobd/jobd.conf");
	unsetenv("XDG_CONFIG_HOME");
	path_as_user(CONFIG_PATH, NULL, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.path, "/home/u/.config/jobd/jobd.conf");
	unsetenv("JOBD_CONFIG");
}

static void
test_config_dir(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(config_dir(JOBD_SYSCONFDIR "/jobd.conf", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, JOBD_SYSCONFDIR);
	assert_int_equal(config_dir("/home/u/.config/jobd/jobd.conf", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/jobd");
	assert_int_equal(config_dir("/jobd.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	assert_int_equal(config_dir("jobd.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".");
	assert_int_equal(config_dir("etc/jobd.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "etc");
	assert_int_equal(config_dir("/etc/jobd/jobd.conf", buf, 10), 0);
	assert_string_equal(buf, "/etc/jobd");
	assert_int_equal(config_dir("/etc/jobd/jobd.conf", buf, 9),
	    -ENAMETOOLONG);
	assert_int_equal(config_dir("jobd.conf", buf, 1), -ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_empty_input_gives_defaults),
		cmocka_unit_test(test_config_every_key),
		cmocka_unit_test(test_config_sizes_and_durations),
		cmocka_unit_test(test_config_bad_inputs),
		cmocka_unit_test(test_config_line_limit),
		cmocka_unit_test(test_config_semicolon_and_hash_kept),
		cmocka_unit_test(test_config_comments_ignored),
		cmocka_unit_test(test_config_indented_keys),
		cmocka_unit_test(test_config_bom_and_crlf),
		cmocka_unit_test(test_config_reload_over_defaults),
		cmocka_unit_test(test_config_load_file),
		cmocka_unit_test(test_config_load_file_size_cap),
		cmocka_unit_test(test_config_read_ini_callback),
		cmocka_unit_test(test_config_mail),
		cmocka_unit_test(test_config_socket),
		cmocka_unit_test(test_config_database_uri),
		cmocka_unit_test(test_config_print_roundtrip),
		cmocka_unit_test(test_config_quota),
		cmocka_unit_test(test_config_sample_is_defaults),
		cmocka_unit_test(test_config_sample_documents_every_key),
		cmocka_unit_test(test_config_queue_sections),
		cmocka_unit_test(test_config_db_path),
		cmocka_unit_test(test_config_default_path),
		cmocka_unit_test(test_config_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
