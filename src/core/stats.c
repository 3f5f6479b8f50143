/*
 * stats: nearest-rank percentiles and failure rates (see stats.h).
 */
#include "jobd/stats.h"

int64_t
stats_rank(int64_t n, int pct)
{
	int64_t r;

	if (n <= 0)
		return 0;
	if (pct < 1)
		pct = 1;
	if (pct > 100)
		pct = 100;
	/* ceil(pct * n / 100) without overflow for any n. */
	r = n / 100 * pct + (n % 100 * pct + 99) / 100;
	return r < 1 ? 1 : r;
}

int64_t
stats_rate_permille(int64_t failures, int64_t runs)
{
	if (runs <= 0)
		return -1;
	if (failures <= 0)
		return 0;
	if (failures >= runs)
		return 1000;
	/* Rounded half up; runs < 2^53 in any database of this world. */
	return (int64_t)((failures * 2000.0 / runs + 1) / 2);
}
