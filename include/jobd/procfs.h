/*
 * procfs: what /proc says about processes, one reading for jobd and
 * jobctl alike: a short file's first line, a process's session and start
 * time, and whether a daemon registered in the database is still alive.
 *
 * No state; thread-safe.  procfs_stat() uses only open(2) and read(2), so
 * the runner may call it from any thread.
 */
#ifndef JOBD_PROCFS_H
#define JOBD_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <dirent.h>

struct daemon_info;

/* The kernel's boot id, the same for every process of one boot. */
#define PROCFS_BOOT_ID	"/proc/sys/kernel/random/boot_id"

/*
 * The first line of the short file at path, without its newline, into
 * buf (len bytes); "" when it cannot be read.
 */
void	procfs_line(const char *path, char *buf, size_t len);

/*
 * The session of process pid (*sid) and its start time in clock ticks
 * after boot (*start, /proc/PID/stat field 22).  Returns 0, or -1 for a
 * zombie or a process that is gone (nothing written).
 */
int	procfs_stat(long pid, pid_t *sid, uint64_t *start);

/* The parent of process pid; -1 when it is gone. */
pid_t	procfs_ppid(long pid);

/*
 * The next process of directory d, /proc opened by the caller: its pid,
 * never 1 nor the caller's own; -1 at the end.
 */
long	procfs_next_pid(DIR *d);

/* Is process pid a jobd (its command name)? */
bool	procfs_is_jobd(long pid);

/*
 * Whether the environment process pid was started with holds every one
 * of the n strings of want[] ("NAME=value"); false when it cannot be read
 * (gone, or another user's without the privilege).
 */
bool	procfs_environ_has(long pid, const char *const *want, size_t n);

/*
 * When process pid started, UTC ms by the machine's real clock (boot time
 * plus field 22); 0 when it is gone or unknown.
 */
int64_t	procfs_start_ms(long pid);

/* What procfs_daemon_state() can tell of a registered daemon. */
enum procfs_daemon {
	PROCFS_DAEMON_UP,	/* this host, this boot, its pid is that jobd */
	PROCFS_DAEMON_GONE,	/* this host, and provably not running */
	PROCFS_DAEMON_ELSEWHERE, /* another host: only its heartbeat tells */
};

/*
 * Is daemon d, registered in the database, alive?  host and boot_id are
 * this machine's (its short host name and PROCFS_BOOT_ID).  Gone: another
 * boot, or a pid that is ours or not a jobd.  (A pid used again by a later
 * jobd still counts as up: the times to tell it by are the database's
 * clock and the machine's, which tests and clock steps can set apart.)
 */
enum procfs_daemon procfs_daemon_state(const struct daemon_info *d,
	    const char *host, const char *boot_id);

#endif /* JOBD_PROCFS_H */
