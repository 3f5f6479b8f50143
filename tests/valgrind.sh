#!/bin/sh
# valgrind memcheck over the real binaries: every jobctl command at least
# once (and some of its error paths), then a short jobd run on a database
# and a config in a temp dir (jobs that succeed, fail into the dead-letter
# table, time out, are cancelled, flood their output, cannot be spawned;
# cron, @reboot and manual schedule runs; SIGHUP; SIGTERM with a job
# running), with jobctl working against it.  POSIX sh; PASS/FAIL lines as
# in tests/e2e, "N passed, M failed" last; exit 0 only when all passed.
#
#   B=build tests/valgrind.sh         (make valgrind)
#
# Every jobctl and jobd run goes through
#
#   valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all
#       --errors-for-leak-kinds=definite,indirect,possible
#       --error-exitcode=99 --track-fds=yes --child-silent-after-fork=yes
#
# and its log is checked after each case.  A run fails its case when
# valgrind reports an error (invalid access, uninitialised value, bad
# free, a definite, indirect or possible leak), when its log has no final
# summary (it died), when it exits with an fd it opened still open, or
# when memory is still reachable at exit that is not a library's own
# load-once state:
#   - a block allocated inside SQLite: a connection was left open;
#   - a block whose allocation stack runs through our code, unless it
#     also runs through glibc's dynamic loader, NSS, iconv, locale or
#     time zone caches (kept until exit by design).  Only a jobctl error
#     path, which exit()s from the middle of a command, may leave such
#     blocks or an fd of ours open: that is reported (INFO), not failed;
#     a database left open is failed there too.
# jobd must exit 0 on SIGTERM with nothing reachable of ours: the loop
# closed, statements finalised, the database closed, threads joined.
#
# The temp dir (with every valgrind log) is kept when something failed.

