/*
 * A clock for tests: time moves only when the test says so.
 */
#ifndef JOBD_FAKE_CLOCK_H
#define JOBD_FAKE_CLOCK_H

#include <stdint.h>

#include "jobd/clock.h"

struct fake_clock {
	int64_t		 wall;		/* UTC ms */
	int64_t		 mono;		/* ms */
	struct jd_clock	 clock;		/* points back at this struct */
};

/* Start fc at wall time "wall" (UTC ms); fc->clock is then usable. */
void	fake_clock_init(struct fake_clock *fc, int64_t wall);

/* Move both clocks forward by ms. */
void	fake_clock_advance(struct fake_clock *fc, int64_t ms);

#endif /* JOBD_FAKE_CLOCK_H */
