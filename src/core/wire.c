/*
 * wire: jobd's socket messages, CBOR through libcbor (see wire.h).
 *
 * libcbor encodes each item's head into our buffer and decodes one head
 * at a time (cbor_stream_decode), with its payload left in place: nothing
 * is allocated for the shape of a message, and how deep a message may go
 * is the depth of the structs below, not of what a client sends.  C
 * strings travel as CBOR byte strings, since a command or a path need not
 * be UTF-8; map keys are text, printable ASCII.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/wire.h"

static void
buf_room(struct wire_buf *b, size_t n)
{
	unsigned char *p;
	size_t cap;

	if (b->error != 0 || b->cap - b->len >= n)
		return;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->error = -ENOMEM;
			return;
		}
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL) {
		b->error = -ENOMEM;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void
wire_begin(struct wire_buf *b)
{
	memset(b, 0, sizeof(*b));
	buf_room(b, WIRE_HEADER);
	if (b->error == 0)
		b->len = WIRE_HEADER;
}

void
wire_buf_free(struct wire_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* An item's head: libcbor writes at most 9 bytes of it. */
#define HEAD(b, call) do {						\
	buf_room((b), 9);						\
	if ((b)->error == 0)						\
		(b)->len += call;					\
} while (0)

static void
put_raw(struct wire_buf *b, const void *p, size_t n)
{
	buf_room(b, n);
	if (b->error == 0 && n > 0) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	}
}

void
wire_map(struct wire_buf *b, size_t n)
{
	HEAD(b, cbor_encode_map_start(n, b->p + b->len, b->cap - b->len));
}

void
wire_array(struct wire_buf *b, size_t n)
{
	HEAD(b, cbor_encode_array_start(n, b->p + b->len, b->cap - b->len));
}

void
wire_int(struct wire_buf *b, int64_t v)
{
	if (v >= 0)
		HEAD(b, cbor_encode_uint((uint64_t)v, b->p + b->len,
		    b->cap - b->len));
	else
		HEAD(b, cbor_encode_negint((uint64_t)(-(v + 1)),
		    b->p + b->len, b->cap - b->len));
}

void
wire_bool(struct wire_buf *b, bool v)
{
	HEAD(b, cbor_encode_bool(v, b->p + b->len, b->cap - b->len));
}

void
wire_null(struct wire_buf *b)
{
	HEAD(b, cbor_encode_null(b->p + b->len, b->cap - b->len));
}

void
wire_key(struct wire_buf *b, const char *s)
{
	size_t n = strlen(s);

	HEAD(b, cbor_encode_string_start(n, b->p + b->len, b->cap - b->len));
	put_raw(b, s, n);
}

void
wire_bytes(struct wire_buf *b, const void *p, size_t len)
{
	if (p == NULL) {
		wire_null(b);
		return;
	}
	HEAD(b, cbor_encode_bytestring_start(len, b->p + b->len,
	    b->cap - b->len));
	put_raw(b, p, len);
}

void
wire_str(struct wire_buf *b, const char *s)
{
	wire_bytes(b, s, s != NULL ? strlen(s) : 0);
}

int
wire_end(struct wire_buf *b, size_t max)
{
	size_t n;

	if (b->error != 0)
		return b->error;
	n = b->len - WIRE_HEADER;
	if (n > max)
		return -EMSGSIZE;
	b->p[0] = (unsigned char)(n >> 24);
	b->p[1] = (unsigned char)(n >> 16);
	b->p[2] = (unsigned char)(n >> 8);
	b->p[3] = (unsigned char)n;
	return 0;
}

int
wire_length(const unsigned char *p, size_t max, size_t *len)
{
	uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];

	*len = n;
	return n > max ? -EMSGSIZE : 0;
}

/*
 * Reading.  One item's head at a time, into struct item by the callbacks
 * below; whatever libcbor would call that is not listed is refused.
 */
enum item_type {
	IT_NONE,
	IT_UINT,
	IT_NEGINT,
	IT_BYTES,
	IT_TEXT,
	IT_ARRAY,
	IT_MAP,
	IT_BOOL,
	IT_NULL,
	IT_OTHER,	/* a tag, a float, undefined, an indefinite length */
};

struct item {
	enum item_type		 type;
	uint64_t		 u;	/* the integer; the collection's size */
	const unsigned char	*data;	/* a string's bytes */
	size_t			 len;
	bool			 b;
};

