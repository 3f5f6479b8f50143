/*
 * job: the job and attempt records as the store hands them out.
 */
#ifndef JOBD_JOB_H
#define JOBD_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/mail.h"

/* An optional numeric job option that was not set: use the daemon default. */
#define JOB_DEFAULT	(-1)

/* How long an idempotency key outlives its finished job: 24 hours. */
#define JOB_KEY_TTL_DEFAULT_MS	(24 * 3600 * 1000LL)

/* A resource limit of "unlimited" (RLIM_INFINITY). */
#define JOB_UNLIMITED	INT64_MAX

/* The resource limits a job may set (procopt.h parses and names them). */
enum job_limit {
	JOB_LIMIT_NOFILE,	/* RLIMIT_NOFILE: open files */
	JOB_LIMIT_NPROC,	/* RLIMIT_NPROC: processes of its user */
	JOB_LIMIT_AS,		/* RLIMIT_AS: bytes of address space */
	JOB_LIMIT_CPU,		/* RLIMIT_CPU: seconds of CPU time */
};
#define JOB_NLIMITS	4

/*
 * What is killed when the main process (the shell) of an attempt ends
 * (kill_mode): JOB_KILL_ATTEMPT, everything the attempt started, always;
 * JOB_KILL_PROCESS, as cron, what it leaves running after a normal exit
 * is left alone, and only its process group is stopped on a timeout,
 * cancel or shutdown.  Not set (JOB_DEFAULT) is JOB_KILL_ATTEMPT.
 */
#define JOB_KILL_ATTEMPT	1
#define JOB_KILL_PROCESS	2

/*
 * The process a job gets beyond its command: its umask (0 to 0777), its
 * resource limits (soft and hard alike; JOB_UNLIMITED) and its kill mode.
 * Each is JOB_DEFAULT when not set: jobd.conf's default, then jobd's own.
 */
struct job_proc {
	int64_t		 umask;
	int64_t		 limit[JOB_NLIMITS];
	int64_t		 kill_mode;	/* JOB_KILL_*, or JOB_DEFAULT */
};

/*
 * The hooks a job or schedule may ask for (outbox.h): the command line
 * run when the job dies, when an attempt fails, when the job succeeds.
 */
enum job_hook {
	JOB_HOOK_DEAD,
	JOB_HOOK_FAILURE,
	JOB_HOOK_SUCCESS,
};
#define JOB_NHOOKS	3

enum job_state {
	JOB_PENDING,
	JOB_RUNNING,
	JOB_DONE,
	JOB_CANCELLED,
	JOB_DEAD,
};
#define JOB_NSTATES	5

/*
 * What a submitter asks for.  Strings are borrowed for the duration of the
 * call that takes the spec.  env is env_len bytes of "NAME=VALUE\0" entries.
 */
/*
 * A dependency named at submission (jobctl submit --after): job id, or
 * with id 0 the job of entry ref of the same submission (ref < the
 * entry's own place: references only go backwards).  any: met when it
 * ends whatever the outcome (--after-any); else only when it ends done.
 */
struct job_dep {
	int64_t		 id;
	size_t		 ref;
	bool		 any;
};

struct job_spec {
	const char	*queue;		/* NULL: "default" */
	const char	*command;	/* /bin/sh -c command line */
	int64_t		 run_at;	/* UTC ms */
	int64_t		 priority;	/* lower runs first */
	int64_t		 max_attempts;	/* >= 1, or JOB_DEFAULT */
	int64_t		 timeout_ms;	/* >= 0 (0: none), or JOB_DEFAULT */
	int64_t		 backoff_ms;	/* >= 0, or JOB_DEFAULT */
	int64_t		 backoff_max_ms; /* >= 0, or JOB_DEFAULT */
	const char	*key;		/* idempotency key, or NULL */
	int64_t		 key_ttl_ms;	/* the key's life after the job ends,
					   or JOB_DEFAULT (24 hours) */
	const char	*key_when;	/* how the start time was asked for,
					   compared on reuse of the key */
	const char	*env;
	size_t		 env_len;
	const char	*cwd;		/* or NULL */
	const char	*run_as;	/* user name, or NULL */
	int64_t		 schedule_id;	/* 0: not from a schedule */
	int64_t		 slot_at;	/* UTC ms of its cron slot; 0: none */
	int64_t		 after_id;	/* run after job after_id ends; 0 */
	const struct job_dep *deps;	/* jobs it waits for, or NULL */
	size_t		 ndeps;
	struct job_proc	 proc;		/* umask, limits */
	const char	*hook[JOB_NHOOKS]; /* by enum job_hook; NULL: unset */
	const char	*mail_to;	/* addresses to mail, or NULL */
	enum mail_on	 mail_on;	/* MAIL_ON_UNSET: the default */
};

