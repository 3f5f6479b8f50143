/*
 * scheduler: jobd's event loop.  One libuv loop on the main thread owns
 * the store; it claims due jobs for the worker pool, extends leases,
 * reaps the leases of dead daemons, records results (one transaction per
 * loop turn), and handles SIGTERM/SIGINT (drain), SIGHUP (reload).
 */
#ifndef JOBD_SCHEDULER_H
#define JOBD_SCHEDULER_H

struct jd_clock;
struct jd_config;
struct store;

struct sched_opts {
	struct store		*st;		/* open; stays the caller's */
	const char		*db_path;	/* for the wake-up watch */
	struct jd_config	*cfg;		/* in use; reloads update it */
	const char		*config_path;	/* reread on SIGHUP, or NULL */
	const char		*confdir;	/* users.allow, users.deny */
	const struct jd_clock	*clock;
	struct jd_offset_clock	*server_clock;	/* clock, kept on the
						   database server's time;
						   NULL: no server */
};

/*
 * Run the daemon until SIGTERM or SIGINT and a drain.  Returns the exit
 * status for main: 0 after a clean stop, 1 when the loop could not start.
 */
int	sched_run(const struct sched_opts *o);

#endif /* JOBD_SCHEDULER_H */
