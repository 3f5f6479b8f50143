/*
 * schema: the numbered migrations of schema/, embedded by the Makefile.
 * Migration i (0-based) is file schema/NNN_*.sql with NNN = i + 1; after it
 * is applied the database's PRAGMA user_version is i + 1.  PostgreSQL's
 * are those of schema/postgresql/, numbered the same way; the version is
 * kept in the table jobd_meta.
 */
#ifndef JOBD_SCHEMA_H
#define JOBD_SCHEMA_H

struct schema_migration {
	const char	*name;		/* file name, for messages */
	const char	*sql;		/* the whole file */
};

extern const struct schema_migration schema_migrations[];
extern const int schema_nmigrations;
extern const struct schema_migration schema_pg_migrations[];
extern const int schema_pg_nmigrations;

#endif /* JOBD_SCHEMA_H */
