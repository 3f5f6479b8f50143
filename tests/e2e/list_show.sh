# backends: sqlite postgresql
# jobctl list and show end to end: order, filters, the table, JSON lines,
# every field, dead jobs, attempts, and hostile text in the database.
. "$(dirname "$0")/lib.sh"

hex() { printf "$1" | od -An -tx1 | tr -d ' \n'; }

# The ids in list's output (the table's first column, or JSON "id").
table_ids() { sed 1d "$T/.out" | awk '{ print $1 }' | tr '\n' ' '; }
json_ids() {
	python3 -c 'import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin) + " ")' \
	    <"$T/.out"
}

# Every key snake_case, every *_at value null or RFC 3339 UTC ending in Z,
# for each JSON line of $1 (the "env" object holds variable names).
json_style() {
	python3 -c 'import json, re, sys
bad = []
def walk(o, where):
    if isinstance(o, list):
        for i, v in enumerate(o):
            walk(v, "%s[%d]" % (where, i))
    elif isinstance(o, dict):
        for k, v in o.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", k):
                bad.append("key %r" % k)
            if k.endswith("_at") and v is not None and not (
                    isinstance(v, str) and re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", v)):
                bad.append("%s.%s = %r" % (where, k, v))
            if k != "env":
                walk(v, where + "." + k)
for n, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    walk(json.loads(line), "line%d" % (n + 1))
if bad:
    sys.exit(", ".join(bad[:5]))' "$1" || problem "JSON style"
}

use_db "$T/ls.db"

# Jobs 1..5 in queues a and b, then states set directly (no daemon yet).
"$JOBCTL" submit --queue a echo one >/dev/null
"$JOBCTL" submit --queue b echo two >/dev/null
"$JOBCTL" submit --queue a echo three >/dev/null
"$JOBCTL" submit --queue b echo four >/dev/null
"$JOBCTL" submit --queue a echo five >/dev/null
sql "UPDATE jobs SET state = 'done', finished_at = updated_at, exit_code = 0
	WHERE id = 1;
    UPDATE jobs SET state = 'running', attempts = 1, lease_owner = 'w1',
	lease_expires_at = updated_at + 60000 WHERE id = 2;
    UPDATE jobs SET state = 'cancelled', finished_at = updated_at WHERE id = 4;"

begin "list: newest first"
run list
expect_rc 0
expect_err_empty
[ "$(table_ids)" = "5 4 3 2 1 " ] || problem "table ids: $(table_ids)"
run list --json
[ "$(json_ids)" = "5 4 3 2 1 " ] || problem "json ids: $(json_ids)"
end

begin "list: human table header"
run list
set -- $(sed -n 1p "$T/.out")
[ "$*" = "ID STATE QUEUE PRI ATTEMPTS WHEN COMMAND" ] || problem "header: $*"
[ "$(sed -n 2p "$T/.out" | awk '{ print $1, $2, $3, $4, $5 }')" = \
    "5 pending a 0 0" ] || problem "row: $(sed -n 2p "$T/.out")"
expect_out_contains "echo five"
set --
end

begin "list --state"
for s in pending:"5 3 " running:"2 " done:"1 " cancelled:"4 "; do
	run list --state "${s%%:*}"
	expect_rc 0
	[ "$(table_ids)" = "${s#*:}" ] ||
	    problem "--state ${s%%:*}: $(table_ids)"
done
run list --state dead
expect_rc 0
[ "$(wc -l <"$T/.out")" -eq 1 ] || problem "dead: not just the header"
end

begin "list --queue"
run list --queue a
[ "$(table_ids)" = "5 3 1 " ] || problem "a: $(table_ids)"
run list --queue b --json
[ "$(json_ids)" = "4 2 " ] || problem "b: $(json_ids)"
run list --queue nosuchqueue
expect_rc 0
[ "$(wc -l <"$T/.out")" -eq 1 ] || problem "unknown queue lists jobs"
run list --queue a --state pending
[ "$(table_ids)" = "5 3 " ] || problem "a pending: $(table_ids)"
end

begin "list --limit"
run list --limit 2
[ "$(table_ids)" = "5 4 " ] || problem "2: $(table_ids)"
run list --limit 1 --json
[ "$(json_ids)" = "5 " ] || problem "1: $(json_ids)"
run list --limit 1000000 --state pending
[ "$(table_ids)" = "5 3 " ] || problem "1000000: $(table_ids)"
end

begin "list --json: one object per line, snake_case keys, UTC times"
run list --json
expect_rc 0
[ "$(json_lines "$T/.out")" = 5 ] || problem "not 5 JSON objects"
json_style "$T/.out"
[ "$(json 'd["state"] + " " + d["queue"] + " " + d["command"]' \
    <"$T/.out")" = "pending a echo five" ] || problem "first object"
end

begin "list on an empty database: header only, and no JSON"
use_db "$T/empty.db"
"$JOBCTL" submit echo x >/dev/null
sql 'DELETE FROM jobs'
run list
expect_rc 0
[ "$(wc -l <"$T/.out")" -eq 1 ] || problem "not just the header: $OUT"
run list --json
expect_rc 0
expect_out_empty
use_db "$T/ls.db"
end

# --- show ------------------------------------------------------------------
ID=$("$JOBCTL" submit --queue full --priority -3 --max-attempts 4 \
    --timeout 2m --backoff 3s,1h --key show-key --env FOO=bar \
    --env EMPTY= --cwd /srv/work --user "$(id -un)" \
    --at 2031-05-06T07:08:09Z -- sh -c 'exit 3' 2>/dev/null)

begin "show: human output has every field"
run show "$ID"
expect_rc 0
expect_err_empty
for f in "id:" "state:" "queue:" "command:" "priority:" "run at:" \
    "attempts:" "timeout:" "backoff:" "backoff max:" "key:" "env:" "cwd:" \
    "user:" "created:" "updated:" "finished:" "last error:"; do
	grep -q "^$f " "$T/.out" || problem "no \"$f\" line"
done
for v in "$ID" pending full "sh -c 'exit 3'" -3 2031-05-06 "0 of 4" 2m 3s \
    1h show-key FOO=bar EMPTY= /srv/work "$(id -un)"; do
	expect_out_contains "$v"
done
expect_out_contains "ATTEMPT"
end

begin "show --json: every key, history empty for a new job"
run show "$ID" --json
expect_rc 0
[ "$(json_lines "$T/.out")" = 1 ] || problem "not one JSON object"
json_style "$T/.out"
python3 -c 'import json, sys
d = json.load(sys.stdin)
want = set("""id state queue command priority run_at attempts max_attempts
timeout_ms backoff_ms backoff_max_ms idempotency_key schedule_id schedule
slot_at env cwd user cancel_requested lease_owner lease_expires_at
created_at updated_at finished_at exit_code last_error dead_at dead_reason
umask limit_nofile limit_nproc limit_as limit_cpu kill_mode mail_to mail_on
rerun_of reruns history on_dead on_failure on_success notify_of
notify_event waiting after dependents why""".split())
if set(d) != want:
    sys.exit("missing %s, extra %s" % (want - set(d), set(d) - want))
exp = {"id": int(sys.argv[1]), "state": "pending", "queue": "full",
    "command": "sh -c '"'"'exit 3'"'"'", "priority": -3,
    "run_at": "2031-05-06T07:08:09.000Z", "attempts": 0, "max_attempts": 4,
    "timeout_ms": 120000, "backoff_ms": 3000, "backoff_max_ms": 3600000,
    "idempotency_key": "show-key", "env": {"FOO": "bar", "EMPTY": ""},
    "cwd": "/srv/work", "user": sys.argv[2], "cancel_requested": False,
    "history": [], "finished_at": None, "dead_at": None, "rerun_of": None,
    "reruns": [], "why": {"reason": "due_later",
    "until": "2031-05-06T07:08:09.000Z", "jobs": [], "attempt": None,
    "limit": None, "text": d["why"]["text"]}}
bad = ["%s=%r" % (k, d[k]) for k in exp if d[k] != exp[k]]
if bad:
    sys.exit("wrong: " + ", ".join(bad))' "$ID" "$(id -un)" <"$T/.out" ||
    problem "keys"
end

begin "show --json of a running job: lease and attempts"
run show 2 --json
[ "$(json '[d["state"], d["attempts"], d["lease_owner"]]' <"$T/.out")" = \
    '["running", 1, "w1"]' ] || problem "$OUT"
run show 2
expect_out_contains "lease owner:"
expect_out_contains "w1"
end

# --- dead jobs, inserted directly (the daemon does not exist yet) -----------
# As the daemon would move them: the id stays taken (sqlite_sequence, or
# the sequence on PostgreSQL).
now=$(($(date +%s) * 1000))
sql "INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
	max_attempts, created_at, updated_at, finished_at, exit_code,
	last_error, dead_at, reason)
    VALUES (100, 'a', 'false', 0, $now - 60000, 3, 3, $now - 60000,
	$now - 1000, $now - 1000, 1, 'exit status 1', $now - 1000,
	'ran out of attempts (3 of 3)');
    $(sql_seq_min jobs 100);" >/dev/null

