# jobctl next: fire times of cron expressions end to end, with expected
# output written out in full.  The DST cases follow `zdump -v -c 2026,2027`:
# New York skips 02:00-02:59 on 2026-03-08 and repeats 01:00-01:59 on
# 2026-11-01; Berlin skips 02:00-02:59 on 2026-03-29 and repeats it on
# 2026-10-25; Lord Howe Island repeats 01:30-01:59 on 2026-04-05 and skips
# 02:00-02:29 on 2026-10-04.  Then bad input (exit codes, messages that
# name the field), --json, --count bounds, and proof that the database is
# never opened.
. "$(dirname "$0")/lib.sh"

# The database must not be touched: point it somewhere that cannot exist.
use_db "$T/no/such/dir/jobs.db"

# expect_next NAME EXPECTED-LINES ARG...: jobctl next ARG... prints
# exactly EXPECTED-LINES (newline-separated) and exits 0.
expect_next() {
	_name=$1 _want=$2
	shift 2
	begin "$_name"
	run next "$@"
	expect_rc 0
	expect_err_empty
	printf '%s\n' "$_want" >"$T/want"
	cmp -s "$T/want" "$T/.out" ||
	    problem "output differs: $(diff "$T/want" "$T/.out" | head -c 400)"
	end
}

NY="--tz America/New_York"
BER="--tz Europe/Berlin"
LHI="--tz Australia/Lord_Howe"

# New York, spring forward: 02:30 does not exist; it runs at 03:00 EDT.
expect_next "NY spring, 30 2 * * *" "2026-03-08T03:00:00-04:00
2026-03-09T02:30:00-04:00
2026-03-10T02:30:00-04:00" \
    $NY --from 2026-03-07T12:00-05:00 --count 3 "30 2 * * *"
expect_next "NY spring, 0 2 * * * as five arguments" \
"2026-03-08T03:00:00-04:00
2026-03-09T02:00:00-04:00" \
    $NY --from 2026-03-07T12:00-05:00 -n 2 0 2 '*' '*' '*'
expect_next "NY spring, 30 1 * * *" "2026-03-08T01:30:00-05:00
2026-03-09T01:30:00-04:00" \
    $NY --from 2026-03-07T12:00-05:00 -n 2 "30 1 * * *"
expect_next "NY spring, 0 3 * * *" "2026-03-08T03:00:00-04:00
2026-03-09T03:00:00-04:00" \
    $NY --from 2026-03-07T12:00-05:00 -n 2 "0 3 * * *"
expect_next "NY spring, */15 skips the gap" "2026-03-08T01:45:00-05:00
2026-03-08T03:00:00-04:00
2026-03-08T03:15:00-04:00" \
    $NY --from 2026-03-08T01:30-05:00 -n 3 "*/15 * * * *"
expect_next "NY spring, @hourly" "2026-03-08T01:00:00-05:00
2026-03-08T03:00:00-04:00
2026-03-08T04:00:00-04:00" \
    $NY --from 2026-03-08T00:30-05:00 -n 3 @hourly

# New York, fall back: fixed times once, wildcards in both passes.
expect_next "NY fall, 30 1 * * * once" "2026-11-01T01:30:00-04:00
2026-11-02T01:30:00-05:00" \
    $NY --from 2026-10-31T12:00-04:00 -n 2 "30 1 * * *"
expect_next "NY fall, 30 2 * * *" "2026-11-01T02:30:00-05:00
2026-11-02T02:30:00-05:00" \
    $NY --from 2026-10-31T12:00-04:00 -n 2 "30 2 * * *"
expect_next "NY fall, */15 in both passes" "2026-11-01T01:45:00-04:00
2026-11-01T01:00:00-05:00
2026-11-01T01:15:00-05:00
2026-11-01T01:30:00-05:00
2026-11-01T01:45:00-05:00
2026-11-01T02:00:00-05:00" \
    $NY --from 2026-11-01T01:30-04:00 -n 6 "*/15 * * * *"
