# backends: sqlite postgresql
# jobctl wait, logs and dead end to end.  The daemon is not involved: job
# states, attempts and dead-letter rows are written with the sqlite3 CLI,
# as a daemon would leave them (see schema/001_init.sql).
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s) * 1000)); }

# A new pending job running CMD; prints its id.
mkjob() {
	"$JOBCTL" submit "$@" 2>>"$T/setup.err"
}

# Job ID ended done / cancelled, as the daemon would leave it.
set_done() {
	sql "UPDATE jobs SET state = 'done', exit_code = 0, attempts = 1, \
finished_at = $(now_ms), updated_at = $(now_ms) WHERE id = $1"
}
set_cancelled() {
	sql "UPDATE jobs SET state = 'cancelled', finished_at = $(now_ms), \
updated_at = $(now_ms), last_error = 'cancelled' WHERE id = $1"
}

# An attempt row: job attempt exit_code signal outcome output dropped
# (exit_code, signal, output: SQL literals such as NULL or sql_blob's).
attempt() {
	sql "INSERT INTO attempts (job_id, attempt, owner, started_at, \
finished_at, exit_code, signal, outcome, output, output_dropped, error) \
VALUES ($1, $2, 'test-owner', $(now_ms), $(now_ms), $3, $4, '$5', $6, $7, \
NULL)"
}

# Move job ID into the dead-letter table: id reason dead_at exit_code.
to_dead() {
	sql "INSERT INTO dead_jobs (id, queue, command, priority, run_at, \
attempts, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, \
idempotency_key, schedule_id, slot_at, env, cwd, run_as, created_at, \
updated_at, finished_at, exit_code, last_error, dead_at, reason) \
SELECT id, queue, command, priority, run_at, \
(SELECT count(*) FROM attempts a WHERE a.job_id = jobs.id), max_attempts, \
timeout_ms, backoff_ms, backoff_max_ms, idempotency_key, schedule_id, \
slot_at, env, cwd, run_as, created_at, $3, $3, $4, '$2', $3, '$2' \
FROM jobs WHERE id = $1; DELETE FROM jobs WHERE id = $1;"
}

# The bytes of file F as an SQL blob literal.
blob() {
	sql_blob "$(od -An -v -tx1 "$1" | tr -d ' \n')"
}

# Like run, but an exit status of 128 or more is what wait reports for a
# job killed by a signal, not a crash; sanitizer reports still fail.  The
# command is bounded by a timeout so that a wait that never returns fails
# the case instead of the whole script.
runw() {
	timeout -k 2 20 "$JOBCTL" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$T/.err"; then
		fail "no crash: jobctl $*" "$(grep -m1 -e Sanitizer \
		    -e 'runtime error' "$T/.err")"
		problem "sanitizer report"
	fi
	return 0
}

D=$(now_ms)
DAY=86400000

# --- wait ----------------------------------------------------------------
begin "wait: a job already done returns 0 at once, prints nothing"
A=$(mkjob echo a)
set_done "$A"
runw wait "$A"
expect_rc 0
expect_out_empty
expect_err_empty
end

begin "wait: returns 0 after another process marks the job done"
B=$(mkjob echo b)
(sleep 0.3; sql "UPDATE jobs SET state = 'done', exit_code = 0, \
finished_at = $(now_ms), updated_at = $(now_ms) WHERE id = $B") &
W=$!
runw wait --json "$B"
wait "$W" || problem "the background writer failed"
expect_rc 0
[ "$(printf '%s\n' "$OUT" | json '[d["id"], d["state"], d["exit_code"]]')" \
    = "[$B, \"done\", 0]" ] || problem "json: $OUT"
[ "$(wc -l <"$T/.out")" -eq 1 ] || problem "not one line: $OUT"
end

begin "wait: a dead job's exit code 3 becomes the exit status"
C=$(mkjob exit 3)
attempt "$C" 1 3 NULL failed NULL 0
to_dead "$C" "failed 1 of 1 attempts" "$D" 3
runw wait "$C"
expect_rc 3
expect_out_empty
expect_err_contains "job $C is dead"
end

begin "wait: a dead job killed by signal 9 exits 137"
K=$(mkjob sleep 100)
attempt "$K" 1 NULL 9 timeout NULL 0
to_dead "$K" "timed out" "$D" NULL
runw wait "$K"
expect_rc 137
expect_err_contains "signal 9"
end

