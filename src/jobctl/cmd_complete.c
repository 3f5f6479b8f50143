/*
 * jobctl __complete: what a shell completion offers, one word a line, for
 * etc/jobctl.bash-completion.  A hidden command (not in --help) with a
 * small, stable interface, so that the completion never scrapes the
 * output meant for people:
 *
 *   __complete commands              the commands
 *   __complete subcommands CMD       the sub-commands of CMD (dead, ...)
 *   __complete options CMD [SUB]     its options, "--name" or "--name ARG"
 *                                    (ARG as in the usage: QUEUE, a|b|c)
 *   __complete states                the job states
 *   __complete queues                the queues that have jobs or
 *                                    settings
 *   __complete schedules             the schedule names
 *   __complete jobs STATE[,STATE]    the ids of the jobs in those states,
 *                                    newest first (at most 500 each)
 *   __complete zones                 the time zone names of the system
 *
 * Commands, sub-commands and options come from the usage that --help
 * prints (ctl_cmd_usage()), so the completion follows every option added
 * there.  Nothing is written to the database.  Errors (no database) exit
 * non-zero with a message, which the completion discards.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/tz.h"
#include "ctl.h"

#define COMPLETE_JOBS_MAX	500	/* ids offered per state */
#define COMPLETE_WORD_MAX	128

/*
 * The synopsis entries of command "name": each "name [SUB] ..." line of
 * its usage with its continuation lines.  Calls fn(entry, len, arg) for
 * each, the entry starting at the command's name.
 */
static void
usage_entries(const char *name, void (*fn)(const char *, size_t, void *),
    void *arg)
{
	const char *u, *p, *start, *next;
	size_t i;

	for (i = 0; (u = ctl_cmd_usage(i, &p)) != NULL; i++) {
		if (strcmp(p, name) != 0)
			continue;
		start = u;
		for (p = u; *p != '\0'; p = next) {
			next = strchr(p, '\n');
			next = next != NULL ? next + 1 : p + strlen(p);
			/* A new entry: "       jobctl NAME ..." */
			if (p != u && strncmp(p + strspn(p, " "), "jobctl ",
			    7) == 0) {
				fn(start, (size_t)(p - start), arg);
				start = p + strspn(p, " ") + 7;
			}
		}
		fn(start, (size_t)(p - start), arg);
	}
}

/* Word k (0: the command) of entry e, into w; false when none. */
static bool
entry_word(const char *e, size_t len, int k, char *w, size_t wlen)
{
	const char *p = e, *end = e + len, *s;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (p == end)
			return false;
		for (s = p; p < end && *p != ' ' && *p != '\n'; p++)
			;
		if (k-- == 0) {
			snprintf(w, wlen, "%.*s", (int)(p - s), s);
			return true;
		}
	}
}

/* Is w a sub-command word ("list", "purge"), not ID, [--x] or --x? */
static bool
is_sub(const char *w)
{
	return *w >= 'a' && *w <= 'z' && w[strspn(w,
	    "abcdefghijklmnopqrstuvwxyz-")] == '\0';
}

static void
print_sub(const char *e, size_t len, void *arg)
{
	char w[COMPLETE_WORD_MAX];

	(void)arg;
	if (entry_word(e, len, 1, w, sizeof(w)) && is_sub(w))
		printf("%s\n", w);
}

