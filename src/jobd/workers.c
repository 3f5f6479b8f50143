/*
 * workers: a fixed pool of threads that run jobs (see workers.h).
 *
 * One mutex guards the two lists: "queue" (pushed, not yet taken) and
 * "done" (finished, not yet collected).  Workers sleep on a condition
 * variable while the queue is empty.  The lists are FIFO: each keeps a
 * pointer to its last element's link.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/workers.h"

struct work_list {
	struct work	*head;
	struct work	**tail;
};

struct workers {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* queue not empty, or stop */
	struct work_list	 queue;
	struct work_list	 done;
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
			runner_run(&spec, &wk->ctl, w->clock, &wk->res);
		} else {
			wk->res.outcome = RUN_SPAWN_ERROR;
			memcpy(wk->res.error, err, sizeof(err));
		}
		runner_spec_free(&spec);

		pthread_mutex_lock(&w->lock);
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
