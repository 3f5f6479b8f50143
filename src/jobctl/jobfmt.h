/*
 * jobfmt: how jobctl prints one job, shared by list, show and the dead
 * commands so that a job looks the same wherever it appears.
 */
#ifndef JOBCTL_JOBFMT_H
#define JOBCTL_JOBFMT_H

#include <stddef.h>
#include <stdint.h>

struct ctl;
struct job;
struct out_json;

/* Every field of job jb as members of the open JSON object j. */
void	jobfmt_json(struct out_json *j, const struct job *jb);

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

#endif /* JOBCTL_JOBFMT_H */
