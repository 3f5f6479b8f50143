/*
 * Unit tests for jobspec: every rule and limit of a job's options, with
 * the reasons jobctl, schedule files and crontab import all print.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/job.h"
#include "jobd/jobspec.h"

static char why[JOBSPEC_WHY_MAX];

static void
has(const char *want)
{
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, want);
}

static void
test_jobspec_queue(void **state)
{
	char q[JOBSPEC_QUEUE_MAX + 2];

	(void)state;
	assert_int_equal(jobspec_queue_check("default", why, sizeof(why)), 0);
	assert_int_equal(jobspec_queue_check("a.b_c-D9", why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_queue_check("9", why, sizeof(why)), 0);
	assert_int_equal(jobspec_queue_check("", why, sizeof(why)), -EINVAL);
	has("must be 1 to 64 characters");
	memset(q, 'q', JOBSPEC_QUEUE_MAX);
	q[JOBSPEC_QUEUE_MAX] = '\0';
	assert_int_equal(jobspec_queue_check(q, why, sizeof(why)), 0);
	q[JOBSPEC_QUEUE_MAX] = 'q';
	q[JOBSPEC_QUEUE_MAX + 1] = '\0';
	assert_int_equal(jobspec_queue_check(q, why, sizeof(why)), -EINVAL);
	assert_int_equal(jobspec_queue_check("jobd.notify", why,
	    sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "reserved"));
	assert_int_equal(jobspec_queue_check("jobdx", why, sizeof(why)), 0);
	assert_int_equal(jobspec_queue_check("a b", why, sizeof(why)),
	    -EINVAL);
	has("use letters, digits, '.', '_' and '-'");
	assert_int_equal(jobspec_queue_check("a/b", why, sizeof(why)),
	    -EINVAL);
	/* What an option parser would take for an option, or a dot file. */
	assert_int_equal(jobspec_queue_check("--", why, sizeof(why)),
	    -EINVAL);
	has("must not start with '-' or '.'");
	assert_int_equal(jobspec_queue_check("-q", why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_queue_check(".", why, sizeof(why)), -EINVAL);
	assert_int_equal(jobspec_queue_check(".hidden", why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_queue_check("a-", why, sizeof(why)), 0);
}

static void
test_jobspec_integers(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(jobspec_priority_parse("-1000", &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, -1000);
	assert_int_equal(jobspec_priority_parse("+7", &v, why, sizeof(why)),
	    0);
	assert_int_equal(v, 7);
	v = 42;
	assert_int_equal(jobspec_priority_parse("1001", &v, why, sizeof(why)),
	    -EINVAL);
	has("must be between -1000 and 1000");
	assert_int_equal(v, 42);
	assert_int_equal(jobspec_priority_parse("1e3", &v, why, sizeof(why)),
	    -EINVAL);
	has("not an integer");
	assert_int_equal(jobspec_priority_parse("", &v, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_priority_parse("5 ; x", &v, why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(jobspec_priority_parse("99999999999999999999", &v,
	    why, sizeof(why)), -EINVAL);
	has("must be between");
	assert_int_equal(jobspec_attempts_parse("1", &v, why, sizeof(why)),
	    0);
	assert_int_equal(v, 1);
	assert_int_equal(jobspec_attempts_parse("1000", &v, why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_attempts_parse("0", &v, why, sizeof(why)),
	    -EINVAL);
	has("must be between 1 and 1000");
	assert_int_equal(jobspec_attempts_parse("1001", &v, why, sizeof(why)),
	    -EINVAL);
}

static void
test_jobspec_durations(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(jobspec_duration_parse("1h30m", &ms, why,
	    sizeof(why)), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(jobspec_duration_parse("-5s", &ms, why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(jobspec_duration_parse("10", &ms, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_backoff_check(1000, 1000, why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_backoff_check(JOB_DEFAULT, 1, why,
	    sizeof(why)), 0);
	assert_int_equal(jobspec_backoff_check(1000, JOB_DEFAULT, why,
	    sizeof(why)), 0);
	assert_int_equal(jobspec_backoff_check(1000, 999, why, sizeof(why)),
	    -EINVAL);
	has("the maximum must not be less than the base");
}

static void
test_jobspec_env(void **state)
{
	char *env = NULL, big[JOBSPEC_ENV_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(jobspec_env_name_check("PATH", 4, why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_env_name_check("_a1", 3, why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_env_name_check("1A", 2, why, sizeof(why)),
	    -EINVAL);
	has("a variable name is letters, digits and '_'");
	assert_int_equal(jobspec_env_name_check("A-B", 3, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_env_name_check("", 0, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(jobspec_env_name_check("JOBD_ID", 7, why,
	    sizeof(why)), -EINVAL);
	has("JOBD_* variables are set by jobd");

	assert_int_equal(jobspec_env_set(&env, &len, "A", 1, "1", 0, why,
	    sizeof(why)), 0);
	assert_int_equal(jobspec_env_set(&env, &len, "AB", 2, "2", 0, why,
	    sizeof(why)), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(env, "A=1\0AB=2\0", 9);
	/* Given again: refused, or replacing the old value at the end. */
	assert_int_equal(jobspec_env_set(&env, &len, "A", 1, "x", 0, why,
	    sizeof(why)), -EINVAL);
	has("A is set twice");
	assert_int_equal(len, 9);
	assert_int_equal(jobspec_env_set(&env, &len, "A", 1, "3",
	    JOBSPEC_ENV_REPLACE, why, sizeof(why)), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(env, "AB=2\0A=3\0", 9);
	assert_int_equal(jobspec_env_set(&env, &len, "9", 1, "3", 0, why,
	    sizeof(why)), -EINVAL);
	/* The limit is on the blob as a whole. */
	memset(big, 'v', sizeof(big) - 8);
	big[sizeof(big) - 8] = '\0';
	assert_int_equal(jobspec_env_set(&env, &len, "B", 1, big, 0, why,
	    sizeof(why)), -EINVAL);
	has("too much environment (at most 65536 bytes)");
	assert_int_equal(len, 9);
	assert_memory_equal(env, "AB=2\0A=3\0", 9);
	free(env);
}

static void
test_jobspec_user(void **state)
{
	struct passwd *me = getpwuid(geteuid()), *other;
	uint32_t uid = 12345;

	(void)state;
	assert_non_null(me);
	assert_int_equal(jobspec_user_check(me->pw_name, &uid, why,
	    sizeof(why)), 0);
	assert_int_equal(uid, geteuid());
	assert_int_equal(jobspec_user_check("no-such-user-jobspec", &uid, why,
	    sizeof(why)), -ENOENT);
	has("no such user");
	assert_int_equal(jobspec_user_check("", NULL, why, sizeof(why)),
	    -ENOENT);
	/* Another user: root may, anybody else may not. */
	other = getpwnam(geteuid() == 0 ? "nobody" : "root");
	if (other == NULL)
		return;
	if (geteuid() == 0) {
		assert_int_equal(jobspec_user_check("nobody", &uid, why,
		    sizeof(why)), 0);
		assert_int_equal(uid, other->pw_uid);
	} else {
		assert_int_equal(jobspec_user_check("root", NULL, why,
		    sizeof(why)), -EPERM);
		has("only root may run jobs as another user");
	}
}

static void
test_jobspec_cwd_and_command(void **state)
{
	char *path;
	char *cmd;

	(void)state;
	assert_int_equal(jobspec_cwd_check("/srv", why, sizeof(why)), 0);
	assert_int_equal(jobspec_cwd_check("srv", why, sizeof(why)), -EINVAL);
	has("must be an absolute path");
	assert_int_equal(jobspec_cwd_check("", why, sizeof(why)), -EINVAL);
	has("empty path");
	assert_non_null(path = malloc(PATH_MAX + 1));
	path[0] = '/';
	memset(path + 1, 'd', PATH_MAX - 1);
	path[PATH_MAX] = '\0';
	assert_int_equal(jobspec_cwd_check(path, why, sizeof(why)), -EINVAL);
	has("path too long");
	free(path);

	assert_int_equal(jobspec_command_check("true", 4, why, sizeof(why)),
	    0);
	assert_int_equal(jobspec_command_check(" \t ", 3, why, sizeof(why)),
	    -EINVAL);
	has("is empty");
	assert_int_equal(jobspec_command_check("a\0b", 3, why, sizeof(why)),
	    -EILSEQ);
	assert_non_null(cmd = malloc(JOBSPEC_COMMAND_MAX + 1));
	memset(cmd, 'x', JOBSPEC_COMMAND_MAX + 1);
	assert_int_equal(jobspec_command_check(cmd, JOBSPEC_COMMAND_MAX, why,
	    sizeof(why)), 0);
	assert_int_equal(jobspec_command_check(cmd, JOBSPEC_COMMAND_MAX + 1,
	    why, sizeof(why)), -E2BIG);
	has("is too long");
	free(cmd);
}

/* The mail options: mail.h's rules, with the reasons callers print. */
static void
test_jobspec_mail(void **state)
{
	enum mail_on on = MAIL_ON_NEVER;

	(void)state;
	assert_int_equal(jobspec_mail_to_check("ops@example.com, root", why,
	    sizeof(why)), 0);
	assert_int_equal(jobspec_mail_to_check("a@b\nBcc: x", why,
	    sizeof(why)), -EINVAL);
	has("control character 0x0a at byte 4");
	assert_int_equal(jobspec_mail_to_check("", why, sizeof(why)),
	    -EINVAL);
	has("no address");
	assert_int_equal(jobspec_mail_on_parse("output", &on, why,
	    sizeof(why)), 0);
	assert_int_equal(on, MAIL_ON_OUTPUT);
	assert_int_equal(jobspec_mail_on_parse("daily", &on, why,
	    sizeof(why)), -EINVAL);
	has("use failure, output, always or never");
	assert_int_equal(on, MAIL_ON_OUTPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobspec_queue),
		cmocka_unit_test(test_jobspec_integers),
		cmocka_unit_test(test_jobspec_durations),
		cmocka_unit_test(test_jobspec_env),
		cmocka_unit_test(test_jobspec_user),
		cmocka_unit_test(test_jobspec_cwd_and_command),
		cmocka_unit_test(test_jobspec_mail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
