/*
 * Unit tests for mail: the mail_on names and policy table, address lists
 * (line breaks, header injection, empty items, lengths), the composed
 * message header by header, and the mailer's argv.
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

#include "jobd/mail.h"

static char err[MAIL_ERR_MAX];

static void
has(const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, want);
}

static int
check(const char *list)
{
	memset(err, 0, sizeof(err));
	return mail_addrs_check(list, err, sizeof(err));
}

static void
test_mail_on(void **state)
{
	static const char *const names[] = { "never", "failure", "output",
	    "always" };
	enum mail_on on = MAIL_ON_UNSET;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(mail_on_parse(names[i], &on), 0);
		assert_int_equal(on, MAIL_ON_NEVER + (int)i);
		assert_string_equal(mail_on_name(on), names[i]);
	}
	on = MAIL_ON_OUTPUT;
	assert_int_equal(mail_on_parse("Failure", &on), -EINVAL);
	assert_int_equal(mail_on_parse("", &on), -EINVAL);
	assert_int_equal(mail_on_parse("fail", &on), -EINVAL);
	assert_int_equal(mail_on_parse("always ", &on), -EINVAL);
	assert_int_equal(mail_on_parse(NULL, &on), -EINVAL);
	assert_int_equal(on, MAIL_ON_OUTPUT);
	assert_null(mail_on_name(MAIL_ON_UNSET));
	assert_null(mail_on_name((enum mail_on)99));
}

static void
test_mail_wanted(void **state)
{
	/* on, failed, output_len, wanted */
	static const struct {
		enum mail_on	on;
		bool		failed;
		size_t		out;
		bool		want;
	} t[] = {
		{ MAIL_ON_NEVER, false, 0, false },
		{ MAIL_ON_NEVER, true, 0, false },
		{ MAIL_ON_NEVER, true, 10, false },
		{ MAIL_ON_FAILURE, false, 0, false },
		{ MAIL_ON_FAILURE, false, 10, false },
		{ MAIL_ON_FAILURE, true, 0, true },
		{ MAIL_ON_FAILURE, true, 10, true },
		{ MAIL_ON_OUTPUT, false, 0, false },
		{ MAIL_ON_OUTPUT, true, 0, false },
		{ MAIL_ON_OUTPUT, false, 1, true },
		{ MAIL_ON_OUTPUT, true, 1, true },
		{ MAIL_ON_ALWAYS, false, 0, true },
		{ MAIL_ON_ALWAYS, true, 0, true },
		{ MAIL_ON_ALWAYS, false, 5, true },
		{ MAIL_ON_UNSET, false, 5, false },
		{ MAIL_ON_UNSET, true, 0, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mail_wanted(t[i].on, t[i].failed, t[i].out) != t[i].want)
			fail_msg("row %zu: %s failed=%d output=%zu", i,
			    mail_on_name(t[i].on), t[i].failed, t[i].out);
}

static void
test_mail_addrs(void **state)
{
	char big[MAIL_ADDRS_MAX + 2], many[MAIL_ADDRS_N * 3 + 8];
	int i;

	(void)state;
	assert_int_equal(check("ops@example.com"), 0);
	assert_int_equal(check("root"), 0);
	assert_int_equal(check("a@b, c@d,e"), 0);
	assert_int_equal(check("  a@b ,c  "), 0);
	assert_int_equal(check("first.last+tag@sub.example.org"), 0);

	assert_int_equal(check(NULL), -EINVAL);
	has("no address");
	assert_int_equal(check(""), -EINVAL);
	has("no address");
	assert_int_equal(check("a@b\nBcc: x@evil"), -EINVAL);
	has("control character 0x0a at byte 4");
	assert_int_equal(check("a@b\r\nBcc: x"), -EINVAL);
	has("control character 0x0d at byte 4");
	assert_int_equal(check("a@b\rx"), -EINVAL);
	has("0x0d");
	assert_int_equal(check("a\tb"), -EINVAL);
	has("0x09");
	assert_int_equal(check("a\x01" "b"), -EINVAL);
	has("0x01");
	assert_int_equal(check("a\x7f"), -EINVAL);
	has("0x7f");
	assert_int_equal(check("a@b,,c@d"), -EINVAL);
	has("empty address at byte 5");
	assert_int_equal(check(",a@b"), -EINVAL);
	has("empty address at byte 1");
	assert_int_equal(check("a@b,"), -EINVAL);
	has("empty address");
	assert_int_equal(check(" , "), -EINVAL);
	has("empty address");
	/* The same injection on one line: still refused. */
	assert_int_equal(check("a@b Bcc: x@evil"), -EINVAL);
	has("contains a blank");
	assert_int_equal(check("a@b;Bcc:x"), -EINVAL);
	has("contains ';'");
	assert_int_equal(check("Ops <ops@example.com>"), -EINVAL);
	assert_int_equal(check("\"a\"@b"), -EINVAL);
	has("contains '\"'");
	assert_int_equal(check("-oQ/tmp"), -EINVAL);
	has("starts with '-'");
	assert_int_equal(check("a@b,-f"), -EINVAL);
	has("starts with '-'");
	assert_int_equal(check("@b"), -EINVAL);
	has("is not user or user@domain");
	assert_int_equal(check("a@"), -EINVAL);
	assert_int_equal(check("a@b@c"), -EINVAL);
	assert_int_equal(check("j\xc3\xb6rg@example.com"), -EINVAL);
	has("non-ASCII byte at byte 2");

	memset(big, 'a', sizeof(big));
	big[MAIL_ADDRS_MAX] = '\0';
	assert_int_equal(check(big), 0);
	big[MAIL_ADDRS_MAX] = 'a';
	big[MAIL_ADDRS_MAX + 1] = '\0';
	assert_int_equal(check(big), -EINVAL);
	has("longer than 900 bytes");

	many[0] = '\0';
	for (i = 0; i < MAIL_ADDRS_N; i++)
		strcat(many, i ? ",a" : "a");
	assert_int_equal(check(many), 0);
	strcat(many, ",b");
	assert_int_equal(check(many), -EINVAL);
	has("more than 32 addresses");

	/* A message buffer of any size stays terminated. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(mail_addrs_check("a\nb", err, 5), -EINVAL);
	assert_int_equal(strlen(err), 4);
	assert_int_equal(mail_addrs_check("a\nb", NULL, 0), -EINVAL);
}

static void
msg_init(struct mail_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->to = "ops@example.com, root";
	m->user = "alice";
	m->host = "db1";
	m->command = "/usr/local/bin/backup --full";
	m->schedule = "nightly";
	m->job_id = 42;
	m->attempt = 3;
	m->outcome = "exit 1";
	m->date = 1796620866;		/* 2026-12-07T05:21:06Z, a Monday */
	m->body = "disk full\n";
	m->body_len = strlen(m->body);
}

