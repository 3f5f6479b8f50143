/*
 * retention: the database file over a simulated month of cron, pruned as
 * jobd prunes it.
 *
 * usage: retention [-s SCHEDULES] [-d DAYS] [-o OUTPUT_BYTES]
 *            [-e EVERY_MINUTES] [-i PRUNE_INTERVAL_MINUTES] DB
 *
 * SCHEDULES schedules (20) fire every EVERY_MINUTES minutes (1) for DAYS
 * days (30) of a simulated clock: each slot goes through the store as
 * jobd drives it (store_schedule_fire, store_claim, store_finish with
 * OUTPUT_BYTES (4096) of output), and every PRUNE_INTERVAL_MINUTES (1)
 * the default [retention] is applied the way jobd's loop does
 * (store_prune_step with jobd's bounds until no more, then
 * store_vacuum_step).  No process is run.  Prints, one line each:
 *   "size DAY BYTES" at the end of each simulated day (file + WAL),
 *   "prune_steps N", "prune_p99_ms MS" (to 0.1 ms) and "prune_worst_ms
 *   MS": the prune transactions, their 99th percentile and the longest,
 *   "vacuum_worst_ms MS" the longest incremental_vacuum step,
 *   "jobs N", "pruned N", "seconds S".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/procopt.h"
#include "jobd/retention.h"
#include "jobd/schedule.h"
#include "jobd/store.h"

/* jobd's own bounds (include/jobd/retain.h, src/jobd/retain.c). */
#include "jobd/retain.h"

#define MINUTE_MS	60000LL
#define DAY_MS		(1440 * MINUTE_MS)
#define T0		1767225600000LL		/* 2026-01-01T00:00:00Z */
#define MAXSCHED	1000
#define HIST_N		10000		/* prune steps by 0.1 ms */

static long	hist[HIST_N];

static int64_t	sim_now = T0;

static int64_t
sim_wall(void *ctx)
{
	(void)ctx;
	return sim_now;
}

static int64_t
sim_mono(void *ctx)
{
	(void)ctx;
	return sim_now - T0;
}

static const struct jd_clock sim_clock = { sim_wall, sim_mono, NULL };

