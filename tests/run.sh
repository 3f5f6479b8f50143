#!/bin/sh
# Run every unit test binary and every end-to-end script, each under a
# timeout in a fresh temporary directory, and print "N passed, M failed" as
# the last line.  Exits non-zero when anything failed.
#
#   B=build tests/run.sh [NAME...]     NAME: a unit test (test_store) or an
#                                      e2e script (submit.sh) to run alone
#
# Unit binaries are cmocka programs; their "[  PASSED  ]" and "[  FAILED  ]"
# lines are counted.  An e2e script prints one "PASS name" or "FAIL name: why"
# line per case.  A program that times out, crashes or exits non-zero without
# reporting a failure counts as one failure.  Its whole output is shown when
# it failed; with TEST_VERBOSE=1, the INFO lines (figures) of the others too.
#
# Backends.  JOBD_TEST_BACKENDS names the passes of the end-to-end suite:
# "sqlite" (the default), "postgresql", or both ("sqlite postgresql", as
# make check runs them).  A script runs on the backends that its line
# "# backends: sqlite postgresql" names; without one, on SQLite only.
# Each run has JOBD_TEST_BACKEND set to its backend (lib.sh reads it).
# The PostgreSQL pass runs under tests/with_pg.sh: one private server for
# the whole pass, on which each script makes its own databases.  Without
# PostgreSQL installed, that pass is skipped with a message that says how
# to install it.  Each pass prints its own total before the last line.
#
# TEST_JOBS programs run at once (default 1), longest first; each one's
# report is printed when it ends.

B=${B:-build}
# Per program; the longest (chaos.sh, submitters.sh) take about 25 s under
# ASan: this catches a hang, with room for a slow machine.
TIMEOUT=${TEST_TIMEOUT:-300}
JOBS=${TEST_JOBS:-1}
BACKENDS=${JOBD_TEST_BACKENDS:-sqlite}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$top" && cd "$B" && pwd) || exit 1
export JOBCTL="$B/jobctl" JOBD_BUILD="$B" JOBD_TOP="$top"

for b in $BACKENDS; do
	case $b in
	sqlite) ;;
	postgresql)
		# The pass's server: run again under tests/with_pg.sh.
		if [ -z "${JOBD_PG_URL:-}" ] && [ -z "${JOBD_PG_SKIP:-}" ]; then
			exec "$top/tests/with_pg.sh" "$0" "$@"
		fi ;;
	*)
		echo "run.sh: JOBD_TEST_BACKENDS: sqlite and/or postgresql," \
		    "not \"$b\"" >&2
		exit 2 ;;
	esac
done

want() {
	[ -z "$WANT" ] && return 0
	for w in $WANT; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}
WANT="$*"

# The backends that script $1 names on its "# backends:" line.
backends_of() {	# script
	_bo=$(sed -n 's/^# backends:[[:space:]]*//p' "$1" | head -n 1)
	echo "${_bo:-sqlite}"
}

# Run one program; write its counts ("P F") to $R/N.res and what to
# print about it to $R/N.txt, then make $R/N.done.
run_one() {	# n kind name backend command...
	n=$1 kind=$2 name=$3 backend=$4
	shift 4
	dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-test.XXXXXX") || exit 1
	out="$dir/.output"
	(cd "$dir" && exec env TMPDIR="$dir" HOME="$dir" \
	    XDG_STATE_HOME="$dir/state" XDG_CONFIG_HOME="$dir/config" \
	    JOBD_DB= JOBD_CONFIG= JOBD_TEST_BACKEND="$backend" \
	    timeout -k 5 "$TIMEOUT" "$@") >"$out" 2>"$out.err" &
	echo $! >"$R/$n.pid"
	wait $!
	rc=$?
	rm -f "$R/$n.pid"
	cat "$out.err" >>"$out"
	if [ "$kind" = unit ]; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out")
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out")
	else
		p=$(grep -c '^PASS ' "$out")
		f=$(grep -c '^FAIL ' "$out")
	fi
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "$name: exit status $rc$( [ $rc -eq 124 ] && echo ' (timed out)')" >>"$out"
	fi
	if [ "$f" -ne 0 ]; then
		{ echo "--- $name: $f failed"; cat "$out"; } >"$R/$n.txt"
	else
		echo "ok   $name ($p)" >"$R/$n.txt"
		[ -n "${TEST_VERBOSE:-}" ] && grep '^INFO ' "$out" >>"$R/$n.txt"
	fi
	echo "$p $f" >"$R/$n.res"
	: >"$R/$n.done"
	rm -rf "$dir"
}

