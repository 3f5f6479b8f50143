/*
 * useraccess: which users may use jobd through its submission socket.
 *
 * The socket lets ordinary users submit and manage their own jobs and
 * crontabs; jobd learns each one's uid from the connection.  Who may do so
 * is decided, as for crontab(1) with cron.allow and cron.deny, by two files
 * in a directory DIR (jobd's: the directory of jobd.conf, config_dir()):
 *
 *   - root (uid 0) is always allowed, and no file is read for it;
 *   - if DIR/users.allow exists, only the users it lists are allowed, and
 *     DIR/users.deny is not read;
 *   - else if DIR/users.deny exists, the users it lists are refused and
 *     every other user is allowed;
 *   - if neither exists, every user is allowed (Debian cron's default).
 *
 * Format: one user name per line.  Blanks (spaces, tabs, a carriage
 * return) at the start and end of a line are ignored, as are empty lines
 * and lines whose first non-blank byte is '#'; a UTF-8 byte order mark at
 * the start of the file is skipped.  A name matches only exactly (case
 * counts; no patterns, no uids).  A line with a blank inside ("alice bob")
 * is an error in the file, not a name: cron would take the whole line as
 * one name that matches nobody, which in a deny file silently lets through
 * the users it was meant to stop.  A line longer than USERACCESS_LINE_MAX
 * bytes (comment or not) is an error too.
 *
 * Fail closed: a file that exists but cannot be used refuses every user but
 * root, with a message naming the file and why: it cannot be opened or
 * read, it is not a regular file, it has an error above (reported as
 * "FILE:LINE: reason"), or someone other than root or jobd's own user owns
 * it or could write it (trust_check_stat; the same rule for DIR itself,
 * whose writers could remove or replace the files).  A bad line refuses
 * every user wherever it stands, before or after the user's own line: each
 * call reads the whole file.
 *
 * No state and no cache: each call stats DIR, opens the one or two files
 * and reads them once, line by line through a fixed buffer (no memory
 * grows with the file).  A change to a file counts from the next call.
 * Any thread may call it.
 */
#ifndef JOBD_USERACCESS_H
#define JOBD_USERACCESS_H

#include <stddef.h>
#include <sys/types.h>

#define USERACCESS_ALLOW	"users.allow"
#define USERACCESS_DENY		"users.deny"

/* Bytes of a line, its blanks included, its newline not. */
#define USERACCESS_LINE_MAX	1024

/*
 * Whether the user "user" (uid) may use jobd through its socket, by
 * DIR/users.allow and DIR/users.deny, with the rules above.  Returns:
 *
 *   0        allowed;
 *   -EACCES  refused by the rules, with the rule in err:
 *            "alice is not in DIR/users.allow" or
 *            "bob is listed in DIR/users.deny (line 3)";
 *   other    refused because a file cannot be used (see above), with
 *            "PATH: reason" in err: -EPERM (a file or DIR others could
 *            write, or that jobd may not read), -EISDIR, -EINVAL (not a
 *            regular file, or a bad line), -ENOENT (a symbolic link
 *            to nothing), -EIO and other errnos from open or read,
 *            -ENAMETOOLONG; or -EINVAL for an empty or NULL user or dir.
 *
 * Every non-zero return refuses; -EACCES is returned only for a rule, so
 * that a caller can tell a user's refusal from a broken file (which it
 * should log as the administrator's problem).  err: errlen bytes, may be
 * NULL.
 */
int	useraccess_check(const char *dir, const char *user, uid_t uid,
	    char *err, size_t errlen);

#endif /* JOBD_USERACCESS_H */
