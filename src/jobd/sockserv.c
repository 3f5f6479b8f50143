/*
 * sockserv: jobd's submission socket (see sockserv.h).
 *
 * A connection reads one request at a time: reading stops while it is
 * handled and its answer written, so a client that sends without reading
 * holds one answer of memory and then nothing, and no connection can
 * queue work.  Each connection has one timer, armed for what it waits on
 * (the rest of a request, the taking of an answer, or the next request).
 *
 * Submissions are not written at once: they wait in srv->batch until the
 * loop's check phase, after every readable connection of this turn was
 * read, and are then written together (sockreq.c's batch_flush()).
 */
#define _GNU_SOURCE	/* struct ucred, SO_PEERCRED */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/log.h"
#include "jobd/sockserv.h"
#include "jobd/store.h"
#include "jobd/useraccess.h"
#include "jobd/wire.h"

#include "sockserv_impl.h"

static void	conn_close(struct conn *c);
static int	sockserv_listen(struct sockserv **srvp, uv_loop_t *loop,
		    struct store *st, const struct jd_config *cfg,
		    const struct jd_clock *clock, const char *confdir,
		    const char *path, sockserv_submit_fn submit,
		    sockserv_kick_fn kick, void *arg,
		    char *err, size_t errlen);
static void	conn_read_next(struct conn *c);

/* Write c->out; then read the next request, or close. */
static void
on_written(uv_write_t *w, int status)
{
	struct conn *c = w->data;

	wire_buf_free(&c->out);
	if (status != 0 || c->state == CONN_CLOSING) {
		conn_close(c);
		return;
	}
	conn_read_next(c);
}

static void
on_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->state == CONN_READING && (c->msg != NULL || c->nhead > 0))
		log_warnx("socket: %s (pid %ld): request not complete within "
		    "%d s; connection closed", c->peer.name,
		    (long)c->peer.pid, SOCK_REQUEST_MS / 1000);
	else if (c->state == CONN_WRITING || c->state == CONN_CLOSING)
		log_warnx("socket: %s (pid %ld): answer not taken within %d "
		    "s; connection closed", c->peer.name, (long)c->peer.pid,
		    SOCK_WRITE_MS / 1000);
	conn_close(c);
}

void
conn_send(struct conn *c)
{
	uv_buf_t buf;
	int error;

	if ((error = wire_end(&c->out, WIRE_RESPONSE_MAX)) != 0) {
		answer_error(&c->out, error, error == -EMSGSIZE ? "the answer "
		    "is too large for jobd's socket" : "out of memory", 0);
		if (wire_end(&c->out, WIRE_RESPONSE_MAX) != 0) {
			conn_close(c);
			return;
		}
	}
	if (c->state != CONN_CLOSING)
		c->state = CONN_WRITING;
	if (c->srv->loop == NULL)	/* sockserv_fuzz(): kept in c->out */
		return;
	(void)uv_timer_start(&c->timer, on_timeout, SOCK_WRITE_MS, 0);
	buf = uv_buf_init((char *)c->out.p, (unsigned)c->out.len);
	c->wreq.data = c;
	if ((error = uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &buf, 1,
	    on_written)) != 0)
		conn_close(c);
}

/* The request in c->msg is whole: handle it. */
static void
conn_request(struct conn *c)
{
	(void)uv_read_stop((uv_stream_t *)&c->pipe);
	(void)uv_timer_stop(&c->timer);
	request_run(c, c->msg, c->len);
	free(c->msg);
	c->msg = NULL;
	if (c->state != CONN_BUSY)
		conn_send(c);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)hint;
	/* The header first, then exactly the rest of the request. */
	if (c->msg == NULL)
		*buf = uv_buf_init((char *)c->head + c->nhead,
		    (unsigned)(WIRE_HEADER - c->nhead));
	else
		*buf = uv_buf_init((char *)c->msg + c->got,
		    (unsigned)(c->len - c->got));
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	char msg[160];

	(void)buf;
	if (n < 0) {
		if (n != UV_EOF && n != UV_ECONNRESET)
			log_warnx("socket: %s (pid %ld): %s", c->peer.name,
			    (long)c->peer.pid, uv_strerror((int)n));
		conn_close(c);
		return;
	}
	if (n == 0)
		return;
	if (c->msg == NULL) {
		c->nhead += (size_t)n;
		if (c->nhead < WIRE_HEADER) {
			if (c->nhead == (size_t)n)	/* begun: be quick */
				(void)uv_timer_start(&c->timer, on_timeout,
				    SOCK_REQUEST_MS, 0);
			return;
		}
		c->nhead = 0;
		if (wire_length(c->head, WIRE_REQUEST_MAX, &c->len) != 0) {
			/* Not read: answered, and the connection closed. */
			(void)uv_read_stop(s);
			snprintf(msg, sizeof(msg), "a request of %zu bytes; "
			    "jobd's socket takes at most %d", c->len,
			    WIRE_REQUEST_MAX);
			log_warnx("socket: %s (pid %ld): %s", c->peer.name,
			    (long)c->peer.pid, msg);
			memset(&c->out, 0, sizeof(c->out));
			answer_error(&c->out, -EMSGSIZE, msg, 0);
			c->state = CONN_CLOSING;
			conn_send(c);
			return;
		}
		if ((c->msg = malloc(c->len > 0 ? c->len : 1)) == NULL) {
			log_warnx("socket: out of memory");
			conn_close(c);
			return;
		}
		c->got = 0;
		(void)uv_timer_start(&c->timer, on_timeout, SOCK_REQUEST_MS,
		    0);
	} else
		c->got += (size_t)n;
	if (c->got == c->len)
		conn_request(c);
}

