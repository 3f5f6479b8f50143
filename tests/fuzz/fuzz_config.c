/*
 * Fuzz target for config: the strict INI reader and jobd.conf loading on
 * arbitrary bytes.
 *
 * - config_read_ini_buf() calls back only with what the strict reader
 *   promises (config.h): a section ("" before the first header), a
 *   non-empty key and a value, none with refused bytes or blanks at
 *   either end, lines in order and within the input; it stops at the
 *   first error the callback returns (a hash of the input picks which
 *   key, if any) and reports it as "NAME:LINE: reason".
 * - config_load_buf() either succeeds or leaves the config exactly as it
 *   was; a loaded config printed with config_print() loads again into the
 *   same config (the same printout), also over an earlier load.
 * - Every error message is terminated and one line.
 * ASan and LeakSanitizer catch the rest.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/config.h"
#include "jobd/dburl.h"

#define FUZZ_NAME	"fuzz_config"
#include "fuzz.h"

#define NAME	"fuzz.conf"


struct ini_state {
	size_t	 nlines;	/* lines in the input */
	int	 last_line;
	size_t	 nkeys;
	size_t	 fail_at;	/* the key to refuse, 0: none */
};

/* Bytes the strict reader refuses: 0x00-0x08, 0x0a-0x1f but tab, 0x7f. */
static bool
refused_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
check_text(const char *what, const char *s, bool blank_ends_ok)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (refused_byte((unsigned char)s[i]))
			fuzz_fail("%s \"%s\" holds byte %#x", what, s,
			    (unsigned char)s[i]);
	if (!blank_ends_ok && n > 0 && (s[0] == ' ' || s[0] == '\t' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		fuzz_fail("%s \"%s\" has blanks at an end", what, s);
}

static int
on_key(void *arg, const char *section, const char *key, const char *value,
    int line, char *err, size_t errlen)
{
	struct ini_state *st = arg;

	if (section == NULL || key == NULL || value == NULL)
		fuzz_fail("a NULL string for key %s", key != NULL ? key : "(null)");
	if (*key == '\0')
		fuzz_fail("an empty key on line %d", line);
	check_text("section", section, true);
	check_text("key", key, false);
	check_text("value", value, false);
	if (line < 1 || (size_t)line > st->nlines || line <= st->last_line)
		fuzz_fail("key \"%s\" on line %d (%zu lines, the last key on %d)",
		    key, line, st->nlines, st->last_line);
	st->last_line = line;
	if (++st->nkeys == st->fail_at) {
		snprintf(err, errlen, "refused by the test");
		return -EINVAL;
	}
	return 0;
}

static void
check_message(const char *what, const char *err, size_t errlen)
{
	if (memchr(err, '\0', errlen) == NULL)
		fuzz_fail("%s: the message is not terminated", what);
	if (strchr(err, '\n') != NULL)
		fuzz_fail("%s: the message \"%s\" is not one line", what, err);
	if (strncmp(err, NAME ":", strlen(NAME ":")) != 0)
		fuzz_fail("%s: the message \"%s\" does not name the file", what,
		    err);
}

/* config_print() of c into a new string. */
static char *
print(const struct jd_config *c, int *rc)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp;

	if ((fp = open_memstream(&s, &n)) == NULL)
		fuzz_fail("open_memstream failed");
	*rc = config_print(c, fp);
	if (fclose(fp) != 0)
		fuzz_fail("writing the printout failed");
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jd_config c, c2;
	struct ini_state st;
	char err[512], shown[PATH_MAX], *p0, *p1, *p2, *p3;
	const char *buf = (const char *)data;
	uint64_t h = fuzz_hash(data, size);
	size_t i;
	int rc, prc;

	/* The reader alone. */
	memset(&st, 0, sizeof(st));
	st.nlines = 1;
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			st.nlines++;
	st.fail_at = h % 4 == 0 ? (size_t)(h >> 8) % 8 + 1 : 0;
	memset(err, 'x', sizeof(err));
	rc = config_read_ini_buf(buf, size, NAME, on_key, &st, err,
	    sizeof(err));
	if (rc != 0)
		check_message("config_read_ini_buf", err, sizeof(err));
	if (st.fail_at != 0 && st.nkeys >= st.fail_at && (rc != -EINVAL ||
	    st.nkeys != st.fail_at || strstr(err, "refused by the test") ==
	    NULL))
		fuzz_fail("the reader went on after key %zu was refused (%d, %zu "
		    "keys, \"%s\")", st.fail_at, rc, st.nkeys, err);

	/* Loading jobd.conf. */
	if (config_defaults(&c) != 0)
		return 0;
	p0 = print(&c, &prc);
	memset(err, 'x', sizeof(err));
	rc = config_load_buf(&c, buf, size, NAME, err, sizeof(err));
	if (rc != 0) {
		check_message("config_load_buf", err, sizeof(err));
		p1 = print(&c, &prc);
		if (strcmp(p0, p1) != 0)
			fuzz_fail("a refused load (%s) changed the config", err);
		free(p1);
		free(p0);
		config_free(&c);
		return 0;
	}
	/*
	 * A password is printed masked, and "***" does not load back as the
	 * password (where the password held an unencoded '@', '/' or '[',
	 * what is left may not even parse): the round trip is of the rest.
	 */
	if (c.database != NULL) {
		dburl_redact(c.database, shown, sizeof(shown));
		if (strcmp(shown, c.database) != 0) {
			free(c.database);
			if ((c.database = strdup("postgresql:///fuzz")) == NULL)
				fuzz_fail("strdup failed");
		}
	}
	p1 = print(&c, &prc);
	if (prc == 0) {
		/* The printout loads again, onto defaults and over c. */
		if (config_defaults(&c2) != 0)
			fuzz_fail("config_defaults failed");
		if (config_load_buf(&c2, p1, strlen(p1), NAME, err,
		    sizeof(err)) != 0)
			fuzz_fail("the printout does not load: %s\n%s", err, p1);
		p2 = print(&c2, &prc);
		if (strcmp(p1, p2) != 0)
			fuzz_fail("the printout loads as another config:\n%s\n"
			    "---\n%s", p1, p2);
		if (config_load_buf(&c, p1, strlen(p1), NAME, err,
		    sizeof(err)) != 0)
			fuzz_fail("the printout does not load over itself: %s", err);
		p3 = print(&c, &prc);
		if (strcmp(p1, p3) != 0)
			fuzz_fail("the printout loads over itself as another "
			    "config");
		free(p2);
		free(p3);
		config_free(&c2);
	}
	free(p0);
	free(p1);
	config_free(&c);
	return 0;
}