begin "list --state dead shows a dead job"
run list --state dead
expect_rc 0
[ "$(table_ids)" = "100 " ] || problem "ids: $(table_ids)"
expect_out_contains "dead"
run list --state dead --json
[ "$(json '[d["id"], d["state"], d["dead_reason"]]' <"$T/.out")" = \
    '[100, "dead", "ran out of attempts (3 of 3)"]' ] || problem "$OUT"
json_style "$T/.out"
run list
[ "$(table_ids)" = "100 $ID 5 4 3 2 1 " ] ||
    problem "not merged newest first: $(table_ids)"
end

begin "show of a dead job"
run show 100
expect_rc 0
expect_out_contains "dead since:"
expect_out_contains "ran out of attempts (3 of 3)"
expect_out_contains "exit status 1"
grep -q '^state: *dead' "$T/.out" || problem "state not dead"
run show 100 --json
[ "$(json '[d["state"], d["exit_code"], d["attempts"], d["max_attempts"],
    d["dead_at"] is not None, d["history"]]' <"$T/.out")" = \
    '["dead", 1, 3, 3, true, []]' ] || problem "$OUT"
end

begin "status counts the dead job"
run status --json
expect_rc 69
[ "$(json '[[q["queue"], q["dead"]] for q in d["queues"]], d["total"]["dead"]' \
    <"$T/.out")" = '[[["a", 1], ["b", 0], ["full", 0]], 1]' ] ||
    problem "$OUT"
