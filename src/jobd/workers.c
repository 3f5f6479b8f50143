/*
 * workers: a fixed pool of threads that run jobs (see workers.h).
 *
 * One mutex guards the two lists: "queue" (pushed, not yet taken) and
 * "done" (finished, not yet collected).  Workers sleep on a condition
 * variable while the queue is empty.  The lists are FIFO: each keeps a
 * pointer to its last element's link.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/cgroup.h"
#include "jobd/log.h"
#include "jobd/workers.h"

#ifndef container_of
#define container_of(p, type, member)					\
	((type *)(void *)((char *)(p) - offsetof(type, member)))
#endif

struct work_list {
	struct work	*head;
	struct work	**tail;
};

struct workers {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* queue not empty, or stop */
	struct work_list	 queue;
	struct work_list	 done;
	struct work		*started;	/* newest first, by ->snext */
	const struct cgroups	*cg;		/* or NULL */
	bool			 stopping;
	const struct jd_clock	*clock;
	void			(*notify)(void *);
	void			*arg;
	int			 nthreads;
	pthread_t		*threads;
};

static void
list_init(struct work_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
}

static void
list_append(struct work_list *l, struct work *wk)
{
	wk->next = NULL;
	*l->tail = wk;
	l->tail = &wk->next;
}

/* Take wk off the started list; the lock is held. */
static void
started_del(struct workers *w, struct work *wk)
{
	struct work **pp;

	for (pp = &w->started; *pp != NULL; pp = &(*pp)->snext) {
		if (*pp == wk) {
			*pp = wk->snext;
			break;
		}
	}
	wk->on_started = false;
}

/* runner's on_start: the job's process exists; tell the loop. */
static void
worker_started(struct run_ctl *rc, pid_t pid, uint64_t start)
{
	struct work *wk = container_of(rc, struct work, ctl);
	struct workers *w = wk->pool;

	pthread_mutex_lock(&w->lock);
	wk->pid = pid;
	wk->pid_start = start;
	wk->snext = w->started;
	w->started = wk;
	wk->on_started = true;
	pthread_mutex_unlock(&w->lock);
	w->notify(w->arg);
}

/* Run wk's job, in a cgroup of its own when the pool has cgroups. */
static void
worker_run(struct workers *w, struct work *wk, struct run_spec *spec)
{
	struct cgroup_attempt a;
	int error;

	if (w->cg == NULL) {
		runner_run(spec, &wk->ctl, w->clock, &wk->res);
		return;
	}
	if ((error = cgroup_attempt_make(w->cg, wk->job.id, wk->job.attempt,
	    &a)) != 0) {
		wk->res.outcome = RUN_SPAWN_ERROR;
		(void)snprintf(wk->res.error, sizeof(wk->res.error),
		    "making the attempt's cgroup %.180s: %s", a.path,
		    strerror(-error));
		return;
	}
	spec->in_cgroup = true;
	spec->cg_dir = a.dir;
	spec->cg_procs = a.procs;
	runner_run(spec, &wk->ctl, w->clock, &wk->res);
	/* kill_mode process: what is left is no longer the attempt. */
	if (spec->kill_process &&
	    (error = cgroup_attempt_release(w->cg, &a)) != 0)
		log_warnx("job %" PRId64 " attempt %" PRId64 ": moving what "
		    "it left running out of %s: %s (killed)", wk->job.id,
		    wk->job.attempt, a.path, strerror(-error));
	cgroup_attempt_end(w->cg, &a);
}

static void *
worker_main(void *arg)
{
	struct workers *w = arg;
	struct work *wk;
	char err[sizeof(wk->res.error)];
	struct run_spec spec;
	int error;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->queue.head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if ((wk = w->queue.head) == NULL) {	/* stopping, drained */
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		if ((w->queue.head = wk->next) == NULL)
			w->queue.tail = &w->queue.head;
		pthread_mutex_unlock(&w->lock);

		memset(&spec, 0, sizeof(spec));
		memset(&wk->res, 0, sizeof(wk->res));
		error = runner_prepare(&spec, &wk->job, err, sizeof(err));
		if (error == 0) {
			wk->pool = w;
			wk->ctl.on_start = worker_started;
			worker_run(w, wk, &spec);
		} else {
			wk->res.outcome = RUN_SPAWN_ERROR;
			memcpy(wk->res.error, err, sizeof(err));
		}
		runner_spec_free(&spec);

		pthread_mutex_lock(&w->lock);
		if (wk->on_started)
			started_del(w, wk);
		list_append(&w->done, wk);
		pthread_mutex_unlock(&w->lock);
		w->notify(w->arg);
	}
}

int
workers_start(struct workers **wp, int n, const struct jd_clock *clock,
    void (*notify)(void *), void *arg)
{
	struct workers *w;
	sigset_t all, old;
	int i, error;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->threads = calloc((size_t)n, sizeof(*w->threads))) == NULL) {
		free(w);
		return -ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	list_init(&w->queue);
	list_init(&w->done);
	w->clock = clock;
	w->notify = notify;
	w->arg = arg;

	/* Threads inherit the mask: block everything while creating them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		if ((error = pthread_create(&w->threads[i], NULL, worker_main,
		    w)) != 0)
			break;
		w->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (w->nthreads < n) {
		workers_stop(w);
		return -error;
	}
	*wp = w;
	return 0;
}

void
workers_set_cgroups(struct workers *w, const struct cgroups *cg)
{
	pthread_mutex_lock(&w->lock);
	w->cg = cg;
	pthread_mutex_unlock(&w->lock);
}

struct work *
workers_take_started(struct workers *w)
{
	struct work *list = NULL, *wk, *next;

	pthread_mutex_lock(&w->lock);
	/* Reverse: the list is newest first. */
	for (wk = w->started; wk != NULL; wk = next) {
		next = wk->snext;
		wk->on_started = false;
		wk->snext = list;
		list = wk;
	}
	w->started = NULL;
	pthread_mutex_unlock(&w->lock);
	return list;
}

void
workers_push(struct workers *w, struct work *wk)
{
	pthread_mutex_lock(&w->lock);
	list_append(&w->queue, wk);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int
workers_queued(struct workers *w)
{
	struct work *wk;
	int n = 0;

	pthread_mutex_lock(&w->lock);
	for (wk = w->queue.head; wk != NULL; wk = wk->next)
		n++;
	pthread_mutex_unlock(&w->lock);
	return n;
}

struct work *
workers_unqueue(struct workers *w)
{
	struct work *list;

	pthread_mutex_lock(&w->lock);
	list = w->queue.head;
	list_init(&w->queue);
	pthread_mutex_unlock(&w->lock);
	return list;
}

struct work *
workers_take_done(struct workers *w)
{
	struct work *list;

	pthread_mutex_lock(&w->lock);
	list = w->done.head;
	list_init(&w->done);
	pthread_mutex_unlock(&w->lock);
	return list;
}

void
workers_stop(struct workers *w)
{
	int i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}
