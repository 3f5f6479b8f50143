/*
 * Unit tests for trust: the rule on a file's status (owner, mode, symbolic
 * link) and its messages, paths that may be missing, the database with its
 * directory, -wal and -shm, and jobd.conf loaded with CONFIG_PRIVATE.
 * Temporary files go under $TMPDIR (else /tmp), in a directory of our own.
 */
#define _XOPEN_SOURCE 700	/* S_IFREG, S_IFDIR */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
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
#include "jobd/trust.h"

#define ERRLEN		1024

static char dir[PATH_MAX];

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_trust.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
has(const char *err, const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, want);
}

static struct stat
mkstat(mode_t mode, uid_t uid)
{
	struct stat sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_mode = mode;
	sb.st_uid = uid;
	return sb;
}

/* A uid that is neither root nor ours. */
static uid_t
other_uid(void)
{
	return geteuid() == 12345 ? 12346 : 12345;
}

static void
test_trust_stat_owner_and_mode(void **state)
{
	struct stat sb;
	char err[ERRLEN], want[64];

	(void)state;
	sb = mkstat(S_IFREG | 0644, 0);
	assert_int_equal(trust_check_stat(&sb, "/x/f", err, sizeof(err)), 0);
	sb = mkstat(S_IFREG | 0600, geteuid());
	assert_int_equal(trust_check_stat(&sb, "/x/f", err, sizeof(err)), 0);
	sb = mkstat(S_IFDIR | 0755, 0);
	assert_int_equal(trust_check_stat(&sb, "/x", err, sizeof(err)), 0);

	sb = mkstat(S_IFREG | 0664, 0);
	assert_int_equal(trust_check_stat(&sb, "/x/f", err, sizeof(err)),
	    -EPERM);
	has(err, "/x/f: writable by group or others (mode 0664)");
	has(err, "fix: chmod go-w /x/f");
	sb = mkstat(S_IFREG | 0602, geteuid());
	assert_int_equal(trust_check_stat(&sb, "/x/f", err, sizeof(err)),
	    -EPERM);
	has(err, "(mode 0602)");

	sb = mkstat(S_IFREG | 0600, other_uid());
	assert_int_equal(trust_check_stat(&sb, "/x/f", err, sizeof(err)),
	    -EPERM);
	snprintf(want, sizeof(want), "/x/f: owned by uid %lu",
	    (unsigned long)other_uid());
	has(err, want);
	has(err, "fix: chown ");
	if (geteuid() == 0)
		has(err, "fix: chown root /x/f");

	/* A sticky, world-writable directory is no better: /tmp. */
	sb = mkstat(S_IFDIR | 01777, 0);
	assert_int_equal(trust_check_stat(&sb, "/x", err, sizeof(err)),
	    -EPERM);
	has(err, "/x: writable by group or others (mode 1777)");
	has(err, "or use a directory of jobd's own");

	/* err may be NULL. */
	assert_int_equal(trust_check_stat(&sb, "/x", NULL, 0), -EPERM);
}

static void
test_trust_path_symlink_and_missing(void **state)
{
	char path[PATH_MAX + 32], link[PATH_MAX + 32], err[ERRLEN];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	assert_int_equal(trust_check_path(path, TRUST_MAY_BE_MISSING, err,
	    sizeof(err)), 0);
	assert_int_equal(trust_check_path(path, 0, err, sizeof(err)),
	    -ENOENT);
	has(err, path);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(trust_check_path(path, 0, err, sizeof(err)), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(trust_check_path(link, 0, err, sizeof(err)), -EPERM);
	has(err, "is a symbolic link (to \"");
	has(err, path);
}

static void
test_trust_db_files(void **state)
{
	char db[PATH_MAX + 32], side[PATH_MAX + 40], err[ERRLEN];
	FILE *fp;

	(void)state;
	assert_int_equal(chmod(dir, 0700), 0);
	snprintf(db, sizeof(db), "%s/jobs.db", dir);
	/* Not made yet: passes (jobd will make it 0600). */
	assert_int_equal(trust_check_db(db, err, sizeof(err)), 0);
	assert_non_null(fp = fopen(db, "w"));
	fclose(fp);
	assert_int_equal(chmod(db, 0600), 0);
	assert_int_equal(trust_check_db(db, err, sizeof(err)), 0);

	assert_int_equal(chmod(db, 0666), 0);
	assert_int_equal(trust_check_db(db, err, sizeof(err)), -EPERM);
	has(err, db);
	has(err, "(mode 0666)");
	assert_int_equal(chmod(db, 0600), 0);

	snprintf(side, sizeof(side), "%s-shm", db);
	assert_non_null(fp = fopen(side, "w"));
	fclose(fp);
	assert_int_equal(chmod(side, 0660), 0);
	assert_int_equal(trust_check_db(db, err, sizeof(err)), -EPERM);
	has(err, side);
	assert_int_equal(chmod(side, 0600), 0);
	assert_int_equal(trust_check_db(db, err, sizeof(err)), 0);

	/* A link to the directory: the directory it leads to counts. */
	snprintf(side, sizeof(side), "%s/d", dir);
	assert_int_equal(symlink(".", side), 0);
	snprintf(side, sizeof(side), "%s/d/jobs.db", dir);
	assert_int_equal(trust_check_db(side, err, sizeof(err)), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(trust_check_db(side, err, sizeof(err)), -EPERM);
	has(err, "/d: writable by group or others (mode 0770)");
	assert_int_equal(chmod(dir, 0700), 0);

	/* The directory comes first: it guards the other names. */
	assert_int_equal(chmod(db, 0666), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(trust_check_db(db, err, sizeof(err)), -EPERM);
	has(err, "(mode 0770)");
	assert_null(strstr(err, "jobs.db"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chmod(db, 0600), 0);
}

static void
test_trust_db_relative_path(void **state)
{
	char cwd[PATH_MAX], err[ERRLEN];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	/* "jobs.db" is in ".", which is checked like any directory. */
	assert_int_equal(trust_check_db("jobs.db", err, sizeof(err)), -EPERM);
	has(err, ".: writable by group or others (mode 0770)");
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_trust_config_private(void **state)
{
	struct jd_config c;
	char path[PATH_MAX + 32], err[ERRLEN];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/jobd.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("[jobd]\nworkers = 3\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_load_file(&c, path, CONFIG_PRIVATE, err,
	    sizeof(err)), -EPERM);
	has(err, "(mode 0666)");
	assert_int_equal(c.workers, 4);		/* unchanged */
	/* Without the flag (jobctl reads it for the path only): read. */
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.workers, 3);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(config_load_file(&c, path, CONFIG_PRIVATE, err,
	    sizeof(err)), 0);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust_stat_owner_and_mode),
		cmocka_unit_test(test_trust_path_symlink_and_missing),
		cmocka_unit_test(test_trust_db_files),
		cmocka_unit_test(test_trust_db_relative_path),
		cmocka_unit_test(test_trust_config_private),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
