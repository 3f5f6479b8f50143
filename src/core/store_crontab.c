/*
 * store_crontab: the crontabs "jobctl crontab" installs.  A user's text is
 * kept as written (crontab -l gives it back), and the schedules of its
 * entries are synced in the same transaction, so that the text and the
 * schedules never disagree, whoever reads them or fails half way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/schedule.h"
#include "store_impl.h"

void
store_crontab_source(const char *user, char *buf, size_t len)
{
	snprintf(buf, len, "crontab:~%s", user);
}

void
store_crontab_prefix(const char *user, char *buf, size_t len)
{
	size_t i, n;

	if (len == 0)
		return;
	n = (size_t)snprintf(buf, len, "crontab-%s", user);
	for (i = 0; i < n && i < len - 1; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') ||
		    (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') ||
		    strchr("._-@", buf[i]) != NULL))
			buf[i] = '_';
}

int
store_crontab_get(struct store *st, const char *user, char **text,
    size_t *len)
{
	struct stmt *s;
	const void *p;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_crontab_get(st, user, text, len);
	*text = NULL;
	*len = 0;
	if ((s = store_stmt(st, Q_CRONTAB_GET, &error)) == NULL)
		return error;
	db_bind_text(s, 1, user);
	rc = db_step(s);
	if (rc == DB_ROW) {
		p = db_col_blob(s, 0, len);
		if ((*text = malloc(*len + 1)) == NULL)
			error = store_seterr(st, -ENOMEM, "out of memory");
		else {
			if (*len > 0)
				memcpy(*text, p, *len);
			(*text)[*len] = '\0';
		}
	} else if (rc == DB_DONE) {
		error = store_seterr(st, -ENOENT, "no crontab");
	} else {
		error = store_err(st, rc);
	}
	db_reset(s);
	return error;
}

int
store_crontab_put(struct store *st, const char *user, const char *text,
    size_t len, const struct schedule *items, size_t n, size_t *bad,
    int64_t *created, int64_t *updated, int64_t *deleted)
{
	char source[STORE_CRONTAB_SOURCE_MAX];
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_crontab_put(st, user, text, len, items, n, bad,
		    created, updated, deleted);
	store_crontab_source(user, source, sizeof(source));
	if ((s = store_stmt(st, Q_CRONTAB_PUT, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_schedule_sync_in(st, source, items, n, bad,
	    created, updated, deleted)) != 0)
		goto fail;
	db_bind_text(s, 1, user);
	/* An empty text stays one: a NULL pointer would bind NULL. */
	db_bind_blob(s, 2, len > 0 ? text : "", len);
	db_bind_int(s, 3, clock_wall_ms(st->clock));
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_crontab_remove(struct store *st, const char *user, int64_t *deleted)
{
	char source[STORE_CRONTAB_SOURCE_MAX];
	struct stmt *s;
	size_t bad;
	int error = 0;

	if (st->remote != NULL)
		return remote_crontab_remove(st, user, deleted);
	store_crontab_source(user, source, sizeof(source));
	if ((s = store_stmt(st, Q_CRONTAB_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	db_bind_text(s, 1, user);
	if ((error = store_run(st, s)) != 0)
		goto fail;
	if (db_changes(st) == 0) {
		error = store_seterr(st, -ENOENT, "no crontab");
		goto fail;
	}
	if ((error = store_schedule_sync_in(st, source, NULL, 0, &bad, NULL,
	    NULL, deleted)) != 0 || (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}
