/*
 * sockreq_sched: the requests of jobd's socket about schedules and
 * crontabs (see sockreq.c for the rest).  A user reads and changes the
 * schedules that run as them; every schedule they add runs as them and
 * is theirs ("cli"), and a crontab's entries run as its user and carry
 * that user's name prefix.  Each schedule sent is checked by the rules
 * of a schedule file's (schedule_check(), jobspec_check()), since it did
 * not come through jobd's own parsers; the text of a crontab only goes
 * back to its user (crontab -l), so what it says cannot give them more
 * than its entries do.  [quota] counts what each adds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/quota.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/wire.h"
#include "sockserv_impl.h"

/* The user a crontab request names: the peer, unless it may act for all. */
static int
crontab_user(struct conn *c, struct wire_rd *rd, char **user)
{
	char msg[200];

	if (wire_get_str(rd, user) != 0)
		return rd->error;
	if (*user == NULL || (*user)[0] == '\0')
		return wire_rd_fail(rd, -EINVAL, "crontab: no user");
	if (!c->peer.all && strcmp(*user, c->peer.name) != 0) {
		snprintf(msg, sizeof(msg), "the crontab of %s is not yours; "
		    "through jobd's socket you have your own (%s)", *user,
		    c->peer.name);
		answer_error(&c->out, -EACCES, msg, 0);
		return -EACCES;
	}
	return 0;
}

struct sched_list {
	struct list_ctx	 l;
	struct conn	*c;
};

static int
list_schedule(const struct schedule *s, void *arg)
{
	struct sched_list *sl = arg;

	if (!sl->c->peer.all && (s->run_as == NULL ||
	    strcmp(s->run_as, sl->c->peer.name) != 0))
		return 0;
	return list_put(&sl->l, s);
}

/* The schedules that run as the peer (all of them for root). */
void
op_schedules(struct conn *c, struct wire_rd *rd)
{
	struct sched_list sl = { .l = { .t = &wire_schedule }, .c = c };

	if (!wire_get_null(rd))
		wire_rd_fail(rd, -EBADMSG, "schedules: null expected");
	if (wire_rd_done(rd) != 0)
		return;
	wire_begin(&sl.l.items);
	list_answer(c, &sl.l, store_schedule_list(c->srv->st, list_schedule,
	    &sl));
}

