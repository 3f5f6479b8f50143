/*
 * Unit tests for dburl: which names are PostgreSQL URIs, passwords masked
 * in URIs (user information, query parameters) and in libpq keyword/value
 * strings, results cut to a small buffer, and dburl_check's refusals and
 * their messages.  Each masking case is also given to libpq's own parser:
 * the password libpq finds in the name must not be in the result either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "jobd/dburl.h"

#define ERRLEN		512

struct redact_case {
	const char	*in;
	const char	*want;
	const char	*secret;	/* raw bytes that must not survive */
};

static void
has(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", s, part);
}

static void
lacks(const char *s, const char *part)
{
	if (part != NULL && *part != '\0' && strstr(s, part) != NULL)
		fail_msg("\"%s\" holds \"%s\"", s, part);
}

/*
 * The passwords libpq itself reads from "in" (password, sslpassword) are
 * not in "out".  A name libpq cannot parse has nothing to compare; one
 * of under 4 bytes could match the rest of the name by chance ("p" in
 * "postgresql", where libpq stops at the first '@' of "p@ss").
 */
static void
lacks_libpq_secrets(const char *in, const char *out)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;

	if ((opts = PQconninfoParse(in, &msg)) == NULL) {
		PQfreemem(msg);
		return;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strlen(o->val) >= 4 &&
		    (strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "sslpassword") == 0))
			lacks(out, o->val);
	PQconninfoFree(opts);
}

static void
check_cases(const struct redact_case *c, size_t n)
{
	char out[512];
	size_t i;

	for (i = 0; i < n; i++) {
		dburl_redact(c[i].in, out, sizeof(out));
		if (strcmp(out, c[i].want) != 0)
			fail_msg("redact \"%s\": \"%s\", want \"%s\"", c[i].in,
			    out, c[i].want);
		lacks(out, c[i].secret);
		lacks_libpq_secrets(c[i].in, out);
	}
}

