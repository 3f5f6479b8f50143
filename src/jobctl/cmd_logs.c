/*
 * jobctl logs: the captured output of one attempt of a job.  Written to a
 * pipe or a file byte for byte (it is the job's own stream, meant for
 * redirection); to a terminal sanitised like every other text from jobs
 * (out_safe(): escape sequences, carriage returns and invalid UTF-8 are
 * shown escaped, newlines and tabs kept), so that output cannot drive the
 * terminal (OSC 52 clipboard writes, screen clears, overwritten lines);
 * --raw writes the bytes even to a terminal, --json escapes them.  The
 * store keeps the tail of the output; when the head was dropped, a note
 * on stderr says how much.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "jobd/job.h"
#include "jobd/store.h"
#include "ctl.h"
#include "out.h"

/* What the two walks over a job's attempts look for and find. */
struct logs_find {
	int64_t		 want;		/* attempt number; 0: the last */
	int64_t		 row;		/* the attempt's row id; 0: none */
	int64_t		 attempt;	/* its number */
	int64_t		 count;		/* attempts seen */
};

struct logs_print {
	struct ctl	*ctl;
	int64_t		 row;		/* the row to print */
	int64_t		 job_id;
	bool		 found;
	bool		 running;	/* not finished: no output yet */
	bool		 safe;		/* sanitise: stdout is a terminal */
};

/*
 * Pass 1: find the row of the wanted attempt.  Rows come oldest first, so
 * the last match wins: after "dead retry" the numbers start again at 1,
 * and the latest attempt with a number is the one meant.
 */
static int
logs_find_one(const struct attempt *a, void *arg)
{
	struct logs_find *f = arg;

	f->count++;
	if (f->want == 0 || a->attempt == f->want) {
		f->row = a->id;
		f->attempt = a->attempt;
	}
	return 0;
}

/* Pass 2: print the output of the row found, while it is borrowed. */
static int
logs_print_one(const struct attempt *a, void *arg)
{
	struct logs_print *p = arg;
	struct out_json j;

	if (a->id != p->row)
		return 0;
	p->found = true;
	p->running = a->finished_at == 0;
	if (p->ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "id", p->job_id);
		out_json_int(&j, "attempt", a->attempt);
		out_json_strn(&j, "output", a->output != NULL ? a->output : "",
		    a->output != NULL ? a->output_len : 0);
		out_json_int(&j, "output_dropped", a->output_dropped);
		out_json_end(&j);
	} else {
		if (a->output_dropped > 0)
			ctl_warnx(p->ctl, "the first %" PRId64 " bytes of "
			    "output were dropped (max_output)",
			    a->output_dropped);
		if (a->output != NULL && a->output_len > 0 && p->safe)
			out_safe(stdout, a->output, a->output_len, true);
		else if (a->output != NULL && a->output_len > 0)
			fwrite(a->output, 1, a->output_len, stdout);
	}
	return ferror(stdout) ? -EIO : 0;
}

int
cmd_logs(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attempt",	required_argument, NULL, 'a' },
		{ "raw",	no_argument,	   NULL, 'r' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct logs_find f = { 0, 0, 0, 0 };
	struct logs_print p = { ctl, 0, 0, false, false, false };
	struct job jb;
	int64_t id;
	bool raw = false;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":a:rh", opts)) != -1) {
		switch (c) {
		case 'a':
			f.want = ctl_parse_int(ctl, "--attempt", optarg, 1,
			    INT64_MAX);
			break;
		case 'r':
			raw = true;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected one job id (usage: jobctl "
		    "logs [--attempt N] [--raw] ID)");
	if (raw && ctl->json)
		ctl_fail(ctl, EXIT_USAGE, "--raw and --json: choose one "
		    "(--json escapes the output)");
	p.safe = !raw && isatty(STDOUT_FILENO);
	id = ctl_parse_id(ctl, argv[optind]);
	ctl_open(ctl, 0);
	if ((error = store_job_get(ctl->st, id, &jb)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "job %" PRId64 ": %s", id,
		    store_errmsg(ctl->st));
	job_clear(&jb);
	if ((error = store_attempt_list(ctl->st, id, logs_find_one, &f)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	if (f.count == 0)
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 " has not run yet",
		    id);
	if (f.row == 0)
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 " has no attempt %"
		    PRId64, id, f.want);
	p.row = f.row;
	p.job_id = id;
	error = store_attempt_list(ctl->st, id, logs_print_one, &p);
	if (error == -EIO && ferror(stdout))
		return EXIT_IOERR;
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	if (!p.found)
		ctl_fail(ctl, EXIT_NOINPUT, "job %" PRId64 " attempt %" PRId64
		    ": purged while reading", id, f.attempt);
	if (p.running && !ctl->json)
		ctl_warnx(ctl, "job %" PRId64 " attempt %" PRId64 " is still "
		    "running; its output is stored when it ends", id,
		    f.attempt);
	return 0;
}
