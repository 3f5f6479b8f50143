/*
 * jobctl cancel: end pending jobs now, and flag running ones for the
 * daemon that runs them to kill.  All the ids, or none.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobd/job.h"
#include "jobd/store.h"
#include "ctl.h"
#include "out.h"

int
cmd_cancel(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	enum job_state *was;
	struct out_json j;
	int64_t *ids;
	size_t n, i, bad = 0;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		ctl_fail(ctl, EXIT_USAGE, "expected at least one job id "
		    "(usage: jobctl cancel ID ...)");
	n = (size_t)argc;
	ids = calloc(n, sizeof(*ids));
	was = calloc(n, sizeof(*was));
	if (ids == NULL || was == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++)
		ids[i] = ctl_parse_id(ctl, argv[i]);
	ctl_open(ctl, 0);
	if ((error = store_cancel(ctl->st, ids, n, was, &bad)) != 0) {
		int64_t id = ids[bad];

		free(ids);
		free(was);
		if (error == -ENOENT || error == -EALREADY ||
		    error == -EACCES)
			ctl_fail(ctl, error == -EALREADY ? 1 :
			    ctl_exit_code(error),
			    "job %" PRId64 ": %s; nothing cancelled", id,
			    store_errmsg(ctl->st));
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	}
	for (i = 0; i < n; i++) {
		if (ctl->json) {
			out_json_begin(&j, stdout);
			out_json_int(&j, "id", ids[i]);
			out_json_str(&j, "previous_state",
			    job_state_name(was[i]));
			out_json_str(&j, "state", was[i] == JOB_RUNNING ?
			    "running" : "cancelled");
			out_json_bool(&j, "cancel_requested",
			    was[i] == JOB_RUNNING);
			out_json_end(&j);
		} else if (was[i] == JOB_RUNNING) {
			printf("%" PRId64 " cancel requested (running; its "
			    "daemon will kill it)\n", ids[i]);
		} else if (was[i] == JOB_CANCELLED) {
			printf("%" PRId64 " already cancelled\n", ids[i]);
		} else {
			printf("%" PRId64 " cancelled\n", ids[i]);
		}
	}
	free(ids);
	free(was);
	return 0;
}