run status
expect_rc 69
[ "$(awk '$1 == "a" { print $6 } $1 == "(total)" { print $6 }' \
    "$T/.out" | tr '\n' ' ')" = "1 1 " ] || problem "human: $OUT"
end

# --- attempts, inserted directly ------------------------------------------------
sql "UPDATE jobs SET attempts = 3 WHERE id = 3;
    INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
	exit_code, signal, outcome, output, output_dropped, error)
    VALUES (3, 1, 'host:1', $now - 300000, $now - 210000, 3, NULL,
	'failed', $(sql_blob 6f7574707574), 0, 'exit status 3'),
	(3, 2, 'host:1', $now - 200000, $now - 199500, NULL, 9, 'timeout',
	NULL, 4096, 'killed after 500ms'),
	(3, 3, 'host:2', $now - 1000, NULL, NULL, NULL, NULL, NULL, 0, NULL);"

begin "show reports attempts (human)"
run show 3
expect_rc 0
sed -n '/^ATTEMPT/,$p' "$T/.out" >"$T/att"
[ "$(wc -l <"$T/att")" -eq 4 ] || problem "not 3 attempt rows: $(cat "$T/att")"
for v in "1m30s" failed "exit status 3" "500ms" timeout "signal 9" \
    "killed after 500ms" running; do
	grep -qF -e "$v" "$T/att" || problem "attempts lack \"$v\""
done
end

