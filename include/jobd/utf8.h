/*
 * utf8: strict UTF-8 decoding, and the characters that must not reach a
 * terminal or an operator's eyes unescaped.
 */
#ifndef JOBD_UTF8_H
#define JOBD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The length of the valid UTF-8 sequence at p (n > 0 bytes available),
 * its code point in *cp; 0 when it is not valid UTF-8 (overlong forms,
 * surrogates, code points past U+10FFFF and cut sequences are not).
 */
size_t	utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* A C1 control character (U+0080 to U+009F). */
bool	utf8_is_c1(uint32_t cp);

/*
 * An invisible formatting character that can hide or reorder text:
 * zero-width characters, bidirectional embeddings, overrides and isolates,
 * the byte order mark.
 */
bool	utf8_is_invisible(uint32_t cp);

#endif /* JOBD_UTF8_H */
