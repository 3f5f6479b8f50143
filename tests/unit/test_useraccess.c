/*
 * Unit tests for useraccess: users.allow and users.deny as real files in a
 * directory of each test's own: each rule and its message, the file format,
 * root, files that cannot be used (a directory, a FIFO, unreadable, a
 * dangling symbolic link, writable by others, owned by another user, a
 * directory others can write), the line limit, and files longer than one
 * read.  The cases that need root (another user's file) or a user other
 * than root (a mode that stops reading) are skipped with the reason
 * printed when run as the other.
 */
#define _XOPEN_SOURCE 700	/* mkfifo, fchmod, symlink */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

#include "jobd/useraccess.h"
#include "testdir.h"

#define ERRLEN		1024
#define UID		1000	/* any user but root: the module only tells 0 */
#define OTHER_UID	12345

static char dir[PATH_MAX];
static char err[ERRLEN];

static int
setup(void **state)
{
	(void)state;
	test_tmpdir(dir, sizeof(dir), "test_useraccess");
	return 0;
}

static int
teardown(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	/* Let rm through what a test made unreadable. */
	snprintf(path, sizeof(path), "%s/%s", dir, USERACCESS_ALLOW);
	(void)chmod(path, 0600);
	test_rmdir(dir);
	return 0;
}

/* dir/name into buf. */
static const char *
in_dir(char *buf, size_t len, const char *name)
{
	assert_true(snprintf(buf, len, "%s/%s", dir, name) < (int)len);
	return buf;
}