begin "show --json reports attempts in history"
run show 3 --json
expect_rc 0
json_style "$T/.out"
python3 -c 'import json, sys
h = json.load(sys.stdin)["history"]
got = [(a["attempt"], a["owner"], a["outcome"], a["exit_code"], a["signal"],
    a["duration_ms"], a["output_bytes"], a["output_dropped"], a["error"],
    a["finished_at"] is None) for a in h]
want = [(1, "host:1", "failed", 3, None, 90000, 6, 0, "exit status 3", False),
    (2, "host:1", "timeout", None, 9, 500, 0, 4096, "killed after 500ms",
     False),
    (3, "host:2", None, None, None, None, 0, 0, None, True)]
if got != want:
    sys.exit("history %r" % (got,))
keys = set("""attempt owner started_at finished_at duration_ms exit_code
signal outcome output_bytes output_dropped error""".split())
if any(set(a) != keys for a in h):
    sys.exit("keys %r" % (sorted(h[0]),))' <"$T/.out" || problem "history"
end

# --- hostile text: terminal escapes, invalid UTF-8, newlines -----------------
# PostgreSQL keeps only UTF-8 text (jobctl refuses the rest with a clear
# error: bad_input.sh tests that): there the stored text has the escapes and
# newlines without the invalid bytes.
if is_pg; then
	hostile="terminal escapes"
	ff= ff1= nbad=0
else
	hostile="terminal escapes and invalid UTF-8"
	ff='\377\376' ff1='\377' nbad=2
fi
bad=$(hex "echo \033[31mRED\033[0m $ff tail\nsecond line\033]0;title\007")
esc=$(hex "\033[2J$ff1")
sql "INSERT INTO jobs (id, queue, command, run_at, idempotency_key, env, cwd,
	run_as, created_at, updated_at, last_error, state, lease_owner)
    VALUES (200, $(sql_text "71$esc"), $(sql_text "$bad"), $now,
	$(sql_text "6b$esc"), $(sql_blob "583d${esc}00"), $(sql_text "2f$esc"),
	$(sql_text "75$esc"), $now, $now, $(sql_text "65$esc"),
	'running', $(sql_text "6f$esc"));
    INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
	exit_code, outcome, error)
    VALUES (200, 1, $(sql_text "6f$esc"), $now - 5000, $now, 1,
	'failed', $(sql_text "$bad"));
    INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
	created_at, updated_at, dead_at, reason)
    VALUES (201, $(sql_text "71$esc"), $(sql_text "$bad"), 0, $now, 1,
	$now, $now, $now, $(sql_text "$bad"));
    $(sql_seq_min jobs 201);
    INSERT INTO daemons (instance, host, pid, boot_id, version, started_at,
	heartbeat_at)
    VALUES ($(sql_text "69$esc"), $(sql_text "$bad"),
	1, $(sql_text "62$esc"), $(sql_text "76$esc"), $now, $now);" >/dev/null

# No ESC, BEL or invalid UTF-8 in human output; returns the problems.
term_safe() {
	python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
why = []
if b"\x1b" in b: why.append("raw ESC")
if b"\x07" in b: why.append("raw BEL")
try: b.decode("utf-8")
except UnicodeDecodeError as e: why.append("invalid UTF-8: %s" % e)
sys.exit("; ".join(why) or None)' "$1" || problem "$2 not terminal-safe"
}

for c in "list" "list --state running" "list --state dead" "show 200" \
    "show 201" "status"; do
	begin "$c: $hostile are neutralised"
	# shellcheck disable=SC2086
	run $c
	expect_rc 0
	term_safe "$T/.out" "$c"
	[ "$c" = status ] || expect_out_contains '\x1b[31mRED'
	end
done

begin "list: a long command is cut to 60 columns with an ellipsis"
long=$(python3 -c 'print("echo " + "x" * 200)')
"$JOBCTL" submit "$long" >/dev/null
run list --limit 1
python3 -c 'import sys
row = open(sys.argv[1], encoding="utf-8").read().split("\n")[1]
cmd = row[row.index("echo "):]
sys.exit(None if len(cmd) == 60 and cmd.endswith("\u2026") else repr(cmd))' \
    "$T/.out" || problem "command cell"