static size_t
count_of(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

struct opt_walk {
	const char	*sub;		/* NULL: entries without one */
	char		 seen[4096];	/* "\n--a\n--b\n" */
};

/*
 * Print the options of entry e, if it is the sub-command wanted: each
 * "--name", with " ARG" when the next word is its argument (QUEUE, ZONE,
 * skip|allow|queue ...), once.
 */
static void
print_opts(const char *e, size_t len, void *arg)
{
	struct opt_walk *ow = arg;
	char w[COMPLETE_WORD_MAX], a[COMPLETE_WORD_MAX], key[160];
	char *p, *q;
	bool closed;
	int k;

	if (entry_word(e, len, 1, w, sizeof(w)) && is_sub(w)) {
		if (ow->sub == NULL || strcmp(ow->sub, w) != 0)
			return;
	} else if (ow->sub != NULL) {
		return;
	}
	for (k = 1; entry_word(e, len, k, w, sizeof(w)); k++) {
		for (p = w; *p == '[' || *p == '('; p++)
			;
		if (strncmp(p, "--", 2) != 0 || p[2] < 'a' || p[2] > 'z')
			continue;
		q = p + 2 + strspn(p + 2,
		    "abcdefghijklmnopqrstuvwxyz0123456789-");
		closed = *q == ']';	/* "[--json]": no argument */
		*q = '\0';
		snprintf(key, sizeof(key), "\n%s\n", p);
		if (strstr(ow->seen, key) != NULL)
			continue;
		if (strlen(ow->seen) + strlen(key) < sizeof(ow->seen))
			strcat(ow->seen, key + (ow->seen[0] != '\0'));
		/*
		 * Its argument: the next word, in capitals (QUEUE) or a list
		 * of choices (skip|allow|queue); not "[...", "|" or an option.
		 */
		a[0] = '\0';
		if (!closed && entry_word(e, len, k + 1, a, sizeof(a))) {
			/* The brackets that close what the option opened. */
			q = a + strlen(a);
			while (q > a && (q[-1] == ']' || q[-1] == ')') &&
			    count_of(a, q[-1] == ']' ? '[' : '(') <
			    count_of(a, q[-1]))
				*--q = '\0';
			/* A list's first word: "STATE[,STATE" is STATE. */
			if (a[0] != '[' && (q = strchr(a, '[')) != NULL)
				*q = '\0';
			if (a[0] == '[' || a[0] == '-' || a[0] == '|' ||
			    a[0] == '\0' || (a[0] >= 'a' && a[0] <= 'z' &&
			    strchr(a, '|') == NULL))
				a[0] = '\0';
		}
		if (a[0] != '\0')
			printf("%s %s\n", p, a);
		else
			printf("%s\n", p);
	}
}

static int
print_queue(const struct queue_info *q, void *arg)
{
	(void)arg;
	printf("%s\n", q->name);
	return 0;
}

static int
print_schedule(const struct schedule *s, void *arg)
{
	(void)arg;
	printf("%s\n", s->name);
	return 0;
}

static int
print_job(const struct job *j, void *arg)
{
	(void)arg;
	printf("%" PRId64 "\n", j->id);
	return 0;
}

/* The zones named in TZ_DIR/tzdata.zi: its Z (zone) and L (link) lines. */
static void
print_zones(void)
{
	char line[512], a[256], b[256];
	FILE *fp;

	if ((fp = fopen(TZ_DIR "/tzdata.zi", "re")) == NULL) {
		printf("UTC\n");
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == 'Z' && sscanf(line, "Z %255s", a) == 1)
			printf("%s\n", a);
		else if (line[0] == 'L' &&
		    sscanf(line, "L %255s %255s", a, b) == 2)
			printf("%s\n", b);
	}
	fclose(fp);
}

int
cmd_complete(struct ctl *ctl, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "", *name;
	struct job_filter f;
	struct opt_walk ow;
	enum job_state state;
	char *states, *s, *save;
	size_t i;
	int error = 0;

	if (strcmp(what, "commands") == 0) {
		for (i = 0; ctl_cmd_usage(i, &name) != NULL; i++)
			printf("%s\n", name);
	} else if (strcmp(what, "subcommands") == 0 && argc == 3) {
		usage_entries(argv[2], print_sub, NULL);
	} else if (strcmp(what, "options") == 0 && (argc == 3 || argc == 4)) {
		memset(&ow, 0, sizeof(ow));
		ow.sub = argc == 4 ? argv[3] : NULL;
		usage_entries(argv[2], print_opts, &ow);
		printf("--db PATH\n--socket PATH\n--json\n--help\n--version\n");
	} else if (strcmp(what, "states") == 0) {
		for (i = 0; i < JOB_NSTATES; i++)
			printf("%s\n", job_state_name((enum job_state)i));
	} else if (strcmp(what, "queues") == 0) {
		ctl_open(ctl, 0);
		error = store_queue_list(ctl->st, print_queue, NULL);
	} else if (strcmp(what, "schedules") == 0) {
		ctl_open(ctl, 0);
		error = store_schedule_list(ctl->st, print_schedule, NULL);
	} else if (strcmp(what, "jobs") == 0 && argc == 3) {
		if ((states = strdup(argv[2])) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		memset(&f, 0, sizeof(f));
		f.state = -1;
		f.limit = COMPLETE_JOBS_MAX;
		for (s = strtok_r(states, ",", &save); s != NULL;
		    s = strtok_r(NULL, ",", &save)) {
			if (job_state_parse(s, &state) != 0)
				ctl_fail(ctl, EXIT_USAGE, "unknown state "
				    "\"%s\"", s);
			f.states |= 1u << state;
		}
		ctl_open(ctl, 0);
		error = store_job_list(ctl->st, &f, print_job, NULL);
		free(states);
	} else if (strcmp(what, "zones") == 0) {
		print_zones();
	} else {
		ctl_fail(ctl, EXIT_USAGE, "usage: jobctl __complete commands | "
		    "subcommands CMD | options CMD [SUB] | states | queues | "
		    "schedules | jobs STATE[,STATE] | zones");
	}
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return 0;
}
