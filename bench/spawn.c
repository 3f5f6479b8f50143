/*
 * spawn: how fast this machine starts and reaps processes; the limit that
 * jobd's throughput is measured against.
 *
 * usage: spawn [-n COUNT] [-c CONCURRENCY] [COMMAND [ARG ...]]
 *
 * Runs COMMAND (default: /bin/sh -c true) COUNT times, CONCURRENCY at a
 * time, one thread each (as jobd's workers do).  Each run is started with
 * posix_spawn(), stdin from /dev/null and stdout and stderr into one pipe
 * that is read to EOF, then reaped with waitpid() on its own pid.  The
 * environment is inherited.  Prints "COUNT SECONDS RATE" (runs per second)
 * on stdout.  Exits 1 when a run could not start or exited non-zero.
 */
#define _GNU_SOURCE		/* pipe2 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SPAWN_MAX_CONC	64

extern char **environ;

static char		*default_argv[] = { "/bin/sh", "-c", "true", NULL };
static char		**run_argv = default_argv;
static atomic_long	 remaining;
static atomic_long	 failures;

/* One run: spawn, read the output pipe to EOF, reap.  0 or -1. */
static int
run_once(void)
{
	posix_spawn_file_actions_t fa;
	char buf[4096];
	pid_t pid;
	ssize_t r;
	int p[2], status, rc;

	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "spawn: pipe: %s\n", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	rc = posix_spawn(&pid, run_argv[0], &fa, NULL, run_argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		fprintf(stderr, "spawn: %s: %s\n", run_argv[0], strerror(rc));
		close(p[0]);
		return -1;
	}
	while ((r = read(p[0], buf, sizeof(buf))) != 0) {
		if (r == -1 && errno != EINTR)
			break;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "spawn: waitpid: %s\n",
			    strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "spawn: %s: exit status 0x%x\n", run_argv[0],
		    status);
		return -1;
	}
	return 0;
}

static void *
worker(void *arg)
{
	(void)arg;
	while (atomic_fetch_sub(&remaining, 1) > 0) {
		if (run_once() != 0)
			atomic_fetch_add(&failures, 1);
	}
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: spawn [-n COUNT] [-c CONCURRENCY] [COMMAND [ARG ...]]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	pthread_t th[SPAWN_MAX_CONC];
	long count = 1000, conc = 1, i;
	double t0, t1;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+c:n:")) != -1) {
		switch (ch) {
		case 'c':
			conc = bench_number("spawn", optarg, 1, SPAWN_MAX_CONC);
			break;
		case 'n':
			count = bench_number("spawn", optarg, 1, 100000000);
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		run_argv = argv + optind;
	atomic_store(&remaining, count);
	t0 = bench_now();
	for (i = 0; i < conc; i++) {
		if ((rc = pthread_create(&th[i], NULL, worker, NULL)) != 0) {
			fprintf(stderr, "spawn: pthread_create: %s\n",
			    strerror(rc));
			return 1;
		}
	}
	for (i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	t1 = bench_now();
	printf("%ld %.6f %.3f\n", count, t1 - t0, count / (t1 - t0));
	if (atomic_load(&failures) != 0) {
		fprintf(stderr, "spawn: %ld of %ld runs failed\n",
		    atomic_load(&failures), count);
		return 1;
	}
	return 0;
}
