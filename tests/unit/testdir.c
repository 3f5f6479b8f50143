/*
 * testdir: scratch directories and databases for unit tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.h"

void
test_tmpdir(char *dir, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	assert_true(snprintf(dir, len, "%s/%s.XXXXXX", tmp, tag) < (int)len);
	assert_non_null(mkdtemp(dir));
}

void
test_rmdir(const char *dir)
{
	char cmd[4096 + 16];

	assert_true(snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) <
	    (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
}

void
test_store_open(const char *dir, char *db, size_t len,
    const struct jd_clock *c, struct store **st)
{
	char err[512];
	int error;

	assert_true(snprintf(db, len, "%s/jobs.db", dir) < (int)len);
	error = store_open(st, db, STORE_CREATE, c, err, sizeof(err));
	if (error != 0)
		fail_msg("store_open %s: %s", db, err);
}