static void
test_dburl_is_postgres(void **state)
{
	static const char *yes[] = {
		"postgresql://host/db", "postgres://host/db", "postgresql://",
		"POSTGRESQL://host/db", "Postgres://u@h/db",
		"postgresql:///jobd?host=/tmp/x",
	};
	static const char *no[] = {
		"", "jobs.db", "/var/lib/jobd/jobs.db", "postgres.db",
		"postgresql.db", "./postgresql:/x", "./postgresql://h/db",
		"postgresql:/x", "postgresql:host", "postgres:/", "pg://h/db",
		"postgresq://h/db", " postgresql://h/db", "file:jobs.db",
		"host=h dbname=d",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!dburl_is_postgres(yes[i]))
			fail_msg("\"%s\" is a PostgreSQL URI", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (dburl_is_postgres(no[i]))
			fail_msg("\"%s\" is not a PostgreSQL URI", no[i]);
	assert_false(dburl_is_postgres(NULL));
}

static void
test_dburl_redact_userinfo(void **state)
{
	static const struct redact_case c[] = {
		{ "postgresql://user:secret@host/db",
		  "postgresql://user:***@host/db", "secret" },
		{ "postgres://user:secret@host:5432/db?sslmode=require",
		  "postgres://user:***@host:5432/db?sslmode=require",
		  "secret" },
		{ "POSTGRESQL://user:secret@host/db",
		  "POSTGRESQL://user:***@host/db", "secret" },
		/* '@', ':' and "%40" in the password, encoded or not. */
		{ "postgresql://user:p@ss:w%40rd@host/db",
		  "postgresql://user:***@host/db", "ss:w%40rd" },
		{ "postgresql://user:p%40ss%3Aw%2Frd@host/db",
		  "postgresql://user:***@host/db", "p%40ss" },
		{ "postgresql://us%3Aer%40x:s3cr3t@host/db",
		  "postgresql://us%3Aer%40x:***@host/db", "s3cr3t" },
		/* Unencoded '/', '?' and '#' (base64 keys have '/'). */
		{ "postgresql://jobd:ab/cd+ef==@db.example/jobd",
		  "postgresql://jobd:***@db.example/jobd", "ab/cd" },
		{ "postgresql://u:pa?ss@host/db",
		  "postgresql://u:***@host/db", "pa?ss" },
		{ "postgresql://u:pa#ss@host/db",
		  "postgresql://u:***@host/db", "pa#ss" },
		/* '?' after an '@' in it, and '@', '/' and '?' together. */
		{ "postgresql://user:@w{?S+op@host:5432/db?sslmode=require",
		  "postgresql://user:***@host:5432/db?sslmode=require",
		  "S+op" },
		{ "postgresql://u:a@b/c?d@h1:5432,[::1]/db",
		  "postgresql://u:***@h1:5432,[::1]/db", "b/c?d" },
		/* No password. */
		{ "postgresql://user@host/db", "postgresql://user@host/db",
		  NULL },
		{ "postgresql://host/db", "postgresql://host/db", NULL },
		{ "postgresql://host:5432/db", "postgresql://host:5432/db",
		  NULL },
		{ "postgresql://", "postgresql://", NULL },
		{ "postgresql:///jobd?host=/tmp/x&port=5432",
		  "postgresql:///jobd?host=/tmp/x&port=5432", NULL },
		{ "postgresql://host/db?user=a@b",
		  "postgresql://host/db?user=a@b", NULL },
		/* The price of masking whole: more than the password. */
		{ "postgresql://u:pw12@h/db?user=me@corp",
		  "postgresql://u:***@corp", "pw12" },
		{ "postgresql://h:5432/db?user=me@corp",
		  "postgresql://h:***@corp", NULL },
		/* An empty password is masked too. */
		{ "postgresql://user:@host/db", "postgresql://user:***@host/db",
		  NULL },
		{ "postgresql://:pw1234@host/db", "postgresql://:***@host/db",
		  "pw1234" },
		/* IPv6 hosts. */
		{ "postgresql://u:hunter2@[::1]:5432/db",
		  "postgresql://u:***@[::1]:5432/db", "hunter2" },
		{ "postgresql://[::1]:5432/db", "postgresql://[::1]:5432/db",
		  NULL },
		{ "postgresql://[2001:db8::1]/db?user=a@b",
		  "postgresql://[2001:db8::1]/db?user=a@b", NULL },
		/* Several hosts. */
		{ "postgresql://u:hunter2@h1:5432,h2:5433,[::1]:5434/db"
		  "?target_session_attrs=read-write",
		  "postgresql://u:***@h1:5432,h2:5433,[::1]:5434/db"
		  "?target_session_attrs=read-write", "hunter2" },
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_dburl_redact_query(void **state)
{
	static const struct redact_case c[] = {
		{ "postgresql://h/db?password=x1x2&sslmode=require",
		  "postgresql://h/db?password=***&sslmode=require", "x1x2" },
		{ "postgresql://h/db?sslmode=require&PassWord=x1x2",
		  "postgresql://h/db?sslmode=require&PassWord=***", "x1x2" },
		/* libpq decodes the key: this is the password too. */
		{ "postgresql://h/db?pass%77ord=x1x2",
		  "postgresql://h/db?pass%77ord=***", "x1x2" },
		{ "postgresql://h/db?sslpassword=k3y5&sslkey=/k",
		  "postgresql://h/db?sslpassword=***&sslkey=/k", "k3y5" },
		{ "postgresql://h/db?password=&sslmode=require",
		  "postgresql://h/db?password=***&sslmode=require", NULL },
		{ "postgresql://h/db?password=one1&password=two2",
		  "postgresql://h/db?password=***&password=***", "one1" },
		{ "postgresql://h/db?password=one1&password=two2",
		  "postgresql://h/db?password=***&password=***", "two2" },
		/* An unencoded '&' in the value: its tail is masked too. */
		{ "postgresql://h/db?password=ab&cd&sslmode=require",
		  "postgresql://h/db?password=***&sslmode=require", "cd" },
		/* "&yq=" is no parameter of libpq's: still the password. */
		{ "postgresql://h/db?password=ab&yq=cd",
		  "postgresql://h/db?password=***", "yq=cd" },
		/* An '@' in the value, and a ':' before it. */
		{ "postgresql://h/db?sslmode=require&password=Lx:y3@cJxu",
		  "postgresql://h/db?sslmode=require&password=***", "cJxu" },
		{ "postgresql://h/db?password=a%26b%3Dc",
		  "postgresql://h/db?password=***", "a%26b" },
		/* Both places at once. */
		{ "postgresql://u:pw1@h/db?password=pw2",
		  "postgresql://u:***@h/db?password=***", "pw2" },
		/* Not a password. */
		{ "postgresql://h/db?passfile=/p&application_name=password",
		  "postgresql://h/db?passfile=/p&application_name=password",
		  NULL },
		{ "postgresql://h/db?password", "postgresql://h/db?password",
		  NULL },
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_dburl_redact_conninfo(void **state)
{
	static const struct redact_case c[] = {
		{ "host=x password=secret dbname=y",
		  "host=x password=*** dbname=y", "secret" },
		{ "host=x password='a b' dbname=y",
		  "host=x password=*** dbname=y", "a b" },
		{ "host=x password='it\\'s a b\\\\c' dbname=y",
		  "host=x password=*** dbname=y", "s a b" },
		{ "host=x password=a\\ b\\'c dbname=y",
		  "host=x password=*** dbname=y", "b\\'c" },
		{ "  host = x   password =  'sp ace'  dbname=y ",
		  "  host = x   password =  ***  dbname=y ", "sp ace" },
		{ "dbname=y PASSWORD=upper1", "dbname=y PASSWORD=***",
		  "upper1" },
		{ "host=x sslpassword='k e y'", "host=x sslpassword=***",
		  "k e y" },
		{ "host=x password=''", "host=x password=***", NULL },
		/* As libpq reads it: the password is "dbname=y". */
		{ "host=x password= dbname=y", "host=x password= ***",
		  "dbname" },
		/* An unclosed quote runs to the end. */
		{ "host=x password='open ended dbname=y",
		  "host=x password=***", "open" },
		/* A mistake before it does not let the password through. */
		{ "host=x junk password=later1", "host=x junk password=***",
		  "later1" },
		{ "host='x password=inquote' password=real1",
		  "host='x password=inquote' password=***", "real1" },
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_dburl_redact_sqlite_unchanged(void **state)
{
	static const struct redact_case c[] = {
		{ "/var/lib/jobd/jobs.db", "/var/lib/jobd/jobs.db", NULL },
		{ "jobs.db", "jobs.db", NULL },
		{ "postgres.db", "postgres.db", NULL },
		{ "./postgresql:/x", "./postgresql:/x", NULL },
		{ "./user:pw@host/db", "./user:pw@host/db", NULL },
		{ "/srv/a=b/jobs.db", "/srv/a=b/jobs.db", NULL },
		{ "", "", NULL },
	};
	char out[16];

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
	dburl_redact(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

/*
 * Every buffer size from 0 up: the result is the start of the whole
 * one, always terminated, never past outlen, and never a byte of the
 * password, whatever the cut.
 */
static void
test_dburl_redact_small_buffer(void **state)
{
	static const char *names[] = {
		"postgresql://user:p@ss:w%40rd@host/db?password=second2",
		"host=x password='a b\\' c' dbname=y",
		"/var/lib/jobd/jobs.db",
	};
	char full[256], out[260];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		dburl_redact(names[i], full, sizeof(full));
		len = strlen(full);
		for (n = 0; n <= len + 2; n++) {
			memset(out, 'Z', sizeof(out));
			dburl_redact(names[i], out, n);
			if (n == 0) {
				assert_int_equal(out[0], 'Z');
				continue;
			}
			assert_int_equal(strlen(out),
			    n - 1 < len ? n - 1 : len);
			assert_memory_equal(out, full, strlen(out));
			assert_int_equal(out[n], 'Z');	/* not one byte past */
			lacks(out, "ss:w");
			lacks(out, "second");
			lacks(out, "a b");
		}
	}
}

static void
test_dburl_check_accepts(void **state)
{
	static const char *ok[] = {
		"/var/lib/jobd/jobs.db", "jobs.db", "postgres.db",
		"./postgresql:/x", "./host=x", "file:jobs.db",
		"postgresql://", "postgresql://u:pw@h:5432/db",
		"postgres://h/db?sslmode=require&application_name=jobd",
		"postgresql:///jobd?host=/tmp/x&port=5432&user=postgres",
		"postgresql://u:hunter2@[::1]:5432,h2/db",
		"postgresql://u:p%40ss@h/db", "postgresql://u:@h/db",
	};
	char err[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (dburl_check(ok[i], err, sizeof(err)) != 0)
			fail_msg("\"%s\" refused: %s", ok[i], err);
		assert_string_equal(err, "");
	}
	assert_int_equal(dburl_check("jobs.db", NULL, 0), 0);
}

struct check_case {
	const char	*in;
	const char	*why;		/* a part of the message */
	const char	*secret;	/* must not be in the message */
};

static void
test_dburl_check_refuses(void **state)
{
	static const struct check_case c[] = {
		{ "", "the name is empty", NULL },
		{ "jobs\n.db", "contains a newline (byte 4)", NULL },
		{ "postgresql://u:pw99@h/db\n", "contains a newline", "pw99" },
		{ "jobs\001.db", "control byte 0x01", NULL },
		{ "postgresql://h/db\177", "control byte 0x7f", NULL },
		{ "POSTGRESQL://h/db", "lowercase", NULL },
		{ "Postgres://u:pw99@h/db", "lowercase", "pw99" },
		{ "postgresql:/h/db", "\"postgresql:\" is not a PostgreSQL",
		  NULL },
		{ "postgresq://h/db", "\"postgresq:\" is not", NULL },
		{ "postgres:h", "\"postgres:\" is not", NULL },
		{ "pg://h/db", "\"pg:\" is not", NULL },
		{ "mysql://u:pw99@h/db", "unknown scheme \"mysql://\"", NULL },
		{ "host=x password=pw99 dbname=y", "keyword/value", "pw99" },
		{ "postgresql://h/db?sslmod=require",
		  "invalid URI query parameter: \"sslmod\"", NULL },
		{ "postgresql://u:hunter2@[::1/db",
		  "looking for matching \"]\"", "hunter2" },
		/* libpq's own messages would quote the password here. */
		{ "postgresql://u:%zzpw@h/db", "cannot parse its password",
		  "zzpw" },
		{ "postgresql://h/db?password=%zzpw",
		  "cannot parse its password", "zzpw" },
		{ "postgresql://h/db?password=ab&cdpw&sslmode=require",
		  "cannot parse its password", "cdpw" },
		{ "postgresql://h/db?password=%00pw", "cannot parse",
		  "%00pw" },
	};
	char err[ERRLEN], want[ERRLEN + 16], r[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (dburl_check(c[i].in, err, sizeof(err)) != -EINVAL)
			fail_msg("\"%s\" accepted", c[i].in);
		has(err, c[i].why);
		lacks(err, c[i].secret);
		assert_null(strchr(err, '\n'));
		/* It names the name, redacted. */
		dburl_redact(c[i].in, r, sizeof(r));
		if (strchr(r, '\n') == NULL && strchr(r, '\001') == NULL &&
		    strchr(r, '\177') == NULL) {
			snprintf(want, sizeof(want), "database \"%s\": ", r);
			if (strncmp(err, want, strlen(want)) != 0)
				fail_msg("\"%s\" does not start \"%s\"", err,
				    want);
		}
	}
	/* Control bytes are shown escaped. */
	assert_int_equal(dburl_check("jobs\n.db", err, sizeof(err)), -EINVAL);
	has(err, "database \"jobs\\n.db\": ");
	/* No buffer, and a small one. */
	assert_int_equal(dburl_check("", NULL, 0), -EINVAL);
	assert_int_equal(dburl_check("mysql://h", err, 12), -EINVAL);
	assert_string_equal(err, "database \"m");
	assert_int_equal(dburl_check(NULL, err, sizeof(err)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dburl_is_postgres),
		cmocka_unit_test(test_dburl_redact_userinfo),
		cmocka_unit_test(test_dburl_redact_query),
		cmocka_unit_test(test_dburl_redact_conninfo),
		cmocka_unit_test(test_dburl_redact_sqlite_unchanged),
		cmocka_unit_test(test_dburl_redact_small_buffer),
		cmocka_unit_test(test_dburl_check_accepts),
		cmocka_unit_test(test_dburl_check_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
