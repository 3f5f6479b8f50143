/*
 * procfs: the /proc readings jobd and jobctl share (procfs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/procfs.h"
#include "jobd/store.h"

void
procfs_line(const char *path, char *buf, size_t len)
{
	FILE *fp;

	buf[0] = '\0';
	if ((fp = fopen(path, "re")) == NULL)
		return;
	if (fgets(buf, (int)len, fp) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	(void)fclose(fp);
}

/*
 * /proc/PID/stat into buf (len bytes): the fields after the last ")" (the
 * command name may hold one), state (field 3), ppid, pgrp, session (6),
 * ... starttime (22); NULL when it cannot be read.
 */
static const char *
stat_fields(long pid, char *buf, size_t len)
{
	char path[64], *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, len - 1);
	(void)close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) != NULL ? p + 1 : NULL;
}

int
procfs_stat(long pid, pid_t *sid, uint64_t *start)
{
	char buf[1024], state;
	const char *p;
	unsigned long long st;
	int s;

	if ((p = stat_fields(pid, buf, sizeof(buf))) == NULL ||
	    sscanf(p, " %c %*d %*d %d %*d %*d %*u %*u %*u %*u %*u %*u "
	    "%*u %*d %*d %*d %*d %*d %*d %llu", &state, &s, &st) != 3 ||
	    state == 'Z' || state == 'X')
		return -1;
	*sid = (pid_t)s;
	*start = (uint64_t)st;
	return 0;
}

pid_t
procfs_ppid(long pid)
{
	char buf[1024];
	const char *p;
	int ppid;

	if ((p = stat_fields(pid, buf, sizeof(buf))) == NULL ||
	    sscanf(p, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

long
procfs_next_pid(DIR *d)
{
	struct dirent *de;
	char *end;
	long pid;

	while ((de = readdir(d)) != NULL) {
		errno = 0;
		pid = strtol(de->d_name, &end, 10);
		if (errno == 0 && *end == '\0' && pid > 1 && pid <= INT_MAX &&
		    pid != (long)getpid())
			return pid;
	}
	return -1;
}

bool
procfs_is_jobd(long pid)
{
	char path[64], comm[64];

	(void)snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	procfs_line(path, comm, sizeof(comm));
	return strcmp(comm, "jobd") == 0;
}

/* The longest environment read: the kernel's limit for exec's is 2 MiB. */
#define PROCFS_ENV_MAX	(4 * 1024 * 1024)

bool
procfs_environ_has(long pid, const char *const *want, size_t n)
{
	char path[64], *buf = NULL, *e, *t;
	size_t len = 0, cap = 0, found = 0, i;
	ssize_t r;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap == 0 ? 8192 : 2 * cap;
			if (cap > PROCFS_ENV_MAX ||
			    (t = realloc(buf, cap)) == NULL)
				break;
			buf = t;
		}
		if ((r = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	if (buf == NULL)
		return false;
	buf[len] = '\0';
	for (i = 0; i < n; i++)
		for (e = buf; e < buf + len; e += strlen(e) + 1)
			if (strcmp(e, want[i]) == 0) {
				found++;
				break;
			}
	free(buf);
	return n > 0 && found == n;
}

int64_t
procfs_start_ms(long pid)
{
	char buf[256];
	unsigned long long btime = 0;
	uint64_t ticks;
	pid_t sid;
	long hz;
	FILE *fp;

	if (procfs_stat(pid, &sid, &ticks) != 0)
		return 0;
	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	(void)fclose(fp);
	if (btime == 0 || (hz = sysconf(_SC_CLK_TCK)) <= 0)
		return 0;
	return (int64_t)btime * 1000 + (int64_t)(ticks * 1000 / (uint64_t)hz);
}

enum procfs_daemon
procfs_daemon_state(const struct daemon_info *d, const char *host,
    const char *boot_id)
{
	if (d->host == NULL || strcmp(d->host, host) != 0)
		return PROCFS_DAEMON_ELSEWHERE;
	if (d->boot_id == NULL || strcmp(d->boot_id, boot_id) != 0)
		return PROCFS_DAEMON_GONE;
	if (d->pid <= 0 || d->pid == (int64_t)getpid())
		return PROCFS_DAEMON_GONE;
	return procfs_is_jobd((long)d->pid) ? PROCFS_DAEMON_UP :
	    PROCFS_DAEMON_GONE;
}