void
op_crontab(struct conn *c, struct wire_rd *rd)
{
	char *user = NULL, *text = NULL;
	size_t len = 0;
	int error;

	if (crontab_user(c, rd, &user) != 0 || wire_rd_done(rd) != 0)
		goto out;
	if ((error = store_crontab_get(c->srv->st, user, &text, &len)) != 0) {
		answer_store(c, error, 0);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_bytes(&c->out, text, len);
out:
	free(text);
	free(user);
}

/*
 * An entry of a user's crontab, as jobctl made it from the text: it must
 * run as that user and carry that user's name prefix, and pass the rules
 * of a schedule and of a job, as if jobd had read the text itself.  The
 * text only comes back to its user (-l), so what it says cannot give
 * them more than the entries do.
 */
static int	schedule_rules(struct conn *c, struct schedule *s, size_t i,
		    char *msg, size_t msglen);

static int
crontab_item_check(struct conn *c, const char *user, struct schedule *s,
    size_t i, char *msg, size_t msglen)
{
	char prefix[STORE_CRONTAB_SOURCE_MAX];
	size_t n;

	store_crontab_prefix(user, prefix, sizeof(prefix));
	n = strlen(prefix);
	if (s->run_as == NULL || strcmp(s->run_as, user) != 0) {
		snprintf(msg, msglen, "entry %zu: a crontab's entries run as "
		    "its user (%s)", i + 1, user);
		return -EPERM;
	}
	if (!c->peer.all && (s->name == NULL || strncmp(s->name, prefix,
	    n) != 0 || s->name[n] != ':')) {
		snprintf(msg, msglen, "entry %zu: the name of an entry of %s's "
		    "crontab begins with %s:", i + 1, user, prefix);
		return -EPERM;
	}
	return schedule_rules(c, s, i, msg, msglen);
}

/*
 * Schedule s by the rules of a schedule (schedule_check(), which also
 * sets its next run) and of a job (jobspec_check()), as if jobd had
 * read it from a file; entry i (from 0) of what was sent.
 */
static int
schedule_rules(struct conn *c, struct schedule *s, size_t i, char *msg,
    size_t msglen)
{
	struct job_spec js;
	char why[256];

	if (schedule_check(s, clock_wall_ms(c->srv->clock), why,
	    sizeof(why)) != 0) {
		snprintf(msg, msglen, "entry %zu: %s", i + 1, why);
		return -EINVAL;
	}
	/* The job it makes, and its hooks, by a job's rules. */
	schedule_job_spec(s, &js);
	memcpy(js.hook, s->hook, sizeof(js.hook));
	why[0] = '\0';
	if (jobspec_check(&js, why, sizeof(why)) != 0 ||
	    (int)s->overlap < 0 || (int)s->overlap > OVERLAP_QUEUE ||
	    (int)s->catchup < 0 || (int)s->catchup > CATCHUP_ALL) {
		snprintf(msg, msglen, "entry %zu: %s", i + 1,
		    why[0] != '\0' ? why : "overlap or catchup out of range");
		return -EINVAL;
	}
	return 0;
}

/*
 * [quota] for the peer adding add_pending jobs and add_schedules
 * schedules: 0, else the answer was written.
 */
static int
quota_add(struct conn *c, int64_t add_pending, int64_t add_schedules)
{
	const struct quota_conf *q = &c->srv->cfg->quota;
	struct user_usage u;
	char msg[512];
	int error;

	if (c->peer.all || !quota_is_set(q))
		return 0;
	if ((error = store_user_usage(c->srv->st, c->peer.name, &u)) != 0) {
		answer_store(c, error, 0);
		return error;
	}
	if ((error = quota_check(q, c->peer.name, &u, add_pending,
	    add_schedules, msg, sizeof(msg))) != 0) {
		answer_error(&c->out, error, msg, 0);
		return error;
	}
	return 0;
}

static int
pending_quota_add(struct conn *c, int64_t n)
{
	return quota_add(c, n, 0);
}

static int
crontab_quota_add(struct conn *c, int64_t n)
{
	return quota_add(c, 0, n);
}

struct crontab_count {
	char	 source[STORE_CRONTAB_SOURCE_MAX];
	int64_t	 n;
};

static int
count_crontab(const struct schedule *s, void *arg)
{
	struct crontab_count *cc = arg;

	if (s->source != NULL && strcmp(s->source, cc->source) == 0)
		cc->n++;
	return 0;
}

/*
 * [quota] schedules for a crontab of n entries replacing user's own: 0,
 * else the answer was written.
 */
static int
crontab_quota(struct conn *c, const char *user, size_t n)
{
	struct crontab_count cc = { .n = 0 };
	int error;

	if (c->peer.all || !quota_is_set(&c->srv->cfg->quota))
		return 0;
	store_crontab_source(user, cc.source, sizeof(cc.source));
	if ((error = store_schedule_list(c->srv->st, count_crontab,
	    &cc)) != 0) {
		answer_store(c, error, 0);
		return error;
	}
	return crontab_quota_add(c, (int64_t)n - cc.n);
}

void
op_crontab_install(struct conn *c, struct wire_rd *rd)
{
	struct schedule *items = NULL;
	char *user = NULL, msg[512];
	void *text = NULL;
	size_t n = 0, m, i, len = 0, bad = 0;
	int64_t created = 0, updated = 0, deleted = 0;
	int error;

	if (wire_get_array(rd, &m) == 0 && m != 3)
		wire_rd_fail(rd, -EBADMSG, "crontab-install: [user, text, "
		    "entries]");
	if (rd->error != 0 || crontab_user(c, rd, &user) != 0 ||
	    wire_get_bytes(rd, &text, &len) != 0 ||
	    wire_get_array(rd, &n) != 0)
		goto out;
	if (text == NULL) {
		wire_rd_fail(rd, -EBADMSG, "crontab-install: no text");
		goto out;
	}
	if ((items = calloc(n + 1, sizeof(*items))) == NULL) {
		wire_rd_fail(rd, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (wire_get(rd, &wire_schedule, &items[i]) != 0)
			goto out;
	if (wire_rd_done(rd) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((error = crontab_item_check(c, user, &items[i], i, msg,
		    sizeof(msg))) != 0) {
			answer_error(&c->out, error, msg, i);
			goto out;
		}
	if (crontab_quota(c, user, n) != 0)
		goto out;
	if ((error = store_crontab_put(c->srv->st, user, text, len, items, n,
	    &bad, &created, &updated, &deleted)) != 0) {
		answer_store(c, error, bad);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_array(&c->out, 3);
	wire_int(&c->out, created);
	wire_int(&c->out, updated);
	wire_int(&c->out, deleted);
	c->srv->kick(c->srv->kick_arg);
out:
	for (i = 0; items != NULL && i < n; i++)
		wire_release(&wire_schedule, &items[i]);
	free(items);
	free(text);
	free(user);
}

void
op_crontab_remove(struct conn *c, struct wire_rd *rd)
{
	char *user = NULL;
	int64_t deleted = 0;
	int error;

	if (crontab_user(c, rd, &user) != 0 || wire_rd_done(rd) != 0)
		goto out;
	if ((error = store_crontab_remove(c->srv->st, user, &deleted)) != 0) {
		answer_store(c, error, 0);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_int(&c->out, deleted);
out:
	free(user);
}

/*
 * Schedule name, read into *sc, is the peer's (it runs as them): 0, else
 * the answer was written.
 */
static int
own_schedule(struct conn *c, const char *name, struct schedule *sc)
{
	char msg[200];
	int error;

	if ((error = store_schedule_get(c->srv->st, name, sc)) != 0) {
		answer_store(c, error, 0);
		return error;
	}
	if (!c->peer.all && (sc->run_as == NULL ||
	    strcmp(sc->run_as, c->peer.name) != 0)) {
		snprintf(msg, sizeof(msg), "schedule %s is not yours (it runs "
		    "as %s)", name, sc->run_as != NULL ? sc->run_as :
		    "jobd's own user");
		answer_error(&c->out, -EACCES, msg, 0);
		schedule_clear(sc);
		return -EACCES;
	}
	return 0;
}

struct find_id {
	int64_t		 id;
	struct conn	*c;
	bool		 found, theirs;
};

static int
find_schedule_id(const struct schedule *s, void *arg)
{
	struct find_id *f = arg;

	if (s->id != f->id)
		return 0;
	f->found = true;
	f->theirs = f->c->peer.all || (s->run_as != NULL &&
	    strcmp(s->run_as, f->c->peer.name) == 0);
	return 1;
}

/* Schedule id is the peer's: 0, else the answer was written. */
static int
own_schedule_id(struct conn *c, int64_t id)
{
	struct find_id f = { .id = id, .c = c };
	int error;

	if (c->peer.all)
		return 0;
	error = store_schedule_list(c->srv->st, find_schedule_id, &f);
	if (error < 0) {
		answer_store(c, error, 0);
		return error;
	}
	if (!f.found || !f.theirs) {
		answer_error(&c->out, f.found ? -EACCES : -ENOENT, f.found ?
		    "not your schedule" : "no such schedule", 0);
		return f.found ? -EACCES : -ENOENT;
	}
	return 0;
}

/*
 * The argument that is a schedule's name alone, of request op: the
 * peer's schedule of that name into *sc.  0, else the answer or rd's
 * error says why.
 */
static int
own_schedule_arg(struct conn *c, struct wire_rd *rd, const char *op,
    struct schedule *sc)
{
	char *name = NULL;
	int error;

	if (wire_get_str(rd, &name) == 0 && name == NULL)
		wire_rd_fail(rd, -EBADMSG, "%s: no name", op);
	if (rd->error != 0 || wire_rd_done(rd) != 0) {
		free(name);
		return rd->error;
	}
	error = own_schedule(c, name, sc);
	free(name);
	return error;
}

void
op_schedule(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc;

	if (own_schedule_arg(c, rd, "schedule", &sc) != 0)
		return;
	answer_begin(&c->out, 0);
	wire_put(&c->out, &wire_schedule, &sc);
	schedule_clear(&sc);
}

void
op_schedule_last(struct conn *c, struct wire_rd *rd)
{
	struct sched_last l;
	int64_t id;
	int error;

	if (wire_get_int(rd, &id) != 0 || wire_rd_done(rd) != 0 ||
	    own_schedule_id(c, id) != 0)
		return;
	if ((error = store_schedule_last(c->srv->st, id, &l)) != 0) {
		answer_store(c, error, 0);
		return;
	}
	answer_begin(&c->out, 0);
	wire_put(&c->out, &wire_sched_last, &l);
}

static int
list_slot(const struct slot_info *si, void *arg)
{
	return list_put(arg, si);
}

void
op_schedule_slots(struct conn *c, struct wire_rd *rd)
{
	struct list_ctx l = { .t = &wire_slot };
	int64_t id, limit;
	size_t n;

	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "schedule-slots: [id, limit]");
	if (rd->error != 0 || wire_get_int(rd, &id) != 0 ||
	    wire_get_int(rd, &limit) != 0 || wire_rd_done(rd) != 0)
		return;
	if (limit <= 0 || limit > STORE_SLOTS_KEPT) {
		wire_rd_fail(rd, -EINVAL, "schedule-slots: limit %" PRId64,
		    limit);
		return;
	}
	if (own_schedule_id(c, id) != 0)
		return;
	wire_begin(&l.items);
	list_answer(c, &l, store_schedule_slots(c->srv->st, id, limit,
	    list_slot, &l));
}

/*
 * A schedule a user adds or changes: it runs as them, is theirs ("cli"),
 * and passes the rules; with replace, the one it replaces is theirs too.
 * 0, else the answer was written.
 */
static int
schedule_allowed(struct conn *c, struct schedule *sc, bool replacing)
{
	struct schedule old;
	char msg[512];
	int error;

	if (sc->name == NULL) {
		answer_error(&c->out, -EINVAL, "a schedule without a name", 0);
		return -EINVAL;
	}
	if (!c->peer.all) {
		if (sc->run_as == NULL &&
		    (sc->run_as = strdup(c->peer.name)) == NULL) {
			answer_error(&c->out, -ENOMEM, "out of memory", 0);
			return -ENOMEM;
		}
		if (strcmp(sc->run_as, c->peer.name) != 0) {
			snprintf(msg, sizeof(msg), "a schedule added through "
			    "jobd's socket runs as its owner (%s), not as %s",
			    c->peer.name, sc->run_as);
			answer_error(&c->out, -EPERM, msg, 0);
			return -EPERM;
		}
		free(sc->source);
		if ((sc->source = strdup("cli")) == NULL) {
			answer_error(&c->out, -ENOMEM, "out of memory", 0);
			return -ENOMEM;
		}
	}
	if ((error = schedule_rules(c, sc, 0, msg, sizeof(msg))) != 0) {
		answer_error(&c->out, error, msg, 0);
		return error;
	}
	if (replacing) {
		if ((error = own_schedule(c, sc->name, &old)) == 0)
			schedule_clear(&old);
		else if (error != -ENOENT)
			return error;
		else
			wire_buf_free(&c->out);	/* none: nothing refused */
	}
	return 0;
}

void
op_schedule_add(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc;
	bool replace = false;
	int64_t id = 0;
	size_t n;
	int error;

	memset(&sc, 0, sizeof(sc));
	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "schedule-add: [schedule, "
		    "replace]");
	if (rd->error != 0 || wire_get(rd, &wire_schedule, &sc) != 0 ||
	    wire_get_bool(rd, &replace) != 0 || wire_rd_done(rd) != 0 ||
	    schedule_allowed(c, &sc, replace) != 0 ||
	    (!replace && crontab_quota_add(c, 1) != 0))
		goto out;
	if ((error = store_schedule_put(c->srv->st, &sc, replace, &id)) != 0) {
		answer_store(c, error, 0);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_int(&c->out, id);
	c->srv->kick(c->srv->kick_arg);
out:
	wire_release(&wire_schedule, &sc);
}

void
op_schedule_set(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc, old;
	bool new_next = false;
	size_t n;
	int error;

	memset(&sc, 0, sizeof(sc));
	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "schedule-set: [schedule, "
		    "new_next]");
	if (rd->error != 0 || wire_get(rd, &wire_schedule, &sc) != 0 ||
	    wire_get_bool(rd, &new_next) != 0 || wire_rd_done(rd) != 0 ||
	    sc.name == NULL || own_schedule(c, sc.name, &old) != 0)
		goto out;
	schedule_clear(&old);
	if (schedule_allowed(c, &sc, false) != 0)
		goto out;
	if ((error = store_schedule_set(c->srv->st, &sc, new_next)) != 0) {
		answer_store(c, error, 0);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_null(&c->out);
	c->srv->kick(c->srv->kick_arg);
out:
	if (rd->error == 0 && sc.name == NULL && c->out.p == NULL)
		answer_error(&c->out, -EINVAL, "a schedule without a name", 0);
	wire_release(&wire_schedule, &sc);
}

void
op_schedule_remove(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc;
	int error;

	if (own_schedule_arg(c, rd, "schedule-remove", &sc) != 0)
		return;
	error = store_schedule_delete(c->srv->st, sc.name);
	schedule_clear(&sc);
	if (error != 0) {
		answer_store(c, error, 0);
		return;
	}
	answer_begin(&c->out, 0);
	wire_null(&c->out);
}

void
op_schedule_enable(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc;
	char *name = NULL;
	bool enabled = false;
	int64_t next = 0;
	size_t n;
	int error;

	if (wire_get_array(rd, &n) == 0 && n != 3)
		wire_rd_fail(rd, -EBADMSG, "schedule-enable: [name, enabled, "
		    "next_run_at]");
	if (rd->error != 0 || wire_get_str(rd, &name) != 0 ||
	    wire_get_bool(rd, &enabled) != 0 ||
	    wire_get_int(rd, &next) != 0 || wire_rd_done(rd) != 0)
		goto out;
	if (name == NULL) {
		wire_rd_fail(rd, -EBADMSG, "schedule-enable: no name");
		goto out;
	}
	if (own_schedule(c, name, &sc) != 0)
		goto out;
	schedule_clear(&sc);
	if ((error = store_schedule_enable(c->srv->st, name, enabled,
	    next)) != 0) {
		answer_store(c, error, 0);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_null(&c->out);
	c->srv->kick(c->srv->kick_arg);
out:
	free(name);
}

void
op_schedule_run(struct conn *c, struct wire_rd *rd)
{
	struct schedule sc;
	struct slot sl;
	int error;

	if (own_schedule_arg(c, rd, "schedule-run", &sc) != 0)
		return;
	if (pending_quota_add(c, 1) != 0) {
		schedule_clear(&sc);
		return;
	}
	memset(&sl, 0, sizeof(sl));
	error = store_schedule_fire(c->srv->st, &sc, &sl, 1, 0,
	    clock_wall_ms(c->srv->clock));
	schedule_clear(&sc);
	if (error != 0) {
		answer_store(c, error, 0);
		return;
	}
	answer_begin(&c->out, 0);
	wire_int(&c->out, sl.job_id);
	c->srv->kick(c->srv->kick_arg);
}
