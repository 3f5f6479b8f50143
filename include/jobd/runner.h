/*
 * runner: run one job as a child process, from fork to reaping.
 *
 * The command runs as "/bin/sh -c COMMAND" in a new session (its own
 * process group), with stdin from /dev/null (or, for a job that has
 * input, a sealed memory file holding it), stdout and stderr into one
 * pipe that the runner reads, only fds 0-2 open, default signal
 * dispositions and an empty signal mask, the working directory of the spec
 * (else the user's home), and the environment of the spec and nothing else.
 * When jobd is root and the spec names a user, the child drops to that
 * user (supplementary groups, then gid, then uid, then every capability
 * set cleared, then a check) before exec; any failure, and the job never
 * runs.
 *
 * Output: the last max_output bytes are kept (a ring buffer, so memory is
 * bounded whatever the child writes); what was dropped is counted.  The
 * pipe is always drained, so a chatty child never blocks on it.
 *
 * Stopping: a timeout, or runner_stop() from another thread, sends SIGTERM
 * to the process group, then SIGKILL after kill_grace_ms.  When the shell
 * exits, its output is read until EOF (or RUNNER_LINGER_MS), then whatever
 * is left of its process group is killed, so nothing a job started in its
 * group outlives it.  After a timeout, a stop, or output still held open
 * past the linger, every process left in the job's session is killed too
 * (shells with job control give background jobs groups of their own); the
 * shell is reaped only then, so that its pid, the session id, cannot be
 * reused meanwhile.  When the spec names an attempt cgroup, the child
 * joins it first thing, and when the run ends everything in the cgroup is
 * killed (cgroup.kill), whatever its session.  The timeout and stop
 * requests hold before exec too: a child that hangs there (a chdir into
 * a dead mount) is killed with SIGKILL.
 *
 * Only runner.c calls fork, clone, exec*, waitpid or kill.  Everything
 * that can fail or allocate (user lookup, building argv and envp) happens in
 * runner_prepare(), before fork; the child calls only async-signal-safe
 * functions.  Thread-safe: each worker thread runs its own jobs; the runner
 * waits only for its own child (never waitpid(-1)).
 */
#ifndef JOBD_RUNNER_H
#define JOBD_RUNNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jobd/job.h"

struct jd_clock;

/* After the shell exits, how long to wait for the pipe to reach EOF. */
#define RUNNER_LINGER_MS	1000

/* Why a job was stopped from outside (runner_stop). */
enum run_stop {
	RUN_STOP_NONE = 0,
	RUN_STOP_CANCEL,	/* jobctl cancel */
	RUN_STOP_SHUTDOWN,	/* jobd is stopping */
};

enum run_outcome {
	RUN_OK,			/* exited 0 */
	RUN_FAILED,		/* exited non-zero, or killed by a signal */
	RUN_TIMEOUT,		/* ran past its timeout and was killed */
	RUN_SPAWN_ERROR,	/* never ran: user, cwd, fork, exec ... */
	RUN_CANCELLED,		/* stopped by RUN_STOP_CANCEL */
	RUN_SHUTDOWN,		/* stopped by RUN_STOP_SHUTDOWN */
};

/*
 * What to run.  Built by runner_prepare() from the job's fields; owns its
 * allocations (runner_spec_free()).
 */
struct run_spec {
	char		**argv;		/* { "/bin/sh", "-c", command, NULL } */
	char		**envp;		/* NULL-terminated "NAME=VALUE" */
	char		 *cwd;		/* absolute */
	bool		  switch_user;	/* drop to uid/gid/groups */
	uid_t		  uid;
	gid_t		  gid;
	gid_t		 *groups;	/* supplementary groups */
	int		  ngroups;
	int64_t		  timeout_ms;	/* 0: none */
	int64_t		  kill_grace_ms; /* SIGTERM to SIGKILL */
	size_t		  max_output;	/* bytes kept, > 0 */
	const void	 *input;	/* stdin; NULL: /dev/null (borrowed
					   from the run_job) */
	size_t		  input_len;
	int64_t		  umask;	/* or JOB_DEFAULT: jobd's own */
	int64_t		  limit[JOB_NLIMITS]; /* or JOB_DEFAULT: jobd's */
	/*
	 * kill_mode process: after a normal exit of the shell nothing is
	 * killed, and a timeout, cancel or shutdown stops its process group
	 * only (never the session or the cgroup).  Else (kill_mode attempt)
	 * everything the attempt started is killed when the shell ends.
	 */
	bool		  kill_process;
	/*
	 * The attempt's cgroup (set by the caller after runner_prepare()):
	 * the child joins it first thing, before anything that can hang,
	 * and everything in it is killed (cgroup.kill) when the run ends.
	 */
	bool		  in_cgroup;
	int		  cg_dir;	/* the cgroup's directory */
	int		  cg_procs;	/* its cgroup.procs, for writing */
};

