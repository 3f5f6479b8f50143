/*
 * clock: the current time, injectable for tests.
 *
 * Wall time is UTC milliseconds since the Unix epoch: it may jump, and it is
 * what the database stores.  Monotonic time is milliseconds from an arbitrary
 * origin: it never jumps and is never persisted.  The two are never compared.
 * Only clock.c calls clock_gettime(); everything else asks a struct jd_clock.
 */
#ifndef JOBD_CLOCK_H
#define JOBD_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct jd_clock {
	int64_t	(*wall_ms)(void *ctx);	/* UTC ms; may jump; persisted */
	int64_t	(*mono_ms)(void *ctx);	/* steady ms; never stored */
	void	 *ctx;
};

/* The system clock (CLOCK_REALTIME and CLOCK_MONOTONIC).  Thread-safe. */
extern const struct jd_clock clock_system;

/*
 * The clock jobd and jobctl run on: clock_system, unless $JOBD_TEST_CLOCK
 * names a file, for tests.  Then wall time is read from that file each
 * time it is asked for, in one of two forms:
 *
 *  - an absolute time, UTC ms as decimal text ("1767225600000"): the time
 *    of every process of the test, which all read the same file, so it
 *    stands for the database server's clock too (jobd does not set itself
 *    to a server's time on it: clock_is_test_absolute()).  A test moves
 *    time by rewriting the file.
 *  - a signed offset ("+600000", "-5000"): the system's time that far
 *    off, a host whose clock is wrong; on a database server jobd measures
 *    and undoes it like any host's error.
 *
 * Monotonic time stays the system's.
 */
const struct jd_clock *clock_default(void);

/*
 * Whether c is clock_default()'s test clock reading an absolute time
 * (read again now): the time shared by every process of a test, the
 * database server included, so no offset to a server's clock is to be
 * measured or applied.  False for the system clock and the offset form.
 */
bool	clock_is_test_absolute(const struct jd_clock *c);

/*
 * A clock set off from another by an offset that may change at any time
 * (atomically: any thread may read it): a daemon on a database server
 * runs on the server's time (its base clock's, plus what the server is
 * ahead), so that every host judges leases and due times alike.
 * Monotonic time is the base clock's.
 */
struct jd_offset_clock {
	struct jd_clock		 clock;		/* the clock to use */
	const struct jd_clock	*base;
	_Atomic int64_t		 offset_ms;
};
void	clock_offset_init(struct jd_offset_clock *c,
	    const struct jd_clock *base);
void	clock_offset_set(struct jd_offset_clock *c, int64_t offset_ms);

/* Shorthands for c->wall_ms(c->ctx) and c->mono_ms(c->ctx). */
int64_t	clock_wall_ms(const struct jd_clock *c);
int64_t	clock_mono_ms(const struct jd_clock *c);

/*
 * The latest wall time jobd stores or accepts: 9999-12-31T23:59:59.999Z,
 * the last instant every time format here can print.
 */
#define CLOCK_WALL_MAX_MS	INT64_C(253402300799999)

/*
 * Time arithmetic that cannot overflow (signed overflow is undefined):
 * t + d, saturated at INT64_MIN and INT64_MAX.  Pure; any clock, any unit.
 */
int64_t	clock_add(int64_t t, int64_t d);

/*
 * A wall time "d" ms after wall time t (UTC ms), for a time to be stored
 * (a retry's run_at): clock_add(), then capped at CLOCK_WALL_MAX_MS.  Pure.
 */
int64_t	clock_wall_add(int64_t t, int64_t d);

#endif /* JOBD_CLOCK_H */
