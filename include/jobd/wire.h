/*
 * wire: the messages of jobd's submission socket.
 *
 * A message is a 4-byte big-endian length, then that many bytes of one
 * CBOR map (RFC 8949), encoded and decoded with libcbor.  Only definite
 * lengths, unsigned and negative integers, text and byte strings, arrays,
 * maps, true, false and null are allowed: tags, floats, "undefined" and
 * indefinite lengths are refused, as are text with a NUL byte or invalid
 * UTF-8, a repeated key and a key the receiver does not know.
 *
 * A request is {"v": 1, "op": NAME, ...}; a response {"v": 1, "rc": 0 or
 * a negative errno, "msg": TEXT when rc is not 0, ...}.  A receiver that
 * gets another "v" answers rc -EPROTONOSUPPORT and names both versions.
 *
 * The structs that travel (a job, a job to submit, an attempt ...) are
 * described once, field by field, by a struct wire_type: its encoder,
 * strict decoder and free come from that one table.
 *
 * Pure functions: no I/O, no state; any thread may call them.
 */
#ifndef JOBD_WIRE_H
#define JOBD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION		1
#define WIRE_HEADER		4		/* bytes of the length */
#define WIRE_REQUEST_MAX	(1024 * 1024)	/* bytes of one request */
#define WIRE_RESPONSE_MAX	(256 * 1024 * 1024) /* of one response */
#define WIRE_ITEMS_MAX		100000		/* elements of one array */
#define WIRE_ERR_MAX		256		/* a decoding error */

/*
 * A message being written: header room, then the CBOR.  An allocation
 * that fails sets error (-ENOMEM) and later writes do nothing.
 */
struct wire_buf {
	unsigned char	*p;
	size_t		 len, cap;
	int		 error;
};

void	wire_begin(struct wire_buf *b);		/* empty, header room */
void	wire_map(struct wire_buf *b, size_t n);	/* n key/value pairs follow */
void	wire_array(struct wire_buf *b, size_t n);
/* A key, or a word of the protocol ("op"'s value): text. */
void	wire_key(struct wire_buf *b, const char *s);
void	wire_int(struct wire_buf *b, int64_t v);
void	wire_bool(struct wire_buf *b, bool v);
void	wire_null(struct wire_buf *b);
void	wire_str(struct wire_buf *b, const char *s);	/* NULL: null */
void	wire_bytes(struct wire_buf *b, const void *p, size_t len); /* NULL:
							   null */
/*
 * Write the length into the header.  0, -ENOMEM, or -EMSGSIZE when the
 * message passes max bytes.  b->p[0 .. b->len) is then the whole message.
 */
int	wire_end(struct wire_buf *b, size_t max);
void	wire_buf_free(struct wire_buf *b);

/*
 * The length in a message's header (4 bytes at p); -EMSGSIZE when it
 * passes max, else 0.
 */
int	wire_length(const unsigned char *p, size_t max, size_t *len);

/*
 * Reading one message's CBOR.  The first failure is kept in error (and
 * its words in err); every later call then fails with it.
 */
struct wire_rd {
	const unsigned char	*p, *end;
	int			 error;
	char			 err[WIRE_ERR_MAX];
};

void	wire_rd_init(struct wire_rd *r, const void *p, size_t len);
int	wire_rd_fail(struct wire_rd *r, int error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Whether the next item is null; it is then read. */
bool	wire_get_null(struct wire_rd *r);
int	wire_get_map(struct wire_rd *r, size_t *n);
int	wire_get_array(struct wire_rd *r, size_t *n);
int	wire_get_int(struct wire_rd *r, int64_t *v);
int	wire_get_bool(struct wire_rd *r, bool *v);
/* A key, at most keylen - 1 bytes, into key. */
int	wire_get_key(struct wire_rd *r, char *key, size_t keylen);
/* Text, NUL-terminated and malloc'd into *s; null gives NULL. */
int	wire_get_str(struct wire_rd *r, char **s);
/* Bytes, malloc'd (a NUL after them) into *p; null gives NULL, 0. */
int	wire_get_bytes(struct wire_rd *r, void **p, size_t *len);
/* 0 when the whole message was read, else -EBADMSG. */
int	wire_rd_done(struct wire_rd *r);

/*
 * Keys already seen in one map: a repeated key is refused.  A map has at
 * most WIRE_KEYS_MAX keys.
 */
#define WIRE_KEYS_MAX	64
#define WIRE_KEY_MAX	32
struct wire_seen {
	char	 keys[WIRE_KEYS_MAX][WIRE_KEY_MAX];
	size_t	 n;
};
/* Read the next key of a map into key; -EBADMSG when it was seen. */
int	wire_get_field(struct wire_rd *r, struct wire_seen *seen, char *key);

/* A struct that travels, as a table of its fields. */
enum wire_kind {
	WK_I64,		/* int64_t */
	WK_INT,		/* int, or an enum */
	WK_BOOL,	/* bool */
	WK_STR,		/* char *, NUL-terminated; NULL travels as null */
	WK_BYTES,	/* void * at off, size_t at len_off */
	WK_DEPS,	/* struct job_dep * at off, size_t at len_off */
	WK_IDS,		/* int64_t * at off, size_t at len_off */
};

struct wire_field {
	const char	*name;
	enum wire_kind	 kind;
	size_t		 off;
	size_t		 len_off;
};

struct wire_type {
	const char		*name;		/* for messages */
	const struct wire_field	*fields;
	size_t			 nfields;
};

extern const struct wire_type wire_job_spec;	/* struct job_spec */
extern const struct wire_type wire_job;		/* struct job */
extern const struct wire_type wire_attempt;	/* struct attempt */
extern const struct wire_type wire_job_filter;	/* struct job_filter */
extern const struct wire_type wire_dep;		/* struct store_dep */
extern const struct wire_type wire_why;		/* struct job_why */
extern const struct wire_type wire_schedule;	/* struct schedule */
extern const struct wire_type wire_sched_last;	/* struct sched_last */
extern const struct wire_type wire_slot;	/* struct slot_info */

/* Write the struct at p as a map of all its fields. */
void	wire_put(struct wire_buf *b, const struct wire_type *t,
	    const void *p);
/*
 * Read a map into the struct at p: its fields keep what they held when
 * the map does not name them; every string and array read is malloc'd
 * (wire_release() frees them).  Unknown and repeated keys are refused.
 */
int	wire_get(struct wire_rd *r, const struct wire_type *t, void *p);
/* Free what wire_get() allocated in the struct at p and set it NULL. */
void	wire_release(const struct wire_type *t, void *p);

#endif /* JOBD_WIRE_H */