/* The job fields runner_prepare() needs; strings are borrowed. */
struct run_job {
	int64_t		 id;
	int64_t		 attempt;	/* 1-based */
	const char	*command;
	const char	*queue;
	const char	*key;		/* idempotency key, or NULL */
	const char	*schedule;	/* schedule name, or NULL */
	int64_t		 slot_at;	/* UTC ms, 0: none */
	const char	*env;		/* "NAME=VALUE\0"... */
	size_t		 env_len;
	const char	*cwd;		/* or NULL: the user's home */
	const char	*run_as;	/* user name, or NULL: jobd's user */
	int64_t		 timeout_ms;	/* 0: none */
	int64_t		 kill_grace_ms;
	size_t		 max_output;
	struct job_proc	 proc;		/* resolved: umask, limits */
	const char	*locale_file;	/* LANG, LC_*; NULL: none */
	/*
	 * A notification (outbox.h): its JOBD_* variables are the reported
	 * job's, taken from env; its own id and attempt number are
	 * JOBD_NOTIFY_ID and JOBD_NOTIFY_ATTEMPT.
	 */
	bool		 notify;
	const void	*input;		/* stdin bytes; NULL: /dev/null */
	size_t		 input_len;
};

/*
 * Build *rs for job j: argv; the environment (HOME, USER, LOGNAME, SHELL,
 * PATH, then LANG, LANGUAGE and LC_* from j->locale_file if it exists,
 * then the job's own variables, then JOBD_JOB_ID, JOBD_ATTEMPT,
 * JOBD_QUEUE, JOBD_IDEMPOTENCY_KEY, JOBD_SCHEDULE, JOBD_SLOT — the last
 * three only when set; JOBD_SLOT as RFC 3339 UTC; for a notification,
 * the JOBD_* variables of its env instead); the user; the umask
 * and limits, which the child sets before exec (setrlimit, soft and hard
 * alike).  Returns 0, or a negative errno with a one-line reason in err:
 * -ENOENT for an unknown user, -EPERM when j->run_as names another user
 * and jobd is not root, -EACCES when jobd would switch to a user whose
 * account is locked (its shadow password starts with '!' and is not just
 * "!") or expired, -ENOMEM.  Thread-safe (getpwnam_r, getspnam_r,
 * getgrouplist).
 */
int	runner_prepare(struct run_spec *rs, const struct run_job *j, char *err,
	    size_t errlen);

/* Free what runner_prepare() allocated.  Safe on a zeroed spec. */
void	runner_spec_free(struct run_spec *rs);

/*
 * One run: initialised by the caller, passed to runner_run(), and the
 * handle through which other threads stop it.  It must outlive both the
 * run and every runner_stop() call on it.
 */
struct run_ctl {
	_Atomic int	stop;		/* an enum run_stop; first wins */
	_Atomic bool	now;		/* runner_stop_now(): no grace */
	int		wake_fd[2];	/* non-blocking, close-on-exec pipe */
	/*
	 * Called, when not NULL, in the run's thread as soon as the child
	 * exists (before exec): its pid, which is also its session id, and
	 * its start time (runner_proc_start()).
	 */
	void		(*on_start)(struct run_ctl *rc, pid_t pid,
			    uint64_t start);
};

/* Prepare rc (stop = NONE, the wake pipe).  Returns 0 or -errno. */
int	runner_ctl_init(struct run_ctl *rc);
/* Close rc's pipe. */
void	runner_ctl_destroy(struct run_ctl *rc);

/*
 * Ask the run to stop for "why" (the first request wins).  Thread-safe and
 * non-blocking; may be called before, during or after runner_run().
 */
void	runner_stop(struct run_ctl *rc, enum run_stop why);

/*
 * Stop the run at once: SIGKILL without waiting for kill_grace_ms, also
 * when a stop (a cancel, a shutdown) is already under way; as jobd
 * shutting down when no stop was.  Thread-safe and non-blocking.
 */
void	runner_stop_now(struct run_ctl *rc);

struct run_result {
	enum run_outcome outcome;
	int		 exit_code;	/* valid when exited */
	bool		 exited;	/* exited (vs. killed by a signal) */
	int		 signal;	/* the killing signal, 0 if none */
	int64_t		 started_at;	/* UTC ms, when forked */
	int64_t		 finished_at;	/* UTC ms, when reaped */
	char		*output;	/* the output tail, malloc'd; may be NULL */
	size_t		 output_len;
	int64_t		 output_dropped; /* bytes written but not kept */
	char		 error[256];	/* why, in words; "" for RUN_OK */
};

/*
 * Run rs to completion, blocking the calling thread, and fill *res (the
 * caller frees res->output).  Never fails: a job that cannot be started
 * ends as RUN_SPAWN_ERROR with the reason in res->error.
 */
void	runner_run(const struct run_spec *rs, struct run_ctl *rc,
	    const struct jd_clock *clock, struct run_result *res);

/*
 * The start time of process pid in clock ticks after boot (/proc/PID/stat
 * field 22), or 0 when it is gone or a zombie.
 */
uint64_t runner_proc_start(pid_t pid);

/*
 * Kill what is left of the session of an attempt whose runner is gone (its
 * daemon died): sid is the attempt's shell, start its start time.  When a
 * process sid exists with another start time, the pid was used again and
 * nothing is killed; otherwise every process of session sid that started
 * no earlier than start gets SIGKILL, sweep after sweep until none is
 * left (bounded).  Returns the number of processes killed.
 */
int	runner_kill_session(pid_t sid, uint64_t start);

#endif /* JOBD_RUNNER_H */
