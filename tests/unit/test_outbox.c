/*
 * Unit tests for outbox: which notification jobs an outcome makes, with
 * what command, environment and input, and the rule of a hook's syntax.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/job.h"
#include "jobd/outbox.h"

/* The value of NAME in j's environment, or NULL. */
static const char *
env_get(const struct outbox_job *j, const char *name)
{
	const char *p = j->env, *end = j->env + j->env_len;
	size_t n = strlen(name);

	while (p < end) {
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return p + n + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}

static void
outcome_init(struct outbox_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->job_id = 42;
	o->attempt = 3;
	o->queue = "q1";
	o->command = "make -C /src 'all'";
	o->run_as = "alice";
	o->outcome = "failed";
	o->has_exit_code = true;
	o->exit_code = 2;
	o->reason = "exit status 2 on attempt 3 of 3";
	o->output = "tail\n";
	o->output_len = 5;
}

static void
test_outbox_dead(void **state)
{
	struct outbox_conf c = { .max_attempts = 2, .timeout_ms = 1000 };
	struct outbox_outcome o;
	struct outbox_job j[OUTBOX_MAX];
	size_t n;

	(void)state;
	c.hook[JOB_HOOK_DEAD] = "/usr/local/bin/page-me --loud";
	outcome_init(&o);
	o.failed = o.dead = true;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(j[0].event, JOB_HOOK_DEAD);
	assert_string_equal(j[0].command, "/usr/local/bin/page-me --loud");
	assert_string_equal(j[0].run_as, "alice");
	assert_int_equal(j[0].input_len, 5);
	assert_memory_equal(j[0].input, "tail\n", 5);
	assert_string_equal(env_get(&j[0], "JOBD_EVENT"), "dead");
	assert_string_equal(env_get(&j[0], "JOBD_JOB_ID"), "42");
	assert_string_equal(env_get(&j[0], "JOBD_QUEUE"), "q1");
	assert_string_equal(env_get(&j[0], "JOBD_COMMAND"),
	    "make -C /src 'all'");
	assert_string_equal(env_get(&j[0], "JOBD_ATTEMPT"), "3");
	assert_string_equal(env_get(&j[0], "JOBD_EXIT_STATUS"), "2");
	assert_null(env_get(&j[0], "JOBD_SIGNAL"));
	assert_string_equal(env_get(&j[0], "JOBD_REASON"),
	    "exit status 2 on attempt 3 of 3");
	assert_string_equal(env_get(&j[0], "JOBD_OUTCOME"), "failed");
	assert_null(env_get(&j[0], "JOBD_SCHEDULE"));
	outbox_job_clear(&j[0]);

	/* Dead by a signal, with a failure hook too: both, failure first. */
	c.hook[JOB_HOOK_FAILURE] = "/bin/f";
	o.has_exit_code = false;
	o.signal = 9;
	o.schedule = "nightly";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(j[0].event, JOB_HOOK_FAILURE);
	assert_int_equal(j[1].event, JOB_HOOK_DEAD);
	assert_string_equal(env_get(&j[1], "JOBD_SIGNAL"), "9");
	assert_null(env_get(&j[1], "JOBD_EXIT_STATUS"));
	assert_string_equal(env_get(&j[1], "JOBD_SCHEDULE"), "nightly");
	outbox_job_clear(&j[0]);
	outbox_job_clear(&j[1]);
}

static void
test_outbox_failure_success(void **state)
{
	struct outbox_conf c = { .max_attempts = JOB_DEFAULT };
	struct outbox_outcome o;
	struct outbox_job j[OUTBOX_MAX];
	size_t n;

	(void)state;
	outcome_init(&o);
	/* Nothing asked for: nothing planned. */
	o.failed = true;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);

	/* A retried failure: on_failure, not on_dead. */
	c.hook[JOB_HOOK_DEAD] = "/bin/d";
	c.hook[JOB_HOOK_FAILURE] = "/bin/f";
	c.hook[JOB_HOOK_SUCCESS] = "/bin/s";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].command, "/bin/f");
	assert_string_equal(env_get(&j[0], "JOBD_EVENT"), "failure");
	outbox_job_clear(&j[0]);

	/* Done: on_success; no output, no input. */
	o.failed = false;
	o.outcome = "ok";
	o.exit_code = 0;
	o.output = NULL;
	o.output_len = 0;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].command, "/bin/s");
	assert_string_equal(env_get(&j[0], "JOBD_EVENT"), "success");
	assert_string_equal(env_get(&j[0], "JOBD_EXIT_STATUS"), "0");
	assert_null(j[0].input);
	assert_int_equal(j[0].input_len, 0);
	outbox_job_clear(&j[0]);
}

static void
test_outbox_precedence(void **state)
{
	struct outbox_conf c = { .max_attempts = JOB_DEFAULT };
	struct outbox_outcome o;
	struct outbox_job j[OUTBOX_MAX];
	size_t n;

	(void)state;
	outcome_init(&o);
	o.failed = o.dead = true;
	c.hook[JOB_HOOK_DEAD] = "/global";
	o.sched_hook[JOB_HOOK_DEAD] = "/schedule";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].command, "/schedule");
	outbox_job_clear(&j[0]);
	o.job_hook[JOB_HOOK_DEAD] = "/job";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].command, "/job");
	outbox_job_clear(&j[0]);
	/* Another event's hook of the job does not hide the global one. */
	o.failed = false;
	o.dead = false;
	c.hook[JOB_HOOK_SUCCESS] = "/global-ok";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].command, "/global-ok");
	outbox_job_clear(&j[0]);
}

