/*
 * jobctl metrics: jobd's metrics in the Prometheus text exposition format
 * on stdout, the same text jobd writes to its metrics_file (metrics.c
 * prints both).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/metrics.h"
#include "jobd/store.h"
#include "ctl.h"

int
cmd_metrics(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct metrics_snapshot snap;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	if (ctl->json)
		ctl_fail(ctl, EXIT_USAGE, "--json: metrics are printed in "
		    "the Prometheus text format only");
	ctl_open(ctl, 0);
	error = metrics_collect(ctl->st, clock_wall_ms(ctl->clock), &snap);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    error == -ENOMEM ? "out of memory" : store_errmsg(ctl->st));
	error = metrics_format(&snap, stdout);
	metrics_free(&snap);
	if (error != 0)
		ctl_fail(ctl, EXIT_IOERR, "writing the metrics: %s",
		    strerror(-error));
	return 0;
}
