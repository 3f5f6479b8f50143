/*
 * Scratch directories and databases for unit tests: each test gets a
 * directory of its own under $TMPDIR, removed with everything in it.
 */
#ifndef JOBD_TESTDIR_H
#define JOBD_TESTDIR_H

#include <stddef.h>

#include "jobd/clock.h"
#include "jobd/store.h"

/* Make a new directory $TMPDIR/tag.XXXXXX (or /tmp/...) into dir[len]. */
void	test_tmpdir(char *dir, size_t len, const char *tag);

/* Remove directory dir and everything under it. */
void	test_rmdir(const char *dir);

/*
 * Create the database dir/jobs.db (its path into db[len]) and open it on
 * clock c into *st.  Fails the test on any error.
 */
void	test_store_open(const char *dir, char *db, size_t len,
	    const struct jd_clock *c, struct store **st);

/*
 * A database in a scratch directory, on a fake clock at t0: the fixture
 * of the unit tests that use a store.  test_store_fixture() makes it into
 * *state (tag names the directory), test_store_unfixture() removes it.
 */
#include <limits.h>

#include "fake_clock.h"

struct store_fixture {
	char			 dir[PATH_MAX];
	char			 db[PATH_MAX];
	struct fake_clock	 fc;
	struct store		*st;
};

int	test_store_fixture(void **state, const char *tag, int64_t t0);
int	test_store_unfixture(void **state);

#endif /* JOBD_TESTDIR_H */
