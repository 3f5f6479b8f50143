/*
 * pq: libpq, loaded when a PostgreSQL database is first named.
 *
 * jobd and jobctl on a SQLite file never map libpq and what it pulls in
 * (TLS, Kerberos, LDAP: about 5 MiB of an idle jobd's resident memory);
 * pq_load() maps it (libpq.so.5, libpq5's) the first time a postgresql://
 * name is opened or checked, and the calls go through pq.<name>, libpq's
 * PQ<Name>.  The types and constants are <libpq-fe.h>'s.
 */
#ifndef JOBD_PQ_H
#define JOBD_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

struct pq_api {
	PGconn		*(*connectdbParams)(const char *const *,
			    const char *const *, int);
	void		 (*finish)(PGconn *);
	void		 (*reset)(PGconn *);
	ConnStatusType	 (*status)(const PGconn *);
	PGTransactionStatusType (*transactionStatus)(const PGconn *);
	char		*(*errorMessage)(const PGconn *);
	int		 (*socket)(const PGconn *);
	int		 (*backendPID)(const PGconn *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor,
			    void *);
	PGresult	*(*exec)(PGconn *, const char *);
	PGresult	*(*execParams)(PGconn *, const char *, int, const Oid *,
			    const char *const *, const int *, const int *,
			    int);
	PGresult	*(*prepare)(PGconn *, const char *, const char *, int,
			    const Oid *);
	PGresult	*(*execPrepared)(PGconn *, const char *, int,
			    const char *const *, const int *, const int *,
			    int);
	ExecStatusType	 (*resultStatus)(const PGresult *);
	char		*(*resultErrorMessage)(const PGresult *);
	char		*(*resultErrorField)(const PGresult *, int);
	int		 (*ntuples)(const PGresult *);
	int		 (*nfields)(const PGresult *);
	char		*(*fname)(const PGresult *, int);
	Oid		 (*ftype)(const PGresult *, int);
	char		*(*getvalue)(const PGresult *, int, int);
	int		 (*getlength)(const PGresult *, int, int);
	int		 (*getisnull)(const PGresult *, int, int);
	char		*(*cmdTuples)(PGresult *);
	void		 (*clear)(PGresult *);
	int		 (*consumeInput)(PGconn *);
	PGnotify	*(*notifies)(PGconn *);
	void		 (*freemem)(void *);
	unsigned char	*(*unescapeBytea)(const unsigned char *, size_t *);
	char		*(*escapeLiteral)(PGconn *, const char *, size_t);
	char		*(*escapeIdentifier)(PGconn *, const char *, size_t);
	PQconninfoOption *(*conninfoParse)(const char *, char **);
	void		 (*conninfoFree)(PQconninfoOption *);
};

/* libpq's calls, once pq_load() returned 0. */
extern struct pq_api pq;

/*
 * Map libpq, once (any thread; later calls return the first's result).
 * 0, or -ENOENT with a message naming the library and why (libpq5 not
 * installed, a symbol missing) in err (errlen bytes; err may be NULL).
 */
int	pq_load(char *err, size_t errlen);

#endif /* JOBD_PQ_H */
