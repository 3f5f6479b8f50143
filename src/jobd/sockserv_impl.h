/*
 * sockserv_impl.h: what the two halves of jobd's socket share:
 * sockserv.c (the listener and its connections, their limits and timers)
 * and sockreq.c (the requests: what each may do, and its answer).
 */
#ifndef JOBD_SOCKSERV_IMPL_H
#define JOBD_SOCKSERV_IMPL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "jobd/job.h"
#include "jobd/sockserv.h"
#include "jobd/wire.h"

#define SOCK_NAME_MAX	64	/* bytes of a user name */
#define SOCK_LIST_MAX	WIRE_ITEMS_MAX	/* jobs in one listing */

enum conn_state {
	CONN_READING,	/* a request, or the wait for one */
	CONN_BUSY,	/* a submission waits for the batch */
	CONN_WRITING,	/* its answer is being taken */
	CONN_CLOSING,	/* the last answer, then closed */
};

struct peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	bool		 all;		/* root, or jobd's own user */
	char		 name[SOCK_NAME_MAX];
};

struct conn {
	uv_pipe_t		 pipe;
	uv_timer_t		 timer;
	uv_write_t		 wreq;
	struct sockserv		*srv;
	struct conn		*next, *prev;	/* srv->conns */
	struct conn		*bnext;		/* srv->batch */
	enum conn_state		 state;
	struct peer		 peer;
	unsigned char		 head[WIRE_HEADER];
	size_t			 nhead;
	unsigned char		*msg;		/* the request being read */
	size_t			 len, got;
	struct wire_buf		 out;		/* the answer being written */
	/* A submission in the batch. */
	struct job_spec		*specs;
	size_t			 nspecs;
	int64_t			*ids;
	bool			*existed;
	int			 handles;	/* open: freed at 0 */
};

struct sockserv {
	uv_loop_t		*loop;
	uv_pipe_t		 listen;
	uv_check_t		 check;		/* writes the batch */
	bool			 listening;
	struct store		*st;
	const struct jd_config	*cfg;
	const struct jd_clock	*clock;
	char			*path;
	char			*confdir;
	sockserv_submit_fn	 submit;	/* a batch: sched_submit() */
	sockserv_kick_fn	 kick;
	void			*kick_arg;
	struct conn		*conns;
	size_t			 nconns;
	struct conn		*batch, **batch_tail;
	uid_t			 self;		/* jobd's user */
	int			 handles;	/* listen, check: open */
	bool			 stopped;
};


/* sockserv.c: write c->out, as the answer to c's request. */
void	conn_send(struct conn *c);

/* sockreq.c */
void	answer_error(struct wire_buf *b, int rc, const char *msg, size_t bad);
/*
 * Run the request in p: its answer is then in c->out, or it waits in the
 * batch (c->state CONN_BUSY).
 */
void	request_run(struct conn *c, const void *p, size_t len);
/* Write the batch's submissions, answer each, then kick. */
void	batch_flush(struct sockserv *srv);
void	specs_free(struct conn *c);

/* sockreq.c: answers, and the listings that answer with an array */
struct list_ctx {
	struct wire_buf	 items;		/* the elements, after the fact */
	size_t		 n;
	const struct wire_type *t;
};
void	answer_begin(struct wire_buf *b, int rc);
void	answer_store(struct conn *c, int rc, size_t bad);
int	list_put(struct list_ctx *l, const void *p);
void	list_answer(struct conn *c, struct list_ctx *l, int error);

/* sockreq_sched.c: the requests about schedules and crontabs */
void	op_schedules(struct conn *c, struct wire_rd *rd);
void	op_crontab(struct conn *c, struct wire_rd *rd);
void	op_crontab_install(struct conn *c, struct wire_rd *rd);
void	op_crontab_remove(struct conn *c, struct wire_rd *rd);
void	op_schedule(struct conn *c, struct wire_rd *rd);
void	op_schedule_last(struct conn *c, struct wire_rd *rd);
void	op_schedule_slots(struct conn *c, struct wire_rd *rd);
void	op_schedule_add(struct conn *c, struct wire_rd *rd);
void	op_schedule_set(struct conn *c, struct wire_rd *rd);
void	op_schedule_remove(struct conn *c, struct wire_rd *rd);
void	op_schedule_enable(struct conn *c, struct wire_rd *rd);
void	op_schedule_run(struct conn *c, struct wire_rd *rd);

#endif /* JOBD_SOCKSERV_IMPL_H */
