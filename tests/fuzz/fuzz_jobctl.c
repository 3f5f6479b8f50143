/*
 * Fuzz target for jobctl's argument handling: the whole of jobctl (global
 * options, the command table, every command's options and operands, its
 * checks and its output) run in-process on a fuzzed argument vector and
 * standard input, against a database in a temporary directory.
 *
 * Input: the arguments, one a line, up to the first NUL byte; the bytes
 * after it are jobctl's standard input (submit --batch, import-crontab -).
 *
 * How jobctl runs here, without a change to it:
 * - src/jobctl/main.c is compiled with -Dmain=jobctl_main (Makefile);
 * - exit() is wrapped (ld --wrap): during a run it longjmps back here
 *   with the exit code, and it is the real exit() otherwise (libFuzzer's);
 *   jobctl ends every error that way, so LeakSanitizer is off for this
 *   target (what a process holds at exit() is not a leak) and what a run
 *   leaves open is closed after it: its stores (store_open and store_close
 *   are wrapped to track them) and any other file descriptor;
 * - store_open() refuses (-EACCES) any database path outside the run
 *   directory, so a fuzzed --db never touches another file; JOBD_DB,
 *   JOBD_CONFIG, HOME and the XDG directories point into the temporary
 *   directory too, and each run starts from a copy of a small database
 *   made at start-up (jobs, schedules), in a directory emptied first;
 * - the clock is fixed for wall time and races ahead for monotonic time,
 *   and nanosleep() returns at once, so that "jobctl wait" ends;
 * - stdout and stderr are /dev/null (FUZZ_VERBOSE=1 keeps stderr and
 *   prints each exit code), stdin is the input's tail, and file
 *   descriptor 0 is /dev/null;
 * - arguments naming /dev, /proc or /sys are skipped (no reads of ttys
 *   or endless files).
 * Besides what the sanitizers catch, a run fails when jobctl exits with
 * a code outside 0-255, or with a code for bad input (64-67, 77, 78) after
 * changing the database: bad input changes nothing (DESIGN §2).
 * Runs are made in the run directory (chdir), so a relative --db lands
 * there.  The temporary directory is under $FUZZ_TMPDIR, else /dev/shm
 * (fsync is free on tmpfs), else $TMPDIR or /tmp; it is removed at exit.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/store.h"

#define FUZZ_NAME	"fuzz_jobctl"
#include "fuzz.h"

#define FUZZ_NOW	INT64_C(1772951400000)	/* 2026-03-08T06:30:00Z */
#define MAX_ARGS	32
#define MAX_STORES	16
#define MAX_FD		1024

int	LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__asan_default_options(void);

/* jobctl's main(), renamed; and the wrapped and real functions. */
int	jobctl_main(int argc, char **argv);
void	__real_exit(int) __attribute__((__noreturn__));
void	__wrap_exit(int) __attribute__((__noreturn__));
int	__real_store_open(struct store **, const char *, int,
	    const struct jd_clock *, char *, size_t);
int	__wrap_store_open(struct store **, const char *, int,
	    const struct jd_clock *, char *, size_t);
void	__real_store_close(struct store *);
void	__wrap_store_close(struct store *);
const struct jd_clock *__wrap_clock_default(void);
int	__wrap_nanosleep(const struct timespec *, struct timespec *);

static char	 top[PATH_MAX];		/* the temporary directory */
static char	 rundir[PATH_MAX];	/* top/run: the cwd of a run */
static char	 template[PATH_MAX];	/* top/template.db */
static char	 dbpath[PATH_MAX];	/* rundir/jobs.db */
static int	 home_fd = -1;		/* the cwd outside runs */
static char	*template_data;		/* the bytes of template.db */
static size_t	 template_len;
static FILE	*real_stderr, *null_out, *null_err, *null_in;
static bool	 verbose;

static jmp_buf	 run_env;
static bool	 in_run;
static int	 run_code;
static struct store *stores[MAX_STORES];
static int64_t	 mono_now, mono_step;

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

void
__wrap_exit(int code)
{
	if (!in_run)
		__real_exit(code);
	run_code = code;
	longjmp(run_env, 1);
}

/* Is path inside the run directory (relative paths are: it is the cwd)? */
static bool
path_allowed(const char *path)
{
	size_t n = strlen(rundir);

	if (strstr(path, "..") != NULL)
		return false;
	if (*path != '/')
		return true;
	return strncmp(path, rundir, n) == 0 && path[n] == '/';
}

int
__wrap_store_open(struct store **stp, const char *path, int flags,
    const struct jd_clock *clock, char *err, size_t errlen)
{
	size_t i;
	int error;

	if (!path_allowed(path)) {
		snprintf(err, errlen, "%s: outside the fuzzer's directory",
		    path);
		return -EACCES;
	}
	if ((error = __real_store_open(stp, path, flags, clock, err,
	    errlen)) != 0)
		return error;
	for (i = 0; i < MAX_STORES; i++)
		if (stores[i] == NULL) {
			stores[i] = *stp;
			break;
		}
	if (i == MAX_STORES)
		fuzz_fail("more than %d stores open", MAX_STORES);
	return 0;
}

