-- jobd schema for PostgreSQL, version 4: the crontabs that "jobctl
-- crontab" installs, as schema/020_crontabs.sql has them for SQLite.
CREATE TABLE crontabs (
	owner		text COLLATE "C" PRIMARY KEY,
	content		bytea NOT NULL,
	updated_at	bigint NOT NULL
);
