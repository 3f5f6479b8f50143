/*
 * trust: is a file one that only root or we could have written?  See
 * include/jobd/trust.h for the rule and why it is the rule.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jobd/trust.h"

/* The name of uid into buf, or its number when it has none. */
static void
trust_user(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL && strlen(pw.pw_name) < len)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
}

int
trust_check_stat(const struct stat *sb, const char *path, char *err,
    size_t errlen)
{
	char owner[64], me[64], target[PATH_MAX];
	uid_t euid = geteuid();
	ssize_t n;

	if (err == NULL)
		errlen = 0;
	if (S_ISLNK(sb->st_mode)) {
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			n = 0;
		target[n] = '\0';
		if (errlen > 0)
			snprintf(err, errlen, "%s: is a symbolic link (to "
			    "\"%s\"), which jobd does not follow here: its "
			    "target could be anywhere; refused (fix: name the "
			    "file itself)", path, target);
		return -EPERM;
	}
	if (sb->st_uid != 0 && sb->st_uid != euid) {
		trust_user(sb->st_uid, owner, sizeof(owner));
		trust_user(euid, me, sizeof(me));
		if (errlen > 0)
			snprintf(err, errlen, "%s: owned by uid %lu (%s), not "
			    "by root or by jobd's user: that user could make "
			    "jobd run commands; refused (fix: chown %s %s)",
			    path, (unsigned long)sb->st_uid, owner,
			    euid == 0 ? "root" : me, path);
		return -EPERM;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: writable by group or others "
			    "(mode %04o): they could make jobd run commands; "
			    "refused (fix: chmod go-w %s%s)", path,
			    (unsigned)(sb->st_mode & 07777), path,
			    S_ISDIR(sb->st_mode) ? ", or use a directory of "
			    "jobd's own" : "");
		return -EPERM;
	}
	return 0;
}

int
trust_check_path(const char *path, int flags, char *err, size_t errlen)
{
	struct stat sb;
	int error;

	if (((flags & TRUST_FOLLOW) ? stat(path, &sb) : lstat(path, &sb)) ==
	    -1) {
		error = -errno;
		if (error == -ENOENT && (flags & TRUST_MAY_BE_MISSING))
			return 0;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-error));
		return error;
	}
	return trust_check_stat(&sb, path, err, errlen);
}

int
trust_check_db(const char *path, char *err, size_t errlen)
{
	static const char *const side[] = { "-wal", "-shm" };
	char buf[PATH_MAX + 8], *slash;
	size_t i, len = strlen(path);
	int error;

	if (len >= PATH_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/*
	 * The directory first: it guards the names of the others.  It may
	 * be a symbolic link: what counts is the directory the names are in.
	 */
	memcpy(buf, path, len + 1);
	if ((slash = strrchr(buf, '/')) == NULL)
		strcpy(buf, ".");
	else if (slash == buf)
		buf[1] = '\0';
	else
		*slash = '\0';
	if ((error = trust_check_path(buf, TRUST_MAY_BE_MISSING |
	    TRUST_FOLLOW, err, errlen)) != 0)
		return error;
	if ((error = trust_check_path(path, TRUST_MAY_BE_MISSING, err,
	    errlen)) != 0)
		return error;
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, side[i]);
		if ((error = trust_check_path(buf, TRUST_MAY_BE_MISSING, err,
		    errlen)) != 0)
			return error;
	}
	return 0;
}