begin "wait: a dead job with neither exit code nor signal exits 1"
L=$(mkjob echo lost)
attempt "$L" 1 NULL NULL lost NULL 0
to_dead "$L" "lease lost" "$D" NULL
runw wait "$L"
expect_rc 1
expect_err_contains "job $L is dead"
end

begin "wait: a cancelled job exits 1 and says so"
X=$(mkjob echo x)
set_cancelled "$X"
runw wait "$X"
expect_rc 1
expect_out_empty
expect_err_contains "job $X was cancelled"
end

begin "wait: several jobs: the first one not done, in argument order"
runw wait "$A" "$C" "$X"
expect_rc 3
runw wait "$A" "$X" "$C"
expect_rc 1
runw wait "$A" "$B"
expect_rc 0
end

begin "wait --json: one line per job with state and exit code"
runw --json wait "$A" "$C" "$K"
expect_rc 3
[ "$(json_lines "$T/.out")" = 3 ] || problem "not 3 JSON lines: $OUT"
grep -q "^{\"id\":$C,\"state\":\"dead\",\"exit_code\":3," "$T/.out" ||
    problem "no line for job $C: $OUT"
grep -q "^{\"id\":$K,\"state\":\"dead\",\"exit_code\":null,\"signal\":9}" \
    "$T/.out" || problem "no line for job $K: $OUT"
end

begin "wait --timeout 200ms on a pending job: 124, the job named"
P=$(mkjob echo pending)
runw wait --timeout 200ms "$P"
expect_rc 124
expect_out_empty
expect_err_contains "timed out"
expect_err_contains "job $P (pending)"
runw wait -t 200ms "$A" "$P"
expect_rc 124
expect_err_contains "job $P (pending)"
if grep -q "job $A " "$T/.err"; then problem "a done job named: $ERR"; fi
end

begin "wait: a missing id exits 66 before waiting"
runw wait --timeout 10s "$P" 9999
expect_rc 66
expect_err_contains "9999"
if grep -q "timed out" "$T/.err"; then problem "it waited: $ERR"; fi
end

begin "wait: bad usage exits 64"
runw wait
expect_rc 64
runw wait abc
expect_rc 64
expect_err_contains '"abc"'
runw wait --timeout 5 "$A"
expect_rc 64
expect_err_contains "--timeout"
runw wait --bogus "$A"
expect_rc 64
end

# --- logs ----------------------------------------------------------------
begin "logs: raw bytes (NUL, invalid UTF-8, escapes) come out identical"
printf 'hello\000world\377\376\303(\n\033[31mred\033[0m\r\nend' >"$T/raw"
G=$(mkjob echo raw)
attempt "$G" 1 0 NULL ok "$(blob "$T/raw")" 0
set_done "$G"
run logs "$G"
expect_rc 0
expect_err_empty
cmp -s "$T/.out" "$T/raw" || problem "output differs: $(od -c "$T/.out" |
    head -3)"
end

# Output is the job's: on a terminal it must not drive it (OSC 52 sets
# the clipboard, CSI 2J clears the screen, a CR overwrites the line).
begin "logs on a terminal: control characters escaped, newlines and tabs kept; --raw and a pipe give the bytes"
printf 'ok\tline\n\033]52;c;ZXZpbA==\a\033[2Jsafe\rfake\n\302\233x\377\n' \
    >"$T/tty"
TT=$(mkjob echo tty)
attempt "$TT" 1 0 NULL ok "$(blob "$T/tty")" 0
set_done "$TT"
run_tty logs "$TT"
expect_rc 0
expect_err_empty
printf 'ok\tline\n\\x1b]52;c;ZXZpbA==\\x07\\x1b[2Jsafe\\x0dfake\n\\x9bx?\n' \
    >"$T/tty.want"
cmp -s "$T/.out" "$T/tty.want" ||
    problem "on a terminal: $(od -c "$T/.out" | head -4)"
run_tty logs --raw "$TT"
expect_rc 0
cmp -s "$T/.out" "$T/tty" ||
    problem "--raw on a terminal: $(od -c "$T/.out" | head -4)"
run logs "$TT"
expect_rc 0
cmp -s "$T/.out" "$T/tty" ||
    problem "to a file: $(od -c "$T/.out" | head -4)"