static const char *const item_names[] = {
	"nothing", "an integer", "a negative integer", "bytes", "text",
	"an array", "a map", "a boolean", "null",
	"a tag, a float or an indefinite length",
};

static void
cb_u8(void *c, uint8_t v) { ((struct item *)c)->type = IT_UINT;
	((struct item *)c)->u = v; }
static void
cb_u16(void *c, uint16_t v) { ((struct item *)c)->type = IT_UINT;
	((struct item *)c)->u = v; }
static void
cb_u32(void *c, uint32_t v) { ((struct item *)c)->type = IT_UINT;
	((struct item *)c)->u = v; }
static void
cb_u64(void *c, uint64_t v) { ((struct item *)c)->type = IT_UINT;
	((struct item *)c)->u = v; }
static void
cb_n8(void *c, uint8_t v) { ((struct item *)c)->type = IT_NEGINT;
	((struct item *)c)->u = v; }
static void
cb_n16(void *c, uint16_t v) { ((struct item *)c)->type = IT_NEGINT;
	((struct item *)c)->u = v; }
static void
cb_n32(void *c, uint32_t v) { ((struct item *)c)->type = IT_NEGINT;
	((struct item *)c)->u = v; }
static void
cb_n64(void *c, uint64_t v) { ((struct item *)c)->type = IT_NEGINT;
	((struct item *)c)->u = v; }

static void
cb_bytes(void *c, cbor_data p, uint64_t n)
{
	struct item *it = c;

	it->type = IT_BYTES;
	it->data = p;
	it->len = (size_t)n;
}

static void
cb_text(void *c, cbor_data p, uint64_t n)
{
	cb_bytes(c, p, n);
	((struct item *)c)->type = IT_TEXT;
}

static void
cb_array(void *c, uint64_t n)
{
	((struct item *)c)->type = IT_ARRAY;
	((struct item *)c)->u = n;
}

static void
cb_map(void *c, uint64_t n)
{
	((struct item *)c)->type = IT_MAP;
	((struct item *)c)->u = n;
}

static void
cb_bool(void *c, bool v)
{
	((struct item *)c)->type = IT_BOOL;
	((struct item *)c)->b = v;
}

static void
cb_null(void *c)
{
	((struct item *)c)->type = IT_NULL;
}

static void
cb_other(void *c)
{
	((struct item *)c)->type = IT_OTHER;
}

static void
cb_other64(void *c, uint64_t v)
{
	(void)v;
	cb_other(c);
}

static void
cb_float(void *c, float v)
{
	(void)v;
	cb_other(c);
}

static void
cb_double(void *c, double v)
{
	(void)v;
	cb_other(c);
}

static const struct cbor_callbacks wire_callbacks = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32,
	.negint64 = cb_n64,
	.byte_string = cb_bytes, .byte_string_start = cb_other,
	.string = cb_text, .string_start = cb_other,
	.array_start = cb_array, .indef_array_start = cb_other,
	.map_start = cb_map, .indef_map_start = cb_other,
	.tag = cb_other64, .float2 = cb_float, .float4 = cb_float,
	.float8 = cb_double, .undefined = cb_other, .null = cb_null,
	.boolean = cb_bool, .indef_break = cb_other,
};

void
wire_rd_init(struct wire_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->end = r->p + len;
	r->error = 0;
	r->err[0] = '\0';
}

int
wire_rd_fail(struct wire_rd *r, int error, const char *fmt, ...)
{
	va_list ap;

	if (r->error != 0)
		return r->error;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->error = error;
	return error;
}

/* The next item's head; a string's bytes are stepped over too. */
static int
rd_item(struct wire_rd *r, struct item *it)
{
	struct cbor_decoder_result res;

	memset(it, 0, sizeof(*it));
	if (r->error != 0)
		return r->error;
	if (r->p == r->end)
		return wire_rd_fail(r, -EBADMSG, "the message ends too soon");
	res = cbor_stream_decode(r->p, (size_t)(r->end - r->p),
	    &wire_callbacks, it);
	if (res.status == CBOR_DECODER_NEDATA)
		return wire_rd_fail(r, -EBADMSG, "the message ends too soon");
	if (res.status != CBOR_DECODER_FINISHED || res.read == 0)
		return wire_rd_fail(r, -EBADMSG, "malformed CBOR");
	if (it->type == IT_OTHER || it->type == IT_NONE)
		return wire_rd_fail(r, -EBADMSG, "%s is not allowed",
		    item_names[IT_OTHER]);
	r->p += res.read;
	return 0;
}

