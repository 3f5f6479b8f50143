/*
 * out: everything jobctl prints on stdout goes through here: aligned tables
 * for people, one JSON object per line for programs.  Text that comes from
 * jobs (commands, keys, errors) may hold invalid UTF-8 and terminal escape
 * sequences; both printers make it safe (JSON: U+FFFD and \u escapes;
 * tables: "?" for invalid bytes, \xNN for control characters and \uNNNN
 * for invisible formatting characters).
 */
#ifndef JOBCTL_OUT_H
#define JOBCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A table: add the header, then rows of ncols cells, then print. */
struct out_table;

struct out_table *out_table_new(size_t ncols, ...);	/* header names */
/* Add one cell to the current row; a row ends after ncols cells.  The
 * text is copied and sanitised; maxw > 0 truncates it to maxw columns. */
void	out_table_cell(struct out_table *t, const char *text, size_t maxw);
void	out_table_cellf(struct out_table *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print the table on fp and free it. */
void	out_table_print(struct out_table *t, FILE *fp);

/*
 * JSON: out_json_begin(fp) writes "{"; each out_json_* member writes
 * ",key:value" (the first without the comma); out_json_end() writes "}"
 * and, at the outermost level, a newline.  Nested objects and arrays use
 * out_json_object()/out_json_array() and out_json_close().
 */
struct out_json {
	FILE	*fp;
	int	 depth;
	bool	 first;
};

void	out_json_begin(struct out_json *j, FILE *fp);
void	out_json_end(struct out_json *j);
void	out_json_str(struct out_json *j, const char *key, const char *v);
void	out_json_strn(struct out_json *j, const char *key, const void *v,
	    size_t len);
void	out_json_int(struct out_json *j, const char *key, int64_t v);
/* A number given in thousandths: 250 is written 0.250. */
void	out_json_milli(struct out_json *j, const char *key, int64_t v);
void	out_json_bool(struct out_json *j, const char *key, bool v);
void	out_json_null(struct out_json *j, const char *key);
/* A time: RFC 3339 UTC, or null when ms is 0. */
void	out_json_time(struct out_json *j, const char *key, int64_t ms);
/* A job option: null when v is JOB_DEFAULT. */
void	out_json_opt(struct out_json *j, const char *key, int64_t v);
/* Open a nested object or array as member "key" (NULL inside arrays). */
void	out_json_object(struct out_json *j, const char *key);
void	out_json_array(struct out_json *j, const char *key);
void	out_json_close(struct out_json *j, char closer);	/* '}' or ']' */

/*
 * Write the len bytes at s to fp for a terminal: valid UTF-8 is kept,
 * control characters become \xNN (newlines and tabs are kept when
 * keep_newlines is true), invisible formatting characters \uNNNN, and
 * invalid bytes "?".
 */
void	out_safe(FILE *fp, const void *s, size_t len, bool keep_newlines);

/*
 * Write the len bytes at s to fp for a message on a terminal: valid UTF-8
 * is kept; every byte of an invalid sequence, a control character (tabs
 * and newlines included) or an invisible formatting character
 * (zero-width, bidirectional controls, byte order mark) is written as
 * \xNN, so that the message shows exactly which bytes were wrong.
 */
void	out_escape(FILE *fp, const void *s, size_t len);

/*
 * NULL when the len bytes at s are valid UTF-8 text without control or
 * invisible formatting characters; else a static reason ("invalid UTF-8",
 * "a control character", ...) with the offset of the bad byte in *at.
 */
const char *out_text_problem(const void *s, size_t len, size_t *at);

#endif /* JOBCTL_OUT_H */