static void
conn_read_next(struct conn *c)
{
	c->state = CONN_READING;
	c->nhead = 0;
	(void)uv_timer_start(&c->timer, on_timeout, SOCK_IDLE_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0)
		conn_close(c);
}

static void
conn_free(struct conn *c)
{
	struct sockserv *srv = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->nconns--;
	specs_free(c);
	free(c->msg);
	wire_buf_free(&c->out);
	free(c);
}

static void
on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles == 0)
		conn_free(c);
}

static void
batch_remove(struct sockserv *srv, struct conn *c)
{
	struct conn **pp;

	for (pp = &srv->batch; *pp != NULL; pp = &(*pp)->bnext)
		if (*pp == c) {
			*pp = c->bnext;
			break;
		}
	srv->batch_tail = &srv->batch;
	while (*srv->batch_tail != NULL)
		srv->batch_tail = &(*srv->batch_tail)->bnext;
}

static void
conn_close(struct conn *c)
{
	if (uv_is_closing((uv_handle_t *)&c->pipe))
		return;
	if (c->state == CONN_BUSY)
		batch_remove(c->srv, c);
	c->state = CONN_CLOSING;
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
	uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

/* The one answer of a refused connection, then it is closed. */
static void
conn_refuse(struct conn *c, int rc, const char *msg)
{
	memset(&c->out, 0, sizeof(c->out));
	answer_error(&c->out, rc, msg, 0);
	c->state = CONN_CLOSING;
	conn_send(c);
}

static int
peer_get(struct conn *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct passwd pw, *res = NULL;
	char buf[4096];
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -errno;
	c->peer.uid = cr.uid;
	c->peer.gid = cr.gid;
	c->peer.pid = cr.pid;
	c->peer.all = cr.uid == 0 || cr.uid == c->srv->self;
	if (getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL || strlen(pw.pw_name) >= sizeof(c->peer.name)) {
		snprintf(c->peer.name, sizeof(c->peer.name), "uid %lu",
		    (unsigned long)cr.uid);
		return -ENOENT;
	}
	snprintf(c->peer.name, sizeof(c->peer.name), "%s", pw.pw_name);
	return 0;
}

static size_t
user_conns(const struct sockserv *srv, uid_t uid)
{
	const struct conn *c;
	size_t n = 0;

	for (c = srv->conns; c != NULL; c = c->next)
		if (c->peer.uid == uid && c->state != CONN_CLOSING)
			n++;
	return n;
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct sockserv *srv = server->data;
	struct conn *c;
	char msg[256];
	int error;

	if (status != 0) {
		log_warnx("socket: %s", uv_strerror(status));
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("socket: out of memory");
		return;
	}
	c->srv = srv;
	(void)uv_pipe_init(srv->loop, &c->pipe, 0);
	(void)uv_timer_init(srv->loop, &c->timer);
	c->pipe.data = c->timer.data = c;
	c->handles = 2;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	if ((error = uv_accept(server, (uv_stream_t *)&c->pipe)) != 0) {
		log_warnx("socket: accept: %s", uv_strerror(error));
		conn_close(c);
		return;
	}
	error = peer_get(c);
	if (error == -ENOENT) {
		snprintf(msg, sizeof(msg), "%s has no name in the password "
		    "database", c->peer.name);
		conn_refuse(c, -EACCES, msg);
	} else if (error != 0) {
		log_warnx("socket: SO_PEERCRED: %s", strerror(-error));
		conn_close(c);
	} else if (!c->peer.all && (error = useraccess_check(srv->confdir,
	    c->peer.name, c->peer.uid, msg, sizeof(msg))) != 0) {
		/* A file that cannot be used is the administrator's to fix. */
		if (error != -EACCES)
			log_warnx("socket: %s refused: %s", c->peer.name, msg);
		conn_refuse(c, -EACCES, msg);
	} else if (srv->nconns > SOCK_CONN_MAX) {
		snprintf(msg, sizeof(msg), "jobd has %d connections, its "
		    "most; try again", SOCK_CONN_MAX);
		conn_refuse(c, -EAGAIN, msg);
	} else if (user_conns(srv, c->peer.uid) > SOCK_USER_CONN_MAX) {
		snprintf(msg, sizeof(msg), "%s has %d connections to jobd, "
		    "the most for one user; try again", c->peer.name,
		    SOCK_USER_CONN_MAX);
		conn_refuse(c, -EAGAIN, msg);
	} else
		conn_read_next(c);
}

static void
on_check(uv_check_t *h)
{
	batch_flush(h->data);
}

/* The socket file: a stale one is removed, a live one is in use. */
static int
sock_prepare(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "socket %s: a file that is not a socket "
		    "is there", path);
		return -EEXIST;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	(void)close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "socket %s: another jobd listens on it",
		    path);
		return -EADDRINUSE;
	}
	(void)unlink(path);
	return 0;
}

