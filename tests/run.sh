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

B=${B:-build}
# Per program; the longest (chaos.sh, submitters.sh) take about 25 s under
# ASan: this catches a hang, with room for a slow machine.
TIMEOUT=${TEST_TIMEOUT:-300}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$top" && cd "$B" && pwd) || exit 1
export JOBCTL="$B/jobctl" JOBD_BUILD="$B" JOBD_TOP="$top"

passed=0
failed=0
failures=""

want() {
	[ -z "$WANT" ] && return 0
	for w in $WANT; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}
WANT="$*"

run_one() {	# kind name command...
	kind=$1 name=$2
	shift 2
	dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-test.XXXXXX") || exit 1
	out="$dir/.output"
	(cd "$dir" && TMPDIR="$dir" HOME="$dir" XDG_STATE_HOME="$dir/state" \
	    XDG_CONFIG_HOME="$dir/config" JOBD_DB= JOBD_CONFIG= \
	    timeout -k 5 "$TIMEOUT" "$@") >"$out" 2>"$out.err"
	rc=$?
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
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "--- $name: $f failed"
		cat "$out"
		failures="$failures $name"
	else
		echo "ok   $name ($p)"
		[ -n "${TEST_VERBOSE:-}" ] && grep '^INFO ' "$out"
	fi
	rm -rf "$dir"
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	want "$n" || continue
	run_one unit "$n" "$t"
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t")
	case $n in lib.sh) continue ;; esac
	want "$n" || continue
	run_one e2e "$n" sh "$t"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