static int
rd_expect(struct wire_rd *r, struct item *it, enum item_type t,
    const char *what)
{
	int error;

	if ((error = rd_item(r, it)) != 0)
		return error;
	if (it->type != t)
		return wire_rd_fail(r, -EBADMSG, "%s where %s belongs",
		    item_names[it->type], what);
	return 0;
}

bool
wire_get_null(struct wire_rd *r)
{
	if (r->error == 0 && r->p < r->end && *r->p == 0xf6) {
		r->p++;
		return true;
	}
	return false;
}

int
wire_get_map(struct wire_rd *r, size_t *n)
{
	struct item it;
	int error;

	if ((error = rd_expect(r, &it, IT_MAP, "a map")) != 0)
		return error;
	if (it.u > WIRE_KEYS_MAX)
		return wire_rd_fail(r, -EBADMSG, "a map of %llu keys (at most "
		    "%d)", (unsigned long long)it.u, WIRE_KEYS_MAX);
	*n = (size_t)it.u;
	return 0;
}

int
wire_get_array(struct wire_rd *r, size_t *n)
{
	struct item it;
	int error;

	if ((error = rd_expect(r, &it, IT_ARRAY, "an array")) != 0)
		return error;
	/* Every element takes a byte at least: a longer one is a lie. */
	if (it.u > WIRE_ITEMS_MAX || it.u > (uint64_t)(r->end - r->p))
		return wire_rd_fail(r, -EBADMSG, "a list of %llu elements "
		    "(at most %d, and one byte each)",
		    (unsigned long long)it.u, WIRE_ITEMS_MAX);
	*n = (size_t)it.u;
	return 0;
}

int
wire_get_int(struct wire_rd *r, int64_t *v)
{
	struct item it;
	int error;

	if ((error = rd_item(r, &it)) != 0)
		return error;
	if (it.type == IT_UINT && it.u <= INT64_MAX)
		*v = (int64_t)it.u;
	else if (it.type == IT_NEGINT && it.u <= INT64_MAX)
		*v = -(int64_t)it.u - 1;
	else if (it.type == IT_UINT || it.type == IT_NEGINT)
		return wire_rd_fail(r, -EBADMSG, "an integer out of range");
	else
		return wire_rd_fail(r, -EBADMSG, "%s where an integer belongs",
		    item_names[it.type]);
	return 0;
}

int
wire_get_bool(struct wire_rd *r, bool *v)
{
	struct item it;
	int error;

	if ((error = rd_expect(r, &it, IT_BOOL, "a boolean")) != 0)
		return error;
	*v = it.b;
	return 0;
}

int
wire_get_key(struct wire_rd *r, char *key, size_t keylen)
{
	struct item it;
	size_t i;
	int error;

	if ((error = rd_expect(r, &it, IT_TEXT, "a key (text)")) != 0)
		return error;
	if (it.len == 0 || it.len >= keylen)
		return wire_rd_fail(r, -EBADMSG, "a key of %zu bytes", it.len);
	for (i = 0; i < it.len; i++)
		if (it.data[i] <= ' ' || it.data[i] > '~')
			return wire_rd_fail(r, -EBADMSG, "a key that is not "
			    "printable ASCII");
	memcpy(key, it.data, it.len);
	key[it.len] = '\0';
	return 0;
}

int
wire_get_bytes(struct wire_rd *r, void **p, size_t *len)
{
	struct item it;
	char *s;
	int error;

	*p = NULL;
	*len = 0;
	if (wire_get_null(r))
		return 0;
	if ((error = rd_expect(r, &it, IT_BYTES, "bytes")) != 0)
		return error;
	if ((s = malloc(it.len + 1)) == NULL)
		return wire_rd_fail(r, -ENOMEM, "out of memory");
	if (it.len > 0)
		memcpy(s, it.data, it.len);
	s[it.len] = '\0';
	*p = s;
	*len = it.len;
	return 0;
}

int
wire_get_str(struct wire_rd *r, char **s)
{
	void *p;
	size_t len;
	int error;

	*s = NULL;
	if ((error = wire_get_bytes(r, &p, &len)) != 0)
		return error;
	if (p != NULL && memchr(p, '\0', len) != NULL) {
		free(p);
		return wire_rd_fail(r, -EBADMSG, "a string with a NUL byte");
	}
	*s = p;
	return 0;
}

