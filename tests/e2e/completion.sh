# backends: sqlite postgresql
# bash completion for jobctl (etc/jobctl.bash-completion): a bash sources
# it, sets COMP_WORDS and COMP_CWORD as bash would, calls the completion
# function and prints COMPREPLY; the cases check what is offered against
# the real jobctl and a real database.
. "$(dirname "$0")/lib.sh"
use_db "$T/comp.db"
COMPL=$JOBD_TOP/etc/jobctl.bash-completion

if ! command -v bash >/dev/null; then
	skip "completion" "no bash"
	exit 0
fi

# complete WORD...: complete the last WORD (may be "") of "jobctl WORD...";
# the offers, one a line, sorted, in $T/.comp and $C.
complete_words() {
	PATH=$(dirname "$JOBCTL"):$PATH bash -c '
		. "$1" || exit 2
		shift
		COMP_WORDS=(jobctl "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_jobctl jobctl "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}" || exit 3
		printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPL" "$@" \
	    >"$T/.comp.raw" 2>"$T/.comp.err" ||
	    problem "completion failed: $(head -c 300 "$T/.comp.err")"
	[ -s "$T/.comp.err" ] && problem "stderr: $(head -c 300 "$T/.comp.err")"
	sed '/^$/d' "$T/.comp.raw" | sort >"$T/.comp"
	C=$(cat "$T/.comp")
}

# offers WORD...: each WORD is offered.  not_offered WORD...: none is.
offers() {
	for _o in "$@"; do
		grep -qxF -e "$_o" "$T/.comp" ||
		    problem "\"$_o\" not offered (offered: $(echo $C | head -c 300))"
	done
}
not_offered() {
	for _o in "$@"; do
		grep -qxF -e "$_o" "$T/.comp" && problem "\"$_o\" offered"
	done
	return 0
}

"$JOBCTL" submit -q alpha -- echo a >/dev/null
P1=$("$JOBCTL" submit -q beta -- echo b)
P2=$("$JOBCTL" submit --in 1h -- echo c)
X=$("$JOBCTL" submit -- echo x)
"$JOBCTL" cancel "$X" >/dev/null
"$JOBCTL" schedule add nightly --cron '0 3 * * *' -- echo n >/dev/null 2>&1
"$JOBCTL" schedule add weekly --cron '0 4 * * 0' -- echo w >/dev/null 2>&1

begin "completion: the commands"
complete_words ""
offers submit list show cancel status stats wait logs dead next \
    schedule import-crontab metrics
not_offered __complete
complete_words m
offers metrics
complete_words metrics --
offers --db --help
complete_words s
offers submit show status schedule
not_offered list cancel
complete_words --
offers --db --json --help --version
end

begin "completion: submit's options, as its --help has them"
complete_words submit --
offers --queue --at --in --priority --max-attempts --timeout --backoff \
    --key --key-ttl --env --cwd --user --batch --json --db
"$JOBCTL" submit --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/help"
while read -r o; do
	grep -qxF -e "$o" "$T/.comp" || problem "$o of --help not offered"
done <"$T/help"
complete_words submit --key-
[ "$C" = "--key-ttl" ] || problem "--key- offers: $C"
complete_words submit --after ""
offers "$P1" "$P2"
not_offered "$X"	# cancelled: --after refuses it
complete_words submit --after-any "$P1,"
offers "$P1,$P2"
complete_words submit --mail-on ""
[ "$C" = "$(printf 'always\nfailure\nnever\noutput')" ] ||
    problem "--mail-on: $C"
complete_words schedule add x --mail-
[ "$C" = "$(printf -- '--mail-on\n--mail-to')" ] ||
    problem "schedule add --mail-: $C"
end

begin "completion: the sub-commands and their options"
complete_words dead ""
offers list show retry purge
complete_words schedule ""
offers add list show rm enable disable run
complete_words schedule add x --
offers --cron --tz --overlap --catchup --disabled
not_offered --key
complete_words schedule add x --overlap ""
[ "$C" = "$(printf 'allow\nqueue\nskip')" ] || problem "--overlap: $C"
end

