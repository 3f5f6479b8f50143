# Every statement of the store runs on PostgreSQL as the backend sends it,
# and the statements whose PostgreSQL text differs mean what SQLite's do
# (tests/pg/check_sql.sh: its own private server; skipped without one).
. "$(dirname "$0")/lib.sh"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    ! command -v initdb >/dev/null 2>&1; then
	skip "pg statements" "PostgreSQL is not installed (apt-get install" \
	    "postgresql)"
	exit 0
fi
begin "pg statements: every statement prepares; the semantic checks pass"
if (cd "$JOBD_TOP" && TMPDIR=${PG_TMPDIR:-/tmp} sh tests/pg/check_sql.sh) \
    >"$T/check_sql.out" 2>&1
then
	info "$(tr '\n' ';' <"$T/check_sql.out")"
else
	problem "$(grep -E 'FAIL|failed|FAILED' "$T/check_sql.out" |
	    head -n 5)"
fi
end
exit 0