int
wire_rd_done(struct wire_rd *r)
{
	if (r->error != 0)
		return r->error;
	if (r->p != r->end)
		return wire_rd_fail(r, -EBADMSG, "%zu bytes after the message",
		    (size_t)(r->end - r->p));
	return 0;
}

int
wire_get_field(struct wire_rd *r, struct wire_seen *seen, char *key)
{
	size_t i;
	int error;

	if ((error = wire_get_key(r, key, WIRE_KEY_MAX)) != 0)
		return error;
	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->keys[i], key) == 0)
			return wire_rd_fail(r, -EBADMSG, "key \"%s\" given "
			    "twice", key);
	if (seen->n < WIRE_KEYS_MAX)
		memcpy(seen->keys[seen->n++], key, WIRE_KEY_MAX);
	return 0;
}

/* The structs that travel. */
#define F(type, field, kind)	{ #field, kind, offsetof(type, field), 0 }
#define FN(type, name, field, kind) { name, kind, offsetof(type, field), 0 }
#define FL(type, field, kind, len) \
	{ #field, kind, offsetof(type, field), offsetof(type, len) }

static const struct wire_field spec_fields[] = {
	F(struct job_spec, queue, WK_STR),
	F(struct job_spec, command, WK_STR),
	F(struct job_spec, run_at, WK_I64),
	F(struct job_spec, priority, WK_I64),
	F(struct job_spec, max_attempts, WK_I64),
	F(struct job_spec, timeout_ms, WK_I64),
	F(struct job_spec, backoff_ms, WK_I64),
	F(struct job_spec, backoff_max_ms, WK_I64),
	F(struct job_spec, key, WK_STR),
	F(struct job_spec, key_ttl_ms, WK_I64),
	F(struct job_spec, key_when, WK_STR),
	FL(struct job_spec, env, WK_BYTES, env_len),
	F(struct job_spec, cwd, WK_STR),
	F(struct job_spec, run_as, WK_STR),
	F(struct job_spec, schedule_id, WK_I64),
	F(struct job_spec, slot_at, WK_I64),
	F(struct job_spec, after_id, WK_I64),
	FL(struct job_spec, deps, WK_DEPS, ndeps),
	FN(struct job_spec, "umask", proc.umask, WK_I64),
	FN(struct job_spec, "limit_nofile", proc.limit[JOB_LIMIT_NOFILE],
	    WK_I64),
	FN(struct job_spec, "limit_nproc", proc.limit[JOB_LIMIT_NPROC], WK_I64),
	FN(struct job_spec, "limit_as", proc.limit[JOB_LIMIT_AS], WK_I64),
	FN(struct job_spec, "limit_cpu", proc.limit[JOB_LIMIT_CPU], WK_I64),
	FN(struct job_spec, "kill_mode", proc.kill_mode, WK_I64),
	FN(struct job_spec, "on_dead", hook[JOB_HOOK_DEAD], WK_STR),
	FN(struct job_spec, "on_failure", hook[JOB_HOOK_FAILURE], WK_STR),
	FN(struct job_spec, "on_success", hook[JOB_HOOK_SUCCESS], WK_STR),
	F(struct job_spec, mail_to, WK_STR),
	F(struct job_spec, mail_on, WK_INT),
};

static const struct wire_field job_fields[] = {
	F(struct job, id, WK_I64),
	F(struct job, queue, WK_STR),
	F(struct job, command, WK_STR),
	F(struct job, priority, WK_I64),
	F(struct job, state, WK_INT),
	F(struct job, run_at, WK_I64),
	F(struct job, attempts, WK_I64),
	F(struct job, max_attempts, WK_I64),
	F(struct job, timeout_ms, WK_I64),
	F(struct job, backoff_ms, WK_I64),
	F(struct job, backoff_max_ms, WK_I64),
	F(struct job, key, WK_STR),
	F(struct job, schedule_id, WK_I64),
	F(struct job, schedule, WK_STR),
	F(struct job, slot_at, WK_I64),
	FL(struct job, env, WK_BYTES, env_len),
	F(struct job, cwd, WK_STR),
	F(struct job, run_as, WK_STR),
	F(struct job, cancel_requested, WK_BOOL),
	F(struct job, lease_owner, WK_STR),
	F(struct job, lease_expires_at, WK_I64),
	F(struct job, created_at, WK_I64),
	F(struct job, updated_at, WK_I64),
	F(struct job, finished_at, WK_I64),
	F(struct job, has_exit_code, WK_BOOL),
	F(struct job, exit_code, WK_I64),
	F(struct job, last_error, WK_STR),
	F(struct job, dead_at, WK_I64),
	F(struct job, dead_reason, WK_STR),
	F(struct job, after_id, WK_I64),
	FN(struct job, "umask", proc.umask, WK_I64),
	FN(struct job, "limit_nofile", proc.limit[JOB_LIMIT_NOFILE], WK_I64),
	FN(struct job, "limit_nproc", proc.limit[JOB_LIMIT_NPROC], WK_I64),
	FN(struct job, "limit_as", proc.limit[JOB_LIMIT_AS], WK_I64),
	FN(struct job, "limit_cpu", proc.limit[JOB_LIMIT_CPU], WK_I64),
	FN(struct job, "kill_mode", proc.kill_mode, WK_I64),
	F(struct job, rerun_of, WK_I64),
	F(struct job, waiting, WK_I64),
	FN(struct job, "on_dead", hook[JOB_HOOK_DEAD], WK_STR),
	FN(struct job, "on_failure", hook[JOB_HOOK_FAILURE], WK_STR),
	FN(struct job, "on_success", hook[JOB_HOOK_SUCCESS], WK_STR),
	F(struct job, notify_of, WK_I64),
	F(struct job, notify_event, WK_STR),
	FL(struct job, input, WK_BYTES, input_len),
	F(struct job, mail_to, WK_STR),
	F(struct job, mail_on, WK_INT),
};

static const struct wire_field attempt_fields[] = {
	F(struct attempt, id, WK_I64),
	F(struct attempt, job_id, WK_I64),
	F(struct attempt, attempt, WK_I64),
	F(struct attempt, owner, WK_STR),
	F(struct attempt, started_at, WK_I64),
	F(struct attempt, finished_at, WK_I64),
	F(struct attempt, has_exit_code, WK_BOOL),
	F(struct attempt, exit_code, WK_I64),
	F(struct attempt, signal, WK_I64),
	F(struct attempt, outcome, WK_STR),
	FL(struct attempt, output, WK_BYTES, output_len),
	F(struct attempt, output_dropped, WK_I64),
	F(struct attempt, error, WK_STR),
};

static const struct wire_field filter_fields[] = {
	F(struct job_filter, state, WK_INT),
	F(struct job_filter, queue, WK_STR),
	F(struct job_filter, limit, WK_I64),
	F(struct job_filter, states, WK_INT),
	F(struct job_filter, schedule_id, WK_I64),
	F(struct job_filter, since, WK_I64),
};

static const struct wire_field dep_fields[] = {
	F(struct store_dep, id, WK_I64),
	F(struct store_dep, state, WK_INT),
	F(struct store_dep, any, WK_BOOL),
	F(struct store_dep, met, WK_BOOL),
};

static const struct wire_field why_fields[] = {
	F(struct job_why, reason, WK_INT),
	F(struct job_why, until, WK_I64),
	F(struct job_why, n, WK_I64),
	FL(struct job_why, ids, WK_IDS, nids),
};

static const struct wire_field schedule_fields[] = {
	F(struct schedule, id, WK_I64),
	F(struct schedule, name, WK_STR),
	F(struct schedule, cron, WK_STR),
	F(struct schedule, tz, WK_STR),
	F(struct schedule, command, WK_STR),
	F(struct schedule, queue, WK_STR),
	F(struct schedule, priority, WK_I64),
	F(struct schedule, max_attempts, WK_I64),
	F(struct schedule, timeout_ms, WK_I64),
	F(struct schedule, backoff_ms, WK_I64),
	F(struct schedule, backoff_max_ms, WK_I64),
	FL(struct schedule, env, WK_BYTES, env_len),
	F(struct schedule, cwd, WK_STR),
	F(struct schedule, run_as, WK_STR),
	FN(struct schedule, "umask", proc.umask, WK_I64),
	FN(struct schedule, "limit_nofile", proc.limit[JOB_LIMIT_NOFILE],
	    WK_I64),
	FN(struct schedule, "limit_nproc", proc.limit[JOB_LIMIT_NPROC], WK_I64),
	FN(struct schedule, "limit_as", proc.limit[JOB_LIMIT_AS], WK_I64),
	FN(struct schedule, "limit_cpu", proc.limit[JOB_LIMIT_CPU], WK_I64),
	FN(struct schedule, "kill_mode", proc.kill_mode, WK_I64),
	FN(struct schedule, "on_dead", hook[JOB_HOOK_DEAD], WK_STR),
	FN(struct schedule, "on_failure", hook[JOB_HOOK_FAILURE], WK_STR),
	FN(struct schedule, "on_success", hook[JOB_HOOK_SUCCESS], WK_STR),
	F(struct schedule, mail_to, WK_STR),
	F(struct schedule, mail_on, WK_INT),
	F(struct schedule, overlap, WK_INT),
	F(struct schedule, catchup, WK_INT),
	F(struct schedule, enabled, WK_BOOL),
	F(struct schedule, next_run_at, WK_I64),
	F(struct schedule, last_run_at, WK_I64),
	F(struct schedule, source, WK_STR),
	F(struct schedule, created_at, WK_I64),
	F(struct schedule, updated_at, WK_I64),
};

static const struct wire_field last_fields[] = {
	F(struct sched_last, job_id, WK_I64),
	F(struct sched_last, state, WK_INT),
	F(struct sched_last, at, WK_I64),
	F(struct sched_last, has_exit_code, WK_BOOL),
	F(struct sched_last, exit_code, WK_I64),
	F(struct sched_last, ok_job_id, WK_I64),
	F(struct sched_last, ok_at, WK_I64),
};

static const struct wire_field slot_fields[] = {
	F(struct slot_info, slot_at, WK_I64),
	F(struct slot_info, job_id, WK_I64),
	F(struct slot_info, outcome, WK_STR),
	F(struct slot_info, reason, WK_STR),
	F(struct slot_info, job_state, WK_STR),
};

#define TYPE(name, f)	{ name, f, sizeof(f) / sizeof(f[0]) }
const struct wire_type wire_job_spec = TYPE("job", spec_fields);
const struct wire_type wire_job = TYPE("job", job_fields);
const struct wire_type wire_attempt = TYPE("attempt", attempt_fields);
const struct wire_type wire_job_filter = TYPE("filter", filter_fields);
const struct wire_type wire_dep = TYPE("dependency", dep_fields);
const struct wire_type wire_why = TYPE("why", why_fields);
const struct wire_type wire_schedule = TYPE("schedule", schedule_fields);
const struct wire_type wire_sched_last = TYPE("last run", last_fields);
const struct wire_type wire_slot = TYPE("slot", slot_fields);

#define AT(p, f, T)	((T *)(void *)((char *)(p) + (f)->off))
#define LEN(p, f)	((size_t *)(void *)((char *)(p) + (f)->len_off))

void
wire_put(struct wire_buf *b, const struct wire_type *t, const void *p)
{
	const struct wire_field *f;
	void *q = (void *)(uintptr_t)p;	/* read only */
	size_t i, j;

	wire_map(b, t->nfields);
	for (i = 0; i < t->nfields; i++) {
		f = &t->fields[i];
		wire_key(b, f->name);
		switch (f->kind) {
		case WK_I64:
			wire_int(b, *AT(q, f, int64_t));
			break;
		case WK_INT:
			wire_int(b, *AT(q, f, int));
			break;
		case WK_BOOL:
			wire_bool(b, *AT(q, f, bool));
			break;
		case WK_STR:
			wire_str(b, *AT(q, f, char *));
			break;
		case WK_BYTES:
			wire_bytes(b, *AT(q, f, void *), *LEN(q, f));
			break;
		case WK_DEPS: {
			const struct job_dep *d = *AT(q, f, struct job_dep *);

			wire_array(b, d != NULL ? *LEN(q, f) : 0);
			for (j = 0; d != NULL && j < *LEN(q, f); j++) {
				wire_array(b, 3);
				wire_int(b, d[j].id);
				wire_int(b, (int64_t)d[j].ref);
				wire_bool(b, d[j].any);
			}
			break;
		}
		case WK_IDS: {
			const int64_t *id = *AT(q, f, int64_t *);

			wire_array(b, id != NULL ? *LEN(q, f) : 0);
			for (j = 0; id != NULL && j < *LEN(q, f); j++)
				wire_int(b, id[j]);
			break;
		}
		}
	}
}

static int
get_deps(struct wire_rd *r, struct job_dep **dp, size_t *np)
{
	struct job_dep *d;
	int64_t v;
	size_t i, n, m;

	if (wire_get_array(r, &n) != 0)
		return r->error;
	if (n == 0)
		return 0;
	if ((d = calloc(n, sizeof(*d))) == NULL)
		return wire_rd_fail(r, -ENOMEM, "out of memory");
	*dp = d;
	for (i = 0; i < n; i++) {
		if (wire_get_array(r, &m) != 0)
			return r->error;
		if (m != 3)
			return wire_rd_fail(r, -EBADMSG, "a dependency of %zu "
			    "elements (3: id, reference, any)", m);
		if (wire_get_int(r, &d[i].id) != 0 ||
		    wire_get_int(r, &v) != 0 ||
		    wire_get_bool(r, &d[i].any) != 0)
			return r->error;
		if (v < 0)
			return wire_rd_fail(r, -EBADMSG, "a negative "
			    "reference");
		d[i].ref = (size_t)v;
		*np = i + 1;
	}
	return 0;
}

static int
get_ids(struct wire_rd *r, int64_t **idp, size_t *np)
{
	int64_t *id;
	size_t i, n;

	if (wire_get_array(r, &n) != 0)
		return r->error;
	if (n == 0)
		return 0;
	if ((id = calloc(n, sizeof(*id))) == NULL)
		return wire_rd_fail(r, -ENOMEM, "out of memory");
	*idp = id;
	for (i = 0; i < n; i++) {
		if (wire_get_int(r, &id[i]) != 0)
			return r->error;
		*np = i + 1;
	}
	return 0;
}

static const struct wire_field *
field_find(const struct wire_type *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, key) == 0)
			return &t->fields[i];
	return NULL;
}

