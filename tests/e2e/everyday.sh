# The operator's everyday: submit --at in at(1)'s forms, list filters,
# rerun, schedule set and the LAST columns of schedule list.  jobctl reads
# the test clock ($JOBD_TEST_CLOCK: a file holding UTC ms), so every
# relative time here has a fixed "now".
. "$(dirname "$0")/lib.sh"

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
# Wednesday 2026-03-04 10:00 EST; DST starts on Sunday 2026-03-08.
NOW=1772636400000
setclock $NOW
export TZ=America/New_York

# --- submit --at: at(1)'s everyday forms --------------------------------
at_is() {	# form expected-run_at
	begin "submit --at \"$1\" runs at $2"
	run submit --at "$1" true
	expect_rc 0
	[ "$RC" -ne 0 ] || [ "$(field "$OUT" 'd["run_at"]')" = "$2" ] ||
	    problem "run_at $(field "$OUT" 'd["run_at"]'), expected $2"
	end
}
at_is "23:00"		2026-03-05T04:00:00.000Z
at_is "09:00"		2026-03-05T14:00:00.000Z
at_is "tomorrow 03:00"	2026-03-05T08:00:00.000Z
at_is "now + 2 hours"	2026-03-04T17:00:00.000Z
at_is "noon"		2026-03-04T17:00:00.000Z
at_is "midnight"	2026-03-05T05:00:00.000Z
at_is "friday 09:00"	2026-03-06T14:00:00.000Z
at_is "wednesday 11:00"	2026-03-11T15:00:00.000Z
at_is "3pm"		2026-03-04T20:00:00.000Z

dbdump >"$T/dump0"
bad "--at tomorrow 25:00" 64 'hour 25 is out of range' \
    submit --at "tomorrow 25:00" true
bad "--at with a bare number" 64 'ambiguous' submit --at 3 true
bad "--at 12pm" 64 '12pm is ambiguous' submit --at 12pm true
bad "--at a day without a time" 64 'needs a time of day' \
    submit --at tomorrow true
bad "--at months" 64 'ambiguous' submit --at "now + 1 month" true
bad "--at in a DST gap" 64 'does not exist' \
    submit --at "sunday 02:30" true
bad "--at next friday" 64 '"next"' submit --at "next friday 09:00" true
