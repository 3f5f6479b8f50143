/*
 * mail: cron-style mail about a job's run, as pure functions: the policy
 * that decides whether an outcome is mailed, the check of an address list,
 * the message itself and the mailer's argument vector.  Sending is not
 * here: a mail is an ordinary notification job whose command is the
 * mailer and whose standard input is the composed message.
 *
 *   address list   what --mail-to, a schedule's mail_to and MAILTO give:
 *                  one or more addresses separated by commas (blanks
 *                  around a comma are allowed), at most MAIL_ADDRS_MAX
 *                  bytes and MAIL_ADDRS_N addresses.  An address is
 *                  printable ASCII without blanks, made of letters,
 *                  digits and !#$%&'*+/=?^_`{|}~.-@ (a local user name
 *                  such as "root", as cron allows, or local@domain with at
 *                  most one '@', not first or last); it does not start
 *                  with '-' (the mailer would take it for an option).
 *                  Anything else is refused, naming the bad part: a line
 *                  break or any other control byte (so "a@b\nBcc: x" can
 *                  never add a header), an empty item (",,"), a blank or
 *                  ':' inside an address, non-ASCII text.
 *   mail_on        never, failure, output, always (mail_on_parse).
 *
 * The message (mail_compose) uses LF line endings, as a local sendmail
 * reads them.  Every header value is built from the inputs with each
 * control byte (CR, LF, TAB, NUL-ish bytes, DEL) replaced by a space, so
 * no input can end a header line or start another.  The Subject is
 * cron's "Cron <user@host> command" naming jobd instead: "jobd
 * <user@host> command"; a command of many lines is joined into one, and
 * one longer than MAIL_SUBJECT_CMD_MAX bytes is cut at a character
 * boundary and ends in "...".  A Subject with non-ASCII text is written
 * as RFC 2047 encoded-words (UTF-8, base64), folded into lines that each
 * start with a space; bytes that are not valid UTF-8 become '?'.  The
 * body is the output as the job printed it.
 *
 * No state; every function is thread-safe.
 */
#ifndef JOBD_MAIL_H
#define JOBD_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAIL_ADDRS_MAX		900	/* bytes of an address list */
#define MAIL_ADDRS_N		32	/* addresses in one list */
#define MAIL_SUBJECT_CMD_MAX	200	/* bytes of the command in Subject */
/* A message from mail_addrs_check() always fits in this many bytes. */
#define MAIL_ERR_MAX		160

enum mail_on {
	MAIL_ON_UNSET = 0,	/* not set here: the default applies */
	MAIL_ON_NEVER,
	MAIL_ON_FAILURE,
	MAIL_ON_OUTPUT,		/* cron's rule: mail when the run printed */
	MAIL_ON_ALWAYS,
};

/*
 * Parse "never", "failure", "output" or "always" into *on.  0, or -EINVAL
 * (s NULL or anything else); *on is written only on success.
 */
int	mail_on_parse(const char *s, enum mail_on *on);

/* "never", "failure", "output", "always"; NULL for MAIL_ON_UNSET. */
const char *mail_on_name(enum mail_on on);

/*
 * Check a list of addresses "a@b, c" as given to --mail-to or MAILTO (see
 * above).  0, or -EINVAL with a one-line message in err (errlen bytes,
 * always terminated when errlen > 0; err may be NULL) naming the bad part
 * and not repeating the whole list: "control character 0x0a at byte 4",
 * "empty address at byte 3", "address \"a b\" contains a blank".
 */
int	mail_addrs_check(const char *list, char *err, size_t errlen);

/*
 * Should this outcome be mailed?  failed: the attempt failed (exit
 * non-zero, signal, timeout, spawn error); output_len: bytes the run
 * printed.
 *
 *   never     no
 *   failure   when failed
 *   output    when output_len > 0 (cron's rule, failed or not)
 *   always    yes
 *   unset     as failure, the built-in default
 */
bool	mail_wanted(enum mail_on on, bool failed, size_t output_len);

struct mail_msg {
	const char	*from, *to;	/* to: as checked above; from: one
					   address, or NULL for the user */
	const char	*user, *host;	/* run_as user, this host */
	const char	*command, *schedule;	/* schedule may be NULL */
	int64_t		 job_id;
	int		 attempt;
	const char	*outcome;	/* e.g. "exit 1", "signal 9", "done" */
	int64_t		 date;		/* Unix seconds, for Date: */
	const char	*body;		/* the output (tail) */
	size_t		 body_len;
};

/*
 * The whole RFC 5322 message into *out (malloc'd, NUL-terminated; *len
 * bytes without the NUL): From, To, Subject, Date (UTC), MIME-Version,
 * Content-Type: text/plain; charset=UTF-8, Content-Transfer-Encoding:
 * 8bit, Auto-Submitted: auto-generated, X-Jobd-Job-Id, X-Jobd-Attempt,
 * X-Jobd-Outcome, X-Jobd-Schedule (when there is one), a blank line, then
 * the body; an empty body reads "(no output)".  user, host, command and
 * outcome may be NULL (then "?").  0, -EINVAL (to or from refused by
 * mail_addrs_check, or more than one address in from) or -ENOMEM; *out
 * is written only on success.
 */
int	mail_compose(const struct mail_msg *m, char **out, size_t *len);

/*
 * The mailer's argv for this list of addresses: mailer -i ADDR..., one
 * argument per address (-i: a line of a single '.' does not end the
 * message).  NULL-terminated, malloc'd; free with mail_argv_free().  0,
 * -EINVAL (mailer NULL or empty, or to refused by mail_addrs_check) or
 * -ENOMEM; *argv is written only on success.
 */
int	mail_argv(const char *mailer, const char *to, char ***argv);
void	mail_argv_free(char **argv);

#endif /* JOBD_MAIL_H */