static void
on_srv_closed(uv_handle_t *h)
{
	struct sockserv *srv = h->data;

	srv->handles--;
}

int
sockserv_start(struct sockserv **srvp, uv_loop_t *loop, struct store *st,
    const struct jd_config *cfg, const struct jd_clock *clock,
    const char *confdir, sockserv_submit_fn submit, sockserv_kick_fn kick,
    void *arg, char *err,
    size_t errlen)
{
	int error;

	*srvp = NULL;
	if (cfg->socket == NULL && geteuid() == 0) {
		/* The system instance's socket, where there is room for it. */
		error = sockserv_listen(srvp, loop, st, cfg, clock, confdir,
		    CONFIG_SOCKET_DEFAULT, submit, kick, arg, err, errlen);
		/* *srvp, stopped, is freed with the loop's handles. */
		if (error != 0)
			log_warnx("%s; no submission socket", err);
		return 0;
	}
	if (cfg->socket == NULL || *cfg->socket == '\0')
		return 0;
	return sockserv_listen(srvp, loop, st, cfg, clock, confdir,
	    cfg->socket, submit, kick, arg, err, errlen);
}

static int
sockserv_listen(struct sockserv **srvp, uv_loop_t *loop, struct store *st,
    const struct jd_config *cfg, const struct jd_clock *clock,
    const char *confdir, const char *path, sockserv_submit_fn submit,
    sockserv_kick_fn kick, void *arg,
    char *err, size_t errlen)
{
	struct sockserv *srv;
	struct group gr, *grp = NULL;
	struct stat sb;
	char buf[4096], dir[PATH_MAX];
	mode_t mode = 0666;
	int error;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "socket %s: the path is too long (at "
		    "most %zu bytes)", path,
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (cfg->socket_group != NULL) {
		if (getgrnam_r(cfg->socket_group, &gr, buf, sizeof(buf),
		    &grp) != 0 || grp == NULL) {
			snprintf(err, errlen, "socket_group %s: no such group",
			    cfg->socket_group);
			return -ENOENT;
		}
		mode = 0660;
	}
	if (config_dir(path, dir, sizeof(dir)) == 0 && stat(dir, &sb) != 0) {
		error = -errno;
		snprintf(err, errlen, "socket %s: its directory %s: %s", path,
		    dir, strerror(-error));
		return error;
	}
	if ((error = sock_prepare(path, err, errlen)) != 0)
		return error;
	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    (srv->path = strdup(path)) == NULL ||
	    (srv->confdir = strdup(confdir != NULL ? confdir : "")) == NULL) {
		if (srv != NULL)
			free(srv->path);
		free(srv);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	srv->loop = loop;
	srv->st = st;
	srv->cfg = cfg;
	srv->clock = clock;
	srv->submit = submit;
	srv->kick = kick;
	srv->kick_arg = arg;
	srv->self = geteuid();
	srv->batch_tail = &srv->batch;
	(void)uv_pipe_init(loop, &srv->listen, 0);
	(void)uv_check_init(loop, &srv->check);
	srv->listen.data = srv->check.data = srv;
	srv->handles = 2;
	if ((error = uv_pipe_bind(&srv->listen, srv->path)) != 0 ||
	    (error = uv_listen((uv_stream_t *)&srv->listen, 128,
	    on_connection)) != 0) {
		snprintf(err, errlen, "socket %s: %s", srv->path,
		    uv_strerror(error));
		sockserv_stop(srv);
		*srvp = srv;
		return error == UV_EADDRINUSE ? -EADDRINUSE : -EIO;
	}
	srv->listening = true;
	if (chmod(srv->path, mode) != 0 || (grp != NULL &&
	    chown(srv->path, (uid_t)-1, grp->gr_gid) != 0)) {
		error = -errno;
		snprintf(err, errlen, "socket %s: %s", srv->path,
		    strerror(-error));
		sockserv_stop(srv);
		*srvp = srv;
		return error;
	}
	(void)uv_check_start(&srv->check, on_check);
	*srvp = srv;
	return 0;
}

void
sockserv_stop(struct sockserv *srv)
{
	struct conn *c;

	if (srv == NULL || srv->stopped)
		return;
	srv->stopped = true;
	if (srv->listening)
		(void)unlink(srv->path);
	uv_close((uv_handle_t *)&srv->listen, on_srv_closed);
	uv_close((uv_handle_t *)&srv->check, on_srv_closed);
	/* Submissions not yet written are not: their clients are told. */
	for (c = srv->conns; c != NULL; c = c->next)
		conn_close(c);
	srv->batch = NULL;
	srv->batch_tail = &srv->batch;
}

void
sockserv_free(struct sockserv *srv)
{
	if (srv == NULL)
		return;
	free(srv->path);
	free(srv->confdir);
	free(srv);
}
