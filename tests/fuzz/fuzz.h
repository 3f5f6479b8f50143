/*
 * What the fuzz targets share.  Define FUZZ_NAME (the target's name, for
 * messages) before including this.
 */
#ifndef JOBD_FUZZ_H
#define JOBD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_fail(const char *, ...) __attribute__((format(printf, 1,
		    2), __noreturn__, __unused__));
static uint64_t	fuzz_hash(const uint8_t *, size_t) __attribute__((__unused__));

/* A finding: say what, then abort() for libFuzzer to keep the input. */
static void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", FUZZ_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FNV-1a: choices derived from an input that does not make them. */
static uint64_t
fuzz_hash(const uint8_t *p, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	while (n-- > 0)
		h = (h ^ *p++) * UINT64_C(0x100000001b3);
	return h;
}

#endif /* JOBD_FUZZ_H */
