/*
 * dburl: database names.  A name is either a PostgreSQL URI
 * (postgresql://... or postgres://..., the scheme in any case) or the path
 * of a SQLite file; nothing else is ever guessed.  Before a name reaches a
 * message or a log it goes through dburl_redact, which masks every
 * password in it: the one in a URI's user information, password= (and
 * sslpassword=) URI query parameters, and the same keys in libpq
 * keyword/value strings, which libpq's own messages may quote.
 *
 * Where it is unclear which bytes libpq would take as the password (an
 * unencoded '@', '/' or '?' in it), more is masked, never less: a message
 * may then lose part of a host name, never a byte of a secret.
 *
 * Pure functions: no allocation that outlives a call, no I/O; any thread
 * may call them.  <libpq-fe.h> is included by dburl.c only.
 */
#ifndef JOBD_DBURL_H
#define JOBD_DBURL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when "name" is a PostgreSQL URI: it starts with "postgresql://" or
 * "postgres://", the scheme in any case.  False for anything else, which
 * is the path of a SQLite file ("postgres.db", "./postgresql:/x"), and for
 * NULL.
 */
bool	dburl_is_postgres(const char *name);

/*
 * Copy "name" to out (outlen bytes, NUL included) with every password
 * replaced by "***", the user name and everything else kept:
 *
 *	postgresql://user:secret@host/db  ->  postgresql://user:***@host/db
 *	postgresql://h/db?password=x&sslmode=require
 *	    ->  postgresql://h/db?password=***&sslmode=require
 *	host=h password='a b' dbname=d  ->  host=h password=*** dbname=d
 *
 * An empty password is masked too.  The name of a SQLite file comes back
 * unchanged (unless it has the shape "key=value ...", when it is read as a
 * keyword/value string).  A result longer than outlen - 1 bytes is cut
 * there and always NUL-terminated; outlen 0 writes nothing.  NULL reads
 * as "".
 */
void	dburl_redact(const char *name, char *out, size_t outlen);

/*
 * Check a database name before it is used, for a clear error up front.
 * Refused: an empty name; a name with a control byte (a newline, say);
 * for a SQLite path, a name that is surely a URI gone wrong (another
 * scheme with "://", "postgresql:/x", "postgresq://...") or a libpq
 * keyword/value string (write "./NAME" for a file of such a name); for a
 * URI, a scheme not in lowercase (libpq takes only "postgresql://" and
 * "postgres://") and anything libpq's PQconninfoParse rejects (an unknown
 * parameter, a bad percent-encoding, an unclosed "[" ...).  Does not
 * connect.
 *
 * Returns 0, -EINVAL after writing a one-line message to err (errlen
 * bytes, NUL included; err may be NULL) that names the redacted name and
 * what is wrong, or -ENOMEM.  Neither the message nor anything else
 * holds a byte of a password.
 */
int	dburl_check(const char *name, char *err, size_t errlen);

#endif /* JOBD_DBURL_H */
