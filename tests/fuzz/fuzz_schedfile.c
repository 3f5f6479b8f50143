/*
 * Fuzz target for schedule files: the parser of src/jobd/schedfile.c
 * (sf_parse: the section scan, the strict INI reader, every key's value,
 * the checks of a section as a whole and the next fire time of each
 * schedule) on arbitrary bytes, without a database.
 *
 * The parser is static, so this file includes schedfile.c itself; the
 * directory walk and the store sync around it are not fuzzed (they are
 * what tests/unit/test_schedfile.c covers).  A file either parses into one
 * schedule per section header, each with a cron expression, a command
 * and a next fire time after "now" (none for @reboot), or is refused with
 * a one-line "PATH:LINE: reason" or "PATH: reason".  Nothing may crash or
 * leak.
 */
#include "../../src/jobd/schedfile.c"

#define FUZZ_NAME	"fuzz_schedfile"
#include "fuzz.h"

#define FUZZ_PATH	"/etc/jobd/schedules.d/fuzz.conf"
#define FUZZ_NOW	INT64_C(1772951400000)	/* 2026-03-08T06:30:00Z */

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Zone names are read from TZ_DIR; "local" means this one. */
	setenv("TZ", "Europe/Berlin", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SF_WHY_MAX + PATH_MAX];
	struct sf_file f;
	size_t i;
	int error;

	if (size > CONFIG_FILE_MAX)
		return -1;
	memset(&f, 0, sizeof(f));
	f.path = FUZZ_PATH;
	f.source = "file:" FUZZ_PATH;
	f.now = FUZZ_NOW;
	memset(err, 'x', sizeof(err));
	error = sf_parse(&f, (const char *)data, size, err, sizeof(err));
	if (error != 0) {
		if (error != -EINVAL && error != -ENOMEM)
			fuzz_fail("sf_parse returned %d", error);
		if (memchr(err, '\0', sizeof(err)) == NULL)
			fuzz_fail("the message is not terminated");
		if (strncmp(err, FUZZ_PATH ":", strlen(FUZZ_PATH ":")) != 0 ||
		    strchr(err, '\n') != NULL)
			fuzz_fail("the message \"%s\" is not one line that "
			    "names the file", err);
	} else {
		for (i = 0; i < f.nh; i++) {
			const struct schedule *s = &f.sc[i];

			if (s->name == NULL || s->cron == NULL ||
			    s->command == NULL)
				fuzz_fail("schedule %zu is incomplete", i);
			if (strlen(s->name) != f.hdr[i].len ||
			    memcmp(s->name, f.hdr[i].name, f.hdr[i].len) != 0)
				fuzz_fail("schedule %zu is not named after its "
				    "header", i);
			if (s->next_run_at != 0 && s->next_run_at <= FUZZ_NOW)
				fuzz_fail("schedule \"%s\" runs next at %lld, "
				    "not after now", s->name,
				    (long long)s->next_run_at);
		}
	}
	sf_file_free(&f);
	return 0;
}