int
wire_get(struct wire_rd *r, const struct wire_type *t, void *p)
{
	const struct wire_field *f;
	struct wire_seen seen;
	char key[WIRE_KEY_MAX];
	int64_t v;
	size_t i, n;

	seen.n = 0;
	if (wire_get_map(r, &n) != 0)
		return r->error;
	for (i = 0; i < n; i++) {
		if (wire_get_field(r, &seen, key) != 0)
			return r->error;
		if ((f = field_find(t, key)) == NULL)
			return wire_rd_fail(r, -EBADMSG, "%s: unknown key "
			    "\"%s\"", t->name, key);
		switch (f->kind) {
		case WK_I64:
			(void)wire_get_int(r, AT(p, f, int64_t));
			break;
		case WK_INT:
			if (wire_get_int(r, &v) == 0 && (v < INT32_MIN ||
			    v > INT32_MAX))
				return wire_rd_fail(r, -EBADMSG, "%s: %s out "
				    "of range", t->name, key);
			*AT(p, f, int) = (int)v;
			break;
		case WK_BOOL:
			(void)wire_get_bool(r, AT(p, f, bool));
			break;
		case WK_STR:
			(void)wire_get_str(r, AT(p, f, char *));
			break;
		case WK_BYTES:
			(void)wire_get_bytes(r, AT(p, f, void *), LEN(p, f));
			break;
		case WK_DEPS:
			(void)get_deps(r, AT(p, f, struct job_dep *),
			    LEN(p, f));
			break;
		case WK_IDS:
			(void)get_ids(r, AT(p, f, int64_t *), LEN(p, f));
			break;
		}
		if (r->error != 0) {
			char msg[WIRE_ERR_MAX];

			/* Which field: "job: command: text where ..." */
			snprintf(msg, sizeof(msg), "%s", r->err);
			snprintf(r->err, sizeof(r->err), "%s: %s: %.200s",
			    t->name, key, msg);
			return r->error;
		}
	}
	return 0;
}

void
wire_release(const struct wire_type *t, void *p)
{
	const struct wire_field *f;
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		f = &t->fields[i];
		switch (f->kind) {
		case WK_STR:
		case WK_BYTES:
		case WK_DEPS:
		case WK_IDS:
			free(*AT(p, f, void *));
			*AT(p, f, void *) = NULL;
			if (f->kind != WK_STR)
				*LEN(p, f) = 0;
			break;
		default:
			break;
		}
	}
}
