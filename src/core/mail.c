/*
 * mail: the mail policy, address lists, the message and the mailer's
 * argv (mail.h).  The rule that keeps a header on its line lives in one
 * place, buf_clean(): every byte of an input that reaches a header goes
 * through it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobd/mail.h"
#include "jobd/strbuf.h"
#include "jobd/utf8.h"

#define CLEAN_USER_MAX		64
#define CLEAN_HOST_MAX		255
#define CLEAN_VALUE_MAX		256
/* Raw bytes per RFC 2047 encoded-word: 56 base64 characters. */
#define EWORD_RAW		42

static const char *const mail_on_names[] = {
	[MAIL_ON_NEVER] = "never",
	[MAIL_ON_FAILURE] = "failure",
	[MAIL_ON_OUTPUT] = "output",
	[MAIL_ON_ALWAYS] = "always",
};

int
mail_on_parse(const char *s, enum mail_on *on)
{
	int i;

	if (s == NULL)
		return -EINVAL;
	for (i = MAIL_ON_NEVER; i <= MAIL_ON_ALWAYS; i++) {
		if (strcmp(s, mail_on_names[i]) == 0) {
			*on = (enum mail_on)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
mail_on_name(enum mail_on on)
{
	if (on < MAIL_ON_NEVER || on > MAIL_ON_ALWAYS)
		return NULL;
	return mail_on_names[on];
}

bool
mail_wanted(enum mail_on on, bool failed, size_t output_len)
{
	switch (on) {
	case MAIL_ON_NEVER:
		return false;
	case MAIL_ON_OUTPUT:
		return output_len > 0;
	case MAIL_ON_ALWAYS:
		return true;
	case MAIL_ON_UNSET:
	case MAIL_ON_FAILURE:
	default:
		return failed;
	}
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The addresses of a checked list: offsets and lengths into it. */
struct addrs {
	size_t	off[MAIL_ADDRS_N];
	size_t	len[MAIL_ADDRS_N];
	int	n;
};

static bool
addr_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~.-@", c) != NULL;
}

/* One address, s (n bytes, trimmed, n > 0). */
static int
addr_check(const char *s, size_t n, char *err, size_t errlen)
{
	size_t i, at = 0, nat = 0;
	int w = n > 40 ? 40 : (int)n;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ') {
			seterr(err, errlen, "address \"%.*s\" contains a blank",
			    w, s);
			return -EINVAL;
		}
		if (!addr_char(s[i])) {
			seterr(err, errlen, "address \"%.*s\" contains '%c'",
			    w, s, s[i]);
			return -EINVAL;
		}
		if (s[i] == '@') {
			at = i;
			nat++;
		}
	}
	if (s[0] == '-') {
		seterr(err, errlen, "address \"%.*s\" starts with '-'", w, s);
		return -EINVAL;
	}
	if (nat > 1 || (nat == 1 && (at == 0 || at == n - 1))) {
		seterr(err, errlen, "address \"%.*s\" is not user or "
		    "user@domain", w, s);
		return -EINVAL;
	}
	return 0;
}

static int
addrs_parse(const char *list, struct addrs *a, char *err, size_t errlen)
{
	size_t n, i, s, e;
	unsigned char c;

	a->n = 0;
	if (list == NULL || *list == '\0') {
		seterr(err, errlen, "no address");
		return -EINVAL;
	}
	n = strlen(list);
	if (n > MAIL_ADDRS_MAX) {
		seterr(err, errlen, "longer than %d bytes", MAIL_ADDRS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)list[i];
		if (c < 0x20 || c == 0x7f) {
			seterr(err, errlen, "control character 0x%02x at byte "
			    "%zu", c, i + 1);
			return -EINVAL;
		}
		if (c >= 0x80) {
			seterr(err, errlen, "non-ASCII byte at byte %zu",
			    i + 1);
			return -EINVAL;
		}
	}
	for (i = 0;; i++) {
		for (s = i; list[s] == ' '; s++)
			;
		for (i = s; list[i] != ',' && list[i] != '\0'; i++)
			;
		for (e = i; e > s && list[e - 1] == ' '; e--)
			;
		if (e == s) {
			seterr(err, errlen, "empty address at byte %zu", s + 1);
			return -EINVAL;
		}
		if (addr_check(list + s, e - s, err, errlen) != 0)
			return -EINVAL;
		if (a->n == MAIL_ADDRS_N) {
			seterr(err, errlen, "more than %d addresses",
			    MAIL_ADDRS_N);
			return -EINVAL;
		}
		a->off[a->n] = s;
		a->len[a->n++] = e - s;
		if (list[i] == '\0')
			return 0;
	}
}

int
mail_addrs_check(const char *list, char *err, size_t errlen)
{
	struct addrs a;

	return addrs_parse(list, &a, err, errlen);
}

/*
 * s (NULL: "?") into a header value, at most max bytes of it: every
 * control byte becomes a space, and with ascii, every other byte past
 * 0x7f a '?'.  The one place input reaches a header.
 */
static void
buf_clean(struct strbuf *b, const char *s, size_t max, bool ascii)
{
	unsigned char c;
	size_t i;

	if (s == NULL)
		s = "?";
	for (i = 0; s[i] != '\0' && i < max; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (ascii && c >= 0x80)
			c = '?';
		strbuf_add(b, &c, 1);
	}
}

/*
 * The command for a Subject: runs of blanks and control bytes (line
 * breaks too) become one space, none at either end; cut at
 * MAIL_SUBJECT_CMD_MAX bytes on a character boundary, with "...".
 * Invalid UTF-8 and C1 controls become '?'.
 */
static void
buf_command(struct strbuf *b, const char *cmd)
{
	const unsigned char *p = (const unsigned char *)(cmd ? cmd : "?");
	size_t n = strlen((const char *)p), i = 0, k, used = 0;
	bool space = false;
	uint32_t cp;

	while (i < n && (p[i] <= 0x20 || p[i] == 0x7f))
		i++;
	while (i < n) {
		if (p[i] <= 0x20 || p[i] == 0x7f) {
			space = true;
			i++;
			continue;
		}
		k = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp);
		if (k > 1 && utf8_is_c1(cp))
			k = 0;
		if (used + space + (k > 0 ? k : 1) > MAIL_SUBJECT_CMD_MAX) {
			strbuf_str(b, "...");
			return;
		}
		if (space) {
			strbuf_str(b, " ");
			used++;
			space = false;
		}
		if (k == 0) {
			strbuf_str(b, "?");
			used++;
			i++;
			continue;
		}
		strbuf_add(b, p + i, k);
		used += k;
		i += k;
	}
}

