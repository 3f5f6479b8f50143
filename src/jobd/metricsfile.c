/*
 * metricsfile: the loop side of metrics_file (metricsfile.h).  The text
 * comes from metrics.c, like "jobctl metrics"; the atomic replacement is
 * metrics_write_file().  A write that fails is logged once per streak and
 * tried again at the next tick.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "jobd/clock.h"
#include "jobd/log.h"
#include "jobd/metrics.h"
#include "jobd/metricsfile.h"
#include "jobd/store.h"

struct metricsfile {
	uv_timer_t		 timer;		/* every interval */
	uv_work_t		 work;		/* the write in flight */
	struct store		*st;		/* borrowed */
	const struct jd_clock	*clock;		/* borrowed */
	char			*path;		/* owned; NULL: none */
	int64_t			 interval_ms;
	bool			 busy;		/* work in flight */
	bool			 final;		/* stopped: one last write
						   when it is done */
	/* The write in flight: the thread's, until after_write(). */
	char			*wpath;		/* owned copy of path */
	char			*text;		/* owned */
	size_t			 len;
	int			 werror;	/* its result */
	char			 werr[512];
	struct log_streak	 errs;
};

/* The metrics as text into *textp (*lenp bytes); 0 or a negative errno. */
static int
render(struct metricsfile *mf, char **textp, size_t *lenp, char *err,
    size_t errlen)
{
	struct metrics_snapshot snap;
	FILE *fp;
	int error;

	*textp = NULL;
	*lenp = 0;
	error = metrics_collect(mf->st, clock_wall_ms(mf->clock), &snap);
	if (error != 0) {
		snprintf(err, errlen, "reading the metrics: %s",
		    error == -ENOMEM ? "out of memory" :
		    store_errmsg(mf->st));
		return error;
	}
	if ((fp = open_memstream(textp, lenp)) == NULL) {
		metrics_free(&snap);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	error = metrics_format(&snap, fp);
	metrics_free(&snap);
	if (fclose(fp) != 0 || error != 0 || *textp == NULL) {
		free(*textp);
		*textp = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void
report(struct metricsfile *mf, int error, const char *err)
{
	int64_t now = clock_mono_ms(mf->clock);

	if (error != 0)
		(void)log_streak_warnx(&mf->errs, now, err, "metrics_file: %s",
		    err);
	else
		(void)log_streak_end(&mf->errs, now, "metrics_file: written "
		    "again");
}

static void	write_final(struct metricsfile *mf);

/* On the thread pool: the file system only. */
static void
do_write(uv_work_t *w)
{
	struct metricsfile *mf = w->data;

	mf->werror = metrics_write_file(mf->wpath, mf->text, mf->len,
	    mf->werr, sizeof(mf->werr));
}

static void
after_write(uv_work_t *w, int status)
{
	struct metricsfile *mf = w->data;

	if (status == 0)
		report(mf, mf->werror, mf->werr);
	free(mf->text);
	free(mf->wpath);
	mf->text = mf->wpath = NULL;
	mf->busy = false;
	if (mf->final)
		write_final(mf);
}

static void
on_tick(uv_timer_t *t)
{
	struct metricsfile *mf = t->data;
	char err[512];
	int error;

	if (mf->busy || mf->final || mf->path == NULL)
		return;
	if ((error = render(mf, &mf->text, &mf->len, err,
	    sizeof(err))) != 0) {
		report(mf, error, err);
		return;
	}
	if ((mf->wpath = strdup(mf->path)) == NULL) {
		free(mf->text);
		mf->text = NULL;
		report(mf, -ENOMEM, "out of memory");
		return;
	}
	mf->work.data = mf;
	if ((error = uv_queue_work(mf->timer.loop, &mf->work, do_write,
	    after_write)) != 0) {
		snprintf(err, sizeof(err), "uv_queue_work: %s",
		    uv_strerror(error));
		free(mf->text);
		free(mf->wpath);
		mf->text = mf->wpath = NULL;
		report(mf, -EIO, err);
		return;
	}
	mf->busy = true;
}

struct metricsfile *
metricsfile_new(struct uv_loop_s *loop, struct store *st,
    const struct jd_clock *clock)
{
	struct metricsfile *mf;

	if ((mf = calloc(1, sizeof(*mf))) == NULL)
		return NULL;
	mf->st = st;
	mf->clock = clock;
	uv_timer_init(loop, &mf->timer);
	mf->timer.data = mf;
	return mf;
}

int
metricsfile_set(struct metricsfile *mf, const char *path,
    int64_t interval_ms)
{
	char *p = NULL;

	if (path != NULL && (p = strdup(path)) == NULL)
		return -ENOMEM;
	free(mf->path);
	mf->path = p;
	mf->interval_ms = interval_ms;
	(void)uv_timer_stop(&mf->timer);
	if (p != NULL)
		(void)uv_timer_start(&mf->timer, on_tick, 0,
		    (uint64_t)interval_ms);
	return 0;
}

/* The last write, on the loop thread; none is in flight. */
static void
write_final(struct metricsfile *mf)
{
	char err[512], *text;
	size_t len;
	int error;

	mf->final = false;
	if (mf->path == NULL)
		return;
	if ((error = render(mf, &text, &len, err, sizeof(err))) == 0) {
		error = metrics_write_file(mf->path, text, len, err,
		    sizeof(err));
		free(text);
	}
	report(mf, error, err);
}

void
metricsfile_stop(struct metricsfile *mf)
{
	(void)uv_timer_stop(&mf->timer);
	mf->final = true;
	if (!mf->busy)
		write_final(mf);
}

void
metricsfile_free(struct metricsfile *mf)
{
	if (mf == NULL)
		return;
	free(mf->path);
	free(mf->text);
	free(mf->wpath);
	free(mf);
}
