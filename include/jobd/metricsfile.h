/*
 * metricsfile: jobd's metrics_file, written every metrics_interval on the
 * loop's timer: the snapshot is read and printed on the loop thread (a
 * walk of small counter tables: see metrics.h), and the file is written,
 * fsynced and renamed over the old one on libuv's thread pool, so a slow
 * disk never stalls the loop.  One write at a time; a tick that comes
 * while the last write is still going is skipped.
 *
 * Every function runs on the loop thread.
 */
#ifndef JOBD_METRICSFILE_H
#define JOBD_METRICSFILE_H

#include <stdint.h>

struct jd_clock;
struct metricsfile;
struct store;
struct uv_loop_s;

/*
 * A metrics file writer on loop, reading store st (borrowed, like the
 * clock) at clock's time.  It writes nothing until metricsfile_set().
 * Returns NULL when out of memory.
 */
struct metricsfile *metricsfile_new(struct uv_loop_s *loop, struct store *st,
	    const struct jd_clock *clock);

/*
 * Write the metrics to path (copied; NULL: stop writing) now and then
 * every interval_ms.  The path was checked with metrics_check_path().
 * Returns 0 or -ENOMEM (nothing changed).
 */
int	metricsfile_set(struct metricsfile *mf, const char *path,
	    int64_t interval_ms);

/*
 * Write the file once more, now, on the calling thread (jobd stops: the
 * file then says so), and stop the timer.
 */
void	metricsfile_stop(struct metricsfile *mf);

/*
 * Free mf once its loop has closed every handle and run every request
 * (after uv_loop_close() or uv_run() returned for good).  NULL is fine.
 */
void	metricsfile_free(struct metricsfile *mf);

#endif /* JOBD_METRICSFILE_H */