begin "completion: list --state offers the states"
complete_words list --state ""
[ "$C" = "$(printf 'cancelled\ndead\ndone\npending\nrunning')" ] ||
    problem "states: $C"
complete_words list --state r
[ "$C" = running ] || problem "--state r: $C"
complete_words list --state pending,r
[ "$C" = pending,running ] || problem "--state pending,r: $C"
end

begin "completion: --queue offers the queues that have jobs"
complete_words submit --queue ""
offers alpha beta default
complete_words list -q ""
complete_words list --queue b
[ "$C" = beta ] || problem "--queue b: $C"
end

begin "completion: queue sub-commands, options, and queues with settings"
"$JOBCTL" queue set gamma9 --weight 2 >/dev/null
complete_words queue ""
[ "$C" = "$(printf 'list\npause\nresume\nset\nshow')" ] || problem "queue: $C"
complete_words queue set alpha --
offers --concurrency --rate --weight --max-pending --max-running-per-user \
    --max-attempts --timeout --backoff
complete_words queue pause ""
offers alpha beta gamma9
complete_words submit --queue g
[ "$C" = gamma9 ] || problem "--queue g: $C"
end

begin "completion: schedule show offers the schedule names"
complete_words schedule show ""
[ "$C" = "$(printf 'nightly\nweekly')" ] || problem "schedule show: $C"
complete_words schedule rm n
[ "$C" = nightly ] || problem "schedule rm n: $C"
complete_words schedule add ""
[ -z "$C" ] || problem "schedule add offers names: $C"
end

begin "completion: stats, its options and their values"
complete_words st
offers stats status
complete_words stats --
offers --since --queue --schedule --json
complete_words stats --schedule w
[ "$C" = weekly ] || problem "stats --schedule w: $C"
complete_words stats --queue b
[ "$C" = beta ] || problem "stats --queue b: $C"
end

begin "completion: cancel offers the ids of pending and running jobs"
complete_words cancel ""
offers "$P1" "$P2"
not_offered "$X"
complete_words show ""
offers "$P1" "$X"
end

begin "completion: --tz offers the system's time zones"
if [ -e /usr/share/zoneinfo/Europe/Berlin ]; then
	complete_words schedule add x --tz Europe/Be
	offers Europe/Berlin Europe/Belgrade
	not_offered Europe/Paris
	complete_words next --tz UT
	offers UTC
else
	info "no tzdata: skipped the zone names"
fi
end

begin "completion: --db names the database the values come from"
use_db "$T/other.db"
OTHER=$DB	# a file, or a PostgreSQL URI
"$JOBCTL" submit -q gamma -- echo g >/dev/null
use_db "$T/comp.db"
complete_words --db "$OTHER" list --queue ""
[ "$C" = gamma ] || problem "--db other.db: queues $C"
complete_words list --queue ""
not_offered gamma
end

begin "completion: the hook options, and a file for their value"
complete_words submit --on-
offers --on-dead --on-failure --on-success
complete_words schedule add nightly --on-
offers --on-dead --on-failure --on-success
mkdir -p "$T/hk"
: >"$T/hk/page-me"
complete_words submit --on-dead "$T/hk/pa"
offers "$T/hk/page-me"
end

begin "completion: a missing database offers nothing and says nothing"
use_db "$T/missing.db"
complete_words cancel ""
[ -z "$C" ] || problem "offered $C"
[ ! -e "$T/missing.db" ] || problem "created the database"
use_db "$T/comp.db"
end

begin "completion: jobctl __complete is hidden and refuses nonsense"
run --help
expect_rc 0
grep -q __complete "$T/.out" && problem "__complete in --help"
run __complete nonsense
expect_rc 64
end
exit 0
