/*
 * Fuzz target for mail: mail_addrs_check(), mail_compose() and
 * mail_argv() on arbitrary fields.
 *
 * The input is split at NUL bytes into the fields to, from, user, host,
 * command, schedule and outcome; the rest is the body.  A missing field is
 * NULL (schedule and from may be).  Checked:
 *
 * - mail_compose() succeeds exactly when to, and from when it is given,
 *   pass mail_addrs_check() (from as one address);
 * - its header section is the known headers in their order, each once,
 *   with only continuation lines (a space first) after Subject: no input
 *   can end a header line or start another; every header byte is
 *   printable ASCII, no line is longer than 998 bytes;
 * - the body after the first blank line is the body given (plus a final
 *   newline), or "(no output)";
 * - mail_argv() gives the mailer, -i, and the addresses of the To: line,
 *   none starting with '-'; a refused list has none;
 * - a refusal of mail_addrs_check() has a terminated message in a buffer
 *   of any size.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/mail.h"

#define FUZZ_NAME	"fuzz_mail"
#include "fuzz.h"

#define NFIELDS	7

static const char *const header_names[] = {
	"From: ", "To: ", "Subject: ", "Date: ", "MIME-Version: ",
	"Content-Type: ", "Content-Transfer-Encoding: ", "Auto-Submitted: ",
	"X-Jobd-Job-Id: ", "X-Jobd-Attempt: ", "X-Jobd-Outcome: ",
	"X-Jobd-Schedule: ",
};
#define NHEADERS	(sizeof(header_names) / sizeof(header_names[0]))

/* Check the message; return the body's offset. */
static size_t
check_headers(const char *msg, size_t len, bool schedule)
{
	size_t h = 0, i;
	const char *p = msg, *nl, *q;
	bool subject = false;

	for (;;) {
		nl = memchr(p, '\n', len - (size_t)(p - msg));
		if (nl == NULL)
			fuzz_fail("the header section does not end");
		if (nl == p)
			break;
		if (nl - p > 998)
			fuzz_fail("a header line of %zu bytes",
			    (size_t)(nl - p));
		for (q = p; q < nl; q++)
			if (*q < 0x20 || *q >= 0x7f)
				fuzz_fail("header byte 0x%02x",
				    (unsigned char)*q);
		if (*p == ' ') {
			if (!subject)
				fuzz_fail("a continuation line after %s",
				    h ? header_names[h - 1] : "nothing");
		} else {
			if (h == 11 && !schedule)
				h++;
			if (h >= NHEADERS || strncmp(p, header_names[h],
			    strlen(header_names[h])) != 0)
				fuzz_fail("header line \"%.*s\" where %s "
				    "belongs", (int)(nl - p), p,
				    h < NHEADERS ? header_names[h] : "none");
			subject = h == 2;
			h++;
		}
		p = nl + 1;
	}
	i = schedule ? NHEADERS : NHEADERS - 1;
	if (h != i)
		fuzz_fail("%zu headers, not %zu", h, i);
	return (size_t)(p - msg) + 1;
}

/* The addresses of the To: line of msg, as mail_argv() must give them. */
static void
check_argv(const char *msg, const char *to)
{
	char **v = NULL, line[MAIL_ADDRS_MAX * 2 + 8], *s, *save = NULL;
	const char *p, *nl;
	int i;

	if (mail_argv("/usr/sbin/sendmail", to, &v) != 0)
		fuzz_fail("mail_argv() refused a list mail_compose() took");
	p = strstr(msg, "\nTo: ") + 5;
	nl = strchr(p, '\n');
	if ((size_t)(nl - p) >= sizeof(line))
		fuzz_fail("a To: line longer than any list");
	memcpy(line, p, (size_t)(nl - p));
	line[nl - p] = '\0';
	if (strcmp(v[0], "/usr/sbin/sendmail") != 0 ||
	    strcmp(v[1], "-i") != 0)
		fuzz_fail("argv starts \"%s\" \"%s\"", v[0], v[1]);
	i = 2;
	for (s = strtok_r(line, ", ", &save); s != NULL;
	    s = strtok_r(NULL, ", ", &save), i++) {
		if (v[i] == NULL || strcmp(v[i], s) != 0)
			fuzz_fail("argv[%d] \"%s\", To: has \"%s\"", i,
			    v[i] ? v[i] : "(null)", s);
		if (v[i][0] == '-')
			fuzz_fail("argv[%d] \"%s\" is an option", i, v[i]);
	}
	if (v[i] != NULL)
		fuzz_fail("argv has more than To: (\"%s\")", v[i]);
	mail_argv_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[NFIELDS] = { NULL };
	char *copy, *p, *end, *out = NULL, err[MAIL_ERR_MAX], small[8];
	struct mail_msg m;
	size_t len = 0, body, n = 0, blen;
	bool ok;
	int rc, k;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	for (k = 0; k < NFIELDS && p < end; k++) {
		f[k] = p;
		p += strlen(p) + 1;
	}
	memset(&m, 0, sizeof(m));
	m.to = f[0];
	m.from = f[1];
	m.user = f[2];
	m.host = f[3];
	m.command = f[4];
	m.schedule = f[5];
	m.outcome = f[6];
	m.job_id = (int64_t)fuzz_hash(data, size);
	m.attempt = (int)(m.job_id & 0xffff);
	m.date = m.job_id >> 20;
	m.body = p < end ? p : NULL;
	m.body_len = p < end ? (size_t)(end - p) : 0;

	/* A refusal's message, into buffers big and small. */
	rc = mail_addrs_check(m.to, err, sizeof(err));
	if (rc != 0 && (rc != -EINVAL || memchr(err, '\0', sizeof(err)) ==
	    NULL || err[0] == '\0' || strchr(err, '\n') != NULL))
		fuzz_fail("mail_addrs_check() returned %d, message \"%.*s\"",
		    rc, (int)sizeof(err), err);
	memset(small, 'x', sizeof(small));
	if (mail_addrs_check(m.to, small, 1 + size % 7) != rc ||
	    (rc != 0 && memchr(small, '\0', 1 + size % 7) == NULL))
		fuzz_fail("a small message buffer is not terminated");

	ok = rc == 0;
	if (m.from != NULL && *m.from != '\0') {
		if (mail_addrs_check(m.from, NULL, 0) != 0 ||
		    strchr(m.from, ',') != NULL)
			ok = false;
	}
	rc = mail_compose(&m, &out, &len);
	if (rc == -ENOMEM) {
		free(copy);
		return 0;
	}
	if ((rc == 0) != ok)
		fuzz_fail("mail_compose() returned %d, expected %s", rc,
		    ok ? "success" : "a refusal");
	if (rc != 0) {
		char **v = NULL;

		if (mail_addrs_check(m.to, NULL, 0) != 0 &&
		    mail_argv("/usr/sbin/sendmail", m.to, &v) != -EINVAL)
			fuzz_fail("mail_argv() took a refused list");
		free(copy);
		return 0;
	}
	if (strlen(out) != len && memchr(out, '\0', len) == NULL)
		fuzz_fail("the length is not the message's");
	body = check_headers(out, len, m.schedule != NULL);
	blen = len - body;
	if (m.body_len == 0) {
		if (strcmp(out + body, "(no output)\n") != 0)
			fuzz_fail("an empty body reads \"%s\"", out + body);
	} else {
		n = m.body_len + (m.body[m.body_len - 1] != '\n');
		if (blen != n || memcmp(out + body, m.body, m.body_len) != 0)
			fuzz_fail("the body is not the output given");
	}
	check_argv(out, m.to);
	free(out);
	free(copy);
	return 0;
}
