/*
 * jobctl dead: the dead-letter table.  "dead list" and "dead show" read
 * it; "dead retry" moves jobs back to pending (same ids, attempts reset,
 * their attempt history kept), all the named ones or none; "dead purge"
 * deletes dead jobs and their attempts for good.  The sub-commands are
 * dispatched through dead_subs[] by ctl_dispatch().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

#define DEAD_DEFAULT_LIMIT	100
#define DEAD_MAX_LIMIT		1000000
#define DEAD_TEXT_WIDTH		40

#define DEAD_OPT_ALL		0x200
#define DEAD_OPT_OLDER		0x201

struct dead_list_ctx {
	struct ctl		*ctl;
	struct out_table	*table;		/* NULL: JSON lines */
};

static int
dead_list_one(const struct job *jb, void *arg)
{
	struct dead_list_ctx *lc = arg;
	char buf[TIMEFMT_MAX];

	if (lc->table == NULL)
		return jobfmt_json_line(jb);
	out_table_cellf(lc->table, "%" PRId64, jb->id);
	out_table_cell(lc->table, jb->queue, 0);
	jobfmt_attempts(jb, buf, sizeof(buf));
	out_table_cell(lc->table, buf, 0);
	jobfmt_relative(lc->ctl, jb->dead_at, buf, sizeof(buf));
	out_table_cell(lc->table, buf, 0);
	out_table_cell(lc->table, jb->command, DEAD_TEXT_WIDTH);
	out_table_cell(lc->table, jb->dead_reason, DEAD_TEXT_WIDTH);
	return 0;
}

/* dead list [--queue QUEUE] [--limit N] */
static int
dead_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit",	required_argument, NULL, 'n' },
		{ "queue",	required_argument, NULL, 'q' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct job_filter f = { JOB_DEAD, NULL, DEAD_DEFAULT_LIMIT };
	struct dead_list_ctx lc = { ctl, NULL };
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":hn:q:", opts)) != -1) {
		switch (c) {
		case 'n':
			f.limit = ctl_parse_int(ctl, "--limit", optarg, 1,
			    DEAD_MAX_LIMIT);
			break;
		case 'q':
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --queue: "
				    "empty name");
			f.queue = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	ctl_open(ctl, 0);
	if (!ctl->json)
		lc.table = out_table_new(6, "ID", "QUEUE", "ATTEMPTS", "DIED",
		    "COMMAND", "REASON");
	error = store_job_list(ctl->st, &f, dead_list_one, &lc);
	return ctl_list_done(ctl, lc.table, error);
}

/* dead show ID */
static int
dead_show(struct ctl *ctl, int argc, char **argv)
{
	return jobfmt_show_cmd(ctl, argc, argv, "dead show ID", true);
}

struct dead_id {
	int64_t	id;
	size_t	pos;		/* index on the command line */
};