run show "$(sql 'SELECT max(id) FROM jobs')"
expect_out_contains "$long"
sql "DELETE FROM jobs WHERE id = (SELECT max(id) FROM jobs)"
end

# jobctl writes env as "NAME=VALUE\0"...; a row written by anything else
# (an older or newer writer, a hand edit) may lack the final NUL.
sql "INSERT INTO jobs (id, command, run_at, env, created_at, updated_at)
    VALUES (300, 'env', $now, $(sql_blob 413d3100423d32), $now, $now);
    $(sql_seq_min jobs 300);" >/dev/null
for c in "show 300 --json" "show 300" "list --json --limit 1"; do
	begin "$c: an env blob without its final NUL is read safely"
	# shellcheck disable=SC2086
	run $c
	expect_rc 0
	expect_out_contains "A"
	case $c in
	*--json*)
		[ "$(json 'd["env"]["A"]' <"$T/.out" 2>&1)" = 1 ] ||
		    problem "env: $(json 'd["env"]' <"$T/.out" 2>&1)" ;;
	*)	expect_out_contains "A=1" ;;
	esac
	end
done
sql "DELETE FROM jobs WHERE id = 300"

begin "list: a command with a newline stays on one table row"
run list --state running
[ "$(wc -l <"$T/.out")" -eq 3 ] || problem "$(wc -l <"$T/.out") lines"
end

for c in "list --json" "show 200 --json" "show 201 --json" "status --json"; do
	begin "$c: hostile text still gives valid JSON"
	# shellcheck disable=SC2086
	run $c
	expect_rc 0
	n=$(json_lines "$T/.out" 2>&1) || problem "invalid JSON: $n"
	case $c in
	"list --json") [ "$n" = 9 ] || problem "$n objects, expected 9" ;;
	*) [ "$n" = 1 ] || problem "$n objects, expected 1" ;;
	esac
	end
done

begin "show --json: hostile text decodes to the stored text (U+FFFD for bad)"
run show 200 --json
python3 -c 'import json, sys
d = json.load(sys.stdin)
bad = "\ufffd" * int(sys.argv[1])	# a character for each invalid byte
want = "echo \x1b[31mRED\x1b[0m %s tail\nsecond line\x1b]0;title\x07" % bad
e = "\x1b[2J" + bad[:1]
got = (d["command"], d["queue"], d["idempotency_key"], d["env"], d["cwd"],
    d["user"], d["last_error"], d["lease_owner"], d["history"][0]["owner"],
    d["history"][0]["error"])
exp = (want, "q" + e, "k" + e, {"X": e}, "/" + e, "u" + e, "e" + e, "o" + e,
    "o" + e, want)
if got != exp:
    sys.exit("%r" % (got,))' "$nbad" <"$T/.out" ||
    problem "decoded text differs"
end

# An option a job leaves unset shows the default in effect: jobd's own, or
# jobd.conf's [job] section when jobctl finds one ($JOBD_CONFIG).
begin "show: an unset option shows the default in effect"
run submit -- echo defaults
D=$OUT
run show "$D"
expect_rc 0
expect_out_contains "attempts:        0 of 5 (default)"
expect_out_contains "timeout:         none (default)"
expect_out_contains "backoff:         10s (default)"
expect_out_contains "backoff max:     1h (default)"
printf '[job]\nmax_attempts = 2\ntimeout = 90m\n' >"$T/defaults.conf"
export JOBD_CONFIG="$T/defaults.conf"
run show "$D"
expect_rc 0
expect_out_contains "attempts:        0 of 2 (default)"
expect_out_contains "timeout:         1h30m (default)"
run submit --max-attempts 3 --timeout 5s -- echo own
run show "$OUT"
expect_out_contains "attempts:        0 of 3"
expect_out_contains "timeout:         5s"
grep -e '^attempts:' -e '^timeout:' "$T/.out" | grep -q '(default)' &&
    problem "own options shown as default"
run schedule add defs --cron '0 3 * * *' -- echo s
run schedule show defs
expect_out_contains "max attempts:    2 (default)"
expect_out_contains "timeout:         1h30m (default)"
export JOBD_CONFIG=
end

exit 0
