/*
 * metrics: the Prometheus text exposition format (0.0.4) of a snapshot
 * (metrics.h), and the atomic file that jobd's metrics_file is.  One
 * module prints for jobctl and jobd alike.
 *
 * Names follow Prometheus's conventions: the jobd_ prefix, base units
 * (seconds, bytes) in the name, counters ending in _total, timestamps as
 * Unix seconds ending in _timestamp_seconds.  A family with no samples is
 * left out.  No global state.
 */
#define _GNU_SOURCE	/* gethostname */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/config.h"
#include "jobd/metrics.h"
#include "jobd/procfs.h"
#include "jobd/store.h"

const int64_t metrics_bucket_ms[METRICS_NBUCKETS] = {
	100, 500, 1000, 5000, 15000, 60000, 300000, 900000, 1800000,
	3600000, 10800000, 43200000,
};

const char *const metrics_outcomes[METRICS_NOUTCOMES] = {
	"ok", "failed", "timeout", "lost", "spawn_error", "cancelled",
};

static const char *const state_words[JOB_NSTATES] = {
	"pending", "running", "done", "cancelled", "dead",
};

void
metrics_free(struct metrics_snapshot *snap)
{
	size_t i;

	if (snap == NULL)
		return;
	for (i = 0; i < snap->nqueues; i++)
		free(snap->queues[i].name);
	for (i = 0; i < snap->nscheds; i++)
		free(snap->scheds[i].name);
	for (i = 0; i < snap->ndaemons; i++) {
		free(snap->daemons[i].instance);
		free(snap->daemons[i].host);
		free(snap->daemons[i].boot_id);
	}
	free(snap->queues);
	free(snap->scheds);
	free(snap->daemons);
	memset(snap, 0, sizeof(*snap));
}

int
metrics_collect(struct store *st, int64_t now, struct metrics_snapshot *snap)
{
	struct daemon_info di;
	char host[256], boot[64], *dot;
	size_t i;
	int error;

	if ((error = store_metrics_read(st, now, snap)) != 0)
		return error;
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	procfs_line(PROCFS_BOOT_ID, boot, sizeof(boot));
	for (i = 0; i < snap->ndaemons; i++) {
		struct metrics_daemon *d = &snap->daemons[i];

		memset(&di, 0, sizeof(di));
		di.instance = d->instance;
		di.host = d->host;
		di.pid = d->pid;
		di.boot_id = d->boot_id;
		di.started_at = d->started_at;
		di.heartbeat_at = d->heartbeat_at;
		/* jobd writing its metrics_file: itself, alive. */
		d->up = (d->pid == (int64_t)getpid() &&
		    strcmp(d->host, host) == 0 &&
		    strcmp(d->boot_id, boot) == 0) ||
		    procfs_daemon_state(&di, host, boot) != PROCFS_DAEMON_GONE;
	}
	return 0;
}

/* ms as seconds, with no more digits than it needs: 1500 is "1.5". */
static const char *
secs(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms / 1000, f = ms % 1000;
	size_t n;

	if (ms < 0) {
		s = -(-ms / 1000);
		f = -ms % 1000;
	}
	if (f == 0) {
		snprintf(buf, len, "%s%" PRId64, ms < 0 && s == 0 ? "-" : "",
		    s);
		return buf;
	}
	snprintf(buf, len, "%s%" PRId64 ".%03" PRId64,
	    ms < 0 && s == 0 ? "-" : "", s, f);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	return buf;
}

/* A label value, escaped: backslash, double quote and newline. */
static void
put_value(FILE *fp, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			fputs("\\\\", fp);
		else if (*v == '"')
			fputs("\\\"", fp);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
}

static void
family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * One sample: name{k1="v1",k2="v2"} value; k2 may be NULL, and k1 too
 * for no labels.
 */
static void
sample(FILE *fp, const char *name, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *value)
{
	fputs(name, fp);
	if (k1 != NULL) {
		fprintf(fp, "{%s=\"", k1);
		put_value(fp, v1);
		if (k2 != NULL) {
			fprintf(fp, "\",%s=\"", k2);
			put_value(fp, v2);
		}
		fputs("\"}", fp);
	}
	fprintf(fp, " %s\n", value);
}

