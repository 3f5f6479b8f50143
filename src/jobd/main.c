/*
 * jobd: options, configuration, the database, then the loop.
 *
 * jobd stays in the foreground (systemd or another supervisor runs it)
 * and logs to stderr.  Exit status: 0 after a clean stop, 64 for bad
 * usage, 78 for a bad configuration, the sysexits code of a database that
 * cannot be opened (66, 65, 69, 74, 75, 77), 77 for a jobd.conf or a
 * database that users other than root or jobd's own could change (see
 * trust.h; at start, and for the database also while jobd runs), 69 when
 * the database is deleted or replaced while jobd runs, 1 for anything
 * else.  -n checks jobd.conf and the schedule files (schedfile_check)
 * and exits 0, 78 or 77.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/crash.h"
#include "jobd/dburl.h"
#include "jobd/log.h"
#include "jobd/metrics.h"
#include "jobd/schedfile.h"
#include "jobd/scheduler.h"
#include "jobd/store.h"
#include "jobd/trust.h"

#define EX_USAGE_	64
#define EX_NOPERM_	77
#define EX_CONFIG_	78

static const char usage_text[] =
    "usage: jobd [--config FILE] [--db PATH|URI] [--workers N] [--verbose]\n"
    "            [--check-config] [--version] [--help]\n";

static _Noreturn void
usage(int code)
{
	fputs(usage_text, code == 0 ? stdout : stderr);
	exit(code);
}

/*
 * Start from a clean slate, whatever started us: an empty signal mask and
 * every ignored signal back to its default.  An exec keeps both: a jobd
 * started with SIGCHLD ignored would have its children reaped by the
 * kernel (every job "exit status lost"), one started with SIGTERM blocked
 * could not be stopped.  Handlers do not survive exec, so only the
 * ignored ones need resetting; glibc's own signals refuse and are skipped.
 * SIGPIPE and SIGXFSZ are ignored again on purpose below.
 */
static void
reset_signals(void)
{
	struct sigaction old, dfl;
	sigset_t empty;
	int sig;

	(void)sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	(void)sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig <= SIGRTMAX; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &old) == -1 ||
		    old.sa_handler != SIG_IGN)
			continue;
		(void)sigaction(sig, &dfl, NULL);
	}
}

/*
 * jobd -n: check the schedule files of cfg's schedules_dir as a start
 * would load them, each problem logged as "PATH:LINE: reason".  Returns the exit status: 0, 78 (a bad file) or 77 (a file
 * others could change, and no bad one).
 */
