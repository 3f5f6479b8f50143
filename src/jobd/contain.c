/*
 * contain: containment of attempts, for the loop (see contain.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/cgroup.h"
#include "jobd/config.h"
#include "jobd/contain.h"
#include "jobd/job.h"
#include "jobd/log.h"
#include "jobd/procfs.h"
#include "jobd/runner.h"
#include "jobd/store.h"
#include "jobd/workers.h"

#define CT_LIVE_MAX	256	/* live daemons looked at by the sweep */

struct contain {
	struct store	*st;
	struct cgroups	*cg;		/* NULL: session mode */
	const char	*host;
	const char	*boot_id;
	const char	*instance;
	/* The sweep at start: daemons with a row. */
	char		(*live)[160];
	size_t		 nlive;
};

static int
live_one(const struct daemon_info *d, void *arg)
{
	struct contain *c = arg;

	if (c->nlive < CT_LIVE_MAX)
		(void)snprintf(c->live[c->nlive++], sizeof(c->live[0]), "%s",
		    d->instance);
	return 0;
}

static bool
ct_live(const struct contain *c, const char *owner)
{
	size_t i;

	for (i = 0; i < c->nlive; i++)
		if (strcmp(c->live[i], owner) == 0)
			return true;
	return false;
}

/*
 * Is the cgroup of attempt "attempt" of job "job" an orphan: its job is
 * not running that attempt under the lease of a live daemon?  When in
 * doubt (the database cannot be read), it is not.
 */
static int
ct_orphan(int64_t job, int64_t attempt, void *arg)
{
	struct contain *c = arg;
	struct job j;
	int rc, orphan;

	memset(&j, 0, sizeof(j));
	if ((rc = store_job_get(c->st, job, &j)) == -ENOENT)
		return 1;
	if (rc != 0)
		return 0;
	orphan = j.state != JOB_RUNNING || j.attempts != attempt ||
	    j.lease_owner == NULL || !ct_live(c, j.lease_owner);
	if (orphan)
		log_info("job %" PRId64 " attempt %" PRId64 ": killing its "
		    "orphaned cgroup (its daemon is gone)", job, attempt);
	job_clear(&j);
	return orphan;
}

int
contain_open(struct contain **cp, int mode, struct store *st,
    const char *host, const char *boot_id, const char *instance)
{
	struct contain *c;
	uint64_t id[2];
	char err[512];
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->st = st;
	c->host = host;
	c->boot_id = boot_id;
	c->instance = instance;
	if (mode == CONFIG_CGROUPS_OFF) {
		log_info("containment: a session per attempt (cgroups = off)");
		*cp = c;
		return 0;
	}
	if ((rc = store_identity(st, id)) != 0)
		snprintf(err, sizeof(err), "%s", store_errmsg(st));
	if (rc != 0 || (rc = cgroups_open(&c->cg, id, err, sizeof(err))) != 0) {
		log_info("containment: a session per attempt (no cgroups: %s)",
		    err);
		*cp = c;
		return 0;
	}
	log_info("containment: a cgroup per attempt, in %s",
	    cgroups_where(c->cg));
	if ((c->live = calloc(CT_LIVE_MAX, sizeof(*c->live))) != NULL) {
		if (store_daemon_list(st, live_one, c) != 0)
			log_warnx("listing daemons: %s", store_errmsg(st));
		else if ((rc = cgroups_sweep(c->cg, ct_orphan, c)) < 0)
			log_warnx("looking for orphaned cgroups in %s: %s",
			    cgroups_where(c->cg), strerror(-rc));
		free(c->live);
		c->live = NULL;
		c->nlive = 0;
	}
	*cp = c;
	return 0;
}

const struct cgroups *
contain_cgroups(const struct contain *c)
{
	return c->cg;
}

void
contain_record(struct contain *c, struct work *list)
{
	struct attempt_proc *p;
	struct work *wk;
	char (*paths)[4096] = NULL;
	size_t n = 0, i;

	for (wk = list; wk != NULL; wk = wk->snext)
		n++;
	if (n == 0)
		return;
	p = calloc(n, sizeof(*p));
	if (c->cg != NULL)
		paths = calloc(n, sizeof(*paths));
	if (p == NULL || (c->cg != NULL && paths == NULL)) {
		log_warnx("recording %zu started jobs: out of memory", n);
		goto out;
	}
	for (wk = list, i = 0; wk != NULL; wk = wk->snext, i++) {
		p[i].job_id = wk->job.id;
		p[i].attempt = wk->job.attempt;
		p[i].pid = wk->pid;
		p[i].pid_start = (int64_t)wk->pid_start;
		p[i].boot_id = c->boot_id;
		if (c->cg != NULL && cgroup_attempt_path(c->cg, wk->job.id,
		    wk->job.attempt, paths[i], sizeof(paths[i])) == 0)
			p[i].cgroup = paths[i];
	}
	if (store_attempt_procs(c->st, c->instance, p, n) != 0)
		log_warnx("recording %zu started jobs: %s", n,
		    store_errmsg(c->st));
out:
	free(p);
	free(paths);
}