static const char *
num(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

static void
format_daemons(const struct metrics_snapshot *snap, FILE *fp)
{
	char b[64];
	size_t i;
	int up = 0;

	for (i = 0; i < snap->ndaemons; i++)
		up |= snap->daemons[i].up;
	family(fp, "jobd_up", "gauge",
	    "1 when a registered jobd daemon is alive, else 0.");
	sample(fp, "jobd_up", NULL, NULL, NULL, NULL, up ? "1" : "0");
	if (snap->ndaemons == 0)
		return;
	family(fp, "jobd_daemon_up", "gauge",
	    "1 while a registered daemon is alive, 0 when it is provably "
	    "gone.");
	for (i = 0; i < snap->ndaemons; i++)
		sample(fp, "jobd_daemon_up", "instance",
		    snap->daemons[i].instance, "host", snap->daemons[i].host,
		    snap->daemons[i].up ? "1" : "0");
	family(fp, "jobd_daemon_start_time_seconds", "gauge",
	    "When a registered daemon started, in Unix seconds.");
	for (i = 0; i < snap->ndaemons; i++)
		sample(fp, "jobd_daemon_start_time_seconds", "instance",
		    snap->daemons[i].instance, "host", snap->daemons[i].host,
		    secs(b, sizeof(b), snap->daemons[i].started_at));
	family(fp, "jobd_daemon_heartbeat_timestamp_seconds", "gauge",
	    "The last heartbeat of a registered daemon, in Unix seconds.");
	for (i = 0; i < snap->ndaemons; i++)
		sample(fp, "jobd_daemon_heartbeat_timestamp_seconds",
		    "instance", snap->daemons[i].instance, "host",
		    snap->daemons[i].host,
		    secs(b, sizeof(b), snap->daemons[i].heartbeat_at));
}

static void
format_queues(const struct metrics_snapshot *snap, FILE *fp)
{
	const struct metrics_queue *q;
	char b[64], le[32];
	int64_t cum;
	size_t i;
	int k;

	if (snap->nqueues == 0)
		return;
	family(fp, "jobd_jobs", "gauge",
	    "Jobs by queue and state (dead: in the dead-letter table).");
	for (i = 0; i < snap->nqueues; i++)
		for (k = 0; k < JOB_NSTATES; k++)
			sample(fp, "jobd_jobs", "queue", snap->queues[i].name,
			    "state", state_words[k],
			    num(b, sizeof(b), snap->queues[i].jobs[k]));
	family(fp, "jobd_queue_lag_seconds", "gauge",
	    "Age of the oldest due pending job of a queue; 0 when none is "
	    "due.");
	for (i = 0; i < snap->nqueues; i++) {
		q = &snap->queues[i];
		sample(fp, "jobd_queue_lag_seconds", "queue", q->name, NULL,
		    NULL, secs(b, sizeof(b), q->oldest_due != 0 &&
		    q->oldest_due < snap->now ? snap->now - q->oldest_due :
		    0));
	}
	family(fp, "jobd_dead_letters", "gauge",
	    "Jobs in the dead-letter table, by queue.");
	for (i = 0; i < snap->nqueues; i++)
		sample(fp, "jobd_dead_letters", "queue", snap->queues[i].name,
		    NULL, NULL, num(b, sizeof(b),
		    snap->queues[i].jobs[JOB_DEAD]));
	family(fp, "jobd_dead_letters_total", "counter",
	    "Jobs moved to the dead-letter table, by queue.");
	for (i = 0; i < snap->nqueues; i++)
		sample(fp, "jobd_dead_letters_total", "queue",
		    snap->queues[i].name, NULL, NULL,
		    num(b, sizeof(b), snap->queues[i].dead_total));
	family(fp, "jobd_attempts_total", "counter",
	    "Attempts ended, by queue and outcome.");
	for (i = 0; i < snap->nqueues; i++)
		for (k = 0; k < METRICS_NOUTCOMES; k++)
			sample(fp, "jobd_attempts_total", "queue",
			    snap->queues[i].name, "outcome",
			    metrics_outcomes[k], num(b, sizeof(b),
			    snap->queues[i].attempts[k]));
	family(fp, "jobd_run_duration_seconds", "histogram",
	    "How long attempts ran that ended in ok, failed or timeout, by "
	    "queue.");
	for (i = 0; i < snap->nqueues; i++) {
		q = &snap->queues[i];
		for (k = 0, cum = 0; k < METRICS_NBUCKETS; k++) {
			cum += q->buckets[k];
			sample(fp, "jobd_run_duration_seconds_bucket", "queue",
			    q->name, "le", secs(le, sizeof(le),
			    metrics_bucket_ms[k]), num(b, sizeof(b), cum));
		}
		sample(fp, "jobd_run_duration_seconds_bucket", "queue",
		    q->name, "le", "+Inf", num(b, sizeof(b), q->runs));
		sample(fp, "jobd_run_duration_seconds_sum", "queue", q->name,
		    NULL, NULL, secs(b, sizeof(b), q->run_ms));
		sample(fp, "jobd_run_duration_seconds_count", "queue", q->name,
		    NULL, NULL, num(b, sizeof(b), q->runs));
	}
}

static void
format_schedules(const struct metrics_snapshot *snap, FILE *fp)
{
	const struct metrics_schedule *sc;
	char b[64];
	size_t i;
	bool any = false;

	if (snap->nscheds == 0)
		return;
	family(fp, "jobd_cron_slots_total", "counter",
	    "Cron slots of a schedule: fired (made a job), skipped (overlap "
	    "or catch-up policy) or missed (while jobd could not run them).");
	for (i = 0; i < snap->nscheds; i++) {
		sc = &snap->scheds[i];
		sample(fp, "jobd_cron_slots_total", "schedule", sc->name,
		    "outcome", "fired", num(b, sizeof(b), sc->fired));
		sample(fp, "jobd_cron_slots_total", "schedule", sc->name,
		    "outcome", "skipped", num(b, sizeof(b), sc->skipped));
		sample(fp, "jobd_cron_slots_total", "schedule", sc->name,
		    "outcome", "missed", num(b, sizeof(b), sc->missed));
	}
	for (i = 0; i < snap->nscheds; i++)
		any |= snap->scheds[i].last_success != 0;
	if (!any)
		return;
	family(fp, "jobd_schedule_last_success_timestamp_seconds", "gauge",
	    "When a job of the schedule last ended done, in Unix seconds.");
	for (i = 0; i < snap->nscheds; i++) {
		sc = &snap->scheds[i];
		if (sc->last_success != 0)
			sample(fp, "jobd_schedule_last_success_timestamp_"
			    "seconds", "schedule", sc->name, NULL, NULL,
			    secs(b, sizeof(b), sc->last_success));
	}
}

int
metrics_format(const struct metrics_snapshot *snap, FILE *fp)
{
	char b[64];

	format_daemons(snap, fp);
	format_queues(snap, fp);
	format_schedules(snap, fp);
	family(fp, "jobd_database_size_bytes", "gauge",
	    "Size of the database file.");
	sample(fp, "jobd_database_size_bytes", NULL, NULL, NULL, NULL,
	    num(b, sizeof(b), snap->db_bytes));
	family(fp, "jobd_database_wal_size_bytes", "gauge",
	    "Size of the database's write-ahead log file.");
	sample(fp, "jobd_database_wal_size_bytes", NULL, NULL, NULL, NULL,
	    num(b, sizeof(b), snap->wal_bytes));
	return ferror(fp) ? -EIO : 0;
}

static int
put_err(char *err, size_t errlen, const char *path, const char *what,
    int error)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s%s%s", path, what,
		    *what != '\0' ? ": " : "", strerror(error));
	return -error;
}