expect_next "NY fall, 30 * * * *" "2026-11-01T00:30:00-04:00
2026-11-01T01:30:00-04:00
2026-11-01T01:30:00-05:00
2026-11-01T02:30:00-05:00" \
    $NY --from 2026-11-01T00:00-04:00 -n 4 "30 * * * *"

# Berlin, both changes.
expect_next "Berlin spring, 30 2 * * *" "2026-03-29T03:00:00+02:00
2026-03-30T02:30:00+02:00" \
    $BER --from 2026-03-28T12:00+01:00 -n 2 "30 2 * * *"
expect_next "Berlin fall, 30 2 * * * once" "2026-10-25T02:30:00+02:00
2026-10-26T02:30:00+01:00" \
    $BER --from 2026-10-24T12:00+02:00 -n 2 "30 2 * * *"
expect_next "Berlin fall, @hourly" "2026-10-25T02:00:00+02:00
2026-10-25T02:00:00+01:00
2026-10-25T03:00:00+01:00" \
    $BER --from 2026-10-25T01:30+02:00 -n 3 @hourly
# --from as a local time is read in the --tz zone.
expect_next "Berlin, local --from in the zone" "2026-03-29T01:45:00+01:00
2026-03-29T03:00:00+02:00" \
    $BER --from "2026-03-29 01:30" -n 2 "*/15 * * * *"

# Lord Howe Island: 30-minute changes.
expect_next "Lord Howe April, */15" "2026-04-05T01:30:00+11:00
2026-04-05T01:45:00+11:00
2026-04-05T01:30:00+10:30
2026-04-05T01:45:00+10:30
2026-04-05T02:00:00+10:30" \
    $LHI --from 2026-04-05T01:15+11:00 -n 5 "*/15 * * * *"
expect_next "Lord Howe October, 15 2 * * *" "2026-10-04T02:30:00+11:00
2026-10-05T02:15:00+11:00" \
    $LHI --from 2026-10-03T12:00+10:30 -n 2 "15 2 * * *"

# 45-minute offset; the OR rule and the '*' subtlety; leap days.
expect_next "Kathmandu" "2026-01-01T06:15:00+05:45
2026-01-01T07:15:00+05:45" \
    --tz Asia/Kathmandu --from 2026-01-01T00:00Z -n 2 "15 * * * *"
expect_next "*/2 with mon: odd Mondays" "2026-01-05T00:00:00+00:00
2026-01-19T00:00:00+00:00
2026-02-09T00:00:00+00:00" \
    --tz UTC --from 2026-01-01T00:00Z -n 3 "0 0 */2 * mon"
expect_next "1-31/2 with mon: odd days or Mondays" \
"2026-01-03T00:00:00+00:00
2026-01-05T00:00:00+00:00
2026-01-07T00:00:00+00:00
2026-01-09T00:00:00+00:00
2026-01-11T00:00:00+00:00
2026-01-12T00:00:00+00:00" \
    --tz UTC --from 2026-01-01T00:00Z -n 6 "0 0 1-31/2 * mon"
expect_next "leap day" "2028-02-29T00:00:00+00:00
2032-02-29T00:00:00+00:00" \
    --tz UTC --from 2025-01-01T00:00Z -n 2 "0 0 29 2 *"
# Without --tz: the zone of TZ.
begin "TZ is the default zone"
TZ=Asia/Kolkata run next --from @1767225600 -n 1 "0 9 * * *"
expect_rc 0
[ "$OUT" = "2026-01-01T09:00:00+05:30" ] || problem "got \"$OUT\""
end

# --json: one object a line, the local time and RFC 3339 UTC.
begin "--json"
run next --json $NY --from 2026-03-07T12:00-05:00 -n 2 "30 2 * * *"
expect_rc 0
[ "$(json_lines "$T/.out")" = 2 ] || problem "not 2 JSON lines"
[ "$(head -1 "$T/.out" | json 'd["at"]')" = "2026-03-08T03:00:00-04:00" ] ||
    problem "at: $(head -1 "$T/.out")"
