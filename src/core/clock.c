/*
 * clock: the one place that reads the system clocks.  Thread-safe.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "jobd/clock.h"

static int64_t
clock_read(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
system_wall_ms(void *ctx)
{
	(void)ctx;
	return clock_read(CLOCK_REALTIME);
}

static int64_t
system_mono_ms(void *ctx)
{
	(void)ctx;
	return clock_read(CLOCK_MONOTONIC);
}

const struct jd_clock clock_system = { system_wall_ms, system_mono_ms, NULL };

int64_t
clock_wall_ms(const struct jd_clock *c)
{
	return c->wall_ms(c->ctx);
}

int64_t
clock_mono_ms(const struct jd_clock *c)
{
	return c->mono_ms(c->ctx);
}

/*
 * The test clock: wall time from the file named by ctx, or, when the
 * number there has a sign ("+600000"), the system's time that far off (a
 * host whose clock is wrong).  A test rewriting the file may be caught in
 * the middle (empty, or half a number): then the last time read stands,
 * in the form it had.  Before any, the system's.
 */
static _Atomic int64_t file_last;
static _Atomic bool file_last_offset;

static int64_t
file_wall_ms(void *ctx)
{
	char buf[32], *end;
	long long v;
	ssize_t n;
	bool offset;
	int fd;

	if ((fd = open(ctx, O_RDONLY | O_CLOEXEC)) == -1)
		goto last;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		goto last;
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	offset = end != buf && (*buf == '+' || *buf == '-');
	if (offset && (*end == '\0' || *end == '\n'))
		v = clock_add(clock_read(CLOCK_REALTIME), v);
	if (end == buf || v <= 0 || (*end != '\0' && *end != '\n'))
		goto last;
	atomic_store(&file_last_offset, offset);
	atomic_store(&file_last, v);
	return v;
last:
	v = atomic_load(&file_last);
	return v > 0 ? v : clock_read(CLOCK_REALTIME);
}

const struct jd_clock *
clock_default(void)
{
	static struct jd_clock file_clock = { file_wall_ms, system_mono_ms,
	    NULL };
	const char *path = getenv("JOBD_TEST_CLOCK");

	if (path == NULL || *path == '\0')
		return &clock_system;
	file_clock.ctx = (void *)(uintptr_t)path;
	return &file_clock;
}

bool
clock_is_test_absolute(const struct jd_clock *c)
{
	if (c->wall_ms != file_wall_ms)
		return false;
	(void)clock_wall_ms(c);		/* the form the file has now */
	return atomic_load(&file_last) > 0 && !atomic_load(&file_last_offset);
}

static int64_t
offset_wall_ms(void *ctx)
{
	struct jd_offset_clock *c = ctx;

	return clock_add(clock_wall_ms(c->base), atomic_load(&c->offset_ms));
}

static int64_t
offset_mono_ms(void *ctx)
{
	struct jd_offset_clock *c = ctx;

	return clock_mono_ms(c->base);
}

void
clock_offset_init(struct jd_offset_clock *c, const struct jd_clock *base)
{
	c->clock.wall_ms = offset_wall_ms;
	c->clock.mono_ms = offset_mono_ms;
	c->clock.ctx = c;
	c->base = base;
	atomic_init(&c->offset_ms, 0);
}

void
clock_offset_set(struct jd_offset_clock *c, int64_t offset_ms)
{
	atomic_store(&c->offset_ms, offset_ms);
}

int64_t
clock_add(int64_t t, int64_t d)
{
	if (d > 0 && t > INT64_MAX - d)
		return INT64_MAX;
	if (d < 0 && t < INT64_MIN - d)
		return INT64_MIN;
	return t + d;
}

int64_t
clock_wall_add(int64_t t, int64_t d)
{
	int64_t v = clock_add(t, d);

	return v > CLOCK_WALL_MAX_MS ? CLOCK_WALL_MAX_MS : v;
}
