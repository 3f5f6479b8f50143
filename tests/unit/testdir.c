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

int
test_store_fixture(void **state, const char *tag, int64_t t0)
{
	struct store_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_tmpdir(f->dir, sizeof(f->dir), tag);
	fake_clock_init(&f->fc, t0);
	test_store_open(f->dir, f->db, sizeof(f->db), &f->fc.clock, &f->st);
	*state = f;
	return 0;
}

int
test_store_unfixture(void **state)
{
	struct store_fixture *f = *state;

	store_close(f->st);
	test_rmdir(f->dir);
	free(f);
	return 0;
}
