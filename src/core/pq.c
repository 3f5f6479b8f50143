/*
 * pq: libpq, mapped with dlopen() the first time it is needed (pq.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "jobd/pq.h"

#define PQ_LIBRARY	"libpq.so.5"

struct pq_api pq;

/* Each member of struct pq_api and the libpq symbol it is. */
#define PQ_SYM(m, name)	{ offsetof(struct pq_api, m), name }
static const struct {
	size_t		 off;
	const char	*name;
} pq_syms[] = {
	PQ_SYM(connectdbParams, "PQconnectdbParams"),
	PQ_SYM(finish, "PQfinish"),
	PQ_SYM(reset, "PQreset"),
	PQ_SYM(status, "PQstatus"),
	PQ_SYM(transactionStatus, "PQtransactionStatus"),
	PQ_SYM(errorMessage, "PQerrorMessage"),
	PQ_SYM(socket, "PQsocket"),
	PQ_SYM(backendPID, "PQbackendPID"),
	PQ_SYM(setNoticeProcessor, "PQsetNoticeProcessor"),
	PQ_SYM(exec, "PQexec"),
	PQ_SYM(execParams, "PQexecParams"),
	PQ_SYM(prepare, "PQprepare"),
	PQ_SYM(execPrepared, "PQexecPrepared"),
	PQ_SYM(resultStatus, "PQresultStatus"),
	PQ_SYM(resultErrorMessage, "PQresultErrorMessage"),
	PQ_SYM(resultErrorField, "PQresultErrorField"),
	PQ_SYM(ntuples, "PQntuples"),
	PQ_SYM(nfields, "PQnfields"),
	PQ_SYM(fname, "PQfname"),
	PQ_SYM(ftype, "PQftype"),
	PQ_SYM(getvalue, "PQgetvalue"),
	PQ_SYM(getlength, "PQgetlength"),
	PQ_SYM(getisnull, "PQgetisnull"),
	PQ_SYM(cmdTuples, "PQcmdTuples"),
	PQ_SYM(clear, "PQclear"),
	PQ_SYM(consumeInput, "PQconsumeInput"),
	PQ_SYM(notifies, "PQnotifies"),
	PQ_SYM(freemem, "PQfreemem"),
	PQ_SYM(unescapeBytea, "PQunescapeBytea"),
	PQ_SYM(escapeLiteral, "PQescapeLiteral"),
	PQ_SYM(escapeIdentifier, "PQescapeIdentifier"),
	PQ_SYM(conninfoParse, "PQconninfoParse"),
	PQ_SYM(conninfoFree, "PQconninfoFree"),
};

static pthread_once_t	pq_once = PTHREAD_ONCE_INIT;
static int		pq_error;
static char		pq_why[256];

static void
pq_open(void)
{
	struct pq_api api;
	void *lib, *f;
	size_t i;

	if ((lib = dlopen(PQ_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pq_why, sizeof(pq_why), "cannot load %s, PostgreSQL's "
		    "client library (install libpq5): %s", PQ_LIBRARY,
		    dlerror());
		pq_error = -ENOENT;
		return;
	}
	for (i = 0; i < sizeof(pq_syms) / sizeof(pq_syms[0]); i++) {
		if ((f = dlsym(lib, pq_syms[i].name)) == NULL) {
			snprintf(pq_why, sizeof(pq_why), "%s has no %s: too "
			    "old a libpq", PQ_LIBRARY, pq_syms[i].name);
			pq_error = -ENOENT;
			dlclose(lib);
			return;
		}
		/* A function pointer is stored as the object pointer POSIX
		   dlsym() gives: the same representation. */
		memcpy((char *)&api + pq_syms[i].off, &f, sizeof(f));
	}
	pq = api;		/* never closed: libpq stays for the process */
}

int
pq_load(char *err, size_t errlen)
{
	(void)pthread_once(&pq_once, pq_open);
	if (pq_error != 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", pq_why);
	return pq_error;
}
