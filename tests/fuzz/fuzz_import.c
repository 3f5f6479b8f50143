/*
 * Fuzz target for jobctl import-crontab: the crontab reader and line
 * parser of src/jobctl/crontab_parse.c (crontab_read: lines, environment
 * lines, CRON_TZ, SHELL, entries, '%' in commands, the schedule checks) on
 * arbitrary bytes, without a database.
 *
 * The crontab is a user crontab, or a system one (a user before each command)
 * when it starts with "# system".  It either reads into entries that each
 * have a valid expression, a non-blank command and, once named, a name of
 * its own, or is refused with an exit code of sysexits(3) and a one-line
 * message; nothing may crash, leak or exit.
 *
 * jobctl's warnings (MAILTO) go to stderr; they are dropped unless
 * FUZZ_VERBOSE is set.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/cron.h"
#include "../../src/jobctl/crontab_parse.h"

#define FUZZ_NAME	"fuzz_import"
#include "fuzz.h"

#define FUZZ_NOW	INT64_C(1772951400000)	/* 2026-03-08T06:30:00Z */

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null;

	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	if (getenv("FUZZ_VERBOSE") == NULL &&
	    (null = fopen("/dev/null", "w")) != NULL)
		stderr = null;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl ctl;
	struct crontab im;
	struct cron_expr e;
	FILE *fp;
	size_t i, j;
	int code;

	if (size == 0)
		return 0;
	memset(&ctl, 0, sizeof(ctl));
	ctl.cmd = "import-crontab";
	crontab_init(&im, &ctl);
	im.file = "crontab";
	im.nothing = "nothing imported";
	if ((im.source = strdup("crontab:/fuzz/crontab")) == NULL)
		return 0;
	strcpy(im.prefix, "crontab");
	im.now = FUZZ_NOW;
	im.system = size >= 8 && memcmp(data, "# system", 8) == 0;
	im.user_guessed = !im.system;
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		fuzz_fail("fmemopen: %s", strerror(errno));

	code = crontab_read(&im, fp);
	fclose(fp);
	if (code != 0) {
		if (code != im.ecode || code < EXIT_USAGE ||
		    code > EXIT_CONFIG)
			fuzz_fail("refused with exit code %d (noted %d)", code,
			    im.ecode);
		if (memchr(im.emsg, '\0', sizeof(im.emsg)) == NULL ||
		    im.emsg[0] == '\0' || strchr(im.emsg, '\n') != NULL)
			fuzz_fail("refused with the message \"%s\"", im.emsg);
	} else {
		crontab_unique_names(&im);
		for (i = 0; i < im.n; i++) {
			const struct schedule *s = &im.ents[i].s;

			if (cron_parse(s->cron, &e, NULL, 0) != 0)
				fuzz_fail("line %zu: expression \"%s\"",
				    im.ents[i].line, s->cron);
			if (s->command == NULL ||
			    s->command[strspn(s->command, " \t")] == '\0')
				fuzz_fail("line %zu: a blank command",
				    im.ents[i].line);
			if (strncmp(s->name, "crontab:", 8) != 0)
				fuzz_fail("line %zu: name \"%s\"",
				    im.ents[i].line, s->name);
			for (j = 0; j < i; j++)
				if (strcmp(s->name, im.ents[j].s.name) == 0)
					fuzz_fail("lines %zu and %zu: both "
					    "named \"%s\"", im.ents[j].line,
					    im.ents[i].line, s->name);
		}
	}
	crontab_free(&im);
	return 0;
}