static void
buf_base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		strbuf_add(b, q, 4);
	}
}

/*
 * "Subject: " and s (valid UTF-8 without control bytes): as is when it is
 * ASCII, else as encoded-words of at most EWORD_RAW bytes each, cut on
 * character boundaries, on lines that start with a space.
 */
static void
buf_subject(struct strbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, start, k;
	uint32_t cp;
	bool ascii = true;

	strbuf_str(b, "Subject: ");
	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			ascii = false;
	if (ascii) {
		strbuf_add(b, s, n);
		strbuf_str(b, "\n");
		return;
	}
	for (start = 0; start < n;) {
		for (i = start; i < n; i += k) {
			k = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp);
			if (k == 0)
				k = 1;	/* not reached: s is valid */
			if (i + k - start > EWORD_RAW)
				break;
		}
		if (start > 0)
			strbuf_str(b, "\n ");
		strbuf_str(b, "=?UTF-8?B?");
		buf_base64(b, p + start, i - start);
		strbuf_str(b, "?=");
		start = i;
	}
	strbuf_str(b, "\n");
}

static void
buf_date(struct strbuf *b, int64_t date)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)date;
	struct tm tm;

	if ((int64_t)t != date || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1900) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	strbuf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
mail_compose(const struct mail_msg *m, char **out, size_t *len)
{
	struct strbuf b = { NULL, 0, 0, false }, subj = { NULL, 0, 0, false };
	struct addrs to, from;
	const char *fromlist;
	int i;

	if (addrs_parse(m->to, &to, NULL, 0) != 0)
		return -EINVAL;
	fromlist = m->from;
	if (fromlist == NULL || *fromlist == '\0') {
		fromlist = m->user;
		if (addrs_parse(fromlist, &from, NULL, 0) != 0 ||
		    from.n != 1)
			fromlist = "root";
	}
	if (addrs_parse(fromlist, &from, NULL, 0) != 0 || from.n != 1)
		return -EINVAL;

	strbuf_str(&b, "From: jobd <");
	strbuf_add(&b, fromlist + from.off[0], from.len[0]);
	strbuf_str(&b, ">\nTo: ");
	for (i = 0; i < to.n; i++) {
		if (i > 0)
			strbuf_str(&b, ", ");
		strbuf_add(&b, m->to + to.off[i], to.len[i]);
	}
	strbuf_str(&b, "\n");

	strbuf_str(&subj, "jobd <");
	buf_clean(&subj, m->user, CLEAN_USER_MAX, true);
	strbuf_str(&subj, "@");
	buf_clean(&subj, m->host, CLEAN_HOST_MAX, true);
	strbuf_str(&subj, "> ");
	buf_command(&subj, m->command);
	if (subj.nomem)
		b.nomem = true;
	else
		buf_subject(&b, subj.p);
	free(subj.p);

	buf_date(&b, m->date);
	strbuf_str(&b, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-generated\n");
	strbuf_printf(&b, "X-Jobd-Job-Id: %lld\nX-Jobd-Attempt: %d\n",
	    (long long)m->job_id, m->attempt);
	strbuf_str(&b, "X-Jobd-Outcome: ");
	buf_clean(&b, m->outcome, CLEAN_VALUE_MAX, true);
	strbuf_str(&b, "\n");
	if (m->schedule != NULL) {
		strbuf_str(&b, "X-Jobd-Schedule: ");
		buf_clean(&b, m->schedule, CLEAN_VALUE_MAX, true);
		strbuf_str(&b, "\n");
	}
	strbuf_str(&b, "\n");
	if (m->body == NULL || m->body_len == 0)
		strbuf_str(&b, "(no output)\n");
	else {
		strbuf_add(&b, m->body, m->body_len);
		if (m->body[m->body_len - 1] != '\n')
			strbuf_str(&b, "\n");
	}
	if (b.nomem) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

int
mail_argv(const char *mailer, const char *to, char ***argv)
{
	struct addrs a;
	char **v;
	int i;

	if (mailer == NULL || *mailer == '\0' ||
	    addrs_parse(to, &a, NULL, 0) != 0)
		return -EINVAL;
	if ((v = calloc((size_t)a.n + 3, sizeof(*v))) == NULL)
		return -ENOMEM;
	v[0] = strdup(mailer);
	v[1] = strdup("-i");
	for (i = 0; i < a.n; i++)
		v[i + 2] = strndup(to + a.off[i], a.len[i]);
	for (i = 0; i < a.n + 2; i++)
		if (v[i] == NULL)
			break;
	if (i < a.n + 2) {
		for (i = 0; i < a.n + 2; i++)
			free(v[i]);
		free(v);
		return -ENOMEM;
	}
	*argv = v;
	return 0;
}

void
mail_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
