/*
 * jobctl next: the next fire times of a cron expression, computed by
 * cron.h in a zone from tz.h and printed in that zone with a numeric
 * offset.  It never opens the database, so it works anywhere.
 *
 * With --tz, local times in --from are read in that zone too: the command
 * sets TZ for timefmt_parse_time(), which is safe because jobctl is single
 * threaded.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobd/clock.h"
#include "jobd/cron.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"
#include "ctl.h"
#include "out.h"

#define NEXT_OPT_FROM		0x200
#define NEXT_OPT_TZ		0x201
#define NEXT_COUNT_DEFAULT	5
#define NEXT_COUNT_MAX		1000

/* UTC ms "ms" as local ISO 8601 in z with a numeric offset:
 * "2026-03-08T03:00:00-04:00" (seconds in the offset only when it has
 * them, as old local mean times do). */
static void
next_format(const struct tz *z, int64_t ms, char *buf, size_t len)
{
	struct tz_tm tm;
	int32_t off;

	tz_localtime(z, ms / 1000 - (ms % 1000 < 0), &tm);
	off = tm.gmtoff < 0 ? -tm.gmtoff : tm.gmtoff;
	if (off % 60 != 0)
		(void)snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d"
		    "%c%02d:%02d:%02d", tm.year, tm.month, tm.mday, tm.hour,
		    tm.min, tm.sec, tm.gmtoff < 0 ? '-' : '+',
		    (int)(off / 3600), (int)(off % 3600 / 60),
		    (int)(off % 60));
	else
		(void)snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d"
		    "%c%02d:%02d", tm.year, tm.month, tm.mday, tm.hour,
		    tm.min, tm.sec, tm.gmtoff < 0 ? '-' : '+',
		    (int)(off / 3600), (int)(off % 3600 / 60));
}

/* The operands joined by spaces ("0 0 * * *" may come as five words).
 * Longer than CRON_EXPR_MAX stays longer, for cron_parse() to refuse. */
static void
next_join(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0, n;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && used + 1 < len; i++) {
		if (i > 0)
			buf[used++] = ' ';
		n = strlen(argv[i]);
		if (n > len - 1 - used)
			n = len - 1 - used;
		memcpy(buf + used, argv[i], n);
		used += n;
		buf[used] = '\0';
	}
}

int
cmd_next(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count",	required_argument, NULL, 'n' },
		{ "from",	required_argument, NULL, NEXT_OPT_FROM },
		{ "tz",		required_argument, NULL, NEXT_OPT_TZ },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct cron_expr e;
	struct tz *z;
	struct out_json j;
	const char *from = NULL, *zone = NULL;
	char expr[CRON_EXPR_MAX + 2], err[512], at[TIMEFMT_MAX + 8];
	char utc[TIMEFMT_MAX];
	int64_t t, count = NEXT_COUNT_DEFAULT, i;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":hn:", opts)) != -1) {
		switch (c) {
		case 'n':
			count = ctl_parse_int(ctl, "--count", optarg, 1,
			    NEXT_COUNT_MAX);
			break;
		case NEXT_OPT_FROM:
			from = optarg;
			break;
		case NEXT_OPT_TZ:
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --tz: empty "
				    "zone name");
			zone = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind >= argc)
		ctl_fail(ctl, EXIT_USAGE, "missing cron expression (usage: "
		    "jobctl next [--from TIME] [--count N] [--tz ZONE] EXPR)");
	next_join(argc - optind, argv + optind, expr, sizeof(expr));
	if ((error = cron_parse(expr, &e, err, sizeof(err))) != 0)
		ctl_fail(ctl, EXIT_DATAERR, "invalid cron expression: %s", err);
	if (e.flags & CRON_REBOOT)
		ctl_fail(ctl, EXIT_DATAERR, "@reboot has no fire times; it "
		    "runs once per boot, when jobd starts");
	if (zone == NULL)
		ctl_check_tz_env(ctl, "the local time zone");
	if ((error = tz_load(zone, &z, err, sizeof(err))) != 0)
		ctl_fail(ctl, error == -ENOMEM ? EXIT_OSERR : EXIT_DATAERR,
		    "%s", err);
	t = clock_wall_ms(ctl->clock);
	if (from != NULL) {
		if (zone != NULL) {
			/* Local --from times are in the zone asked for. */
			if (setenv("TZ", zone, 1) != 0)
				ctl_fail(ctl, EXIT_OSERR, "out of memory");
			tzset();
		}
		if (timefmt_parse_time(from, t, &t, err, sizeof(err)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "--from: %s", err);
	}
	for (i = 0; i < count; i++) {
		if ((error = cron_next(&e, z, t, &t)) != 0) {
			next_format(z, t, at, sizeof(at));
			tz_free(z);
			ctl_fail(ctl, 1, "no fire time within %d years "
			    "after %s", CRON_HORIZON, at);
		}
		next_format(z, t, at, sizeof(at));
		if (ctl->json) {
			(void)timefmt_format_utc(t, utc, sizeof(utc));
			out_json_begin(&j, stdout);
			out_json_str(&j, "at", at);
			out_json_str(&j, "utc", utc);
			out_json_end(&j);
		} else
			printf("%s\n", at);
		if (ferror(stdout))
			break;
	}
	tz_free(z);
	return 0;
}
