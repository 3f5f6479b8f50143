/*
 * trust: the one rule for files whose contents decide what jobd runs.
 *
 * jobd runs what its database, jobd.conf and schedule files say, as the
 * users they name (any user, when jobd is root).  Whoever can change one of
 * those files can therefore make jobd run commands: the database's writers
 * are jobd's access control.  A file is trusted when it is owned by root
 * or by our effective uid and is not writable by its group or by others; a
 * symbolic link is judged by lstat, that is never trusted where it stands
 * for the file itself (the database path), since its target could be
 * anywhere.  The directory holding the database must pass the same rule:
 * whoever can write there can put another file, or a -wal, in its place.
 * With the directory trusted, the names in it cannot change under us
 * between the check and the open (the database is then opened with
 * SQLITE_OPEN_NOFOLLOW, in its directory's real path).  Directories above
 * it are not checked: as for cron's spool, their owners are trusted.
 *
 * The same rule holds whatever our uid: a jobd that is not root runs every
 * job as its own user, and a file another user could write would give
 * that user this one's rights.
 *
 * Pure checks: nothing is changed, nothing exits.  Each refusal is -EPERM
 * with a one-line message that names the file, what was found (owner or
 * mode) and the fix (chown or chmod).  Any thread may call these.
 */
#ifndef JOBD_TRUST_H
#define JOBD_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Apply the rule to *sb, the status of "path" (from fstat, or from lstat
 * for a symbolic link to be refused).  Returns 0, or -EPERM after writing
 * "PATH: reason; refused (fix: ...)" to err (errlen bytes; err may be
 * NULL).
 */
int	trust_check_stat(const struct stat *sb, const char *path, char *err,
	    size_t errlen);

/* trust_check_path() flags */
#define TRUST_MAY_BE_MISSING	0x01	/* a path that does not exist passes */
#define TRUST_FOLLOW		0x02	/* stat, not lstat: judge the target */

/*
 * lstat (with TRUST_FOLLOW, stat) "path" and apply the rule.  Returns 0, -EPERM as
 * trust_check_stat, -ENOENT (without TRUST_MAY_BE_MISSING) or another
 * negative errno from lstat, with "PATH: reason" in err.
 */
int	trust_check_path(const char *path, int flags, char *err,
	    size_t errlen);

/*
 * The database at "path": the directory holding it (the one a symbolic
 * link there leads to), the file itself (not a symbolic link) and its -wal
 * and -shm files, each where it exists (a
 * database not made yet, or its directory, passes: it will be made by us,
 * 0600 and 0700).  Returns 0, -EPERM with the
 * message of the first file refused, or another negative errno from
 * lstat with "PATH: reason".
 */
int	trust_check_db(const char *path, char *err, size_t errlen);

#endif /* JOBD_TRUST_H */
