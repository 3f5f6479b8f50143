/*
 * dburl: which backend a database name is for, its passwords masked for
 * messages, and an up-front check of its syntax (see include/jobd/dburl.h).
 *
 * Redaction copies the name piece by piece into a bounded buffer and puts
 * "***" where a secret was: no byte of a secret is ever copied, so a cut
 * result cannot hold one either.  It follows libpq's grammar where that
 * is unambiguous and masks more where it is not (the user information
 * ends at the last '@' before the hosts, not at libpq's first '@', so
 * that an unencoded '@', '/' or '?' in a password is masked whole).
 *
 * dburl_check never shows libpq's own message for the name as given: that
 * message may quote part of the password (`invalid percent-encoded token:
 * "%zz"`).  It parses the redacted name again and shows that message,
 * which can quote nothing secret.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobd/dburl.h"
#include "jobd/pq.h"

#define DBURL_MASK	"***"

/* A bounded output: len counts every byte offered, stored or not. */
struct dburl_buf {
	char	*out;
	size_t	 cap;		/* bytes at out, NUL included; may be 0 */
	size_t	 len;		/* length of the whole result */
};

static void
buf_put(struct dburl_buf *b, const char *s, size_t n)
{
	size_t room;

	if (b->cap > 0 && b->len < b->cap - 1) {
		room = b->cap - 1 - b->len;
		memcpy(b->out + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

static void
buf_end(struct dburl_buf *b)
{
	if (b->cap > 0)
		b->out[b->len < b->cap - 1 ? b->len : b->cap - 1] = '\0';
}

/* The length of the "postgresql://" or "postgres://" that starts name. */
static size_t
dburl_scheme_len(const char *name)
{
	if (strncasecmp(name, "postgresql://", 13) == 0)
		return 13;
	if (strncasecmp(name, "postgres://", 11) == 0)
		return 11;
	return 0;
}

bool
dburl_is_postgres(const char *name)
{
	return name != NULL && dburl_scheme_len(name) > 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whether key[0..n) names a secret: "password" or "sslpassword", in any
 * case, percent-decoded first when "decode" (libpq decodes URI query keys,
 * so "pass%77ord" is "password").
 */
static bool
dburl_secret_key(const char *key, size_t n, bool decode)
{
	char k[sizeof("sslpassword")];
	size_t i, j;
	int hi, lo;

	for (i = j = 0; i < n; j++) {
		if (j == sizeof(k) - 1)
			return false;
		if (decode && key[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)key[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)key[i + 2])) >= 0) {
			k[j] = (char)(hi << 4 | lo);
			i += 3;
		} else
			k[j] = key[i++];
	}
	k[j] = '\0';
	return strcasecmp(k, "password") == 0 ||
	    strcasecmp(k, "sslpassword") == 0;
}

/*
 * Whether s starts "KEY=" where KEY is one of libpq's connection
 * keywords (the linked libpq's own list: pq.conninfoParse("") returns
 * every option, none set).  Without the list (out of memory, no libpq), no.
 */
static bool
dburl_param_start(const char *s)
{
	PQconninfoOption *opts, *o;
	size_t n;
	bool found = false;

	n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0 || s[n] != '=' || pq_load(NULL, 0) != 0 ||
	    (opts = pq.conninfoParse("", NULL)) == NULL)
		return false;
	for (o = opts; o->keyword != NULL && !found; o++)
		found = strlen(o->keyword) == n &&
		    strncmp(o->keyword, s, n) == 0;
	pq.conninfoFree(opts);
	return found;
}

/*
 * When p (in rest, a URI after its scheme) starts the value of a secret
 * query parameter ("?password=" or "&sslpassword=" just before it), the
 * end of that value, else NULL.  A value ends at an '&' that starts
 * another parameter of libpq's ("&sslmode="), else at the end of the
 * name: an unencoded '&' in a password ("a&b=c") does not end it.
 */
static const char *
dburl_query_secret(const char *rest, const char *p)
{
	const char *k;

	if (p - rest < 3 || p[-1] != '=')
		return NULL;
	for (k = p - 1; k > rest && strchr("?&=", k[-1]) == NULL; k--)
		;
	if (k == rest || (k[-1] != '?' && k[-1] != '&') ||
	    !dburl_secret_key(k, (size_t)(p - 1 - k), true))
		return NULL;
	for (; *p != '\0'; p++)
		if (*p == '&' && dburl_param_start(p + 1))
			break;
	return p;
}

/*
 * Whether the '@' at "at" is followed by what can only be a host list,
 * up to a '/', a '?' or the end: names, IPv6 literals, ports, commas.
 */
static bool
dburl_hosts_follow(const char *at)
{
	size_t n;

	n = strspn(at + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~%:,[]");
	return at[1 + n] == '\0' || at[1 + n] == '/' || at[1 + n] == '?';
}

/*
 * A URI: the scheme, then the rest with every secret masked: the
 * password in the user information, and the values of password= and
 * sslpassword= query parameters.  Where these overlap (an '@' in a query
 * value can look like the end of the user information), their union is
 * masked, as one "***".
 *
 * libpq ends the user information at the first '@' before any '/'; a
 * password with an unencoded '@', '/' or '?' then gives part of itself to
 * the host, the database or the query, and so to messages.  Here it ends
 * at the last '@' that only a host list follows (else at the last '@' of
 * all), so such a password is masked whole.  The price: with an '@' after
 * the hosts too ("?user=me@corp"), more than the password is masked.  A
 * "user" that starts with '[' is an IPv6 host: "[::1]:5432/db?user=a@b"
 * has no password.
 */
static void
dburl_redact_uri(struct dburl_buf *b, const char *name, size_t slen)
{
	const char *rest = name + slen, *at = NULL, *colon = NULL, *p, *e, *q;
	const char *end = NULL;		/* masked up to here */

	buf_put(b, name, slen);
	for (p = rest; *p != '\0'; p++)
		if (*p == '@' && dburl_hosts_follow(p))
			at = p;
	if (at == NULL)
		at = strrchr(rest, '@');
	if (at != NULL && rest[0] != '[')
		colon = memchr(rest, ':', (size_t)(at - rest));
	for (p = rest;; p++) {
		e = colon != NULL && p == colon + 1 ? at : NULL;
		if ((q = dburl_query_secret(rest, p)) != NULL &&
		    (e == NULL || q > e))
			e = q;
		if (e != NULL && (end == NULL || p >= end))
			buf_put(b, DBURL_MASK, strlen(DBURL_MASK));
		if (e != NULL && (end == NULL || e > end))
			end = e;
		if (*p == '\0')
			break;
		if (end == NULL || p >= end)
			buf_put(b, p, 1);
	}
}

/*
 * Whether name has the shape of a libpq keyword/value string: a keyword,
 * optional blanks, then '='.
 */
static bool
dburl_is_conninfo(const char *name)
{
	const char *p = name;

	while (isspace((unsigned char)*p))
		p++;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return false;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	return *p == '=';
}

/*
 * The value at p of a keyword/value string, as libpq's conninfo parser
 * reads it: quoted in single quotes, or up to a blank; a backslash takes
 * the next byte as it is in both.  An unclosed quote runs to the end.
 * Returns the first byte after it.
 */
static const char *
dburl_conninfo_value(const char *p)
{
	if (*p == '\'') {
		for (p++; *p != '\0' && *p != '\''; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		return *p == '\'' ? p + 1 : p;
	}
	for (; *p != '\0' && !isspace((unsigned char)*p); p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return p;
}

/*
 * A keyword/value string: "key = value" pairs; the value of each secret
 * key becomes "***" (quotes and all).  As libpq does, blanks after the
 * '=' are skipped, so "password= dbname=x" has the password "dbname=x".
 * A keyword with no '=' after it (an error to libpq) is copied and the
 * scan goes on with the next word, so that a mistake early in the string
 * cannot let a later password through.
 */
static void
dburl_redact_conninfo(struct dburl_buf *b, const char *p)
{
	const char *k, *ke, *v;
	bool secret;

	for (;;) {
		for (k = p; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0') {
			buf_put(b, k, (size_t)(p - k));
			return;
		}
		for (ke = p; *ke != '\0' && *ke != '=' &&
		    !isspace((unsigned char)*ke); ke++)
			;
		secret = dburl_secret_key(p, (size_t)(ke - p), false);
		for (p = ke; isspace((unsigned char)*p); p++)
			;
		if (*p != '=') {
			buf_put(b, k, (size_t)(p - k));
			continue;
		}
		for (p++; isspace((unsigned char)*p); p++)
			;
		v = dburl_conninfo_value(p);
		buf_put(b, k, (size_t)(p - k));
		if (secret)
			buf_put(b, DBURL_MASK, strlen(DBURL_MASK));
		else
			buf_put(b, p, (size_t)(v - p));
		p = v;
	}
}

/* dburl_redact, returning the length of the whole result. */
static size_t
dburl_redact_len(const char *name, char *out, size_t outlen)
{
	struct dburl_buf b = { out, outlen, 0 };
	size_t slen;

	if (name == NULL)
		;	/* read as "" */
	else if ((slen = dburl_scheme_len(name)) > 0)
		dburl_redact_uri(&b, name, slen);
	else if (dburl_is_conninfo(name))
		dburl_redact_conninfo(&b, name);
	else
		buf_put(&b, name, strlen(name));
	buf_end(&b);
	return b.len;
}

void
dburl_redact(const char *name, char *out, size_t outlen)
{
	(void)dburl_redact_len(name, out, outlen);
}

/*
 * "database "NAME": " into b, NAME being the redacted name r with its
 * control bytes written as escapes, so the message stays on one line.
 */
static void
dburl_msg_name(struct dburl_buf *b, const char *r)
{
	char esc[8];
	const unsigned char *p;

	buf_put(b, "database \"", 10);
	for (p = (const unsigned char *)r; *p != '\0'; p++) {
		if (*p == '\n')
			buf_put(b, "\\n", 2);
		else if (*p == '\t')
			buf_put(b, "\\t", 2);
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			buf_put(b, esc, strlen(esc));
		} else
			buf_put(b, (const char *)p, 1);
	}
	buf_put(b, "\": ", 3);
}

/* The message: the redacted name, then why; returns -EINVAL. */
static int
dburl_fail(char *err, size_t errlen, const char *redacted, const char *why)
{
	struct dburl_buf b = { err, err != NULL ? errlen : 0, 0 };
	size_t n;

	dburl_msg_name(&b, redacted);
	n = strlen(why);
	while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
		n--;	/* libpq's messages end with a newline */
	buf_put(&b, why, n);
	buf_end(&b);
	return -EINVAL;
}

/*
 * A name that is not a PostgreSQL URI but surely meant one: "scheme://"
 * with another scheme, or a first component starting "postgres" (any
 * case) and ending in ':' ("postgresql:/x", "postgresq://h", "Postgres:h").
 * The reason into why.
 */
static bool
dburl_is_bad_scheme(const char *name, char *why, size_t len)
{
	size_t n;

	if (!isalpha((unsigned char)name[0]))
		return false;
	n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+.-");
	if (name[n] != ':')
		return false;
	if (strncasecmp(name, "postgres", 8) == 0 ||
	    (n == 2 && strncasecmp(name, "pg", 2) == 0) ||
	    (n == 5 && strncasecmp(name, "pgsql", 5) == 0)) {
		snprintf(why, len, "\"%.*s:\" is not a PostgreSQL URI scheme: "
		    "write postgresql:// (or ./NAME for a SQLite file of that "
		    "name)", (int)(n < 32 ? n : 32), name);
		return true;
	}
	if (strncmp(name + n, "://", 3) == 0) {
		snprintf(why, len, "unknown scheme \"%.*s://\": jobd takes "
		    "postgresql:// URIs and SQLite file paths (write ./NAME "
		    "for a file of that name)", (int)(n < 32 ? n : 32), name);
		return true;
	}
	return false;
}

/* Whether name has a control byte; which, and where, into why. */
static bool
dburl_has_control(const char *name, char *why, size_t len)
{
	const unsigned char *p;
	size_t off;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			break;
	if (*p == '\0')
		return false;
	off = (size_t)(p - (const unsigned char *)name);
	if (*p == '\n')
		snprintf(why, len, "the name contains a newline (byte %zu)",
		    off);
	else
		snprintf(why, len, "the name contains the control byte 0x%02x "
		    "(byte %zu)", *p, off);
	return true;
}

int
dburl_check(const char *name, char *err, size_t errlen)
{
	PQconninfoOption *opts;
	char *r, *pqerr = NULL, why[256];
	size_t rlen;
	int error = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL || name[0] == '\0')
		return dburl_fail(err, errlen, "", "the name is empty");
	rlen = dburl_redact_len(name, NULL, 0);
	if ((r = malloc(rlen + 1)) == NULL)
		return -ENOMEM;
	dburl_redact(name, r, rlen + 1);

	if (dburl_has_control(name, why, sizeof(why))) {
		error = dburl_fail(err, errlen, r, why);
		goto out;
	}
	if (!dburl_is_postgres(name)) {
		if (dburl_is_bad_scheme(name, why, sizeof(why)))
			error = dburl_fail(err, errlen, r, why);
		else if (dburl_is_conninfo(name))
			error = dburl_fail(err, errlen, r, "a libpq keyword/"
			    "value string is not taken here: write a "
			    "postgresql:// URI (or ./NAME for a SQLite file of "
			    "that name)");
		goto out;
	}
	if (strncmp(name, "postgresql://", 13) != 0 &&
	    strncmp(name, "postgres://", 11) != 0) {
		error = dburl_fail(err, errlen, r, "libpq takes the scheme in "
		    "lowercase only: write postgresql://");
		goto out;
	}
	if (pq_load(why, sizeof(why)) != 0) {
		error = dburl_fail(err, errlen, r, why);
		goto out;
	}
	if ((opts = pq.conninfoParse(name, &pqerr)) != NULL) {
		pq.conninfoFree(opts);
		goto out;
	}
	if (pqerr == NULL) {
		error = -ENOMEM;
		goto out;
	}
	/* Not shown: it may quote the password.  Ask again without it. */
	pq.freemem(pqerr);
	pqerr = NULL;
	if ((opts = pq.conninfoParse(r, &pqerr)) != NULL) {
		pq.conninfoFree(opts);
		error = dburl_fail(err, errlen, r, "libpq cannot parse its "
		    "password (a '%' that does not start a %XX escape?)");
	} else if (pqerr == NULL)
		error = -ENOMEM;
	else
		error = dburl_fail(err, errlen, r, pqerr);
	pq.freemem(pqerr);
out:
	free(r);
	return error;
}
