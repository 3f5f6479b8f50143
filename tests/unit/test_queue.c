/*
 * Unit tests for queue: the one rule of queue names, and the parsing,
 * checking and formatting of queue settings that jobctl queue set and
 * jobd.conf's [queue NAME] share.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/queue.h"

static char why[QUEUE_WHY_MAX];

static void
has(const char *want)
{
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, want);
}

static void
test_queue_name(void **state)
{
	char q[QUEUE_NAME_MAX + 2];

	(void)state;
	assert_int_equal(queue_name_check("mail", false, why, sizeof(why)), 0);
	assert_int_equal(queue_name_check("a.b_c-D9", false, why,
	    sizeof(why)), 0);
	assert_int_equal(queue_name_check("--", false, why, sizeof(why)),
	    -EINVAL);
	has("must not start with '-' or '.'");
	assert_int_equal(queue_name_check(".x", false, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(queue_name_check("a b", false, why, sizeof(why)),
	    -EINVAL);
	has("use letters, digits");
	assert_int_equal(queue_name_check("", false, why, sizeof(why)),
	    -EINVAL);
	memset(q, 'q', QUEUE_NAME_MAX);
	q[QUEUE_NAME_MAX] = '\0';
	assert_int_equal(queue_name_check(q, false, why, sizeof(why)), 0);
	q[QUEUE_NAME_MAX] = 'q';
	q[QUEUE_NAME_MAX + 1] = '\0';
	assert_int_equal(queue_name_check(q, false, why, sizeof(why)),
	    -EINVAL);
	/* jobd's own queues: reserved, but readable. */
	assert_int_equal(queue_name_check("jobd.notify", false, why,
	    sizeof(why)), -EINVAL);
	has("reserved");
	assert_int_equal(queue_name_check("jobd.notify", true, why,
	    sizeof(why)), 0);
	assert_int_equal(queue_name_check("jobdx", false, why, sizeof(why)),
	    0);
}

static void
test_queue_rate(void **state)
{
	int64_t n = 0, p = 0;

	(void)state;
	assert_int_equal(queue_rate_parse("10/1s", &n, &p, why, sizeof(why)),
	    0);
	assert_int_equal(n, 10);
	assert_int_equal(p, 1000);
	assert_int_equal(queue_rate_parse("100/1m", &n, &p, why, sizeof(why)),
	    0);
	assert_int_equal(n, 100);
	assert_int_equal(p, 60000);
	assert_int_equal(queue_rate_parse("0/1s", &n, &p, why, sizeof(why)),
	    -EINVAL);
	has("the number of starts must be between 1");
	assert_int_equal(queue_rate_parse("5/0s", &n, &p, why, sizeof(why)),
	    -EINVAL);
	has("the period must be between 1ms and 1d");
	assert_int_equal(queue_rate_parse("5/2d", &n, &p, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(queue_rate_parse("-1/1s", &n, &p, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(queue_rate_parse("5", &n, &p, why, sizeof(why)),
	    -EINVAL);
	has("expected N/PERIOD");
	assert_int_equal(queue_rate_parse("/1s", &n, &p, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(queue_rate_parse("5/", &n, &p, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(n, 100);	/* untouched by failures */
}

static void
test_queue_settings(void **state)
{
	struct queue_settings s, before;
	char buf[QUEUE_VALUE_MAX];
	enum queue_key k;

	(void)state;
	queue_settings_init(&s);
	assert_false(queue_settings_any(&s));
	assert_int_equal(s.weight, 1);
	assert_int_equal(queue_setting_parse(&s, QK_CONCURRENCY, "2", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_setting_parse(&s, QK_RATE, "5/1s", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_setting_parse(&s, QK_WEIGHT, "1000", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_setting_parse(&s, QK_MAX_PENDING, "0", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_setting_parse(&s, QK_BACKOFF, "1s,1m", why,
	    sizeof(why)), 0);
	assert_int_equal(s.backoff_ms, 1000);
	assert_int_equal(s.backoff_max_ms, 60000);
	assert_true(queue_settings_any(&s));
	queue_setting_format(&s, QK_RATE, buf, sizeof(buf));
	assert_string_equal(buf, "5/1s");
	queue_setting_format(&s, QK_MAX_ATTEMPTS, buf, sizeof(buf));
	assert_string_equal(buf, "none");

	/* Refusals change nothing. */
	before = s;
	assert_int_equal(queue_setting_parse(&s, QK_WEIGHT, "0", why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(queue_setting_parse(&s, QK_WEIGHT, "1001", why,
	    sizeof(why)), -EINVAL);
	has("between 1 and 1000");
	assert_int_equal(queue_setting_parse(&s, QK_WEIGHT, "none", why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(queue_setting_parse(&s, QK_CONCURRENCY, "-1", why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(queue_setting_parse(&s, QK_CONCURRENCY, "0", why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(queue_setting_parse(&s, QK_MAX_PENDING, "-1", why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(queue_setting_parse(&s, QK_BACKOFF, "5s,1s", why,
	    sizeof(why)), -EINVAL);
	has("maximum");
	assert_int_equal(queue_setting_parse(&s, QK_TIMEOUT, "soon", why,
	    sizeof(why)), -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));

	/* none unsets. */
	assert_int_equal(queue_setting_parse(&s, QK_RATE, "none", why,
	    sizeof(why)), 0);
	assert_int_equal(s.rate_n, QUEUE_NONE);
	assert_int_equal(s.rate_period_ms, QUEUE_NONE);

	/* Keys by name, '-' or '_'. */
	assert_int_equal(queue_key_find("max-running-per-user", &k), 0);
	assert_int_equal(k, QK_MAX_RUNNING_PER_USER);
	assert_int_equal(queue_key_find("max_pending", &k), 0);
	assert_int_equal(k, QK_MAX_PENDING);
	assert_int_equal(queue_key_find("max_pend", &k), -ENOENT);
	assert_int_equal(queue_key_find("paused", &k), -ENOENT);

	/* A back-off maximum set apart from its base. */
	queue_settings_init(&s);
	assert_int_equal(queue_setting_parse(&s, QK_BACKOFF_MAX, "1s", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_setting_parse(&s, QK_BACKOFF, "1m", why,
	    sizeof(why)), 0);
	assert_int_equal(queue_settings_check(&s, why, sizeof(why)), -EINVAL);
	has("backoff_max");
}

/* A job's own option, else its queue's, else jobd.conf's. */
static void
test_queue_job_opt(void **state)
{
	(void)state;
	assert_int_equal(queue_job_opt(3, 1, 5), 3);
	assert_int_equal(queue_job_opt(QUEUE_NONE, 1, 5), 1);
	assert_int_equal(queue_job_opt(QUEUE_NONE, QUEUE_NONE, 5), 5);
	assert_int_equal(queue_job_opt(0, 1000, 5), 0);	/* timeout 0s */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_name),
		cmocka_unit_test(test_queue_rate),
		cmocka_unit_test(test_queue_settings),
		cmocka_unit_test(test_queue_job_opt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