static void
test_outbox_never_about_itself(void **state)
{
	struct outbox_conf c = { .max_attempts = JOB_DEFAULT };
	struct outbox_outcome o;
	struct outbox_job j[OUTBOX_MAX];
	size_t n = 99;

	(void)state;
	outcome_init(&o);
	c.hook[JOB_HOOK_DEAD] = "/d";
	c.hook[JOB_HOOK_FAILURE] = "/f";
	o.job_hook[JOB_HOOK_DEAD] = "/jd";
	o.notify_of = 7;
	o.failed = o.dead = true;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
	o.failed = o.dead = false;
	c.hook[JOB_HOOK_SUCCESS] = "/s";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
}

/* Does the n bytes at p contain s? */
static bool
has_text(const void *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp((const char *)p + i, s, k) == 0)
			return true;
	return false;
}

static void
test_outbox_mail(void **state)
{
	struct outbox_conf c = { .max_attempts = JOB_DEFAULT };
	struct outbox_outcome o;
	struct outbox_job j[OUTBOX_MAX];
	size_t n;

	(void)state;
	c.mailer = "/usr/sbin/sendmail";
	c.mail_on = MAIL_ON_FAILURE;
	c.user = "jobd";
	c.host = "box";
	outcome_init(&o);
	o.mail_to = "ops@example.com, o'brien";
	o.failed = o.dead = true;
	o.finished_at = 1767225600000;
	c.hook[JOB_HOOK_DEAD] = "/bin/d";
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(j[0].command, "/bin/d");
	assert_int_equal(j[1].event, JOB_HOOK_DEAD);
	assert_string_equal(j[1].command, "'/usr/sbin/sendmail' '-i' "
	    "'ops@example.com' 'o'\\''brien'");
	assert_string_equal(j[1].run_as, "alice");
	assert_non_null(j[1].input_buf);
	assert_true(j[1].input == j[1].input_buf);
	assert_true(has_text(j[1].input, j[1].input_len, "X-Jobd-Job-Id: 42"));
	assert_true(has_text(j[1].input, j[1].input_len, "alice@box"));
	assert_true(has_text(j[1].input, j[1].input_len, "exit 2, dead"));
	assert_true(has_text(j[1].input, j[1].input_len, "\n\ntail\n"));
	assert_string_equal(env_get(&j[1], "JOBD_EVENT"), "dead");
	outbox_job_clear(&j[0]);
	outbox_job_clear(&j[1]);
	c.hook[JOB_HOOK_DEAD] = NULL;

	/* The default policy (failure): a success is not mailed ... */
	o.failed = o.dead = false;
	o.has_exit_code = true;
	o.exit_code = 0;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
	/* ... but with output, under the job's own mail_on output, it is. */
	o.mail_on = MAIL_ON_OUTPUT;
	o.run_as = NULL;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(j[0].event, JOB_HOOK_SUCCESS);
	assert_null(j[0].run_as);
	assert_true(has_text(j[0].input, j[0].input_len, "jobd@box"));
	outbox_job_clear(&j[0]);
	/* never; no output under output; a notification: no mail. */
	o.mail_on = MAIL_ON_NEVER;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
	o.mail_on = MAIL_ON_OUTPUT;
	o.output_len = 0;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
	o.mail_on = MAIL_ON_ALWAYS;
	o.notify_of = 9;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
	/* No mailer configured (a store without settings): no mail. */
	o.notify_of = 0;
	c.mailer = NULL;
	assert_int_equal(outbox_plan(&c, &o, j, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_outbox_hook_check(void **state)
{
	char why[160], path[16], big[OUTBOX_HOOK_MAX + 2];

	(void)state;
	assert_int_equal(outbox_hook_check("/bin/true", why, sizeof(why)), 0);
	assert_int_equal(outbox_hook_check("/usr/bin/logger -t jobd dead",
	    why, sizeof(why)), 0);
	assert_int_equal(outbox_hook_check("", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(outbox_hook_check("hook.sh", why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "absolute path"));
	assert_int_equal(outbox_hook_check(" /bin/true", why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(outbox_hook_check("/bin/true\nx", why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "control"));
	assert_int_equal(outbox_hook_check("/bin/true\tx", why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(outbox_hook_check("/usr/bin/", why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "directory"));
	assert_int_equal(outbox_hook_check("/usr/bin/ -x", why, sizeof(why)),
	    -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(outbox_hook_check(big, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too long"));

	assert_int_equal(outbox_hook_path("/bin/x -a b", path, sizeof(path)),
	    0);
	assert_string_equal(path, "/bin/x");
	assert_int_equal(outbox_hook_path("/a/very/long/path/x", path,
	    sizeof(path)), -ENAMETOOLONG);
	assert_string_equal(outbox_event_name(JOB_HOOK_FAILURE), "failure");
	assert_string_equal(outbox_hook_key(JOB_HOOK_SUCCESS), "on_success");
	assert_null(outbox_event_name((enum job_hook)JOB_NHOOKS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_dead),
		cmocka_unit_test(test_outbox_failure_success),
		cmocka_unit_test(test_outbox_precedence),
		cmocka_unit_test(test_outbox_never_about_itself),
		cmocka_unit_test(test_outbox_mail),
		cmocka_unit_test(test_outbox_hook_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
