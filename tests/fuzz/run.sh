#!/bin/sh
# Run libFuzzer targets for FUZZ_TIME seconds each (make fuzz).
#
#   F=build/fuzz FUZZ_TIME=30 tests/fuzz/run.sh cron timefmt ...
#
# Each target starts from its seeds (tests/fuzz/corpus/NAME/) and the
# corpus of earlier runs ($F/corpus/NAME/, where new inputs go), with the
# dictionary tests/fuzz/NAME.dict when there is one.  Its log is
# $F/NAME.log; a crash, leak or hang is saved as $F/crash-NAME-*, its log
# is shown, and the run fails.  One line per target gives the figures:
# runs, executions per second, edges covered (cov), features (ft) and
# corpus size.  Reproduce a crash with: $F/fuzz_NAME $F/crash-NAME-...
set -u

F=${F:-build/fuzz}
FUZZ_TIME=${FUZZ_TIME:-30}
here=$(dirname "$0")
failed=0
n=$#
start=$(date +%s)

for t in "$@"; do
	bin=$F/fuzz_$t
	log=$F/$t.log
	mkdir -p "$F/corpus/$t"
	set -- -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$F/crash-$t-"
	[ -f "$here/$t.dict" ] && set -- "$@" -dict="$here/$t.dict"
	"$bin" "$@" "$F/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$rc" -ne 0 ]; then
		echo "FAIL fuzz_$t: exit $rc after ${runs:-?} runs; log $log:"
		grep -v '^#[0-9]' "$log" | tail -n 60
		failed=$((failed + 1))
		continue
	fi
	echo "PASS fuzz_$t: ${runs:-?} runs in ${FUZZ_TIME}s," \
	    "${speed:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}," \
	    "corpus ${corp:-?}"
done
echo "fuzz: $n target(s) in $(($(date +%s) - start))s, $failed failed"
[ "$failed" -eq 0 ]
