/*
 * useraccess: users.allow and users.deny, read afresh at each call.  See
 * include/jobd/useraccess.h for the rules and why a file that cannot be
 * used refuses every user but root.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jobd/trust.h"
#include "jobd/useraccess.h"

#define UA_CHUNK	4096		/* bytes per read() */
#define UA_NOFILE	1		/* ua_scan_file(): no such file */

/* One pass over a file: the line being gathered and what was found. */
struct ua_scan {
	const char	*path;
	const char	*user;
	size_t		 userlen;
	unsigned long	 lineno;	/* lines ended so far */
	unsigned long	 match;		/* first line naming user; 0: none */
	size_t		 len;		/* bytes of the current line in line[] */
	char		 line[USERACCESS_LINE_MAX];
};

static void
ua_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s: %s", path, why);
}

/*
 * A file jobd may not read is a permission problem of the file, not a
 * refusal by the rules: keep -EACCES for the rules alone (see the header).
 */
static int
ua_errno(int error)
{
	return error == -EACCES ? -EPERM : error;
}

static int
ua_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The line gathered in sc->line ends: judge it. */
static int
ua_line(struct ua_scan *sc, char *err, size_t errlen)
{
	const char *s = sc->line, *e = sc->line + sc->len, *p;

	sc->lineno++;
	sc->len = 0;
	if (sc->lineno == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < e && ua_blank(*s))
		s++;
	while (e > s && ua_blank(e[-1]))
		e--;
	if (s == e || *s == '#')
		return 0;
	for (p = s; p < e; p++) {
		if (ua_blank(*p)) {
			if (errlen > 0)
				snprintf(err, errlen, "%s:%lu: a blank inside "
				    "a user name (one name per line, without "
				    "blanks)", sc->path, sc->lineno);
			return -EINVAL;
		}
	}
	if (sc->match == 0 && (size_t)(e - s) == sc->userlen &&
	    memcmp(s, sc->user, sc->userlen) == 0)
		sc->match = sc->lineno;
	return 0;
}

/* The n bytes at buf, next in the file. */
static int
ua_feed(struct ua_scan *sc, const char *buf, size_t n, char *err,
    size_t errlen)
{
	const char *nl;
	size_t k;
	int rc;

	while (n > 0) {
		nl = memchr(buf, '\n', n);
		k = nl != NULL ? (size_t)(nl - buf) : n;
		if (k > sizeof(sc->line) - sc->len) {
			if (errlen > 0)
				snprintf(err, errlen, "%s:%lu: line longer "
				    "than %d bytes", sc->path, sc->lineno + 1,
				    USERACCESS_LINE_MAX);
			return -EINVAL;
		}
		memcpy(sc->line + sc->len, buf, k);
		sc->len += k;
		if (nl == NULL)
			break;
		if ((rc = ua_line(sc, err, errlen)) != 0)
			return rc;
		buf += k + 1;
		n -= k + 1;
	}
	return 0;
}

/*
 * Read file "path" through for "user": 0 with *match set to the first line
 * that names user (0: none), UA_NOFILE when there is no file by that name
 * (nothing in err), or a negative errno with "PATH: reason" in err.
 */
static int
ua_scan_file(const char *path, const char *user, unsigned long *match,
    char *err, size_t errlen)
{
	struct ua_scan sc;
	struct stat st;
	char buf[UA_CHUNK];
	ssize_t n;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO in the file's place must not hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		rc = -errno;
		/*
		 * A symbolic link to nothing is a file meant to be there:
		 * taking it as absent would let in whom it was to keep out.
		 */
		if (rc == -ENOENT && lstat(path, &st) == -1 && errno == ENOENT)
			return UA_NOFILE;
		ua_err(err, errlen, path, rc == -ENOENT ?
		    "a symbolic link to a file that does not exist" :
		    strerror(-rc));
		return ua_errno(rc);
	}
	if (fstat(fd, &st) == -1) {
		rc = ua_errno(-errno);
		ua_err(err, errlen, path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		ua_err(err, errlen, path, "is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		ua_err(err, errlen, path, "not a regular file");
		goto out;
	}
	if ((rc = trust_check_stat(&st, path, err, errlen)) != 0)
		goto out;

	memset(&sc, 0, sizeof(sc));
	sc.path = path;
	sc.user = user;
	sc.userlen = strlen(user);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = ua_errno(-errno);
			ua_err(err, errlen, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = ua_feed(&sc, buf, (size_t)n, err, errlen)) != 0)
			goto out;
	}
	if (sc.len > 0 && (rc = ua_line(&sc, err, errlen)) != 0)
		goto out;	/* a last line without its newline */
	*match = sc.match;
out:
	close(fd);
	return rc;
}

/* dir "/" name into buf (len bytes), without doubling a '/'. */
static int
ua_path(char *buf, size_t len, const char *dir, const char *name, char *err,
    size_t errlen)
{
	size_t n = strlen(dir);
	int w;

	w = snprintf(buf, len, "%s%s%s", dir,
	    n > 0 && dir[n - 1] == '/' ? "" : "/", name);
	if (w < 0 || (size_t)w >= len) {
		ua_err(err, errlen, dir, "path too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

int
useraccess_check(const char *dir, const char *user, uid_t uid, char *err,
    size_t errlen)
{
	char path[PATH_MAX];
	unsigned long line;
	int rc;

	if (err == NULL)
		errlen = 0;
	if (errlen > 0)
		err[0] = '\0';
	if (uid == 0)
		return 0;
	if (user == NULL || *user == '\0') {
		if (errlen > 0)
			snprintf(err, errlen, "uid %lu: no user name",
			    (unsigned long)uid);
		return -EINVAL;
	}
	if (dir == NULL || *dir == '\0') {
		if (errlen > 0)
			snprintf(err, errlen, "no directory for %s and %s",
			    USERACCESS_ALLOW, USERACCESS_DENY);
		return -EINVAL;
	}
	/* Whoever could write dir could remove users.deny. */
	if ((rc = trust_check_path(dir, TRUST_MAY_BE_MISSING | TRUST_FOLLOW,
	    err, errlen)) != 0)
		return ua_errno(rc);

	if ((rc = ua_path(path, sizeof(path), dir, USERACCESS_ALLOW, err,
	    errlen)) != 0)
		return rc;
	if ((rc = ua_scan_file(path, user, &line, err, errlen)) == 0) {
		if (line != 0)
			return 0;
		if (errlen > 0)
			snprintf(err, errlen, "%s is not in %s", user, path);
		return -EACCES;
	}
	if (rc != UA_NOFILE)
		return rc;

	if ((rc = ua_path(path, sizeof(path), dir, USERACCESS_DENY, err,
	    errlen)) != 0)
		return rc;
	if ((rc = ua_scan_file(path, user, &line, err, errlen)) == UA_NOFILE)
		return 0;
	if (rc != 0)
		return rc;
	if (line == 0)
		return 0;
	if (errlen > 0)
		snprintf(err, errlen, "%s is listed in %s (line %lu)", user,
		    path, line);
	return -EACCES;
}