R=$(mktemp -d "${TMPDIR:-/tmp}/jobd-run.XXXXXX") || exit 1
# Interrupted: end the running programs (timeout passes the signal on to
# its program's process group).
trap 'for k in "$R"/*.pid; do [ -f "$k" ] && kill -TERM "$(cat "$k")" \
    2>/dev/null; done; sleep 1; rm -rf "$R"; exit 1' INT TERM HUP

# The list of programs, one a line: group size kind name backend path.
# The unit tests, then each pass in turn; in each, largest first: a
# script's size is a fair guess at its time, and with several at once
# the long ones should not start last.
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	want "$n" || continue
	echo "0 $(stat -c %s "$t") unit $n - $t"
done >"$R/list"
g=0
for backend in $BACKENDS; do
	g=$((g + 1))
	if [ "$backend" = postgresql ] && [ -n "${JOBD_PG_SKIP:-}" ]; then
		echo "SKIP the PostgreSQL pass: $JOBD_PG_SKIP"
		continue
	fi
	for t in "$top"/tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t")
		case $n in lib.sh) continue ;; esac
		want "$n" || continue
		case " $(backends_of "$t") " in
		*" $backend "*) ;;
		*) continue ;;
		esac
		[ "$backend" = sqlite ] || n="$n@$backend"
		echo "$g $(stat -c %s "$t") e2e $n $backend $t"
	done
done >>"$R/list"
sort -k1,1n -k2,2nr -o "$R/list" "$R/list"

# Each finished program: print its report, add its counts to its pass's.
tally=
collect() {
	for d in "$R"/*.done; do
		[ -e "$d" ] || continue
		c=${d%.done}
		cat "$c.txt"
		read -r p f <"$c.res"
		echo "$(cat "$c.pass") $p $f" >>"$R/tally"
		[ "$f" -ne 0 ] && echo " $(cat "$c.name")" >>"$R/failures"
		rm -f "$d"
		running=$((running - 1))
	done
}

i=0
running=0
: >"$R/tally"
while read -r _group _size kind name backend path; do
	while [ "$running" -ge "$JOBS" ]; do
		sleep 0.1
		collect
	done
	i=$((i + 1))
	echo "$name" >"$R/$i.name"
	case $kind in
	unit) echo unit >"$R/$i.pass"; cmd=$path ;;
	*) echo "$backend" >"$R/$i.pass"; cmd="sh $path" ;;
	esac
	run_one "$i" "$kind" "$name" "$backend" $cmd &
	running=$((running + 1))
done <"$R/list"
while [ "$running" -gt 0 ]; do
	sleep 0.1
	collect
done
wait

passed=0
failed=0
for pass in unit $BACKENDS; do
	grep -q "^$pass " "$R/tally" || continue
	set -- $(awk -v k="$pass" '$1 == k { p += $2; f += $3 }
	    END { print p + 0, f + 0 }' "$R/tally")
	[ "$pass" = unit ] || echo "$pass: $1 passed, $2 failed"
	passed=$((passed + $1))
	failed=$((failed + $2))
done
[ -s "$R/failures" ] && echo "failed:$(tr -d '\n' <"$R/failures")"
rm -rf "$R"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