/* Write dir/name with the len bytes at text, mode "mode" whatever the umask. */
static void
put_n(const char *name, const char *text, size_t len, mode_t mode)
{
	char path[PATH_MAX + 32];
	int fd;

	in_dir(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
put(const char *name, const char *text)
{
	put_n(name, text, strlen(text), 0644);
}

static void
drop(const char *name)
{
	char path[PATH_MAX + 32];

	assert_int_equal(unlink(in_dir(path, sizeof(path), name)), 0);
}

static int
check(const char *user, uid_t uid)
{
	memset(err, 'x', sizeof(err));
	return useraccess_check(dir, user, uid, err, sizeof(err));
}

static void
has(const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, want);
}

/* err is exactly "want", with its one "%s" standing for dir. */
static void
err_is(const char *want)
{
	const char *at = strstr(want, "%s");
	size_t pre, dlen = strlen(dir);

	assert_non_null(at);
	pre = (size_t)(at - want);
	if (strncmp(err, want, pre) != 0 ||
	    strncmp(err + pre, dir, dlen) != 0 ||
	    strcmp(err + pre + dlen, at + 2) != 0)
		fail_msg("\"%s\" is not \"%s\" with %s for %%s", err, want,
		    dir);
}

static void
test_useraccess_no_files_allows_everyone(void **state)
{
	char sub[PATH_MAX + 32];

	(void)state;
	assert_int_equal(check("alice", UID), 0);
	assert_string_equal(err, "");
	/* No directory at all: neither file exists. */
	in_dir(sub, sizeof(sub), "none");
	assert_int_equal(useraccess_check(sub, "alice", UID, err,
	    sizeof(err)), 0);
	assert_int_equal(useraccess_check(dir, "alice", UID, NULL, 0), 0);
}

static void
test_useraccess_allow_lists_the_only_users(void **state)
{
	(void)state;
	put(USERACCESS_ALLOW, "alice\nbob\n");
	assert_int_equal(check("alice", UID), 0);
	assert_int_equal(check("bob", UID), 0);
	assert_int_equal(check("carol", UID), -EACCES);
	err_is("carol is not in %s/users.allow");
	assert_int_equal(useraccess_check(dir, "carol", UID, NULL, 0),
	    -EACCES);

	/* An empty users.allow lets in nobody but root. */
	put(USERACCESS_ALLOW, "");
	assert_int_equal(check("alice", UID), -EACCES);
	err_is("alice is not in %s/users.allow");
	assert_int_equal(check("root", 0), 0);
}

static void
test_useraccess_allow_means_deny_is_not_read(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	put(USERACCESS_ALLOW, "alice\n");
	put(USERACCESS_DENY, "alice\n");
	assert_int_equal(check("alice", UID), 0);
	assert_int_equal(check("carol", UID), -EACCES);
	err_is("carol is not in %s/users.allow");

	/* Not even looked at: a users.deny that could not be used. */
	put_n(USERACCESS_DENY, "alice\n", 6, 0666);
	assert_int_equal(check("alice", UID), 0);
	drop(USERACCESS_DENY);
	assert_int_equal(mkdir(in_dir(path, sizeof(path), USERACCESS_DENY),
	    0700), 0);
	assert_int_equal(check("alice", UID), 0);
}

static void
test_useraccess_deny_refuses_those_listed(void **state)
{
	(void)state;
	put(USERACCESS_DENY, "# who may not\n\nbob\ndave\nbob\n");
	assert_int_equal(check("bob", UID), -EACCES);
	err_is("bob is listed in %s/users.deny (line 3)");
	assert_int_equal(check("dave", UID), -EACCES);
	err_is("dave is listed in %s/users.deny (line 4)");
	assert_int_equal(check("alice", UID), 0);
	assert_int_equal(check("root", 0), 0);

	/* An empty users.deny refuses nobody. */
	put(USERACCESS_DENY, "");
	assert_int_equal(check("bob", UID), 0);
}

static void
test_useraccess_format(void **state)
{
	(void)state;
	/*
	 * Blanks around a name, CRLF, comments (indented too), empty and
	 * blank lines, a last line without its newline.
	 */
	put(USERACCESS_DENY,
	    "  \talice \r\n"
	    "#bob\n"
	    "   # carol\n"
	    "\n"
	    " \t \r\n"
	    "Dave\n"
	    "erin");
	assert_int_equal(check("alice", UID), -EACCES);
	err_is("alice is listed in %s/users.deny (line 1)");
	assert_int_equal(check("bob", UID), 0);
	assert_int_equal(check("#bob", UID), 0);
	assert_int_equal(check("carol", UID), 0);
	assert_int_equal(check("Dave", UID), -EACCES);
	err_is("Dave is listed in %s/users.deny (line 6)");
	assert_int_equal(check("erin", UID), -EACCES);
	err_is("erin is listed in %s/users.deny (line 7)");
	/* Exact names: case counts, no prefixes, no patterns. */
	assert_int_equal(check("dave", UID), 0);
	assert_int_equal(check("DAVE", UID), 0);
	assert_int_equal(check("alic", UID), 0);
	assert_int_equal(check("alice2", UID), 0);
	assert_int_equal(check("eri", UID), 0);

	/* A byte order mark at the start is not part of the first name. */
	put(USERACCESS_ALLOW, "\xef\xbb\xbf" "alice\n");
	assert_int_equal(check("alice", UID), 0);
	assert_int_equal(check("bob", UID), -EACCES);
}

static void
test_useraccess_blank_inside_a_name_is_an_error(void **state)
{
	(void)state;
	/* Neither "alice bob" as one name (cron) nor two: every user out. */
	put(USERACCESS_DENY, "carol\nalice bob\n");
	assert_int_equal(check("alice", UID), -EINVAL);
	err_is("%s/users.deny:2: a blank inside a user name (one name per "
	    "line, without blanks)");
	assert_int_equal(check("dave", UID), -EINVAL);
	/* After the user's own line too: the whole file is read. */
	assert_int_equal(check("carol", UID), -EINVAL);
	put(USERACCESS_ALLOW, "alice\n  a\tb  \n");
	assert_int_equal(check("alice", UID), -EINVAL);
	err_is("%s/users.allow:2: a blank inside a user name (one name per "
	    "line, without blanks)");
	assert_int_equal(check("root", 0), 0);
}

static void
test_useraccess_root_is_always_allowed(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	put(USERACCESS_ALLOW, "alice\n");
	assert_int_equal(check("root", 0), 0);
	assert_string_equal(err, "");
	drop(USERACCESS_ALLOW);
	put(USERACCESS_DENY, "root\n");
	assert_int_equal(check("root", 0), 0);
	/* Whatever its name, and whatever state the files are in. */
	assert_int_equal(check("toor", 0), 0);
	assert_int_equal(check(NULL, 0), 0);
	assert_int_equal(mkdir(in_dir(path, sizeof(path), USERACCESS_ALLOW),
	    0700), 0);
	assert_int_equal(check("root", 0), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(check("root", 0), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	/* A name alone is not root: only the uid counts. */
	assert_int_equal(check("root", UID), -EISDIR);
}

static void
test_useraccess_unusable_file_refuses_everyone(void **state)
{
	char path[PATH_MAX + 32], target[PATH_MAX + 32];

	(void)state;
	/* A directory where users.allow should be. */
	assert_int_equal(mkdir(in_dir(path, sizeof(path), USERACCESS_ALLOW),
	    0700), 0);
	assert_int_equal(check("alice", UID), -EISDIR);
	err_is("%s/users.allow: is a directory");
	assert_int_equal(rmdir(path), 0);

	/* A FIFO: refused at once, not waited on. */
	assert_int_equal(mkfifo(in_dir(path, sizeof(path), USERACCESS_DENY),
	    0600), 0);
	assert_int_equal(check("alice", UID), -EINVAL);
	err_is("%s/users.deny: not a regular file");
	drop(USERACCESS_DENY);

	/* A symbolic link is followed; one to nothing is not "no file". */
	put(USERACCESS_DENY, "bob\n");
	in_dir(target, sizeof(target), USERACCESS_DENY);
	assert_int_equal(symlink(target, in_dir(path, sizeof(path),
	    USERACCESS_ALLOW)), 0);
	assert_int_equal(check("bob", UID), 0);
	assert_int_equal(check("alice", UID), -EACCES);
	err_is("alice is not in %s/users.allow");
	drop(USERACCESS_DENY);
	assert_int_equal(check("alice", UID), -ENOENT);
	err_is("%s/users.allow: a symbolic link to a file that does not "
	    "exist");
	drop(USERACCESS_ALLOW);

	/* A file jobd cannot read: not -EACCES, which means a rule. */
	put_n(USERACCESS_ALLOW, "alice\n", 6, 0000);
	if (geteuid() == 0) {
		print_message("skipped: a mode-000 users.allow (root reads "
		    "it all the same; the directory above stands for a file "
		    "that cannot be read)\n");
		return;
	}
	assert_int_equal(check("alice", UID), -EPERM);
	err_is("%s/users.allow: Permission denied");
}

static void
test_useraccess_writable_file_refuses_everyone(void **state)
{
	(void)state;
	put_n(USERACCESS_ALLOW, "alice\n", 6, 0664);
	assert_int_equal(check("alice", UID), -EPERM);
	has(dir);
	has("/users.allow: writable by group or others (mode 0664)");
	has("chmod go-w");
	put_n(USERACCESS_ALLOW, "alice\n", 6, 0646);
	assert_int_equal(check("alice", UID), -EPERM);
	has("(mode 0646)");
	assert_int_equal(check("root", 0), 0);
	drop(USERACCESS_ALLOW);

	/* A users.deny others could empty would let in whom it keeps out. */
	put_n(USERACCESS_DENY, "bob\n", 4, 0620);
	assert_int_equal(check("alice", UID), -EPERM);
	has("/users.deny: writable by group or others (mode 0620)");
	drop(USERACCESS_DENY);

	/* So would a directory in which they could remove it. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(check("alice", UID), -EPERM);
	has("writable by group or others (mode 0777)");
	assert_int_equal(strncmp(err, dir, strlen(dir)), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(check("alice", UID), 0);
}

static void
test_useraccess_foreign_file_refuses_everyone(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: a file of another user can only be "
		    "made as root\n");
		skip();
	}
	put(USERACCESS_DENY, "bob\n");
	assert_int_equal(chown(in_dir(path, sizeof(path), USERACCESS_DENY),
	    OTHER_UID, 0), 0);
	assert_int_equal(check("alice", UID), -EPERM);
	has("/users.deny: owned by uid 12345");
	has("chown root");
	drop(USERACCESS_DENY);
	put(USERACCESS_ALLOW, "alice\n");
	assert_int_equal(chown(in_dir(path, sizeof(path), USERACCESS_ALLOW),
	    OTHER_UID, 0), 0);
	assert_int_equal(check("alice", UID), -EPERM);
	has("/users.allow: owned by uid 12345");
	assert_int_equal(check("root", 0), 0);
}

static void
test_useraccess_line_limit(void **state)
{
	char buf[2 * USERACCESS_LINE_MAX + 64];
	size_t n;

	(void)state;
	/* Exactly USERACCESS_LINE_MAX bytes, blanks and comments alike. */
	n = (size_t)snprintf(buf, sizeof(buf), "bob\n#");
	memset(buf + n, 'c', USERACCESS_LINE_MAX - 1);
	n += USERACCESS_LINE_MAX - 1;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n%*s\n",
	    USERACCESS_LINE_MAX, "dave");
	put_n(USERACCESS_DENY, buf, n, 0644);
	assert_int_equal(check("dave", UID), -EACCES);
	err_is("dave is listed in %s/users.deny (line 3)");
	assert_int_equal(check("alice", UID), 0);

	/* One byte more: the file is bad, for everyone. */
	n = (size_t)snprintf(buf, sizeof(buf), "bob\n#");
	memset(buf + n, 'c', USERACCESS_LINE_MAX);
	n += USERACCESS_LINE_MAX;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\ndave\n");
	put_n(USERACCESS_DENY, buf, n, 0644);
	assert_int_equal(check("alice", UID), -EINVAL);
	err_is("%s/users.deny:2: line longer than 1024 bytes");
	assert_int_equal(check("bob", UID), -EINVAL);

	/* The same on a last line without its newline. */
	memset(buf, 'a', USERACCESS_LINE_MAX + 1);
	put_n(USERACCESS_ALLOW, buf, USERACCESS_LINE_MAX + 1, 0644);
	assert_int_equal(check("alice", UID), -EINVAL);
	err_is("%s/users.allow:1: line longer than 1024 bytes");
}

static void
test_useraccess_long_file(void **state)
{
	static char text[5000 * 9 + 1];
	size_t n = 0;
	int i;

	(void)state;
	/* 45,000 bytes: many reads, and lines that straddle two. */
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "user%04d\n", i);
	put_n(USERACCESS_DENY, text, n, 0644);
	assert_int_equal(check("user0455", UID), -EACCES);	/* byte 4096 */
	err_is("user0455 is listed in %s/users.deny (line 456)");
	assert_int_equal(check("user4999", UID), -EACCES);
	err_is("user4999 is listed in %s/users.deny (line 5000)");
	assert_int_equal(check("user5000", UID), 0);
	assert_int_equal(check("user", UID), 0);
}

static void
test_useraccess_bad_arguments(void **state)
{
	char longdir[PATH_MAX + 2];

	(void)state;
	assert_int_equal(check(NULL, UID), -EINVAL);
	assert_string_equal(err, "uid 1000: no user name");
	assert_int_equal(check("", UID), -EINVAL);
	assert_int_equal(useraccess_check("", "alice", UID, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(useraccess_check(NULL, "alice", UID, err,
	    sizeof(err)), -EINVAL);

	/* A directory given with its trailing '/' is not doubled. */
	put(USERACCESS_ALLOW, "alice\n");
	snprintf(longdir, sizeof(longdir), "%s/", dir);
	assert_int_equal(useraccess_check(longdir, "bob", UID, err,
	    sizeof(err)), -EACCES);
	err_is("bob is not in %s/users.allow");

	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(useraccess_check(longdir, "alice", UID, err,
	    sizeof(err)), -ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_useraccess_no_files_allows_everyone),
		T(test_useraccess_allow_lists_the_only_users),
		T(test_useraccess_allow_means_deny_is_not_read),
		T(test_useraccess_deny_refuses_those_listed),
		T(test_useraccess_format),
		T(test_useraccess_blank_inside_a_name_is_an_error),
		T(test_useraccess_root_is_always_allowed),
		T(test_useraccess_unusable_file_refuses_everyone),
		T(test_useraccess_writable_file_refuses_everyone),
		T(test_useraccess_foreign_file_refuses_everyone),
		T(test_useraccess_line_limit),
		T(test_useraccess_long_file),
		T(test_useraccess_bad_arguments),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