static int
dead_id_cmp(const void *a, const void *b)
{
	const struct dead_id *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Drop the repeats from the n ids of ids[], keeping the first of each in
 * command-line order, and return the new count.  (Without this, the
 * second "dead retry 5 5" would find job 5 no longer dead.)
 */
static size_t
dead_unique(const struct ctl *ctl, int64_t *ids, size_t n)
{
	struct dead_id *s;
	bool *dup;
	size_t i, k;

	if ((s = calloc(n, sizeof(*s))) == NULL ||
	    (dup = calloc(n, sizeof(*dup))) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++) {
		s[i].id = ids[i];
		s[i].pos = i;
	}
	qsort(s, n, sizeof(*s), dead_id_cmp);
	for (i = 1; i < n; i++)
		if (s[i].id == s[i - 1].id)
			dup[s[i].pos] = true;
	for (i = k = 0; i < n; i++)
		if (!dup[i])
			ids[k++] = ids[i];
	free(s);
	free(dup);
	return k;
}

/* dead retry ID ... | --all */
static int
dead_retry(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all",	no_argument,	   NULL, DEAD_OPT_ALL },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct out_json j;
	struct job jb;
	const char *state;
	int64_t *ids = NULL, moved = 0;
	size_t n = 0, i, bad = 0;
	bool all = false;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case DEAD_OPT_ALL:
			all = true;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	argc -= optind;
	argv += optind;
	if (all && argc > 0)
		ctl_fail(ctl, EXIT_USAGE, "give job ids or --all, not both");
	if (!all && argc == 0)
		ctl_fail(ctl, EXIT_USAGE, "expected job ids or --all (usage: "
		    "jobctl dead retry ID ... | --all)");
	if (!all) {
		n = (size_t)argc;
		if ((ids = calloc(n, sizeof(*ids))) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		for (i = 0; i < n; i++)
			ids[i] = ctl_parse_id(ctl, argv[i]);
		n = dead_unique(ctl, ids, n);
	}
	ctl_open(ctl, 0);
	error = store_dead_retry(ctl->st, ids, n, clock_wall_ms(ctl->clock),
	    &bad, &moved);
	if (error == -ENOENT && !all) {
		/* Say what the job is instead, if it exists. */
		if ((error = store_job_get(ctl->st, ids[bad], &jb)) == 0) {
			state = job_state_name(jb.state);
			job_clear(&jb);
			ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 " is not "
			    "dead (it is %s); nothing moved", ids[bad], state);
		}
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 ": %s; nothing "
		    "moved", ids[bad], error == -ENOENT ? "no such job" :
		    store_errmsg(ctl->st));
	}
	if (error == -EACCES && !all)
		ctl_fail(ctl, EXIT_NOPERM, "job %" PRId64 ": %s; nothing moved",
		    ids[bad], store_errmsg(ctl->st));
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s; nothing moved",
		    store_errmsg(ctl->st));
	if (all) {
		if (ctl->json) {
			out_json_begin(&j, stdout);
			out_json_int(&j, "moved", moved);
			out_json_end(&j);
		} else {
			printf("%" PRId64 " moved\n", moved);
		}
	}
	for (i = 0; i < n; i++) {
		if (ctl->json) {
			out_json_begin(&j, stdout);
			out_json_int(&j, "id", ids[i]);
			out_json_str(&j, "state", "pending");
			out_json_end(&j);
		} else {
			printf("%" PRId64 " retried\n", ids[i]);
		}
	}
	free(ids);
	return 0;
}

/* dead purge --older-than DURATION | --all */
static int
dead_purge(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all",	no_argument,	   NULL, DEAD_OPT_ALL },
		{ "older-than",	required_argument, NULL, DEAD_OPT_OLDER },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct out_json j;
	int64_t age = -1, before, purged = 0;
	bool all = false;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case DEAD_OPT_ALL:
			all = true;
			break;
		case DEAD_OPT_OLDER:
			age = ctl_parse_duration(ctl, "--older-than", optarg);
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	if (all && age >= 0)
		ctl_fail(ctl, EXIT_USAGE, "give --all or --older-than, not "
		    "both");
	if (!all && age < 0)
		ctl_fail(ctl, EXIT_USAGE, "purge deletes dead jobs for good: "
		    "pass --all to delete them all, or --older-than DURATION");
	ctl_open(ctl, 0);
	before = all ? INT64_MAX : clock_wall_ms(ctl->clock) - age;
	if ((error = store_dead_purge(ctl->st, before, &purged)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s; nothing purged",
		    store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "purged", purged);
		out_json_end(&j);
	} else {
		printf("%" PRId64 " purged\n", purged);
	}
	return 0;
}

static const struct ctl_sub dead_subs[] = {
	{ "list",	dead_list },
	{ "purge",	dead_purge },
	{ "retry",	dead_retry },
	{ "show",	dead_show },
};

int
cmd_dead(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, argc, argv, dead_subs,
	    sizeof(dead_subs) / sizeof(dead_subs[0]),
	    "list, show, retry or purge");
}