/* Did "owner" (host:pid:random) run on this host? */
static bool
ct_same_host(const struct contain *c, const char *owner)
{
	const char *colon;
	size_t n = strlen(c->host);

	if (owner == NULL || strncmp(owner, c->host, n) != 0 ||
	    owner[n] != ':' || (colon = strchr(owner + n + 1, ':')) == NULL)
		return false;
	return strchr(colon + 1, ':') == NULL;
}

/*
 * Kill what is left of attempt "attempt" of job "job" when its session
 * was never recorded: its daemon died between the spawn and the record.
 * Its shell is found by what every job is started with, JOBD_JOB_ID and
 * JOBD_ATTEMPT in its environment, among the session leaders whose
 * parent is no jobd (an orphan: a live daemon's job is its child); its
 * session is killed as runner_kill_session() does.  Returns the number
 * of processes killed.
 */
static int
ct_kill_orphans(int64_t job, int64_t attempt)
{
	char want[2][64];
	const char *const w[2] = { want[0], want[1] };
	uint64_t start;
	pid_t sid;
	DIR *d;
	long pid;
	int killed = 0;

	(void)snprintf(want[0], sizeof(want[0]), "JOBD_JOB_ID=%" PRId64, job);
	(void)snprintf(want[1], sizeof(want[1]), "JOBD_ATTEMPT=%" PRId64,
	    attempt);
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((pid = procfs_next_pid(d)) != -1) {
		if (procfs_stat(pid, &sid, &start) != 0 || sid != pid ||
		    procfs_is_jobd((long)procfs_ppid(pid)))
			continue;
		if (procfs_environ_has(pid, w, 2))
			killed += runner_kill_session(sid, start);
	}
	(void)closedir(d);
	return killed;
}

void
contain_kill_lost(struct contain *c, int64_t job, int64_t attempt,
    const char *owner)
{
	struct attempt_proc p;
	char boot[64], cgroup[4096];
	int rc = 0, killed = 0;

	if (!ct_same_host(c, owner))
		return;
	if (store_attempt_proc_get(c->st, job, attempt, &p, boot,
	    sizeof(boot), cgroup, sizeof(cgroup)) != 0) {
		log_warnx("job %" PRId64 " attempt %" PRId64 ": reading its "
		    "processes: %s", job, attempt, store_errmsg(c->st));
		memset(&p, 0, sizeof(p));
	}
	if (c->cg != NULL) {
		if (p.cgroup != NULL)
			rc = cgroup_kill_path(c->cg, p.cgroup, job, attempt);
		if (p.cgroup == NULL || rc == -EINVAL)
			rc = cgroup_kill_attempt(c->cg, job, attempt);
		if (rc < 0)
			log_warnx("job %" PRId64 " attempt %" PRId64 ": "
			    "killing its cgroup: %s", job, attempt,
			    strerror(-rc));
		else if (rc > 0)
			log_info("job %" PRId64 " attempt %" PRId64 ": killed "
			    "its cgroup", job, attempt);
	}
	if (p.pid > 1 && p.pid_start > 0 && strcmp(boot, c->boot_id) == 0 &&
	    (killed = runner_kill_session((pid_t)p.pid,
	    (uint64_t)p.pid_start)) > 0)
		log_info("job %" PRId64 " attempt %" PRId64 ": killed %d "
		    "processes left in its session %" PRId64, job, attempt,
		    killed, p.pid);
	/* Started, but its daemon died before it recorded the session. */
	if (p.pid <= 1 && (killed = ct_kill_orphans(job, attempt)) > 0)
		log_info("job %" PRId64 " attempt %" PRId64 ": killed %d "
		    "processes left by it, found by its environment", job,
		    attempt, killed);
}

void
contain_close(struct contain *c)
{
	if (c == NULL)
		return;
	cgroups_close(c->cg);
	free(c);
}
