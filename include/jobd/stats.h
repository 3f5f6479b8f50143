/*
 * stats: the arithmetic of jobctl stats, with no I/O and no state.
 *
 * Percentiles are nearest-rank: the p-th percentile of n values sorted in
 * ascending order is the value at (1-based) rank ceil(p * n / 100), and
 * at least rank 1.  It is always one of the values, never an
 * interpolation between two: of the durations 1 s, 2 s ... 10 s the 50th
 * percentile is 5 s and the 95th 10 s; of a single value, both are it.
 */
#ifndef JOBD_STATS_H
#define JOBD_STATS_H

#include <stdint.h>

/*
 * The rank (1 to n) of the pct-th percentile (1 to 100) of n values; 0
 * when n is 0 or less.
 */
int64_t	stats_rank(int64_t n, int pct);

/*
 * The failure rate as a percentage with one decimal, rounded half up, in
 * tenths of a percent (250 for 25.0%); -1 when runs is 0.
 */
int64_t	stats_rate_permille(int64_t failures, int64_t runs);

#endif /* JOBD_STATS_H */
