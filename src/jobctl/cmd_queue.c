/*
 * jobctl queue: queues as objects (store_queue.c).  list: every queue
 * with jobs or settings, its paused flag, its pending and running counts
 * and its limits; show: one queue, every setting; set: change settings
 * (refused for a queue whose settings jobd.conf owns); pause and resume.
 * Names and settings follow queue.h's rules.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jobd/queue.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "out.h"

/* Option values: QUEUE_OPT + enum queue_key. */
#define QUEUE_OPT	0x200

static void
queue_name(const struct ctl *ctl, const char *name, bool reserved_ok)
{
	char why[QUEUE_WHY_MAX];

	if (queue_name_check(name, reserved_ok, why, sizeof(why)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid queue \"%s\": %s", name,
		    why);
}

/* The one operand NAME of a sub-command, after its options. */
static const char *
queue_operand(struct ctl *ctl, int argc, char **argv, bool reserved_ok)
{
	if (optind >= argc)
		ctl_fail(ctl, EXIT_USAGE, "expected a queue name");
	if (optind + 1 < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind + 1]);
	queue_name(ctl, argv[optind], reserved_ok);
	return argv[optind];
}

static void
queue_json(struct out_json *j, const struct queue_info *q)
{
	const struct queue_settings *s = &q->set;

	out_json_str(j, "name", q->name);
	out_json_bool(j, "paused", q->paused);
	out_json_str(j, "source", q->config ? "config" : "cli");
	out_json_int(j, "pending", q->pending);
	out_json_int(j, "running", q->running);
	out_json_opt(j, "concurrency", s->concurrency);
	if (s->rate_n == QUEUE_NONE) {
		out_json_null(j, "rate");
	} else {
		out_json_object(j, "rate");
		out_json_int(j, "n", s->rate_n);
		out_json_int(j, "period_ms", s->rate_period_ms);
		out_json_close(j, '}');
	}
	out_json_int(j, "weight", s->weight);
	out_json_opt(j, "max_pending", s->max_pending);
	out_json_opt(j, "max_running_per_user", s->max_running_per_user);
	out_json_opt(j, "max_attempts", s->max_attempts);
	out_json_opt(j, "timeout_ms", s->timeout_ms);
	out_json_opt(j, "backoff_ms", s->backoff_ms);
	out_json_opt(j, "backoff_max_ms", s->backoff_max_ms);
}

struct qlist {
	const struct ctl	*ctl;
	struct out_table	*t;
};

static int
list_one(const struct queue_info *q, void *arg)
{
	struct qlist *ql = arg;
	struct out_json j;
	char v[QUEUE_VALUE_MAX];
	enum queue_key k;

	if (ql->ctl->json) {
		out_json_begin(&j, stdout);
		queue_json(&j, q);
		out_json_end(&j);
		return ferror(stdout) ? -EIO : 0;
	}
	out_table_cell(ql->t, q->name, 0);
	out_table_cell(ql->t, q->paused ? "yes" : "no", 0);
	out_table_cellf(ql->t, "%" PRId64, q->pending);
	out_table_cellf(ql->t, "%" PRId64, q->running);
	for (k = QK_CONCURRENCY; k <= QK_MAX_RUNNING_PER_USER; k++) {
		queue_setting_format(&q->set, k, v, sizeof(v));
		out_table_cell(ql->t, strcmp(v, "none") == 0 ? "-" : v, 0);
	}
	return 0;
}

static int
queue_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct qlist ql = { ctl, NULL };

	while (ctl_getopt(ctl, argc, argv, ":h", opts) != -1)
		ctl_usage(ctl);
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	if (ctl_open(ctl, CTL_OPTIONAL) == -ENOENT)
		return 0;
	if (!ctl->json)
		ql.t = out_table_new(9, "QUEUE", "PAUSED", "PENDING",
		    "RUNNING", "CONCURRENCY", "RATE", "WEIGHT", "MAX_PENDING",
		    "PER_USER");
	return ctl_list_done(ctl, ql.t, store_queue_list(ctl->st, list_one,
	    &ql));
}

