/*
 * jobctl prune: what jobd's retention does in the background, on demand
 * (store_prune.c): finished jobs past their window go, with their
 * attempts and idempotency keys, output past its window is cleared, and
 * the space is given back to the file system.  The windows are those of
 * [retention] in jobd.conf (the default config file, $JOBD_CONFIG);
 * --older-than replaces every one of them, --state prunes the jobs of one
 * terminal state only.  Prints what went, per state, and the output bytes
 * freed; --dry-run what would go, changing nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/retention.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "out.h"

#define PRUNE_ROWS	500	/* rows per transaction */
#define PRUNE_MS	50	/* and milliseconds, at most */
#define PRUNE_PAGES	1024	/* pages given back per step */

enum { PRUNE_OPT_DRY = 0x200, PRUNE_OPT_OLDER, PRUNE_OPT_STATE };

/* The [retention] of the default config file, else the defaults. */
static void
prune_config(struct ctl *ctl, struct retention *r)
{
	struct jd_config cfg;
	char path[PATH_MAX], err[1024];
	int error;

	if (config_defaults(&cfg) != 0)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	if (config_default_path(path, sizeof(path)) == 0) {
		error = config_load(&cfg, path, err, sizeof(err));
		if (error != 0 && error != -ENOENT)
			ctl_fail(ctl, EXIT_CONFIG, "%s", err);
	}
	*r = cfg.retention;
	config_free(&cfg);
}

static void
prune_print(const struct ctl *ctl, const struct prune_counts *c, bool dry,
    int64_t pages)
{
	struct out_json j;
	int k;

	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_bool(&j, "dry_run", dry);
		for (k = 0; k < RET_NSTATES; k++)
			out_json_int(&j, retention_kind_name(k), c->jobs[k]);
		out_json_int(&j, "attempts", c->attempts);
		out_json_int(&j, "keys", c->keys);
		out_json_int(&j, "outputs_cleared", c->outputs);
		out_json_int(&j, "output_bytes", c->output_bytes);
		out_json_int(&j, "pages_freed", pages);
		out_json_end(&j);
		return;
	}
	printf("%s", dry ? "would remove:" : "removed:");
	for (k = 0; k < RET_NSTATES; k++)
		printf(" %s %" PRId64 "%s", retention_kind_name(k),
		    c->jobs[k], k + 1 < RET_NSTATES ? "," : "");
	printf(" (jobs); %" PRId64 " attempts, %" PRId64 " idempotency "
	    "keys\n", c->attempts, c->keys);
	printf("%s %" PRId64 " attempts; %" PRId64 " output bytes %s\n",
	    dry ? "would clear the output of" : "cleared the output of",
	    c->outputs, c->output_bytes, dry ? "to free" : "freed");
	if (!dry)
		printf("gave back %" PRId64 " free pages to the file system\n",
		    pages);
}

int
cmd_prune(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	   NULL, PRUNE_OPT_DRY },
		{ "older-than",	required_argument, NULL, PRUNE_OPT_OLDER },
		{ "state",	required_argument, NULL, PRUNE_OPT_STATE },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct prune_counts counts;
	struct prune_rules rules;
	struct retention ret;
	enum ret_kind kind;
	int64_t older = -1, left, pages = 0, before;
	int c, error, only = -1;
	bool dry = false, more;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case PRUNE_OPT_DRY:
			dry = true;
			break;
		case PRUNE_OPT_OLDER:
			older = ctl_parse_duration(ctl, "--older-than",
			    optarg);
			break;
		case PRUNE_OPT_STATE:
			error = retention_state_parse(optarg, &kind);
			if (error == -ERANGE)
				ctl_fail(ctl, EXIT_USAGE, "--state \"%s\": "
				    "not a terminal state; only done, "
				    "cancelled and dead jobs are pruned",
				    optarg);
			if (error != 0)
				ctl_fail(ctl, EXIT_USAGE, "--state \"%s\": "
				    "unknown state (use done, cancelled or "
				    "dead)", optarg);
			only = (int)kind;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	prune_config(ctl, &ret);
	ctl_open(ctl, 0);
	(void)retention_rules(&ret, clock_wall_ms(ctl->clock), older, only,
	    &rules);
	memset(&counts, 0, sizeof(counts));
	if (dry) {
		if ((error = store_prune_dry(ctl->st, &rules, &counts)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s; nothing "
			    "pruned", store_errmsg(ctl->st));
		prune_print(ctl, &counts, true, 0);
		return 0;
	}
	do {
		error = store_prune_step(ctl->st, &rules, PRUNE_ROWS,
		    PRUNE_MS, &counts, &more);
		if (error != 0) {
			prune_print(ctl, &counts, false, 0);
			ctl_fail(ctl, ctl_exit_code(error), "%s; stopped "
			    "after what is printed", store_errmsg(ctl->st));
		}
	} while (more);
	/* Give the space back; stop if it does not shrink. */
	for (before = INT64_MAX;; before = left) {
		if ((error = store_vacuum_step(ctl->st, PRUNE_PAGES,
		    &left)) != 0) {
			ctl_warnx(ctl, "giving back free pages: %s",
			    store_errmsg(ctl->st));
			break;
		}
		if (before != INT64_MAX && before > left)
			pages += before - left;
		if (left == 0 || left >= before)
			break;
	}
	prune_print(ctl, &counts, false, pages);
	return 0;
}