static int64_t
file_size(const char *path)
{
	char wal[4096];
	struct stat sb;
	int64_t n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

static void
die(struct store *st, const char *what)
{
	fprintf(stderr, "retention: %s: %s\n", what,
	    st != NULL ? store_errmsg(st) : "failed");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct schedule sc[MAXSCHED];
	struct retention ret;
	struct prune_rules rules;
	struct prune_counts counts;
	struct attempt_end *ends;
	struct job *got;
	struct store *st;
	char err[512], name[32], *out;
	long nsched = 20, days = 30, outlen = 4096, every = 1, interval = 1;
	int64_t minute, minutes, pruned = 0, jobs = 0, left, before;
	long nsteps = 0, seen = 0, h;
	double t0, t, worst_prune = 0, worst_vac = 0;
	size_t i, n;
	int ch;
	bool more;

	while ((ch = getopt(argc, argv, "d:e:i:o:s:")) != -1) {
		switch (ch) {
		case 'd':
			days = bench_number("retention", optarg, 1, 3650);
			break;
		case 'e':
			every = bench_number("retention", optarg, 1, 1440);
			break;
		case 'i':
			interval = bench_number("retention", optarg, 1, 1440);
			break;
		case 'o':
			outlen = bench_number("retention", optarg, 0,
			    1 << 20);
			break;
		case 's':
			nsched = bench_number("retention", optarg, 1,
			    MAXSCHED);
			break;
		default:
			fprintf(stderr, "usage: retention [-s SCHEDULES] "
			    "[-d DAYS] [-o BYTES] [-e MINUTES] [-i MINUTES] "
			    "DB\n");
			return 64;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "retention: expected a database path\n");
		return 64;
	}
	(void)unlink(argv[optind]);
	if (store_open(&st, argv[optind], STORE_CREATE, &sim_clock, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "retention: %s\n", err);
		return 1;
	}
	/* The default [retention], as jobd.conf(5) gives it. */
	memset(&ret, 0, sizeof(ret));
	ret.keep_ms[RET_DONE] = 7 * DAY_MS;
	ret.keep_ms[RET_CANCELLED] = 7 * DAY_MS;
	ret.keep_ms[RET_DEAD] = 30 * DAY_MS;
	ret.keep_ms[RET_OUTPUT] = 7 * DAY_MS;
	ret.schedule_runs = 1000;

	for (i = 0; i < (size_t)nsched; i++) {
		memset(&sc[i], 0, sizeof(sc[i]));
		snprintf(name, sizeof(name), "chatty-%zu", i);
		sc[i].name = strdup(name);
		sc[i].cron = strdup("* * * * *");
		sc[i].command = strdup("noisy-report --verbose");
		sc[i].queue = strdup("default");
		sc[i].max_attempts = sc[i].timeout_ms = JOB_DEFAULT;
		sc[i].backoff_ms = sc[i].backoff_max_ms = JOB_DEFAULT;
		procopt_init(&sc[i].proc);
		sc[i].enabled = true;
		sc[i].next_run_at = T0;
		sc[i].source = strdup("cli");
		sc[i].created_at = sc[i].updated_at = T0;
		if (store_schedule_put(st, &sc[i], false, &sc[i].id) != 0)
			die(st, "adding a schedule");
	}
	if ((out = malloc((size_t)outlen + 1)) == NULL ||
	    (ends = calloc((size_t)nsched, sizeof(*ends))) == NULL ||
	    (got = calloc((size_t)nsched, sizeof(*got))) == NULL)
		die(NULL, "out of memory");
	for (i = 0; i < (size_t)outlen; i++)	/* chatty, not compressible */
		out[i] = (char)(' ' + (i * 7919 + i / 13) % 95);

	memset(&counts, 0, sizeof(counts));
	minutes = (int64_t)days * 1440;
	t0 = bench_now();
	for (minute = 0; minute < minutes; minute++) {
		sim_now = T0 + minute * MINUTE_MS;
		if (minute % every == 0) {
			for (i = 0; i < (size_t)nsched; i++) {
				struct slot sl = { sim_now, false, NULL, 0,
				    0 };

				if (store_schedule_fire(st, &sc[i], &sl, 1,
				    sim_now + every * MINUTE_MS, sim_now) != 0)
					die(st, "firing");
			}
			if (store_claim(st, "bench:ret", sim_now, 300000,
			    (size_t)nsched, got, &n) != 0)
				die(st, "claiming");
			sim_now += 1500;	/* the jobs run 1.5 s */
			for (i = 0; i < n; i++) {
				memset(&ends[i], 0, sizeof(ends[i]));
				ends[i].job_id = got[i].id;
				ends[i].attempt = got[i].attempts;
				ends[i].owner = "bench:ret";
				ends[i].outcome = "ok";
				ends[i].has_exit_code = true;
				ends[i].finished_at = sim_now;
				ends[i].output = out;
				ends[i].output_len = (size_t)outlen;
				ends[i].action = END_DONE;
			}
			if (store_finish(st, ends, n, sim_now) != 0)
				die(st, "finishing");
			for (i = 0; i < n; i++)
				job_clear(&got[i]);
			jobs += (int64_t)n;
		}
		if (minute % interval == 0) {
			(void)retention_rules(&ret, sim_now, -1, -1, &rules);
			do {
				t = bench_now();
				if (store_prune_step(st, &rules, RETAIN_ROWS,
				    RETAIN_MS, &counts, &more) != 0)
					die(st, "pruning");
				t = (bench_now() - t) * 1000;
				if (t > worst_prune)
					worst_prune = t;
				hist[t * 10 < HIST_N - 1 ? (int)(t * 10) :
				    HIST_N - 1]++;
				nsteps++;
			} while (more);
			for (before = INT64_MAX;; before = left) {
				t = bench_now();
				if (store_vacuum_step(st, RETAIN_PAGES,
				    &left) != 0)
					die(st, "vacuum");
				t = (bench_now() - t) * 1000;
				if (t > worst_vac)
					worst_vac = t;
				if (left == 0 || left >= before)
					break;
			}
		}
		if ((minute + 1) % 1440 == 0) {
			(void)store_wal_trim(st);
			printf("size %lld %lld\n",
			    (long long)((minute + 1) / 1440),
			    (long long)file_size(argv[optind]));
			fflush(stdout);
		}
	}
	pruned = counts.jobs[RET_DONE] + counts.jobs[RET_CANCELLED] +
	    counts.jobs[RET_DEAD];
	for (h = 0; h < HIST_N && seen < nsteps - nsteps / 100; h++)
		seen += hist[h];
	printf("prune_steps %ld\n", nsteps);
	printf("prune_p99_ms %.1f\n", (double)h / 10);
	printf("prune_worst_ms %.2f\n", worst_prune);
	printf("vacuum_worst_ms %.2f\n", worst_vac);
	printf("jobs %lld\npruned %lld\nseconds %.1f\n", (long long)jobs,
	    (long long)pruned, bench_now() - t0);
	store_close(st);
	for (i = 0; i < (size_t)nsched; i++)
		free(sc[i].name), free(sc[i].cron), free(sc[i].command),
		    free(sc[i].queue), free(sc[i].source);
	free(out);
	free(ends);
	free(got);
	return 0;
}
