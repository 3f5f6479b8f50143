/*
 * jobfmt: how jobctl prints one job, shared by list, show and the dead
 * commands so that a job looks the same wherever it appears.  The schedule
 * commands print their env object and show's lines with it too.
 */
#ifndef JOBCTL_JOBFMT_H
#define JOBCTL_JOBFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/mail.h"

struct ctl;
struct job;
struct job_why;
struct out_json;

/*
 * Why pending job jb waits (jobwhy.c): jobwhy_get() asks the store (the
 * claim's rules; WHY_NONE for a job that is not pending); jobwhy_text()
 * writes show's "waiting:" sentence, jobwhy_short() list's WHY cell;
 * jobwhy_json() adds member "why" to the open object j: null, or
 * {"reason", "until", "jobs", "attempt", "limit", "text"}.
 */
int	jobwhy_get(struct ctl *ctl, const struct job *jb, struct job_why *w);
void	jobwhy_text(const struct ctl *ctl, const struct job *jb,
	    const struct job_why *w, char *buf, size_t len);
void	jobwhy_short(const struct job_why *w, char *buf, size_t len);
void	jobwhy_json(struct out_json *j, const struct ctl *ctl,
	    const struct job *jb, const struct job_why *w);

/* Every field of job jb as members of the open JSON object j. */
void	jobfmt_json(struct out_json *j, const struct job *jb);

/* Print job jb as one JSON line on stdout: 0, or -EIO if stdout failed. */
int	jobfmt_json_line(const struct job *jb);

/*
 * The env_len bytes of "NAME=VALUE\0" entries at env as the member "env"
 * of the open JSON object j: an object of NAME: VALUE, without the entries
 * that have no '=' or a name of 256 bytes or more.  env may be NULL.
 */
void	jobfmt_json_env(struct out_json *j, const char *env, size_t env_len);

/*
 * Write the UTC ms time "ms" relative to ctl's clock ("5m ago") to buf
 * (len bytes); "-" when ms is 0 or unprintable.
 */
void	jobfmt_relative(const struct ctl *ctl, int64_t ms, char *buf,
	    size_t len);

/* Write jb's attempts for a table: "2", or "2/5" when it sets a maximum. */
void	jobfmt_attempts(const struct job *jb, char *buf, size_t len);

/*
 * Print job jb as "jobctl show" does, on stdout: every field and a table
 * of its attempts; with ctl->json one object with a "history" array.
 * Reads the attempts from ctl->st; on a store error prints a message and
 * exits with the matching code.
 */
void	jobfmt_show(struct ctl *ctl, const struct job *jb);

/*
 * The "jobctl show ID" and "jobctl dead show ID" commands: the options and
 * the one job id of argv (usage, "show ID", names the command when the id
 * is missing), then the job as jobfmt_show() prints it; with dead_only a
 * job that is not dead is refused (exit 66).  Opens the database.  Exits
 * with a message on any error; returns 0.
 */
int	jobfmt_show_cmd(struct ctl *ctl, int argc, char **argv,
	    const char *usage, bool dead_only);

/*
 * The lines of show's human output ("name: value"), on stdout; the
 * schedule commands print theirs with them too.  jobfmt_line() pads name
 * to 16 columns and prints value through out_safe(), or "-" when value is
 * NULL.  jobfmt_line_time() prints the time ms (UTC ms) as "ABS (REL)":
 * ABS is abs, the time as the caller wrote it, or with abs NULL ms in local
 * time; REL is ms from ctl's clock ("in 5m", "-" when it cannot be
 * written); just "-" when ms is 0, or abs is NULL and ms cannot be
 * written.  jobfmt_line_ms() prints the duration ms of a job option:
 * none for 0 when none is not NULL, else as timefmt writes it ("1h30m");
 * for JOB_DEFAULT, the same of def, the default in effect, followed by
 * " (default)"; no line when it cannot be written.
 */
void	jobfmt_line(const char *name, const char *value);
void	jobfmt_line_time(const struct ctl *ctl, const char *name, int64_t ms,
	    const char *abs);
void	jobfmt_line_ms(const char *name, int64_t ms, int64_t def,
	    const char *none);

/*
 * The job defaults in effect for jobs that do not set their own: the [job]
 * section of jobd.conf as config_default_path() finds it ($JOBD_CONFIG,
 * the system or the user file), else jobd's built-in defaults when there
 * is none or it cannot be read.  Read once.
 */
struct jobfmt_defaults {
	int64_t		 max_attempts;
	int64_t		 timeout_ms;
	int64_t		 backoff_ms;
	int64_t		 backoff_max_ms;
	enum mail_on	 mail_on;
};
const struct jobfmt_defaults *jobfmt_defaults(void);

/*
 * A job's or a schedule's umask and limits.  JSON: "umask" as an octal
 * string ("022"), "limit_nofile", "limit_nproc", "limit_as" (bytes) and
 * "limit_cpu" (seconds) as numbers, or the string "unlimited"; null when
 * not set.  Human: a "umask:" line ("default" when not set), and a line
 * for each limit that is set ("limit as: 512M").
 */
void	jobfmt_json_proc(struct out_json *j, const struct job_proc *p);
void	jobfmt_lines_proc(const struct job_proc *p);

/*
 * A job's or a schedule's hooks (outbox.h), hook[] by enum job_hook.
 * JSON: "on_dead", "on_failure", "on_success", null when not set.
 * Human: an "on dead:" ... line for each that is set.
 */
void	jobfmt_json_hooks(struct out_json *j, char *const *hook);
void	jobfmt_lines_hooks(char *const *hook);

/*
 * A job's or a schedule's mail settings.  JSON: "mail_to" (the addresses
 * as given) and "mail_on" ("never", "failure", "output", "always"), null
 * when not set.  Human, only when mail_to is set: "mail to:" and "mail
 * on:" lines, the latter "failure (default)" when not set.
 */
void	jobfmt_json_mail(struct out_json *j, const char *to, enum mail_on on);
void	jobfmt_lines_mail(const char *to, enum mail_on on);

#endif /* JOBCTL_JOBFMT_H */
