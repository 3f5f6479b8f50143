/*
 * strbuf: a growing string, always NUL-terminated.  A failed allocation
 * sticks (nomem) and the calls after it do nothing, so that a caller
 * checks once, at the end.  Zero-initialised is empty; strbuf_free().
 */
#ifndef JOBD_STRBUF_H
#define JOBD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char	*p;
	size_t	 len, cap;
	bool	 nomem;
};

void	strbuf_add(struct strbuf *b, const void *s, size_t n);
void	strbuf_str(struct strbuf *b, const char *s);
void	strbuf_printf(struct strbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	strbuf_free(struct strbuf *b);

#endif /* JOBD_STRBUF_H */
