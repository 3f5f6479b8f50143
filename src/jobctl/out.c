/*
 * out: jobctl's table and JSON printers, and the sanitising that keeps
 * job-supplied text from corrupting either.  Single-threaded; allocation
 * failure is fatal (jobctl is a short-lived command).
 */
#include <err.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/job.h"
#include "jobd/timefmt.h"
#include "jobd/utf8.h"
#include "out.h"

/*
 * Is code point cp unsafe on a terminal: a C0 or C1 control character,
 * DEL, or an invisible formatting character that can hide or reorder
 * text (zero-width characters, bidirectional embeddings, overrides and
 * isolates, the byte order mark)?
 */
static bool
unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || utf8_is_c1(cp) ||
	    utf8_is_invisible(cp);
}

/* "\xNN" for a control character, "\uNNNN" for the others. */
static int
escape_cp(char *buf, uint32_t cp)
{
	return sprintf(buf, cp < 0x100 ? "\\x%02x" : "\\u%04x",
	    (unsigned)cp);
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		err(71, "out of memory");
	return p;
}

/*
 * Append the terminal-safe form of the len bytes at s to a new string;
 * stop after maxw display columns (0: no limit), ending with "...".
 * *width gets the display width.
 */
static char *
safe_dup(const char *s, size_t len, size_t maxw, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 6 + 4), *o = out;
	size_t i = 0, w = 0, n;
	uint32_t cp;

	while (i < len) {
		if (maxw > 0 && w + 1 >= maxw && i < len) {
			/* One column left and more to come: ellipsis. */
			size_t rest = len - i;

			if (rest > 1 || p[i] < 0x20 || p[i] >= 0x7f) {
				memcpy(o, "\xe2\x80\xa6", 3);	/* U+2026 */
				o += 3;
				w++;
				break;
			}
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			*o++ = '?';
			i++;
			w++;
		} else if (unsafe_cp(cp)) {
			w += (size_t)escape_cp(o, cp);
			o += strlen(o);
			i += n;
		} else {
			memcpy(o, p + i, n);
			o += n;
			i += n;
			w++;
		}
	}
	*o = '\0';
	*width = w;
	return out;
}

void
out_safe(FILE *fp, const void *s, size_t len, bool keep_newlines)
{
	const unsigned char *p = s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fputc('?', fp);
			i++;
			continue;
		}
		if ((cp == '\n' || cp == '\t') && keep_newlines)
			fputc((int)cp, fp);
		else if (unsafe_cp(cp)) {
			char buf[16];

			escape_cp(buf, cp);
			fputs(buf, fp);
		} else
			fwrite(p + i, 1, n, fp);
		i += n;
	}
}

void
out_escape(FILE *fp, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n != 0 && !unsafe_cp(cp)) {
			fwrite(p + i, 1, n, fp);
		} else {
			if (n == 0)
				n = 1;
			for (k = 0; k < n; k++)
				fprintf(fp, "\\x%02x", p[i + k]);
		}
		i += n;
	}
}

const char *
out_text_problem(const void *s, size_t len, size_t *at)
{
	const unsigned char *p = s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		*at = i;
		if ((n = utf8_decode(p + i, len - i, &cp)) == 0)
			return "invalid UTF-8";
		if (unsafe_cp(cp))
			return cp < 0x20 || cp == 0x7f || (cp >= 0x80 &&
			    cp < 0xa0) ? "a control character" :
			    "an invisible formatting character";
		i += n;
	}
	return NULL;
}

struct out_table {
	size_t	 ncols;
	size_t	 ncells, cap;
	char	**cells;
	size_t	*widths;	/* display width of each cell */
};

struct out_table *
out_table_new(size_t ncols, ...)
{
	struct out_table *t = xmalloc(sizeof(*t));
	va_list ap;
	size_t i;

	t->ncols = ncols;
	t->ncells = 0;
	t->cap = 0;
	t->cells = NULL;
	t->widths = NULL;
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		out_table_cell(t, va_arg(ap, const char *), 0);
	va_end(ap);
	return t;
}

