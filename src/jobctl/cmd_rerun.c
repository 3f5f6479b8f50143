/*
 * jobctl rerun: submit a finished job (done, cancelled or dead) again as a
 * new job with the same command and options, due now and linked to the
 * original (show prints "rerun of N" on the new job and its reruns on the
 * original).  The idempotency key is not copied (the new job is a new
 * request), nor the cron slot (a slot makes one job).  A job that has not
 * finished is refused: exit 1, as cancel does for a job that has, since
 * the id is good and only the job's state is in the way.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "jobd/clock.h"
#include "jobd/store.h"
#include "ctl.h"
#include "out.h"

int
cmd_rerun(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct out_json j;
	int64_t id, new_id = 0;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	if (argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected one job id (usage: jobctl "
		    "rerun ID)");
	id = ctl_parse_id(ctl, argv[optind]);
	ctl_open(ctl, 0);
	error = store_job_rerun(ctl->st, id, clock_wall_ms(ctl->clock),
	    &new_id);
	if (error == -ENOENT)
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 ": no such job; "
		    "nothing submitted", id);
	if (error == -EINPROGRESS)
		ctl_fail(ctl, 1, "%s; nothing submitted",
		    store_errmsg(ctl->st));
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "job %" PRId64 ": %s; "
		    "nothing submitted", id, store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "id", new_id);
		out_json_int(&j, "rerun_of", id);
		out_json_end(&j);
	} else {
		printf("%" PRId64 "\n", new_id);
		ctl_warnx(ctl, "job %" PRId64 " is a rerun of job %" PRId64,
		    new_id, id);
	}
	return 0;
}