"$JOBCTL" logs "$TT" | cat >"$T/.pipe"
cmp -s "$T/.pipe" "$T/tty" ||
    problem "to a pipe: $(od -c "$T/.pipe" | head -4)"
run logs --raw --json "$TT"
expect_rc 64
expect_err_contains "--raw and --json"
end

begin "logs: the last attempt by default, --attempt N, -a N"
H=$(mkjob echo multi)
attempt "$H" 1 1 NULL failed "$(sql_blob 66697273740a)" 0	# "first\n"
attempt "$H" 2 0 NULL ok "$(sql_blob 7365636f6e640a)" 0	# "second\n"
run logs "$H"
expect_rc 0
[ "$OUT" = second ] || problem "default: $OUT"
run logs --attempt 1 "$H"
expect_rc 0
[ "$OUT" = first ] || problem "--attempt 1: $OUT"
run logs "$H" -a 2
expect_rc 0
[ "$OUT" = second ] || problem "-a 2: $OUT"
end

begin "logs --attempt: a number that does not exist exits 66"
run logs --attempt 3 "$H"
expect_rc 66
expect_out_empty
expect_err_contains "no attempt 3"
run logs --attempt 0 "$H"
expect_rc 64
end

begin "logs --attempt: the latest of two attempts with the same number"
R=$(mkjob echo retried)
attempt "$R" 1 1 NULL failed "$(sql_blob 6f6c640a)" 0	# "old\n"
attempt "$R" 1 0 NULL ok "$(sql_blob 6e65770a)" 0	# "new\n"
run logs -a 1 "$R"
expect_rc 0
[ "$OUT" = new ] || problem "got: $OUT"
end

begin "logs: dropped output is noted on stderr, the tail printed"
Q=$(mkjob yes)
attempt "$Q" 1 0 NULL ok "$(sql_blob 7461696c0a)" 123456	# "tail\n"
run logs "$Q"
expect_rc 0
[ "$OUT" = tail ] || problem "stdout: $OUT"
expect_err_contains "the first 123456 bytes of output were dropped (max_output)"
end

begin "logs: a job that has not run yet exits 66"
N=$(mkjob echo never)
run logs "$N"
expect_rc 66
expect_out_empty
expect_err_contains "job $N has not run yet"
run logs 9999
expect_rc 66
expect_err_contains "9999"
end

begin "logs --json: one object, the output sanitised"
run logs --json "$G"
expect_rc 0
[ "$(json_lines "$T/.out")" = 1 ] || problem "not one JSON line: $OUT"
got=$(printf '%s\n' "$OUT" |
    json '[d["id"], d["attempt"], d["output_dropped"]]')
[ "$got" = "[$G, 1, 0]" ] || problem "fields: $OUT"
want="'hello\\x00world\\ufffd\\ufffd\\ufffd(\\n\\x1b[31mred\\x1b[0m\\r\\nend'"
got=$(printf '%s\n' "$OUT" | json 'ascii(d["output"])')
[ "$got" = "$want" ] || problem "output: $got"
if grep -q "$(printf '\033')" "$T/.out"; then
	problem "raw escape in JSON"
fi
run logs "$Q" --json
[ "$(printf '%s\n' "$OUT" | json 'd["output_dropped"]')" = 123456 ] ||
    problem "output_dropped: $OUT"
end

# --- dead ----------------------------------------------------------------
# Two dead jobs of queue "mail", one of "web"; one died 2 days ago.
OLD=$(mkjob --queue mail send-mail old)
attempt "$OLD" 1 1 NULL failed "$(sql_blob 6f6c64206661696c0a)" 0
to_dead "$OLD" "failed 1 of 1 attempts" $((D - 2 * DAY)) 1
LONGCMD=$(printf 'x%.0s' $(seq 1 100))
M=$(mkjob --queue mail "$LONGCMD")
attempt "$M" 1 2 NULL failed NULL 0
attempt "$M" 2 2 NULL failed NULL 0
to_dead "$M" "failed 2 of 2 attempts" "$D" 2
WEB=$(mkjob --queue web curl example)
attempt "$WEB" 1 7 NULL failed NULL 0
to_dead "$WEB" "failed 1 of 1 attempts" "$D" 7
LIVE=$(mkjob --queue mail echo live)

