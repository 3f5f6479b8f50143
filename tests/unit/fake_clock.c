#include "fake_clock.h"

static int64_t
fake_wall_ms(void *ctx)
{
	return ((struct fake_clock *)ctx)->wall;
}

static int64_t
fake_mono_ms(void *ctx)
{
	return ((struct fake_clock *)ctx)->mono;
}

void
fake_clock_init(struct fake_clock *fc, int64_t wall)
{
	fc->wall = wall;
	fc->mono = 1000;
	fc->clock.wall_ms = fake_wall_ms;
	fc->clock.mono_ms = fake_mono_ms;
	fc->clock.ctx = fc;
}

void
fake_clock_advance(struct fake_clock *fc, int64_t ms)
{
	fc->wall += ms;
	fc->mono += ms;
}
