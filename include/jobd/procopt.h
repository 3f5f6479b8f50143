/*
 * procopt: a job's process options (umask and resource limits, struct
 * job_proc in job.h) as people write them, checked in one place for
 * jobctl's options, schedule files and jobd.conf.
 *
 *   umask          octal, 0 to 0777: "022", "0027", "7"
 *   limit_nofile   open files: 1 to 1073741824
 *   limit_nproc    processes of the job's user: 1 to 4194304, "unlimited"
 *   limit_as       bytes of address space, with an optional binary suffix
 *                  K, M, G or T: 1M to 1024T, "unlimited"
 *   limit_cpu      CPU time, a timefmt duration in whole seconds ("90s",
 *                  "1h"): 1s to 24855d, "unlimited"
 *   kill_mode      "attempt" or "process" (JOB_KILL_* in job.h)
 *
 * A limit sets the soft and the hard limit alike.  limit_nofile has no
 * "unlimited": Linux caps it at fs.nr_open.  Values are stored in the
 * units above (seconds for limit_cpu); "unlimited" is JOB_UNLIMITED.
 * No state; every function is thread-safe.
 */
#ifndef JOBD_PROCOPT_H
#define JOBD_PROCOPT_H

#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"

/* The options, in the order everything prints them. */
enum procopt {
	PROCOPT_UMASK,
	PROCOPT_NOFILE,
	PROCOPT_NPROC,
	PROCOPT_AS,
	PROCOPT_CPU,
	PROCOPT_KILLMODE,
};
#define PROCOPT_N	6

/* Longest string procopt_format() writes, NUL included. */
#define PROCOPT_MAX	64

/* Set every option of *p to JOB_DEFAULT (not set). */
void	 procopt_init(struct job_proc *p);

/* The key of option o in files and JSON: "umask", "limit_nofile", ... */
const char *procopt_key(enum procopt o);

/* Its jobctl option: "--umask", "--limit-nofile", ... */
const char *procopt_flag(enum procopt o);

/* The field of *p that holds option o. */
int64_t	*procopt_field(struct job_proc *p, enum procopt o);
int64_t	 procopt_get(const struct job_proc *p, enum procopt o);

/*
 * Parse "s" as a value of option o into *v.  Returns 0, or -EINVAL with a
 * reason in why that does not repeat the key or the value ("not an octal
 * mode like 022"); *v is written only on success.
 */
int	 procopt_parse(enum procopt o, const char *s, int64_t *v, char *why,
	    size_t whylen);

/*
 * Write value v of option o as procopt_parse() reads it: "022", "1024",
 * "512M", "1h30m", "unlimited"; "default" for JOB_DEFAULT.
 */
void	 procopt_format(enum procopt o, int64_t v, char *buf, size_t len);

/*
 * Every option of *job that is not set, from *def: what a job gets when
 * jobd.conf's [job] section holds def.
 */
void	 procopt_resolve(struct job_proc *job, const struct job_proc *def);

/*
 * A size in bytes as people write it, for limit_as and jobd.conf's
 * max_output alike: digits, then nothing or one binary suffix K, M, G or T.
 * Returns 0 with the bytes in *v, -EINVAL for bad syntax, -ERANGE past max.
 */
int	 procopt_size_parse(const char *s, int64_t max, int64_t *v);

/* Bytes v with the largest exact suffix: 1048576 is "1M", 1536 "1536". */
void	 procopt_size_format(int64_t v, char *buf, size_t len);

#endif /* JOBD_PROCOPT_H */
