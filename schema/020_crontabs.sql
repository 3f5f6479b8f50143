-- jobd schema: the crontabs that "jobctl crontab" installs.
--
-- A user's crontab as the user wrote it (comments, environment lines,
-- blank lines), so that "jobctl crontab -l" gives back those bytes: the
-- text, as a blob (any bytes but NUL).  Its entries are schedules of
-- source "crontab:~OWNER"; the text and those schedules are written in
-- one transaction (store_crontab.c), so they never disagree.
CREATE TABLE crontabs (
	owner		TEXT PRIMARY KEY,	-- the user name
	content		BLOB NOT NULL,
	updated_at	INTEGER NOT NULL
) STRICT;