static char *
compose(const struct mail_msg *m)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(mail_compose(m, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* The header section of msg: every line up to the blank one. */
static void
headers_sane(const char *msg)
{
	const char *p = msg, *nl;

	for (;;) {
		assert_non_null(nl = strchr(p, '\n'));
		if (nl == p)
			return;
		assert_true(nl - p <= 998);
		for (; p < nl; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		p = nl + 1;
	}
}

static void
test_mail_compose(void **state)
{
	struct mail_msg m;
	char *out;

	(void)state;
	msg_init(&m);
	out = compose(&m);
	assert_string_equal(out,
	    "From: jobd <alice>\n"
	    "To: ops@example.com, root\n"
	    "Subject: jobd <alice@db1> /usr/local/bin/backup --full\n"
	    "Date: Mon, 07 Dec 2026 05:21:06 +0000\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-generated\n"
	    "X-Jobd-Job-Id: 42\n"
	    "X-Jobd-Attempt: 3\n"
	    "X-Jobd-Outcome: exit 1\n"
	    "X-Jobd-Schedule: nightly\n"
	    "\n"
	    "disk full\n");
	free(out);

	/* No schedule, a given sender, no output, no final newline. */
	m.schedule = NULL;
	m.from = "jobd@db1.example.com";
	m.body = NULL;
	m.body_len = 0;
	out = compose(&m);
	assert_non_null(strstr(out, "From: jobd <jobd@db1.example.com>\n"));
	assert_null(strstr(out, "X-Jobd-Schedule"));
	assert_non_null(strstr(out, "\n\n(no output)\n"));
	free(out);
	m.body = "no newline";
	m.body_len = 5;
	out = compose(&m);
	assert_non_null(strstr(out, "\n\nno ne\n"));
	assert_int_equal(out[strlen(out) - 2], 'e');
	free(out);

	/* A sender of two addresses, a bad list: refused. */
	m.from = "a@b,c@d";
	assert_int_equal(mail_compose(&m, &out, &(size_t){ 0 }), -EINVAL);
	m.from = NULL;
	m.to = "a@b\nBcc: x@evil";
	assert_int_equal(mail_compose(&m, &out, &(size_t){ 0 }), -EINVAL);
	m.to = "";
	assert_int_equal(mail_compose(&m, &out, &(size_t){ 0 }), -EINVAL);

	/* A user that is no address: the sender is root. */
	m.to = "ops";
	m.user = "we ird\n";
	m.host = NULL;
	m.outcome = NULL;
	out = compose(&m);
	assert_non_null(strstr(out, "From: jobd <root>\n"));
	assert_non_null(strstr(out, "Subject: jobd <we ird @?> "));
	assert_non_null(strstr(out, "X-Jobd-Outcome: ?\n"));
	headers_sane(out);
	free(out);
}

static void
test_mail_compose_injection(void **state)
{
	struct mail_msg m;
	char *out, *p;

	(void)state;
	msg_init(&m);
	m.command = "echo hi\nBcc: victim@example.com\r\nX-Evil: 1\n\necho";
	m.schedule = "s\nBcc: a@b";
	m.outcome = "exit 1\r\nBcc: c@d";
	m.user = "u\nBcc: e@f";
	m.host = "h\rX: y";
	out = compose(&m);
	headers_sane(out);
	assert_non_null(strstr(out, "Subject: jobd <u Bcc: e@f@h X: y> "
	    "echo hi Bcc: victim@example.com X-Evil: 1 echo\n"));
	assert_non_null(strstr(out, "X-Jobd-Schedule: s Bcc: a@b\n"));
	assert_non_null(strstr(out, "X-Jobd-Outcome: exit 1  Bcc: c@d\n"));
	/* No header line starts with what an input carried. */
	for (p = out; (p = strchr(p, '\n')) != NULL && p[1] != '\n'; p++) {
		assert_false(strncmp(p + 1, "Bcc", 3) == 0);
		assert_false(strncmp(p + 1, "X-Evil", 6) == 0);
		assert_false(strncmp(p + 1, "X:", 2) == 0);
	}
	free(out);
}

static void
test_mail_compose_subject(void **state)
{
	char cmd[1000], *out, *s, *e;
	struct mail_msg m;

	(void)state;
	msg_init(&m);
	/* Long: cut at 200 bytes with "...". */
	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	m.command = cmd;
	out = compose(&m);
	s = strstr(out, "Subject: jobd <alice@db1> ");
	assert_non_null(s);
	e = strchr(s, '\n');
	assert_int_equal(e - s, (long)strlen("Subject: jobd <alice@db1> ") +
	    MAIL_SUBJECT_CMD_MAX + 3);
	assert_memory_equal(e - 4, "x...", 4);
	free(out);

	/* Leading and repeated blanks and line breaks: one space. */
	m.command = "\n  cd /srv &&\n\n\tmake   all  \n";
	out = compose(&m);
	assert_non_null(strstr(out, "Subject: jobd <alice@db1> cd /srv && "
	    "make all\n"));
	free(out);

	/* Non-ASCII: RFC 2047 base64 encoded-words. */
	m.command = "echo \xc3\xa9t\xc3\xa9";	/* "echo été" */
	out = compose(&m);
	/* "jobd <alice@db1> echo été" */
	assert_non_null(strstr(out, "Subject: =?UTF-8?B?"
	    "am9iZCA8YWxpY2VAZGIxPiBlY2hvIMOpdMOp?=\n"));
	headers_sane(out);
	free(out);

	/* Long and non-ASCII: folded, each word whole characters. */
	for (size_t i = 0; i + 2 < 300; i += 2)
		memcpy(cmd + i, "\xc3\xa9", 2);
	cmd[298] = '\0';
	m.command = cmd;
	out = compose(&m);
	headers_sane(out);
	s = strstr(out, "Subject: =?UTF-8?B?");
	assert_non_null(s);
	assert_non_null(strstr(s, "?=\n =?UTF-8?B?"));
	for (e = s; (e = strchr(e, '\n')) != NULL && e[1] == ' '; e++)
		assert_int_equal(strncmp(e + 1, " =?UTF-8?B?", 11), 0);
	free(out);

	/* Invalid UTF-8 and a cut sequence become '?'. */
	m.command = "a\xff" "b\xc3";
	out = compose(&m);
	assert_non_null(strstr(out, "Subject: jobd <alice@db1> a?b?\n"));
	free(out);
}

static void
test_mail_argv(void **state)
{
	char **v = NULL;

	(void)state;
	assert_int_equal(mail_argv("/usr/sbin/sendmail", " a@b , root,c@d",
	    &v), 0);
	assert_string_equal(v[0], "/usr/sbin/sendmail");
	assert_string_equal(v[1], "-i");
	assert_string_equal(v[2], "a@b");
	assert_string_equal(v[3], "root");
	assert_string_equal(v[4], "c@d");
	assert_null(v[5]);
	mail_argv_free(v);
	v = NULL;
	assert_int_equal(mail_argv("/usr/sbin/sendmail", "a@b\nBcc: x", &v),
	    -EINVAL);
	assert_int_equal(mail_argv("/usr/sbin/sendmail", "-oi", &v),
	    -EINVAL);
	assert_int_equal(mail_argv("", "a@b", &v), -EINVAL);
	assert_int_equal(mail_argv(NULL, "a@b", &v), -EINVAL);
	assert_null(v);
	mail_argv_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_on),
		cmocka_unit_test(test_mail_wanted),
		cmocka_unit_test(test_mail_addrs),
		cmocka_unit_test(test_mail_compose),
		cmocka_unit_test(test_mail_compose_injection),
		cmocka_unit_test(test_mail_compose_subject),
		cmocka_unit_test(test_mail_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