void
out_table_cell(struct out_table *t, const char *text, size_t maxw)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		if ((t->cells = realloc(t->cells, t->cap *
		    sizeof(*t->cells))) == NULL ||
		    (t->widths = realloc(t->widths, t->cap *
		    sizeof(*t->widths))) == NULL)
			err(71, "out of memory");
	}
	if (text == NULL)
		text = "-";
	t->cells[t->ncells] = safe_dup(text, strlen(text), maxw,
	    &t->widths[t->ncells]);
	t->ncells++;
}

void
out_table_cellf(struct out_table *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_table_cell(t, buf, 0);
}

void
out_table_print(struct out_table *t, FILE *fp)
{
	size_t *colw = calloc(t->ncols, sizeof(*colw));
	size_t i, c;

	if (colw == NULL)
		err(71, "out of memory");
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		if (t->widths[i] > colw[c])
			colw[c] = t->widths[i];
	}
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		fputs(t->cells[i], fp);
		if (c + 1 == t->ncols || i + 1 == t->ncells)
			fputc('\n', fp);
		else
			fprintf(fp, "%*s", (int)(colw[c] - t->widths[i] + 2),
			    "");
		free(t->cells[i]);
	}
	free(colw);
	free(t->cells);
	free(t->widths);
	free(t);
}

static void
json_string(FILE *fp, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0, n;
	uint32_t cp;

	fputc('"', fp);
	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fputs("\\ufffd", fp);
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 &&
			    cp < 0xa0))
				fprintf(fp, "\\u%04x", (unsigned)cp);
			else
				fwrite(p + i, 1, n, fp);
		}
		i += n;
	}
	fputc('"', fp);
}

static void
json_key(struct out_json *j, const char *key)
{
	if (!j->first)
		fputc(',', j->fp);
	j->first = false;
	if (key != NULL) {
		json_string(j->fp, key, strlen(key));
		fputc(':', j->fp);
	}
}

void
out_json_begin(struct out_json *j, FILE *fp)
{
	j->fp = fp;
	j->depth = 1;
	j->first = true;
	fputc('{', fp);
}

void
out_json_end(struct out_json *j)
{
	out_json_close(j, '}');
}

void
out_json_object(struct out_json *j, const char *key)
{
	json_key(j, key);
	fputc('{', j->fp);
	j->depth++;
	j->first = true;
}

void
out_json_array(struct out_json *j, const char *key)
{
	json_key(j, key);
	fputc('[', j->fp);
	j->depth++;
	j->first = true;
}

void
out_json_close(struct out_json *j, char closer)
{
	fputc(closer, j->fp);
	j->first = false;
	if (--j->depth == 0)
		fputc('\n', j->fp);
}

void
out_json_str(struct out_json *j, const char *key, const char *v)
{
	if (v == NULL) {
		out_json_null(j, key);
		return;
	}
	out_json_strn(j, key, v, strlen(v));
}

void
out_json_strn(struct out_json *j, const char *key, const void *v,
    size_t len)
{
	json_key(j, key);
	json_string(j->fp, v, len);
}

void
out_json_int(struct out_json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->fp, "%" PRId64, v);
}

void
out_json_milli(struct out_json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->fp, "%s%" PRId64 ".%03" PRId64, v < 0 ? "-" : "",
	    (v < 0 ? -(v / 1000) : v / 1000), (v < 0 ? -(v % 1000) : v % 1000));
}

void
out_json_bool(struct out_json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->fp);
}

void
out_json_null(struct out_json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->fp);
}

void
out_json_time(struct out_json *j, const char *key, int64_t ms)
{
	char buf[TIMEFMT_MAX];

	if (ms == 0 || timefmt_format_utc(ms, buf, sizeof(buf)) != 0) {
		out_json_null(j, key);
		return;
	}
	out_json_str(j, key, buf);
}

void
out_json_opt(struct out_json *j, const char *key, int64_t v)
{
	if (v == JOB_DEFAULT)
		out_json_null(j, key);
	else
		out_json_int(j, key, v);
}
