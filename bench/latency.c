/*
 * latency: from starting a submitting command to the moment the job it
 * submits starts running.
 *
 * usage: latency -f FIFO [-n COUNT] [-g GAP_MS] [-t TIMEOUT_S] COMMAND
 *            [ARG ...]
 *
 * COMMAND submits a job that opens FIFO for writing (for instance
 * "jobctl submit 'echo x > FIFO'").  Each round takes the time, starts
 * COMMAND with posix_spawn() (output to /dev/null), and opens FIFO for
 * reading: the open returns when the job opens the other end, which is
 * the end time.  Then the FIFO is read to EOF, COMMAND is reaped, and the
 * next round starts GAP_MS later, so every round finds the scheduler
 * idle.  Prints one latency a line, in milliseconds.  Exits 1 when
 * COMMAND fails or a job does not start within TIMEOUT_S seconds.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

static void
on_alarm(int sig)
{
	(void)sig;		/* only interrupts the blocked open() */
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
usage(void)
{
	fprintf(stderr, "usage: latency -f FIFO [-n COUNT] [-g GAP_MS] "
	    "[-t TIMEOUT_S] COMMAND [ARG ...]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct sigaction sa;
	const char *fifo = NULL;
	long count = 200, gap = 20, timeout = 10, i;
	char buf[256];
	double t0, t1;
	pid_t pid;
	int ch, fd, rc, status = 0;

	while ((ch = getopt(argc, argv, "+f:g:n:t:")) != -1) {
		switch (ch) {
		case 'f':
			fifo = optarg;
			break;
		case 'g':
			gap = bench_number("latency", optarg, 0, 60000);
			break;
		case 'n':
			count = bench_number("latency", optarg, 1, 1000000);
			break;
		case 't':
			timeout = bench_number("latency", optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (fifo == NULL || optind >= argc)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: open() fails EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < count; i++) {
		t0 = (bench_now() * 1000);
		rc = posix_spawn(&pid, argv[optind], &fa, NULL, argv + optind,
		    environ);
		if (rc != 0) {
			fprintf(stderr, "latency: %s: %s\n", argv[optind],
			    strerror(rc));
			return 1;
		}
		alarm((unsigned int)timeout);
		fd = open(fifo, O_RDONLY | O_CLOEXEC);
		t1 = (bench_now() * 1000);
		alarm(0);
		if (fd == -1) {
			fprintf(stderr, "latency: %s: %s (round %ld: the job "
			    "did not start within %ld s)\n", fifo,
			    strerror(errno), i + 1, timeout);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 1;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "latency: %s failed (status 0x%x)\n",
			    argv[optind], status);
			return 1;
		}
		printf("%.3f\n", t1 - t0);
		if (gap > 0)
			sleep_ms(gap);
	}
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}