begin "dead list: dead jobs only, newest first, as a table"
run dead list
expect_rc 0
expect_err_empty
head -1 "$T/.out" |
    grep -q '^ID  *QUEUE  *ATTEMPTS  *DIED  *COMMAND  *REASON$' ||
    problem "header: $(head -1 "$T/.out")"
ids=$(sed 1d "$T/.out" | awk '{print $1}' | tr '\n' ' ')
[ "$ids" = "$WEB $M $OLD $L $K $C " ] || problem "ids: $ids"
expect_out_contains "2d ago"
expect_out_contains "failed 2 of 2 attempts"
if grep -q "^$LIVE " "$T/.out"; then problem "live job listed"; fi
end

begin "dead list: the command is cut to 40 columns"
grep -q "$LONGCMD" "$T/.out" && problem "full 100-column command printed"
grep -q "^$M .*xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" "$T/.out" ||
    problem "command prefix missing: $(grep "^$M " "$T/.out")"
w=$(grep "^$M " "$T/.out" | grep -o 'xxx*' | head -1)
[ "${#w}" -lt 40 ] || problem "cell: ${#w} x's"
end

begin "dead list --queue, --limit, --json"
run dead list --queue mail
expect_rc 0
[ "$(sed 1d "$T/.out" | awk '{print $1}' | tr '\n' ' ')" = "$M $OLD " ] ||
    problem "--queue mail: $OUT"
run dead list -n 1
[ "$(sed 1d "$T/.out" | wc -l)" -eq 1 ] || problem "--limit 1: $OUT"
run dead list --json -q mail
expect_rc 0
[ "$(json_lines "$T/.out")" = 2 ] || problem "not 2 JSON lines: $OUT"
got=$(head -1 "$T/.out" |
    json '[d["id"], d["state"], d["queue"], d["dead_reason"], d["exit_code"]]')
[ "$got" = "[$M, \"dead\", \"mail\", \"failed 2 of 2 attempts\", 2]" ] ||
    problem "json: $got"
run --json dead list --limit 0
expect_rc 64
end

begin "dead show: a dead job, with why it died and its attempts"
run dead show "$M"
expect_rc 0
expect_out_contains "dead reason:"
expect_out_contains "failed 2 of 2 attempts"
expect_out_contains "ATTEMPT"
run dead show "$M" --json
expect_rc 0
[ "$(printf '%s\n' "$OUT" | json '[d["state"], len(d["history"])]')" = \
    '["dead", 2]' ] || problem "json: $OUT"
end

begin "dead show: a job that is not dead exits 66"
run dead show "$LIVE"
expect_rc 66
expect_out_empty
expect_err_contains "job $LIVE is not dead"
run dead show 9999
expect_rc 66
end

begin "dead retry: a non-dead id exits 66, names it, changes nothing"
dbdump >"$T/before"
run dead retry "$M" "$LIVE"
expect_rc 66
expect_out_empty
expect_err_contains "job $LIVE is not dead"
run dead retry 9999
expect_rc 66
expect_err_contains "9999"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "dead retry ID: pending again, same id, attempts 0, history kept"
natt=$(sql "SELECT count(*) FROM attempts WHERE job_id = $M")
run dead retry "$M" "$M"
expect_rc 0
[ "$OUT" = "$M retried" ] || problem "stdout: $OUT"
[ "$(sql "SELECT state, attempts, CAST(exit_code IS NULL AS int), queue \
FROM jobs WHERE id = $M")" = "pending|0|1|mail" ] || problem "job row: $(sql \
    "SELECT * FROM jobs WHERE id = $M")"
[ "$(sql "SELECT count(*) FROM dead_jobs WHERE id = $M")" = 0 ] ||
    problem "still in dead_jobs"
[ "$(sql "SELECT count(*) FROM attempts WHERE job_id = $M")" = "$natt" ] ||
    problem "attempts rows changed"
[ "$(field "$M" 'd["command"]')" = "$LONGCMD" ] || problem "command"
run logs -a 1 "$M"
expect_rc 0
end

begin "dead retry --json: one object per id"
run dead retry --json "$WEB"
expect_rc 0
[ "$OUT" = "{\"id\":$WEB,\"state\":\"pending\"}" ] || problem "stdout: $OUT"
end