void
__wrap_store_close(struct store *st)
{
	size_t i;

	for (i = 0; st != NULL && i < MAX_STORES; i++)
		if (stores[i] == st)
			stores[i] = NULL;
	__real_store_close(st);
}

static int64_t
fake_wall(void *ctx)
{
	(void)ctx;
	return FUZZ_NOW;
}

/* Faster and faster: any deadline is reached within 64 looks. */
static int64_t
fake_mono(void *ctx)
{
	(void)ctx;
	mono_now = mono_now > INT64_MAX - mono_step ? INT64_MAX :
	    mono_now + mono_step;
	if (mono_step < INT64_MAX / 2)
		mono_step *= 2;
	return mono_now;
}

static const struct jd_clock fake_clock = { fake_wall, fake_mono, NULL };

const struct jd_clock *
__wrap_clock_default(void)
{
	return &fake_clock;
}

int
__wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)req;
	(void)rem;
	return 0;
}

/* Remove the files of dir (no subdirectories are ever made there). */
static void
empty_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		fuzz_fail("%s: %s", dir, strerror(errno));
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0 && rmdir(path) != 0)
			fuzz_fail("%s: %s", path, strerror(errno));
	}
	closedir(dp);
}

/* The bytes of file path into *lenp; NULL (with *lenp 0) if it is gone. */
static char *
read_file(const char *path, size_t *lenp)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return NULL;
		fuzz_fail("%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0 ||
	    (buf = malloc((size_t)sb.st_size + 1)) == NULL)
		fuzz_fail("%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, (size_t)sb.st_size - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len != (size_t)sb.st_size)
		fuzz_fail("reading %s: %s", path, strerror(errno));
	close(fd);
	*lenp = len;
	return buf;
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		fuzz_fail("copying %s to %s: %s", from, to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fuzz_fail("writing %s: %s", to, strerror(errno));
	if (n < 0)
		fuzz_fail("reading %s: %s", from, strerror(errno));
	close(in);
	close(out);
}

/*
 * Run jobctl on argv (argc of them, argv[argc] NULL) with standard input
 * in, and return its exit code.
 */
static int
run(int argc, char **argv, FILE *in)
{
	static bool open_before[MAX_FD];
	volatile int code;
	size_t i;
	int fd;

	for (fd = 3; fd < MAX_FD; fd++)
		open_before[fd] = fcntl(fd, F_GETFD) != -1;
	if (chdir(rundir) != 0)
		fuzz_fail("%s: %s", rundir, strerror(errno));
	stdin = in;
	stdout = null_out;
	stderr = verbose ? real_stderr : null_err;
	clearerr(null_out);
	clearerr(null_err);
	mono_now = 1000000;
	mono_step = 1000;
	optind = 0;			/* glibc: reinitialise getopt */
	in_run = true;
	if (setjmp(run_env) == 0)
		code = jobctl_main(argc, argv);
	else
		code = run_code;
	in_run = false;
	if (fchdir(home_fd) != 0)
		fuzz_fail("back to the working directory: %s",
		    strerror(errno));
	stdin = null_in;
	stdout = null_out;
	stderr = real_stderr;
	for (i = 0; i < MAX_STORES; i++)
		if (stores[i] != NULL)
			__wrap_store_close(stores[i]);
	for (fd = 3; fd < MAX_FD; fd++)
		if (!open_before[fd] && fcntl(fd, F_GETFD) != -1)
			close(fd);
	return code;
}

/* Run jobctl on a command line written as arguments, for the setup. */
static void
setup_run(const char *first, ...)
{
	char *argv[MAX_ARGS + 2];
	const char *a;
	va_list ap;
	int argc = 0, code;

	argv[argc++] = (char *)(uintptr_t)"jobctl";
	va_start(ap, first);
	for (a = first; a != NULL && argc <= MAX_ARGS; a = va_arg(ap,
	    const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	if ((code = run(argc, argv, null_in)) != 0)
		fuzz_fail("setup: jobctl %s exited %d", first, code);
}

static void
cleanup(void)
{
	char path[PATH_MAX];

	if (top[0] == '\0')
		return;
	empty_dir(rundir);
	rmdir(rundir);
	snprintf(path, sizeof(path), "%s/template.db", top);
	unlink(path);
	rmdir(top);
}

static bool
is_dir(const char *p)
{
	struct stat sb;

	return p != NULL && *p != '\0' && stat(p, &sb) == 0 &&
	    S_ISDIR(sb.st_mode) && access(p, W_OK) == 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base;
	char path[PATH_MAX];
	int fd;

	(void)argc;
	(void)argv;
	real_stderr = stderr;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if ((null_out = fopen("/dev/null", "w")) == NULL ||
	    (null_err = fopen("/dev/null", "w")) == NULL ||
	    (null_in = fopen("/dev/null", "r")) == NULL)
		fuzz_fail("/dev/null: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDONLY)) == -1 || dup2(fd, 0) == -1)
		fuzz_fail("/dev/null: %s", strerror(errno));
	close(fd);

	base = getenv("FUZZ_TMPDIR");
	if (!is_dir(base))
		base = is_dir("/dev/shm") ? "/dev/shm" : getenv("TMPDIR");
	if (!is_dir(base))
		base = "/tmp";
	snprintf(top, sizeof(top), "%s/jobctl-fuzz.XXXXXX", base);
	if (mkdtemp(top) == NULL)
		fuzz_fail("mkdtemp %s: %s", top, strerror(errno));
	atexit(cleanup);
	snprintf(rundir, sizeof(rundir), "%s/run", top);
	snprintf(template, sizeof(template), "%s/template.db", top);
	snprintf(dbpath, sizeof(dbpath), "%s/jobs.db", rundir);
	if (mkdir(rundir, 0700) != 0)
		fuzz_fail("%s: %s", rundir, strerror(errno));
	if ((home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fuzz_fail("the working directory: %s", strerror(errno));

	setenv("JOBD_DB", dbpath, 1);
	snprintf(path, sizeof(path), "%s/jobd.conf", top);
	setenv("JOBD_CONFIG", path, 1);
	setenv("HOME", top, 1);
	setenv("XDG_CONFIG_HOME", top, 1);
	setenv("XDG_STATE_HOME", top, 1);
	setenv("TZ", "Europe/Berlin", 1);
	unsetenv("JOBD_TEST_CLOCK");
	unsetenv("JOBD_CRASH_AT");

	/* A database with something in it for every command to find. */
	setup_run("submit", "--queue", "mail", "--", "echo", "hello", NULL);
	setup_run("submit", "--key", "k1", "--at", "+1h", "--priority", "5",
	    "--env", "A=1", "--max-attempts", "3", "true", NULL);
	setup_run("submit", "--in", "5m", "--timeout", "30s", "--backoff",
	    "1s,1m", "false", NULL);
	setup_run("cancel", "3", NULL);
	setup_run("schedule", "add", "nightly", "--cron", "30 2 * * *",
	    "--tz", "America/New_York", "--", "backup", "--all", NULL);
	setup_run("schedule", "add", "boot", "--cron", "@reboot", "--overlap",
	    "queue", "--catchup", "all", "echo", "up", NULL);
	setup_run("schedule", "disable", "boot", NULL);
	copy_file(dbpath, template);
	if ((template_data = read_file(template, &template_len)) == NULL)
		fuzz_fail("%s: gone", template);
	empty_dir(rundir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2], *p, *nl;
	const uint8_t *nul;
	size_t len;
	FILE *in;
	int argc = 0, code, i;

	nul = memchr(data, '\0', size);
	len = nul != NULL ? (size_t)(nul - data) : size;
	if ((buf = malloc(len + 1)) == NULL)
		return 0;
	memcpy(buf, data, len);
	buf[len] = '\0';
	argv[argc++] = (char *)(uintptr_t)"jobctl";
	for (p = buf; len > 0; p = nl + 1) {
		if (argc > MAX_ARGS)
			goto skip;
		argv[argc++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	argv[argc] = NULL;
	for (i = 1; i < argc; i++)
		if (strstr(argv[i], "/dev") != NULL ||
		    strstr(argv[i], "/proc") != NULL ||
		    strstr(argv[i], "/sys") != NULL)
			goto skip;

	empty_dir(rundir);
	copy_file(template, dbpath);
	if (nul != NULL && size - len - 1 > 0)
		in = fmemopen((void *)(uintptr_t)(nul + 1), size - len - 1,
		    "r");
	else
		in = fopen("/dev/null", "r");
	if (in == NULL)
		fuzz_fail("opening standard input: %s", strerror(errno));
	code = run(argc, argv, in);
	fclose(in);
	if (verbose)
		fprintf(real_stderr, "fuzz_jobctl: exit %d\n", code);
	if (code < 0 || code > 255)
		fuzz_fail("exit code %d", code);
	/*
	 * Bad input changes nothing (DESIGN §2, promise 6): after a usage,
	 * data, no-input, no-user, permission or config error the database
	 * is still the template, byte for byte (its stores are closed, so
	 * any write is checkpointed into it).
	 */
	if (code == 64 || code == 65 || code == 66 || code == 67 ||
	    code == 77 || code == 78) {
		char *now;
		size_t nlen;

		now = read_file(dbpath, &nlen);
		if (now == NULL || nlen != template_len ||
		    memcmp(now, template_data, nlen) != 0)
			fuzz_fail("exit %d, but the database changed", code);
		free(now);
	}
skip:
	free(buf);
	return 0;
}