[ "$(head -1 "$T/.out" | json 'd["utc"]')" = "2026-03-08T07:00:00.000Z" ] ||
    problem "utc: $(head -1 "$T/.out")"
[ "$(sed -n 2p "$T/.out" | json 'sorted(d)')" = '["at", "utc"]' ] ||
    problem "keys: $(sed -n 2p "$T/.out")"
end

# Default: five times, strictly after now.
begin "default count, after now"
_now=$(date +%s)
run next --json "* * * * *"
expect_rc 0
[ "$(json_lines "$T/.out")" = 5 ] || problem "not 5 lines"
python3 -c 'import json, sys, datetime
now = int(sys.argv[1])
prev = now
for line in open(sys.argv[2]):
    t = datetime.datetime.fromisoformat(
        json.loads(line)["utc"].replace("Z", "+00:00")).timestamp()
    if t <= prev or t % 60:
        sys.exit("%s is not after %s on a minute" % (t, prev))
    prev = t' "$_now" "$T/.out" || problem "times not increasing after now"
end

# --count bounds.
begin "--count 1000"
run next --tz UTC --from 2026-01-01T00:00Z --count 1000 "0 0 29 2 *"
expect_rc 0
[ "$(wc -l <"$T/.out")" -eq 1000 ] || problem "$(wc -l <"$T/.out") lines"
# The 1000th leap year from 2026 (python3 calendar.isleap) is 6148.
[ "$(tail -1 "$T/.out")" = "6148-02-29T00:00:00+00:00" ] ||
    problem "last: $(tail -1 "$T/.out")"
end

# Bad input: exit code, nothing on stdout, one line naming the input.
bad() {	# name code pattern arg...
	_name=$1 _code=$2 _pat=$3
	shift 3
	begin "bad: $_name"
	run next "$@"
	expect_rc "$_code"
	expect_out_empty
	expect_err_contains "$_pat"
	[ "$(wc -l <"$T/.err")" -eq 1 ] || problem "message not one line: $ERR"
	end
}

bad "minute 61"		65 'minute field "61": 61 is out of range 0-59' \
    "61 * * * *"
bad "hour 24"		65 'hour field "24"'		"0 24 * * *"
bad "day-of-month 32"	65 'day-of-month field "32"'	"0 0 32 * *"
bad "month 13"		65 'month field "13"'		0 0 1 13 '*'
bad "day-of-week 8"	65 'day-of-week field "8"'	"0 0 * * 8"
bad "step 0"		65 'minute field "*/0"'		"*/0 * * * *"
bad "reversed range"	65 'hour field "5-2"'		"0 5-2 * * *"
bad "empty list item"	65 'day-of-week field "1,,2"'	"0 0 * * 1,,2"
bad "day name as month"	65 'month field "mon"'		"0 0 * mon *"
bad "four fields"	65 'has 4 fields'		0 0 '*' '*'
bad "six fields"	65 'has 6 fields'		"0 0 * * * *"
bad "never fires"	65 'never fires'		"0 0 30 2 *"
bad "upper-case macro"	65 'lower case'			@DAILY
bad "@reboot"		65 '@reboot has no fire times'	@reboot
bad "unknown zone"	65 'unknown time zone "Mars/Base"' \
    --tz Mars/Base @daily
bad "zone with .."	65 'invalid time zone name "../etc"' \
    --tz ../etc @daily
bad "empty --tz"	64 '--tz'			--tz "" @daily
bad "no expression"	64 'missing cron expression'
bad "--count 0"		64 '"0"'			--count 0 @daily
bad "--count 1001"	64 '"1001"'			-n 1001 @daily
bad "--count abc"	64 '"abc"'			-n abc @daily
bad "--from garbage"	64 '"garbage"'			--from garbage @daily
bad "--from in a DST gap" 64 '2026-03-08 02:30' \
    $NY --from "2026-03-08 02:30" @daily
bad "unknown option"	64 '--bogus'			--bogus @daily

check "database never opened" test ! -e "$T/no"