begin "dead retry: ids and --all together, or neither, is a usage error"
dbdump >"$T/before"
run dead retry --all "$OLD"
expect_rc 64
run dead retry
expect_rc 64
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "dead purge alone is a usage error that names --all and --older-than"
run dead purge
expect_rc 64
expect_err_contains "--all"
expect_err_contains "--older-than"
run dead purge --all --older-than 1d
expect_rc 64
run dead purge --older-than 5
expect_rc 64
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "dead purge --older-than: only jobs that died before, and their attempts"
ndead=$(sql 'SELECT count(*) FROM dead_jobs')
run dead purge --older-than 1d
expect_rc 0
[ "$OUT" = "1 purged" ] || problem "stdout: $OUT"
[ "$(sql "SELECT count(*) FROM dead_jobs WHERE id = $OLD")" = 0 ] ||
    problem "old job kept"
[ "$(sql "SELECT count(*) FROM attempts WHERE job_id = $OLD")" = 0 ] ||
    problem "old job's attempts kept"
[ "$(sql 'SELECT count(*) FROM dead_jobs')" = $((ndead - 1)) ] ||
    problem "others purged too"
end

begin "dead retry --all: every dead job back, the count printed"
ndead=$(sql 'SELECT count(*) FROM dead_jobs')
[ "$ndead" -ge 1 ] || problem "no dead jobs left to test with"
run dead retry --all
expect_rc 0
[ "$OUT" = "$ndead moved" ] || problem "stdout: $OUT"
[ "$(sql 'SELECT count(*) FROM dead_jobs')" = 0 ] || problem "dead left"
[ "$(sql "SELECT state FROM jobs WHERE id = $C")" = pending ] ||
    problem "job $C not pending"
run --json dead retry --all
expect_rc 0
[ "$OUT" = '{"moved":0}' ] || problem "json: $OUT"
end

begin "dead purge --all: everything dead, the count printed"
to_dead "$C" "failed" "$D" 3
to_dead "$K" "failed" "$D" NULL
run dead purge --all
expect_rc 0
[ "$OUT" = "2 purged" ] || problem "stdout: $OUT"
[ "$(sql 'SELECT count(*) FROM dead_jobs')" = 0 ] || problem "dead left"
run dead purge --all --json
[ "$OUT" = '{"purged":0}' ] || problem "json: $OUT"
end

begin "dead: a missing or unknown sub-command exits 64 and names it"
run dead
expect_rc 64
expect_err_contains "sub-command"
run dead frobnicate 1
expect_rc 64
expect_err_contains '"frobnicate"'
end

# --- usage and the man page ---------------------------------------------
SYN=$(mandoc -Tascii "$JOBD_TOP/man/jobctl.1" 2>/dev/null | col -b |
    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | tr -s ' \t\n' '   ' |
    tr 'A-Z' 'a-z')
for c in wait logs dead; do
	begin "$c --help: usage on stdout, exit 0, as in the man page"
	run "$c" --help
	expect_rc 0
	expect_err_empty
	expect_out_contains "usage: jobctl $c"
	grep '^usage: jobctl \|^       jobctl ' "$T/.out" |
	    sed 's/^usage: //; s/^ *//' | tr 'A-Z' 'a-z' >"$T/usage"
	while IFS= read -r u; do
		case $SYN in
		*"$u"*) ;;
		*) problem "not in the SYNOPSIS: $u" ;;
		esac
	done <"$T/usage"
	end
done

begin "dead SUB --help and --json before the sub-command"
run dead retry --help
expect_rc 0
expect_out_contains "jobctl dead retry"
run dead --json list -q web
expect_rc 0
[ "$(json_lines "$T/.out")" = 0 ] || problem "stdout: $OUT"
end

begin "jobctl --help lists wait, logs and dead"
run --help
expect_rc 0
for c in wait logs dead; do
	expect_out_contains "jobctl $c"
done
end

begin "--db after the command"
O=$DB		# on PostgreSQL: the same database, through --db only
is_pg || { O=$T/other.db; sqlite3 "$DB" ".backup '$O'"; }
(unset JOBD_DB; "$JOBCTL" wait "$A" --db "$O") >"$T/.out" \
    2>"$T/.err" || problem "wait --db: $(cat "$T/.err")"
(unset JOBD_DB; "$JOBCTL" dead list --db "$O") >"$T/.out" \
    2>"$T/.err" || problem "dead list --db: $(cat "$T/.err")"
end

[ -s "$T/setup.err" ] && info "setup: $(cat "$T/setup.err")"
exit 0