/*
 * A job as stored, live or dead.  Strings and env are owned by the struct
 * when it comes from store_job_get() (released by job_clear()), and
 * borrowed, valid during the callback only, when handed to a callback.
 * Optional strings are NULL and optional numbers JOB_DEFAULT (option) or 0
 * (time) when unset.
 */
struct job {
	int64_t		 id;
	char		*queue;
	char		*command;
	int64_t		 priority;
	enum job_state	 state;
	int64_t		 run_at;		/* UTC ms */
	int64_t		 attempts;		/* leases so far */
	int64_t		 max_attempts;		/* or JOB_DEFAULT */
	int64_t		 timeout_ms;		/* or JOB_DEFAULT */
	int64_t		 backoff_ms;		/* or JOB_DEFAULT */
	int64_t		 backoff_max_ms;	/* or JOB_DEFAULT */
	char		*key;
	int64_t		 schedule_id;		/* 0: not from a schedule */
	char		*schedule;		/* its name, if it still exists */
	int64_t		 slot_at;		/* UTC ms; 0: none */
	char		*env;
	size_t		 env_len;
	char		*cwd;
	char		*run_as;
	bool		 cancel_requested;
	char		*lease_owner;
	int64_t		 lease_expires_at;	/* UTC ms; 0: not leased */
	int64_t		 created_at;		/* UTC ms */
	int64_t		 updated_at;		/* UTC ms */
	int64_t		 finished_at;		/* UTC ms; 0: not finished */
	bool		 has_exit_code;
	int64_t		 exit_code;		/* of the last attempt */
	char		*last_error;
	int64_t		 dead_at;		/* UTC ms; 0 unless dead */
	char		*dead_reason;
	int64_t		 after_id;		/* waits for this job; 0 */
	struct job_proc	 proc;			/* umask, limits */
	int64_t		 rerun_of;		/* copied from this job; 0 */
	int64_t		 waiting;		/* dependencies not yet met */
	char		*hook[JOB_NHOOKS];	/* by enum job_hook, or NULL */
	int64_t		 notify_of;		/* a notification about this
						   job; 0: not one */
	char		*notify_event;		/* dead, failure, success */
	void		*input;			/* fed to its stdin; NULL:
						   /dev/null */
	size_t		 input_len;
	char		*mail_to;		/* addresses, or NULL */
	enum mail_on	 mail_on;		/* MAIL_ON_UNSET: not set */
};

/* One attempt; the same ownership rule as struct job. */
struct attempt {
	int64_t		 id;
	int64_t		 job_id;
	int64_t		 attempt;		/* 1-based */
	char		*owner;
	int64_t		 started_at;		/* UTC ms */
	int64_t		 finished_at;		/* UTC ms; 0: still running */
	bool		 has_exit_code;
	int64_t		 exit_code;
	int64_t		 signal;		/* 0: none */
	char		*outcome;		/* NULL while running */
	const void	*output;		/* output tail */
	size_t		 output_len;
	int64_t		 output_dropped;	/* bytes not kept */
	char		*error;
};

/* "pending", "running", ... for a state; NULL for an invalid one. */
const char	*job_state_name(enum job_state s);

/* The state named "name" into *s.  Returns 0 or -EINVAL. */
int		 job_state_parse(const char *name, enum job_state *s);

/* Free what a job from store_job_get() owns and zero it.  NULL is fine. */
void		 job_clear(struct job *j);

#endif /* JOBD_JOB_H */