int
metrics_check_path(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat sb;
	int error;

	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	if ((error = config_dir(path, dir, sizeof(dir))) != 0)
		return put_err(err, errlen, path, "", -error);
	if (path[strlen(path) - 1] == '/') {
		snprintf(err, errlen, "%s: names a directory, not a file",
		    path);
		return -EISDIR;
	}
	if (stat(dir, &sb) != 0) {
		snprintf(err, errlen, "%s: directory %s: %s", path, dir,
		    strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", path, dir);
		return -ENOTDIR;
	}
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		return -EISDIR;
	}
	return 0;
}

int
metrics_write_file(const char *path, const char *text, size_t len,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	ssize_t n;
	size_t off = 0;
	int fd, dfd, error;

	if ((error = config_dir(path, dir, sizeof(dir))) != 0)
		return put_err(err, errlen, path, "", -error);
	/* Not *.prom: node_exporter's textfile collector skips it. */
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	    (long)getpid()) >= (int)sizeof(tmp))
		return put_err(err, errlen, path, "", ENAMETOOLONG);
	(void)unlink(tmp);	/* a leftover of a crash */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return put_err(err, errlen, tmp, "", errno);
	/* 0644 whatever the umask: an exporter may run as another user. */
	if (fchmod(fd, 0644) != 0)
		goto fail;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	return 0;
fail:
	error = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	return put_err(err, errlen, tmp, "", error);
}