static int
queue_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct queue_info q;
	struct out_json j;
	char v[QUEUE_VALUE_MAX], key[32];
	const char *name;
	enum queue_key k;
	int error;

	while (ctl_getopt(ctl, argc, argv, ":h", opts) != -1)
		ctl_usage(ctl);
	name = queue_operand(ctl, argc, argv, true);
	ctl_open(ctl, 0);
	if ((error = store_queue_get(ctl->st, name, &q)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		queue_json(&j, &q);
		out_json_end(&j);
		return 0;
	}
	printf("%-22s %s\n", "queue:", q.name);
	printf("%-22s %s\n", "paused:", q.paused ? "yes" : "no");
	printf("%-22s %s\n", "settings from:", q.config ?
	    "jobd.conf" : "jobctl queue set");
	printf("%-22s %" PRId64 "\n", "pending:", q.pending);
	printf("%-22s %" PRId64 "\n", "running:", q.running);
	for (k = 0; k < QK_N; k++) {
		queue_setting_format(&q.set, k, v, sizeof(v));
		snprintf(key, sizeof(key), "%s:", queue_key_name(k));
		printf("%-22s %s\n", key, v);
	}
	return 0;
}

static int
queue_set(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "concurrency", required_argument, NULL,
		    QUEUE_OPT + QK_CONCURRENCY },
		{ "rate",	required_argument, NULL, QUEUE_OPT + QK_RATE },
		{ "weight",	required_argument, NULL,
		    QUEUE_OPT + QK_WEIGHT },
		{ "max-pending", required_argument, NULL,
		    QUEUE_OPT + QK_MAX_PENDING },
		{ "max-running-per-user", required_argument, NULL,
		    QUEUE_OPT + QK_MAX_RUNNING_PER_USER },
		{ "max-attempts", required_argument, NULL,
		    QUEUE_OPT + QK_MAX_ATTEMPTS },
		{ "timeout",	required_argument, NULL,
		    QUEUE_OPT + QK_TIMEOUT },
		{ "backoff",	required_argument, NULL,
		    QUEUE_OPT + QK_BACKOFF },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct queue_settings set;
	char why[QUEUE_WHY_MAX];
	const char *name;
	unsigned mask = 0;
	enum queue_key k;
	int c, error;

	queue_settings_init(&set);
	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		if (c < QUEUE_OPT || c >= QUEUE_OPT + QK_N)
			ctl_usage(ctl);
		k = (enum queue_key)(c - QUEUE_OPT);
		if (queue_setting_parse(&set, k, optarg, why,
		    sizeof(why)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --%s \"%s\": %s",
			    opts[k].name, optarg, why);
		mask |= 1u << k;
		/* --backoff BASE,MAX and --backoff none set the maximum. */
		if (k == QK_BACKOFF && (strchr(optarg, ',') != NULL ||
		    strcmp(optarg, "none") == 0))
			mask |= 1u << QK_BACKOFF_MAX;
	}
	name = queue_operand(ctl, argc, argv, false);
	if (mask == 0)
		ctl_fail(ctl, EXIT_USAGE, "nothing to set for queue \"%s\" "
		    "(see jobctl queue --help)", name);
	ctl_open(ctl, CTL_CREATE);
	if ((error = store_queue_set(ctl->st, name, &set, mask)) != 0)
		ctl_fail(ctl, error == -EPERM ? EXIT_CONFIG :
		    ctl_exit_code(error), "%s", store_errmsg(ctl->st));
	return 0;
}

static int
queue_pause_resume(struct ctl *ctl, int argc, char **argv, bool pause)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *name;
	bool was;
	int error;

	while (ctl_getopt(ctl, argc, argv, ":h", opts) != -1)
		ctl_usage(ctl);
	name = queue_operand(ctl, argc, argv, false);
	ctl_open(ctl, CTL_CREATE);
	if ((error = store_queue_pause(ctl->st, name, pause, &was)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	if (was == pause)
		fprintf(stderr, "jobctl queue: queue \"%s\" was already %s\n",
		    name, pause ? "paused" : "running");
	return 0;
}

static int
queue_pause(struct ctl *ctl, int argc, char **argv)
{
	return queue_pause_resume(ctl, argc, argv, true);
}

static int
queue_resume(struct ctl *ctl, int argc, char **argv)
{
	return queue_pause_resume(ctl, argc, argv, false);
}

int
cmd_queue(struct ctl *ctl, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "list",	queue_list },
		{ "show",	queue_show },
		{ "set",	queue_set },
		{ "pause",	queue_pause },
		{ "resume",	queue_resume },
	};

	return ctl_dispatch(ctl, argc, argv, subs,
	    sizeof(subs) / sizeof(subs[0]),
	    "list, show, set, pause or resume");
}
