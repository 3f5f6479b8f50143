/*
 * clock: the one place that reads the system clocks.  Thread-safe.
 */
#include <time.h>

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