static int
check_schedules(const struct jd_config *cfg)
{
	size_t nfiles, nsched, len = 0;
	char *text = NULL, *line, *save;
	FILE *mem;
	int error;

	if ((mem = open_memstream(&text, &len)) == NULL) {
		fprintf(stderr, "jobd: out of memory\n");
		return 1;
	}
	error = schedfile_check(cfg->schedules_dir,
	    clock_wall_ms(clock_default()), mem, &nfiles, &nsched);
	if (fclose(mem) != 0 || text == NULL) {
		free(text);
		fprintf(stderr, "jobd: out of memory\n");
		return 1;
	}
	/* Through the log: it escapes what a file name may hold. */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_warnx("%s", line);
	free(text);
	if (error == 0) {
		printf("# schedules: %s (%zu file%s, %zu schedule%s)\n",
		    cfg->schedules_dir, nfiles, nfiles == 1 ? "" : "s", nsched,
		    nsched == 1 ? "" : "s");
		return 0;
	}
	return error == -EPERM ? EX_NOPERM_ : error == -ENOMEM ? 1 :
	    EX_CONFIG_;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check-config", no_argument,	     NULL, 'n' },
		{ "config",	  required_argument, NULL, 'c' },
		{ "db",		  required_argument, NULL, 'd' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "verbose",	  no_argument,	     NULL, 'v' },
		{ "version",	  no_argument,	     NULL, 'V' },
		{ "workers",	  required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct jd_config cfg;
	struct sched_opts so;
	struct jd_offset_clock server_clock;
	const struct jd_clock *clock;
	struct store *st;
	char cfgpath[PATH_MAX], dbpath[PATH_MAX], confdir[PATH_MAX], err[1024];
	const char *config_flag = NULL, *db_flag = NULL;
	long workers = 0;
	bool check = false, is_default, verbose = false;
	char *end;
	int c, error, rc;

	/*
	 * Output buffers (max_output each) come from mmap and go back to the
	 * system when freed: glibc would otherwise raise the threshold after
	 * the first free and keep megabytes in the workers' arenas for good.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	reset_signals();

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:d:hnvVw:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_flag = optarg;
			break;
		case 'd':
			if (*optarg == '\0') {
				fprintf(stderr, "jobd: --db: empty path\n");
				return EX_USAGE_;
			}
			db_flag = optarg;
			break;
		case 'h':
			usage(0);
		case 'n':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("jobd %s (schema %d)\n", JOBD_VERSION,
			    store_schema_version());
			return 0;
		case 'w':
			errno = 0;
			workers = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    workers < 1 || workers > 256) {
				fprintf(stderr, "jobd: invalid --workers "
				    "\"%s\": must be between 1 and 256\n",
				    optarg);
				return EX_USAGE_;
			}
			break;
		case ':':
			fprintf(stderr, "jobd: option \"%s\" needs an "
			    "argument\n", argv[optind - 1]);
			usage(EX_USAGE_);
		default:
			fprintf(stderr, "jobd: unknown option \"%s\"\n",
			    argv[optind - 1]);
			usage(EX_USAGE_);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "jobd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(EX_USAGE_);
	}
	log_init("jobd", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	crash_init();

	/* The configuration: a named file must exist; the default may not. */
	if (config_defaults(&cfg) != 0) {
		fprintf(stderr, "jobd: out of memory\n");
		return 1;
	}
	if (config_flag != NULL) {
		if (strlen(config_flag) >= sizeof(cfgpath)) {
			fprintf(stderr, "jobd: --config: path too long\n");
			return EX_USAGE_;
		}
		strcpy(cfgpath, config_flag);
	} else if (config_default_path(cfgpath, sizeof(cfgpath)) != 0) {
		cfgpath[0] = '\0';
	}
	if (cfgpath[0] != '\0') {
		error = config_load_file(&cfg, cfgpath, CONFIG_PRIVATE, err,
		    sizeof(err));
		/* No default file: the defaults; SIGHUP looks again. */
		if (error != 0 && (error != -ENOENT || config_flag != NULL)) {
			log_errx("%s", err);
			config_free(&cfg);
			return error == -EPERM ? EX_NOPERM_ : EX_CONFIG_;
		}
	}
	if (workers > 0)
		cfg.workers = (int)workers;
	error = config_db_path(&cfg, db_flag, dbpath, sizeof(dbpath),
	    &is_default);
	if (error != 0) {
		log_errx("cannot find the database path: %s (use --db PATH)",
		    strerror(-error));
		config_free(&cfg);
		return EX_CONFIG_;
	}
	if (cfg.metrics_file != NULL &&
	    metrics_check_path(cfg.metrics_file, err, sizeof(err)) != 0) {
		log_errx("%s%smetrics_file = %s", cfgpath,
		    cfgpath[0] != '\0' ? ": " : "", err);
		config_free(&cfg);
		return EX_CONFIG_;
	}
	if ((error = dburl_check(dbpath, err, sizeof(err))) != 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return EX_CONFIG_;
	}
	if (check) {
		char shown[PATH_MAX];

		dburl_redact(dbpath, shown, sizeof(shown));
		rc = check_schedules(&cfg);
		if (rc == 0) {
			printf("# configuration: %s%s\n# database: %s\n",
			    cfgpath[0] != '\0' ? cfgpath : "(none)",
			    cfgpath[0] != '\0' && access(cfgpath, F_OK) != 0 ?
			    " (not found: defaults)" : "", shown);
			config_print(&cfg, stdout);
			rc = fflush(stdout) == 0 ? 0 : 74;
		}
		config_free(&cfg);
		return rc;
	}

	/* A write to a closed pipe or past RLIMIT_FSIZE is an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);

	/*
	 * Its writers decide what we run: refuse a file others could write.
	 * A database server has its own access rules (its roles).
	 */
	if (!dburl_is_postgres(dbpath) &&
	    (error = trust_check_db(dbpath, err, sizeof(err))) == -EPERM) {
		log_errx("%s", err);
		config_free(&cfg);
		return EX_NOPERM_;
	}
	/* On a database server, the server's clock (sched_sync_clock()). */
	clock_offset_init(&server_clock, clock_default());
	clock = dburl_is_postgres(dbpath) ? &server_clock.clock :
	    clock_default();
	error = store_open(&st, dbpath, STORE_CREATE | STORE_SMALL |
	    STORE_NOFOLLOW | (is_default ? STORE_MKDIR : 0), clock,
	    err, sizeof(err));
	if (error != 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return store_exit_code(error);
	}
	memset(&so, 0, sizeof(so));
	so.st = st;
	so.db_path = dbpath;
	so.cfg = &cfg;
	so.config_path = cfgpath[0] != '\0' ? cfgpath : NULL;
	if (cfgpath[0] == '\0' ||
	    config_dir(cfgpath, confdir, sizeof(confdir)) != 0)
		snprintf(confdir, sizeof(confdir), "%s", JOBD_SYSCONFDIR);
	so.confdir = confdir;
	so.clock = clock;
	so.server_clock = dburl_is_postgres(dbpath) ? &server_clock : NULL;
	rc = sched_run(&so);
	store_close(st);
	config_free(&cfg);
	return rc;
}