if [ -z "${_JOBD_VG_INNER:-}" ]; then
	B=${B:-build}
	top=$(cd "$(dirname "$0")/.." && pwd)
	B=$(cd "$top" && cd "$B" && pwd) || exit 1
	if ! command -v valgrind >/dev/null; then
		echo "valgrind.sh: valgrind not found; install it with:" \
		    "apt-get install -y valgrind" >&2
		exit 1
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-valgrind.XXXXXX") || exit 1
	out=$(mktemp "${TMPDIR:-/tmp}/jobd-valgrind-out.XXXXXX") || exit 1
	# daemon_lib.sh finds lib.sh beside $0: source this file under a
	# name in tests/e2e.
	(cd "$dir" && _JOBD_VG_INNER=1 TMPDIR="$dir" HOME="$dir" \
	    XDG_STATE_HOME="$dir/state" XDG_CONFIG_HOME="$dir/config" \
	    JOBD_DB= JOBD_CONFIG= JOBCTL="$B/jobctl" JOBD_BUILD="$B" \
	    JOBD_TOP="$top" timeout -k 5 "${TEST_TIMEOUT:-900}" \
	    sh -c '. "$1"' "$top/tests/e2e/valgrind" "$top/tests/valgrind.sh") \
	    2>&1 | tee "$out"
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	grep -q '^INFO valgrind: ' "$out" || f=$((f + 1))	# did not finish
	rm -f "$out"
	if [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
		rm -rf "$dir"
	else
		echo "valgrind logs kept in $dir/vg"
	fi
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
	exit
fi

. "$(dirname "$0")/daemon_lib.sh"

VG_RC=99
VG=$T/vg
mkdir -p "$VG/new" "$VG/seen" "$T/bin"
: >"$VG/totals"
VG_OPTS="--tool=memcheck --leak-check=full --show-leak-kinds=all \
--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=$VG_RC \
--track-fds=yes --child-silent-after-fork=yes --num-callers=50"
for _p in jobctl jobd; do
	cat >"$T/bin/$_p" <<EOF
#!/bin/sh
exec valgrind $VG_OPTS --log-file="$VG/new/$_p.%p.log" "$JOBD_BUILD/$_p" "\$@"
EOF
	chmod +x "$T/bin/$_p"
done
JOBCTL=$T/bin/jobctl
JOBD=$T/bin/jobd
# Our sources, as valgrind names them in a stack: "(store.c:823)".
OURS=$(cd "$JOBD_TOP/src" && ls ./*/*.c | sed 's|.*/||; s|\.c$||' |
    tr '\n' '|' | sed 's/|$//')

# Scan one valgrind log: "errors def ind pos reach db ours lib fds"
# (errors is -1 without a final summary; sizes in bytes).
vg_scan() {	# log
	awk -v ours="[(]($OURS)[.]c:[0-9]+[)]" '
	function num(s, key,  v) {
		v = s
		sub(".*" key " *", "", v)
		sub(/ .*/, "", v)
		gsub(/,/, "", v)
		return v + 0
	}
	function close_rec() {
		if (!inrec)
			return
		inrec = 0
		if (sq)
			db += bytes
		else if (cache)
			lib += bytes
		else if (our)
			mine += bytes
		else
			lib += bytes
	}
	BEGIN { errors = -1 }
	/are still reachable in loss record/ {
		close_rec()
		inrec = 1
		sq = cache = our = 0
		v = $0
		sub(/^==[0-9]+== */, "", v)
		sub(/ bytes.*/, "", v)
		sub(/ \(.*/, "", v)
		gsub(/,/, "", v)
		bytes = v + 0
		next
	}
	inrec && /(at|by) 0x[0-9A-Fa-f]+:/ {
		if ($0 ~ /libsqlite3/)
			sq = 1
		if ($0 ~ /_dl_|dl-open|dlopen|nss_|__gconv|iconv|_nl_|setlocale|tzset|tzfile/)
			cache = 1
		if ($0 ~ ours)
			our = 1
		next
	}
	inrec { close_rec() }
	/Open (file descriptor|AF_[A-Z0-9]+ socket|pipe)/ { fdrec = 1; next }
	fdrec {
		if ($0 !~ /inherited from parent/)
			fds++
		fdrec = 0
	}
	/definitely lost:/ { def = num($0, "definitely lost:") }
	/indirectly lost:/ { ind = num($0, "indirectly lost:") }
	/possibly lost:/ { pos = num($0, "possibly lost:") }
	/still reachable:/ { reach = num($0, "still reachable:") }
	/ERROR SUMMARY:/ { errors = num($0, "ERROR SUMMARY:") }
	END {
		close_rec()
		printf "%d %d %d %d %d %d %d %d %d\n", errors, def, ind, pos,
		    reach, db, mine, lib, fds + 0
	}' "$1"
}

# Check every valgrind log written since the last check; "exit" (a jobctl
# error path) lets our code leave memory reachable at exit.
vg_check() {	# [exit]
	for _vl in "$VG"/new/*.log; do
		[ -f "$_vl" ] || continue
		_vn=$(basename "$_vl" .log)
		case $_vn in	# a daemon still running: its log is not done
		jobd.*) alive "${_vn#jobd.}" && continue ;;
		esac
		set -- "${1:-ok}" $(vg_scan "$_vl")
		_vmode=$1 _ve=$2 _vdb=$7 _vmine=$8 _vfds=${10}
		echo "${_vn%%.*} $*" >>"$VG/totals"
		if [ "$_ve" -lt 0 ]; then
			problem "$_vn: no valgrind summary (killed?): \
$(tail -n 3 "$_vl" | tr '\n' ' ')"
		elif [ "$_ve" -gt 0 ]; then
			problem "$_vn: $_ve valgrind errors: $(grep -m 4 \
			    -e 'Invalid' -e 'uninitialised' -e 'lost in loss' \
			    -e 'Mismatched' -e ' by 0x.*[.]c:' "$_vl" |
			    sed 's/^==[0-9]*== *//' | tr '\n' ' ')"
		fi
		[ "$_vdb" -gt 0 ] && problem "$_vn: $_vdb bytes of SQLite's \
still reachable at exit: a database was left open"
		if [ "$_vmine" -gt 0 ]; then
			if [ "$_vmode" = exit ]; then
				info "$_vn: $_vmine bytes of ours reachable at \
an exit() on an error path"
			else
				problem "$_vn: $_vmine bytes allocated by our \
code still reachable at exit: $(grep -m 3 ' by 0x.*[.]c:' "$_vl" |
				    sed 's/^==[0-9]*== *//' | tr '\n' ' ')"
			fi
		fi
		if [ "$_vfds" -gt 0 ]; then
			if [ "$_vmode" = exit ]; then
				info "$_vn: $_vfds fds of ours open at an \
exit() on an error path"
			else
				problem "$_vn: $_vfds fds it opened still \
open at exit"
			fi
		fi
		mv "$_vl" "$VG/seen/"
	done
	return 0
}

# A case of one jobctl command: begin, run, its exit status, the logs.
vcase() {	# name rc arg...
	_vc_rc=$2
	begin "valgrind: $1"
	shift 2
	run "$@" </dev/null
	expect_rc "$_vc_rc"
	if [ "$_vc_rc" -eq 0 ]; then vg_check; else vg_check exit; fi
}

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK	# jobd and jobctl read "now" from it
T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
setclock() {	# atomically: a reader never sees an empty file
	echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"
}
setclock $((T0 + 30000))
write_conf poll_interval=200ms visibility_timeout=10s shutdown_grace=1s \
    kill_grace=300ms max_output=64K metrics_file="$T/jobd.prom" \
    metrics_interval=1s

# --- jobctl, no daemon yet ---

vcase "jobctl --help" 0 --help
expect_out_contains "jobctl submit"
end
vcase "jobctl --version" 0 --version
expect_out_contains "jobctl "
end
vcase "jobctl schedule --help" 0 schedule --help
end

vcase "jobctl submit, every option" 0 submit --queue q1 --priority 5 \
    --max-attempts 3 --timeout 1m --backoff 1s,10s --key k1 --env A=1 \
    --cwd "$T" --in 1h -- echo later
LATER=$(cat "$T/.out")
end
STDIN=$T/batch
printf 'echo b1\necho b2\nexit 4\n' >"$STDIN"
begin "valgrind: jobctl submit --batch"
run submit --batch --queue batch --max-attempts 1 <"$STDIN"
expect_rc 0
[ "$(grep -c '^[0-9][0-9]*$' "$T/.out")" = 3 ] || problem "ids: $OUT"
vg_check
end
vcase "jobctl submit, same key: the same id" 0 submit --queue q1 \
    --priority 5 --max-attempts 3 --timeout 1m --backoff 1s,10s --key k1 \
    --env A=1 --cwd "$T" --in 1h -- echo later
[ "$OUT" = "$LATER" ] || problem "id $OUT, want $LATER"
end
vcase "jobctl submit, same key, another job: refused" 65 submit --key k1 \
    -- echo x
end
vcase "jobctl --json submit" 0 --json submit -- echo j
end
vcase "jobctl __complete options" 0 __complete options schedule add
end

vcase "jobctl list" 0 list
expect_out_contains "echo later"
end
vcase "jobctl list --json --state --queue --limit" 0 --json list \
    --state pending --queue batch --limit 2
[ "$(json_lines "$T/.out")" = 2 ] || problem "want 2 JSON lines: $OUT"
end
vcase "jobctl show" 0 show "$LATER"
end
vcase "jobctl show --json" 0 show --json "$LATER"
[ "$(json 'd["queue"]' <"$T/.out")" = q1 ] || problem "queue: $OUT"
end
vcase "jobctl submit --mail-to --mail-on" 0 submit --mail-to 'a@b, root' \
    --mail-on output -- echo mailed
MAILED=$(cat "$T/.out")
end
vcase "jobctl show (mail settings)" 0 show "$MAILED"
expect_out_contains "mail on:"
end
vcase "jobctl list --state (several) --since" 0 list --state pending,dead \
    --since 1h
end
vcase "jobctl submit --at (everyday form)" 0 submit --at "tomorrow 03:00" \
    -- echo tomorrow
end
vcase "error: rerun of a pending job" 1 rerun "$LATER"
end

vcase "jobctl next" 0 next --from 2026-03-07T12:00 --count 3 \
    --tz America/New_York '30 2 * * *'
expect_out_contains "2026-03-09T02:30:00-04:00"
end
vcase "jobctl next --json" 0 --json next --count 2 '@hourly'
end

vcase "jobctl schedule add (cron)" 0 schedule add tick --cron '*/5 * * * *' \
    --overlap allow --catchup once --queue cron -- 'echo tick'
end
vcase "jobctl schedule add (@reboot)" 0 schedule add boot --cron '@reboot' \
    -- 'echo boot'
end
vcase "jobctl schedule add (disabled, zone, options)" 0 schedule add off \
    --cron '0 3 * * mon-fri' --tz Europe/Paris --disabled --priority 2 \
    --max-attempts 1 --timeout 10s --backoff 1s --env B=2 --cwd "$T" -- true
end
vcase "jobctl schedule list" 0 schedule list
expect_out_contains "tick"
end
vcase "jobctl schedule list --json" 0 --json schedule list
end
vcase "jobctl schedule show" 0 schedule show --count 3 off
end
vcase "jobctl schedule enable" 0 schedule enable off
end
vcase "jobctl schedule disable" 0 schedule disable off
end
vcase "jobctl schedule run" 0 schedule run off
end
vcase "jobctl schedule set" 0 schedule set off --cron '0 4 * * *' \
    --unset tz --env C=3 -- echo changed
end
vcase "jobctl list --schedule" 0 list --schedule off
end
vcase "error: schedule set with a bad cron" 65 schedule set off \
    --cron '61 * * * *'
end
vcase "jobctl schedule rm" 0 schedule rm off
end

cat >"$T/crontab" <<'EOF'
# m h dom mon dow command
SHELL=/bin/sh
MAILTO=""
CRON_TZ=Europe/Berlin
15 4 * * * echo nightly >/dev/null
@daily echo daily
EOF
# A user crontab names its user (as root, jobctl refuses to guess).
ME=$(id -un)
vcase "jobctl import-crontab --dry-run" 0 import-crontab --dry-run \
    --user "$ME" "$T/crontab"
end
vcase "jobctl import-crontab" 0 import-crontab --name ct --user "$ME" \
    "$T/crontab"
end

vcase "jobctl status (no daemon: 69)" 69 status
end
vcase "jobctl metrics (no daemon)" 0 metrics
expect_out_contains "jobd_up 0"
end
vcase "jobctl status --json (no daemon: 69)" 69 --json status
end
vcase "jobctl stats" 0 stats
end
vcase "jobctl stats --json --since 1h --queue q" 0 --json stats --since 1h \
    --queue q
end
vcase "error: stats --schedule of no schedule" 66 stats --schedule nope
end

# Queues and dependencies: settings, pause, backpressure, why a job
# waits, a batch pipeline, and a cancel that reaches what waits.
vcase "jobctl queue set, every setting" 0 queue set vq --concurrency 2 \
    --rate 5/1s --weight 3 --max-pending 4 --max-running-per-user 1 \
    --max-attempts 2 --timeout 1m --backoff 1s,1m
end
vcase "jobctl queue pause" 0 queue pause vq
end
vcase "jobctl submit into a paused queue" 0 submit -q vq -- true
VQ=$(cat "$T/.out")
end
vcase "jobctl submit --after" 0 submit -q vq --after "$VQ" -- true
VQ2=$(cat "$T/.out")
end
printf 'echo a\n--after @1 echo b\n' >"$T/pipe"
begin "valgrind: jobctl submit --batch with an @LINE reference"
run submit --batch -q vq <"$T/pipe"
expect_rc 0
PIPE=$(cat "$T/.out")
vg_check
end
vcase "error: submit into a full queue" 75 submit -q vq -- true
end
vcase "error: --after a job that does not exist" 66 submit --after 999999 \
    -- true
end
vcase "jobctl show of a waiting job" 0 show "$VQ2"
expect_out_contains "waiting"
end
vcase "jobctl show --json of a job in a paused queue" 0 --json show "$VQ"
end
vcase "jobctl list --state pending" 0 list --state pending
end
vcase "jobctl queue list" 0 queue list
expect_out_contains "vq"
end
vcase "jobctl queue show --json" 0 --json queue show vq
end
vcase "jobctl cancel, and what waits on it" 0 cancel "$VQ"
end
# shellcheck disable=SC2086	# the batch's ids, one argument each
vcase "jobctl cancel of several" 0 cancel $PIPE
end
vcase "jobctl queue resume" 0 queue resume vq
end

# Error paths: a message, the right code, and a clean exit.
vcase "error: show of a missing job" 66 show 999999
end
vcase "error: submit without a command" 64 submit --queue q
end
vcase "error: bad --in" 64 submit --in soon -- true
end
vcase "error: --mail-to with a header" 64 submit --mail-to 'a@b
Bcc: x' -- true
end
vcase "error: next with a bad field" 65 next '61 * * * *'
end
vcase "error: schedule add with a bad cron" 65 schedule add bad \
    --cron '0 0 31 2 * *' -- true
end
vcase "error: database in a missing directory" 66 --db "$T/no/such.db" list
end
vcase "error: dead retry of a missing job" 66 dead retry 999999
end
vcase "error: unknown command" 64 frobnicate
end
vcase "error: import-crontab of a missing file" 66 import-crontab \
    --user "$ME" "$T/no-such-crontab"
end
printf 'MAILTO=a@b Bcc: x\n* * * * * echo ok\n' >"$T/crontab.mailto"
vcase "error: import-crontab with a bad MAILTO" 65 import-crontab \
    --user "$ME" "$T/crontab.mailto"
end
printf '* * * * * echo ok\nnot a crontab line\n' >"$T/crontab.bad"
vcase "error: import-crontab of a bad file" 65 import-crontab \
    --user "$ME" "$T/crontab.bad"
end

# --- jobd ---

# A job whose working directory is gone when it runs: a spawn error.
mkdir "$T/gone"
submit --max-attempts 1 --cwd "$T/gone" -- echo never
SPAWN=$ID
rmdir "$T/gone"

begin "valgrind: jobd starts under valgrind"
start_jobd jobd
vg_check
end
P=$JOBD_PID
if [ -z "$P" ] || ! alive "$P"; then
	fail "valgrind: the daemon cases" "jobd did not start"
	exit 0
fi

submit -- echo hello
OK=$ID
vcase "jobctl wait (exit 0)" 0 wait --timeout 60s "$OK"
end
vcase "jobctl logs" 0 logs "$OK"
expect_out_contains "hello"
end

submit --max-attempts 2 --backoff 100ms -- 'echo oops; exit 3'
FAIL=$ID
submit --timeout 1s --max-attempts 1 -- 'sleep 30'
TMO=$ID
submit -- 'seq 1 100000'
FLOOD=$ID
submit -- 'sleep 30'
LONG=$ID
# A dead job notifies its hook, which reads the output tail on its stdin.
submit --max-attempts 1 --on-dead /bin/cat -- 'echo to the hook; exit 4'
HOOKED=$ID

begin "valgrind: jobs run: failed once, timeout, output flood, spawn error, a hook"
# Its first attempt must be recorded before the clock moves: the retry is
# due up to 100 ms after the clock reading at that moment, and this clock
# stands.  (Not its state: with a jitter of 0 the retry runs at once.)
finished() {	# job: its attempts that ended
	dsql "SELECT count(*) FROM attempts WHERE job_id = $1
	    AND finished_at IS NOT NULL"
}
wait_until 60 "[ \$(finished $FAIL) -ge 1 ]" || problem "job $FAIL never failed"
wait_state "$TMO" dead 60
wait_state "$FLOOD" done 60
wait_state "$SPAWN" dead 60
wait_state "$LONG" running 60
wait_state "$HOOKED" dead 60
NOTE=$(dsql "SELECT id FROM jobs WHERE notify_of = $HOOKED")
if [ -n "$NOTE" ] && wait_state "$NOTE" done 60; then
	[ "$(output_of "$NOTE")" = "to the hook" ] ||
	    problem "the hook read: $(output_of "$NOTE")"
else
	problem "no notification job done for $HOOKED"
fi
vg_check
end

vcase "jobctl cancel of a running job" 0 cancel "$LONG"
wait_state "$LONG" cancelled 60
end

begin "valgrind: cron slot and retry after the clock moves 5 minutes"
setclock $((T0 + 5 * MIN + 1000))
wait_state "$FAIL" dead 60
wait_until 60 "[ \"\$(dsql \"SELECT count(*) FROM jobs WHERE queue = 'cron'
    AND state = 'done'\")\" -ge 1 ]" || problem "no done job for */5"
wait_until 60 "[ \"\$(dsql \"SELECT count(*) FROM jobs
    WHERE command = 'echo boot' AND state = 'done'\")\" = 1 ]" ||
    problem "no done @reboot job"
vg_check
end

vcase "jobctl wait (a dead job: its exit status)" 3 wait "$FAIL"
end
vcase "jobctl logs --attempt" 0 logs --attempt 1 "$FAIL"
expect_out_contains "oops"
end
vcase "jobctl list (with the daemon)" 0 list --limit 50
end
vcase "jobctl dead list" 0 dead list
expect_out_contains "exit 3"
end
vcase "jobctl dead list --json" 0 --json dead list --limit 10
end
vcase "jobctl dead show" 0 dead show "$FAIL"
end
vcase "jobctl dead retry" 0 dead retry "$FAIL"
end
begin "valgrind: a retried job runs and dies again"
# Its two attempts are kept: the third is the first after the retry.
wait_until 60 "[ \$(finished $FAIL) -ge 3 ]" ||
    problem "job $FAIL did not run again"
setclock $((T0 + 6 * MIN))
wait_state "$FAIL" dead 60
vg_check
end
vcase "jobctl dead purge --older-than" 0 dead purge --older-than 1d
end
vcase "jobctl dead purge --all" 0 dead purge --all
end
vcase "jobctl cancel of a pending job" 0 cancel "$LATER"
end
vcase "jobctl rerun of a cancelled job" 0 rerun "$LATER"
end
# The daemon's process is valgrind's, not a jobd by /proc: status calls
# it dead and exits 69, as it would for a jobd that is gone.
vcase "jobctl status (daemon running under valgrind: 69)" 69 status
end
vcase "jobctl status --json (daemon running under valgrind: 69)" 69 \
    --json status
end
vcase "jobctl metrics (daemon running)" 0 metrics
expect_out_contains "jobd_up 1"
end
begin "valgrind: jobd writes metrics_file"
wait_until 30 'grep -q "^jobd_up 1" "$T/jobd.prom" 2>/dev/null' ||
    problem "no metrics_file: $(tail -n 2 "$T/jobd.log")"
end

begin "valgrind: SIGHUP reloads"
kill -HUP "$P"
wait_until 30 'grep -q "SIGHUP: reloaded" "$T/jobd.log"' ||
    problem "no reload: $(tail -n 2 "$T/jobd.log")"
end

submit -- 'sleep 30'
LAST=$ID
begin "valgrind: SIGTERM with a job running: exit 0, no errors, no leaks"
wait_state "$LAST" running 60
stop_jobd "$P" 60
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC$( [ "$STOP_RC" = \
    $VG_RC ] && echo ' (valgrind errors)')"
[ "$(jstate "$LAST")" = pending ] || problem "job $LAST is $(jstate "$LAST")"
grep -q 'closing the loop' "$T/jobd.log" &&
    problem "$(grep -m1 'closing the loop' "$T/jobd.log")"
vg_check
end
no_strays "valgrind: nothing left running"

# The figures.
awk '{ n++; if ($1 == "jobd") d++; if ($3 > 0) e += $3; def += $4; ind += $5
	pos += $6; reach += $7; db += $8; mine += $9; lib += $10; fds += $11
	if ($2 == "exit") x++ }
    END { printf "INFO valgrind: %d runs (%d jobd, %d jobctl, %d of them " \
	"error paths): %d errors; lost: %d definitely, %d indirectly, " \
	"%d possibly; still reachable at exit: %d bytes (SQLite %d, ours " \
	"on error exits %d, libraries %d); %d fds left open\n", n, d, \
	n - d, x, e, def, ind, pos, reach, db, mine, lib, fds }' "$VG/totals"
