/*
 * sockserv: jobd's submission socket, for users who cannot write the
 * database.  Each connection's user is the one the kernel gives
 * (SO_PEERCRED); requests are wire.h messages, answered one at a time per
 * connection.  A user sees and changes only the jobs that run as them,
 * and every job they submit runs as them; root, and jobd's own user (the
 * database's owner), act on every job as if writing the database.
 *
 * Limits: SOCK_CONN_MAX connections at once, SOCK_USER_CONN_MAX of one
 * user, hence as many requests in flight; a request of more than
 * WIRE_REQUEST_MAX bytes is refused unread; one begun must be complete
 * within SOCK_REQUEST_MS, an answer taken within SOCK_WRITE_MS, and a
 * connection with nothing to do is closed after SOCK_IDLE_MS.  Nothing
 * a client does blocks the loop.
 *
 * Submissions that arrive in the same turn of the loop are written in
 * one transaction (one fsync for them all).
 */
#ifndef JOBD_SOCKSERV_H
#define JOBD_SOCKSERV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define SOCK_CONN_MAX		512
#define SOCK_USER_CONN_MAX	64
#define SOCK_REQUEST_MS		(10 * 1000)
#define SOCK_WRITE_MS		(30 * 1000)
#define SOCK_IDLE_MS		(5 * 60 * 1000)

struct jd_clock;
struct jd_config;
struct sockserv;
struct store;

/* Called after jobs were submitted: look for work now. */
typedef void (*sockserv_kick_fn)(void *arg);
/*
 * Write the submissions of a batch, as store_submit() (the scheduler
 * may claim in the same transaction); then kick is called.
 */
struct job_spec;
typedef int (*sockserv_submit_fn)(void *arg, const struct job_spec *specs,
    size_t n, int64_t *ids, bool *existed);

/*
 * Listen on cfg->socket (nothing when it is NULL: *srvp NULL, 0).  A stale
 * socket file is replaced; one that a live jobd answers on is -EADDRINUSE.
 * The file is made mode 0666, or 0660 and given cfg->socket_group.
 * confdir: where users.allow and users.deny are looked for.
 * Returns 0 or a negative errno with err saying why.
 */
int	sockserv_start(struct sockserv **srvp, uv_loop_t *loop,
	    struct store *st, const struct jd_config *cfg,
	    const struct jd_clock *clock, const char *confdir,
	    sockserv_submit_fn submit, sockserv_kick_fn kick, void *arg,
	    char *err, size_t errlen);

/*
 * Stop listening (the file is removed) and close every connection; the
 * handles are closed by the next turns of the loop, then sockserv_free().
 */
void	sockserv_stop(struct sockserv *srv);
void	sockserv_free(struct sockserv *srv);

/*
 * For the fuzzer: run one request body p (without its header) on st as
 * root (all) or as user "nobody", with no loop and no connection; the
 * whole answer message (header included, malloc'd) into *answer.  0 or
 * -ENOMEM.
 */
int	sockserv_fuzz(struct store *st, const struct jd_clock *clock,
	    bool all, const void *p, size_t len, unsigned char **answer,
	    size_t *answer_len);

#endif /* JOBD_SOCKSERV_H */
