# backends: sqlite postgresql
# Bad input end to end: every bad invocation exits with its code, names the
# offending input on stderr, prints nothing on stdout and leaves the
# database exactly as it was (DESIGN §2.6); then broken databases, a locked
# one, a full stdout and a bad config file.
. "$(dirname "$0")/lib.sh"

use_db "$T/bad.db"
"$JOBCTL" submit --key k1 echo pending >/dev/null 2>&1
"$JOBCTL" submit echo done >/dev/null 2>&1
sql "UPDATE jobs SET state = 'done', finished_at = updated_at WHERE id = 2"
dbdump >"$T/dump0"
NBAD=0

# bad NAME CODE PATTERN ARG... (lib.sh): stdin from $STDIN.

bad "unknown command"		64 '"bogus"'	bogus
bad "unknown global option"	64 '--bogus'	--bogus list
bad "unknown submit option"	64 '--bogus'	submit --bogus echo x
bad "unknown list option"	64 '--frob'	list --frob
bad "unknown short option"	64 '-Z'		submit -Z echo x
bad "missing option argument"	64 '--queue'	submit --queue
bad "missing --state argument"	64 '--state'	list --state
bad "submit with no command"	64 'no command'	submit
bad "submit with only options"	64 'no command'	submit --queue q
bad "empty command"		64 'command is empty'	submit ''
bad "whitespace-only command"	64 'command is empty'	submit "  	 "
bad "--at garbage"		64 '"garbage"'	submit --at garbage echo x
bad "--at 2026-02-30 10:00"	64 '2026-02-30 10:00' \
    submit --at '2026-02-30 10:00' echo x
bad "--at 25:00"		64 '2026-01-01 25:00' \
    submit --at '2026-01-01 25:00' echo x
if [ -e /usr/share/zoneinfo/America/New_York ]; then
	export TZ=America/New_York
	bad "--at in a DST gap"	64 '2030-03-10 02:30' \
	    submit --at '2030-03-10 02:30' echo x
	unset TZ
fi
bad "--in 5x"			64 '"5x"'	submit --in 5x echo x
bad "--in 90 (no unit)"	64 '"90"'	submit --in 90 echo x
bad "--in -5m"			64 '"-5m"'	submit --in -5m echo x
bad "--at and --in together"	64 '--at and --in' \
    submit --at now --in 5m echo x
bad "--priority abc"		64 '"abc"'	submit --priority abc echo x
bad "--priority 5000"		64 '"5000"'	submit --priority 5000 echo x
bad "--priority 1.5"		64 '"1.5"'	submit --priority 1.5 echo x
bad "--priority empty"		64 '--priority ""' submit --priority '' echo x
bad "--max-attempts 0"		64 '--max-attempts "0"' \
    submit --max-attempts 0 echo x
bad "--max-attempts 1001"	64 '"1001"'	submit --max-attempts 1001 echo x
bad "--timeout -5s"		64 '"-5s"'	submit --timeout -5s echo x
bad "--timeout overflow"	64 '"999999999999999d"' \
    submit --timeout 999999999999999d echo x
bad "--backoff 10s,1s"		64 '"10s,1s"'	submit --backoff 10s,1s echo x
bad "--backoff x"		64 '"x"'	submit --backoff x echo x
bad "--backoff 1s,"		64 '--backoff'	submit --backoff 1s, echo x
bad "--umask 999"		64 '--umask "999": not an octal mode' \
    submit --umask 999 echo x
bad "--umask abc"		64 '--umask "abc"' submit --umask abc echo x
bad "--umask 1777"		64 'must be between 000 and 777' \
    submit --umask 1777 echo x
bad "--limit-nofile -1"		64 '--limit-nofile "-1": not a whole number' \
    submit --limit-nofile -1 echo x
bad "--limit-nofile unlimited"	64 'cannot be unlimited' \
    submit --limit-nofile unlimited echo x
bad "--limit-nproc 0"		64 '--limit-nproc "0": must be between 1' \
    submit --limit-nproc 0 echo x
bad "--limit-as 5X"		64 '--limit-as "5X": not a size' \
    submit --limit-as 5X echo x
bad "--limit-as overflowing"	64 '"99999999999999999999G": must be' \
    submit --limit-as 99999999999999999999G echo x
bad "--limit-cpu 1500ms"	64 '--limit-cpu "1500ms": not whole seconds' \
    submit --limit-cpu 1500ms echo x
bad "schedule add --umask 8"	64 '--umask "8"' \
    schedule add s --cron '* * * * *' --umask 8 echo x
bad "schedule add --limit-cpu x" 64 '--limit-cpu "x": not a duration' \
    schedule add s --cron '* * * * *' --limit-cpu x echo x
bad '--key ""'			64 'key ""'	submit --key '' echo x
bad "--key with a tab"		64 'key'	submit --key "a	b" echo x
bad "--env NOEQUALS"		64 '"NOEQUALS"'	submit --env NOEQUALS echo x
bad "--env =x"			64 '"=x"'	submit --env =x echo x
bad "--env 1A=b"		64 '"1A=b"'	submit --env 1A=b echo x
bad "--env JOBD_X=1"		64 '"JOBD_X=1"'	submit --env JOBD_X=1 echo x
bad "--env set twice"		64 'A is set twice' \
    submit --env A=1 --env B=2 --env A=2 echo x
bad "--user nosuchuserxyz"	67 '"nosuchuserxyz"' \
    submit --user nosuchuserxyz echo x
if [ "$(id -u)" -ne 0 ]; then
	bad "--user root when not root"	77 '"root"' submit --user root echo x
elif unpriv_ready "$T"; then
	RUN_AS=unpriv
	bad "--user root when not root"	77 '"root"' submit --user root echo x
	RUN_AS=
fi
bad '--queue "bad queue"'	64 '"bad queue"' submit --queue 'bad queue' echo x
bad '--queue ""'		64 'queue ""'	submit --queue '' echo x
bad "--queue of 65 characters"	64 "$(printf '%065d' 0)" \
    submit --queue "$(printf '%065d' 0)" echo x
# One rule for queue names (jobspec.h), the same in every path: submit,
# schedule add, schedule files (bad_files.sh) and import-crontab --queue.
bad '--queue -- (an option-like name)' 64 'invalid queue "--": must not start with' \
    submit --queue -- true
bad '--queue .hidden'		64 'invalid queue ".hidden": must not start with' \
    submit --queue .hidden echo x
bad 'schedule add --queue --'	64 'invalid queue "--": must not start with' \
    schedule add s --cron '@daily' --queue -- true
bad 'schedule add --queue -x'	64 'invalid queue "-x": must not start with' \
    schedule add s --cron '@daily' --queue -x echo x
bad "--cwd missing relative dir" 64 '"no/such/dir"' \
    submit --cwd no/such/dir echo x
# Over-long commands given as arguments (one argument is at most 128 KiB
# on Linux, so it takes several).  The quoted ones grow 4x when joined.
x100k=$(printf '%0100000d' 0)
q120k=$(printf '%0120000d' 0 | tr 0 "'")
x120k=$(printf '%0120000d' 0)
bad "command of 3 x 100 KB args"	65 'too long' \
    submit echo "$x100k" "$x100k" "$x100k"
bad "command of 3 x 120 KB quotes"	65 'too long' \
    submit echo "$q120k" "$q120k" "$q120k"
bad "command of 10 x 120 KB args"	65 'too long' \
    submit echo "$x120k" "$x120k" "$x120k" "$x120k" "$x120k" "$x120k" \
    "$x120k" "$x120k" "$x120k" "$x120k"
unset x100k q120k x120k
bad "--batch with an argument"	64 '"extra"'	submit --batch extra
bad "--batch with --key"	64 '--key'	submit --batch --key k2
printf 'echo ok\necho a\000b\necho ok\n' >"$T/nul.txt"
STDIN=$T/nul.txt bad "--batch with a NUL byte" 65 'line 2' submit --batch
python3 -c 'import sys
sys.stdout.write("echo ok\n" + "x" * 300000 + "\n")' >"$T/long.txt"
STDIN=$T/long.txt bad "--batch with a 300 KB line" 65 'line 2' submit --batch
bad "list --state bogus"	64 '"bogus"'	list --state bogus
bad "list --limit 0"		64 '--limit "0"' list --limit 0
bad "list --limit x"		64 '--limit "x"' list --limit x
bad "list --limit -1"		64 '--limit "-1"' list --limit -1
bad '--json list --queue ""'	64 '--queue'	--json list --queue ''
bad "list extra argument"	64 '"extra"'	list extra
bad "show without id"		64 'job id'	show
bad "show two ids"		64 'one job id'	show 1 2
bad "show abc"			64 '"abc"'	show abc
bad "show 0"			64 '"0"'	show 0
bad "show -1"			64 '"-1"'	show -1
bad "show 1x"			64 '"1x"'	show 1x
bad "show 2^64"			64 '"18446744073709551616"' \
    show 18446744073709551616
bad "show 99999"		66 '99999'	show 99999
bad "show --json 99999"		66 '99999'	show --json 99999
bad "cancel without ids"	64 'job id'	cancel
bad "cancel abc"		64 '"abc"'	cancel abc
bad "cancel 1 abc"		64 '"abc"'	cancel 1 abc
bad "cancel 99999"		66 '99999'	cancel 99999
bad "cancel 1 99999"		66 '99999'	cancel 1 99999
bad "cancel a done job"		1 'job 2'	cancel 1 2
bad "status extra-arg"		64 '"extra-arg"' status extra-arg
bad '--db "" before the command' 64 '--db'	--db '' list
bad '--db "" after the command'	64 '--db'	list --db ''
bad '--db "" on submit'		64 '--db'	submit --db '' echo x
bad "--db /dev/null (not a file)" 65 '/dev/null' --db /dev/null list

# Numbers out of range, for every numeric option.
bad "--priority -1001"		64 '"-1001": must be between -1000 and 1000' \
    submit --priority -1001 echo x
bad "--priority 2^64"		64 '"18446744073709551616"' \
    submit --priority 18446744073709551616 echo x
bad "--max-attempts 2^63"	64 '"9223372036854775808"' \
    submit --max-attempts 9223372036854775808 echo x
bad "--in overflowing"		64 '"999999999999999d"' \
    submit --in 999999999999999d echo x
bad "--in past year 9999"	64 'after 9999-12-31' submit --in 3000000d echo x
bad "--at @ past year 9999"	64 '@999999999999' submit --at @999999999999 echo x
bad "--backoff overflowing"	64 '999999999999999d' \
    submit --backoff 999999999999999d echo x
bad "list --limit 1000001"	64 '"1000001": must be between 1 and 1000000' \
    list --limit 1000001
bad "list --limit 2^64"		64 '"18446744073709551616"' \
    list --limit 18446744073709551616
bad "logs --attempt 0"		64 '--attempt "0"'	logs --attempt 0 1
bad "logs --attempt 2^64"	64 '"18446744073709551616"' \
    logs --attempt 18446744073709551616 1
bad "next --count 0"		64 '--count "0"'	next --count 0 '* * * * *'
bad "next --count 1001"		64 '--count "1001"' next --count 1001 '* * * * *'
bad "schedule show --count 1001" 64 '--count "1001"' \
    schedule show --count 1001 nosuch
bad "wait --timeout -1s"	64 '"-1s"'	wait --timeout -1s 1
bad "wait --timeout overflowing" 64 '"999999999999999d"' \
    wait --timeout 999999999999999d 1
bad "dead list --limit 0"	64 '--limit "0"' dead list --limit 0
bad "dead purge --older-than overflowing" 64 '"999999999999999d"' \
    dead purge --older-than 999999999999999d
bad "dead retry 0"		64 '"0"'	dead retry 0
bad "cancel 2^63"		64 '"9223372036854775808"' \
    cancel 9223372036854775808
bad "schedule add --priority 1001" 64 '"1001"' \
    schedule add s1 --cron '@daily' --priority 1001 echo x
bad "schedule add --max-attempts 0" 64 '"0"' \
    schedule add s1 --cron '@daily' --max-attempts 0 echo x
bad "schedule add cron minute 60" 65 '60' \
    schedule add s1 --cron '60 * * * *' echo x
bad "next: day 32"		65 '32'		next '0 0 32 * *'

# Unknown zones: refused, never silently UTC.
bad "next --tz Nope/Zone"	65 '"Nope/Zone"' next --tz Nope/Zone '@daily'
bad "next --tz a path"		65 '../../etc/passwd' \
    next --tz ../../etc/passwd '@daily'
bad "next --tz utc (case)"	65 '"utc"'	next --tz utc '@daily'
bad "schedule add --tz Mars/Base" 65 '"Mars/Base"' \
    schedule add s1 --cron '@daily' --tz Mars/Base echo x
export TZ=Nope/Zone
bad "TZ=Nope/Zone with submit --at" 78 'TZ="Nope/Zone"' \
    submit --at '2030-01-01 10:00' echo x
bad "TZ=Nope/Zone with next"	78 'TZ="Nope/Zone"' next '@daily'
bad "TZ=Nope/Zone with schedule add" 78 'TZ="Nope/Zone"' \
    schedule add s1 --cron '@daily' echo x
unset TZ

# Local times that do not exist (daylight saving gaps).
if [ -e /usr/share/zoneinfo/Europe/Berlin ]; then
	export TZ=Europe/Berlin
	bad "--at in the Berlin DST gap" 64 '2030-03-31 02:30' \
	    submit --at '2030-03-31 02:30' echo x
	bad "--at in the Berlin DST gap (T form)" 64 '2030-03-31' \
	    submit --at '2030-03-31T02:59:59' echo x
	unset TZ
fi
if [ -e /usr/share/zoneinfo/America/New_York ]; then
	bad "next --from in a DST gap" 64 '2030-03-10 02:30' \
	    next --tz America/New_York --from '2030-03-10 02:30' '@hourly'
fi

# Terminal escapes, newlines and invalid UTF-8 in names, keys, queues and
# options: refused with the bytes escaped in the message (\xNN), never
# echoed raw.
ESC=$(printf '\033')
C1=$(printf '\302\233')
bad "a queue with an escape"	64 'invalid queue "a\x1b[31mb"' \
    submit --queue "a${ESC}[31mb" echo x
bad "a queue with invalid UTF-8" 64 'invalid queue "a\xffb"' \
    submit --queue "$(printf 'a\377b')" echo x
bad "a key with an OSC title escape" 64 'invalid key "k\x1b]0;pwned\x07": a control character at byte 2' \
    submit --key "k${ESC}]0;pwned$(printf '\007')" echo x
bad "a key with a C1 CSI"	64 '"k\xc2\x9b2J": a control character' \
    submit --key "k${C1}2J" echo x
bad "a key with invalid UTF-8"	64 'invalid UTF-8 at byte 2' \
    submit --key "$(printf 'k\377')" echo x
bad "a key with a bidi override" 64 'an invisible formatting character' \
    submit --key "$(printf 'k\342\200\256x')" echo x
bad "a key with a newline"	64 '"a\x0ab"' submit --key "a
b" echo x
bad "a schedule name with an escape" 65 'invalid name "s\x1b[2J"' \
    schedule add "s${ESC}[2J" --cron '@daily' echo x
bad "a schedule name with invalid UTF-8" 65 'invalid name "s\xff"' \
    schedule add "$(printf 's\377')" --cron '@daily' echo x
bad "schedule show of an escape" 66 'no such schedule "\x1b[2J"' \
    schedule show "${ESC}[2J"
bad "schedule rm of a C1 escape" 66 '"\xc2\x9b2J"' schedule rm "${C1}2J"
bad "an unknown command with an escape" 64 'unknown command "\x1b[2J"' \
    "${ESC}[2J"
bad "an unknown option with an escape" 64 'unknown option "--\x1b[2J"' \
    list "--${ESC}[2J"
bad "--user with an escape"	67 '"\x1b[2Jroot"' \
    submit --user "${ESC}[2Jroot" echo x
bad "--env name with an escape"	64 '"A\x1b=1"'	submit --env "A${ESC}=1" echo x
bad "--cwd with an escape"	64 '"no\x1b[2J"'	submit --cwd "no${ESC}[2J" echo x
bad "--state with an escape"	64 '"\x1b[2J"'	list --state "${ESC}[2J"
bad "--at with an escape"	64 '\x1b[2J'	submit --at "${ESC}[2J" echo x
bad "--tz with an escape"	65 'invalid time zone name'	next --tz "${ESC}[2J" '@daily'
bad "a cron expression with an escape" 65 '\x1b' next "* * * * ${ESC}[2J"
bad "schedule add --cron with invalid UTF-8" 65 '\xff' \
    schedule add s1 --cron "$(printf '* * * * \377')" echo x

# --batch input: DOS line ends, a byte order mark, a NUL byte, and a line
# of 10 MB without a newline, read in bounded memory.
printf 'echo one\r\necho two\r\n' >"$T/crlf.txt"
STDIN=$T/crlf.txt bad "--batch with CRLF line ends" 65 \
    'stdin line 1 ends with a carriage return' submit --batch
printf 'echo one\necho two\necho three\r\n' >"$T/crlf3.txt"
STDIN=$T/crlf3.txt bad "--batch with a CR on line 3" 65 'stdin line 3' \
    submit --batch
printf '\357\273\277echo one\necho two\n' >"$T/bom.txt"
STDIN=$T/bom.txt bad "--batch with a byte order mark" 65 \
    'stdin line 1 starts with a UTF-8 byte order mark' submit --batch
printf '\000echo one\n' >"$T/nul1.txt"
STDIN=$T/nul1.txt bad "--batch with a NUL byte on line 1" 65 'line 1' \
    submit --batch
head -c 10000000 /dev/zero | tr '\0' x >"$T/huge.txt"
STDIN=$T/huge.txt bad "--batch with a 10 MB line" 65 \
    'stdin line 1 is too long' submit --batch

# import-crontab files: the same kinds of bad bytes.
ct() {	# printf format: the crontab $T/ct.txt
	# shellcheck disable=SC2059
	printf "$@" >"$T/ct.txt"
}
# import-crontab's job options: the rules of submit and schedule add.
ct '* * * * * echo a\n'
bad 'import-crontab --queue --'	64 'invalid queue "--": must not start with' \
    import-crontab --queue -- "$T/ct.txt"
bad 'import-crontab --queue "a b"' 64 'invalid queue "a b": use letters' \
    import-crontab --queue 'a b' "$T/ct.txt"
bad 'import-crontab --max-attempts 0' 64 '--max-attempts "0": must be between 1 and 1000' \
    import-crontab --max-attempts 0 "$T/ct.txt"
bad 'import-crontab --backoff 1m,1s' 64 '--backoff "1m,1s": the maximum must not' \
    import-crontab --backoff 1m,1s "$T/ct.txt"
bad 'import-crontab --timeout 5'	64 '--timeout' \
    import-crontab --timeout 5 "$T/ct.txt"
bad 'import-crontab --overlap never' 64 'invalid --overlap "never"' \
    import-crontab --overlap never "$T/ct.txt"
bad 'import-crontab --catchup some' 64 'invalid --catchup "some"' \
    import-crontab --catchup some "$T/ct.txt"
ct '* * * * * echo a\r\n'
bad "import-crontab with CRLF"	65 'ct.txt:1:' import-crontab "$T/ct.txt"
ct '\357\273\277* * * * * echo a\n'
bad "import-crontab with a BOM"	65 'ct.txt:1: a byte order mark' import-crontab "$T/ct.txt"
ct '* * * * * echo a\000b\n'
bad "import-crontab with a NUL byte" 65 'ct.txt:1: a NUL byte' \
    import-crontab "$T/ct.txt"
ct '* * * * * printf "\033]0;pwned\007"\n'
bad "import-crontab with an escape" 65 'ct.txt:1: a control character' \
    import-crontab "$T/ct.txt"
ct 'CRON_TZ=Nope/Zone\n* * * * * echo a\n'
bad "import-crontab with an unknown CRON_TZ" 65 'unknown time zone "Nope/Zone"' \
    import-crontab "$T/ct.txt"
ct '61 * * * * echo a\n'
bad "import-crontab with minute 61" 65 'ct.txt:1:' import-crontab "$T/ct.txt"
python3 -c 'print("* * * * * echo " + "x" * 20000)' >"$T/ct.txt"
bad "import-crontab with a 20 KB line" 65 'ct.txt:1: line too long' \
    import-crontab "$T/ct.txt"
head -c 17000000 /dev/zero | tr '\0' '#' >"$T/ct.txt"
bad "import-crontab with a 17 MB file" 65 'too large' \
    import-crontab "$T/ct.txt"
rm -f "$T/ct.txt" "$T/huge.txt"
info "bad-invocation table: $NBAD rows"

# No message of the table, nor of anything else here, may carry a raw
# control byte: every one was escaped.
begin "messages: escapes are escaped, not echoed"
for a in "--queue ${ESC}[31mred" "--key k${C1}x" "--user ${ESC}[2J"; do
	# shellcheck disable=SC2086
	run submit $a echo x
	LC_ALL=C tr -d '\n' <"$T/.err" | LC_ALL=C grep -q '[[:cntrl:]]' &&
	    problem "raw control bytes for $a: $(od -c "$T/.err" | head -2)"
	LC_ALL=C grep -q "$C1" "$T/.err" && problem "raw C1 byte for $a"
	[ "$(wc -l <"$T/.err")" -eq 1 ] || problem "not one line for $a"
done
end

# ';' and escapes in commands are valid: stored verbatim, shown escaped.
# So are bytes that are not UTF-8 on SQLite; PostgreSQL keeps only UTF-8
# text: there the command has a valid character (U+00E9) in their place,
# and the case after this one has them refused.
if is_pg; then
	hostile="escapes" ff='\303\251' shown=$(printf '\303\251')
	hexof="upper(encode(convert_to(command, 'UTF8'), 'hex'))"
else
	hostile="escapes and invalid UTF-8" ff='\377' shown='?'
	hexof="hex(command)"
fi
begin "commands: ';', '#', $hostile are stored verbatim"
use_db "$T/verbatim.db"
run submit 'echo a; echo b # c'
expect_rc 0
run submit echo 'a;b' 'c d'
expect_rc 0
run submit "$(printf "printf \"\\033[31mred\\033[0m $ff\\n\"")"
expect_rc 0
r=$(sql "SELECT $hexof FROM jobs ORDER BY id" | tr '\n' ' ')
want="$(printf 'echo a; echo b # c' | od -An -tx1 | tr -d ' \n' |
    tr a-f A-F) $(printf "echo 'a;b' 'c d'" | od -An -tx1 | tr -d ' \n' |
    tr a-f A-F) $(printf "printf \"\\033[31mred\\033[0m $ff\\n\"" |
    od -An -tx1 | tr -d ' \n' | tr a-f A-F) "
[ "$r" = "$want" ] || problem "stored: $r, wanted $want"
run list
LC_ALL=C tr -d '\n' <"$T/.out" | LC_ALL=C grep -q '[[:cntrl:]]' &&
    problem "list prints raw control bytes: $(od -c "$T/.out" | tail -4)"
expect_out_contains "printf \"\\x1b[31mred\\x1b[0m $shown\\x0a\""
run list --json
expect_rc 0
[ "$(json_lines "$T/.out")" = 3 ] || problem "list --json: $(head -c 300 "$T/.out")"
expect_out_contains '\u001b[31mred'
run show 3
LC_ALL=C tr -d '\n' <"$T/.out" | LC_ALL=C grep -q '[[:cntrl:]]' &&
    problem "show prints raw control bytes"
use_db "$T/bad.db"
end

# PostgreSQL stores only UTF-8 text: a command, a directory or a crontab
# line with other bytes is refused with the byte named, exit 65, nothing
# written (SQLite keeps them as they are: the case above).
if is_pg; then
	use_db "$T/verbatim.db"
	dbdump >"$T/dump0"
	printf '0 3 * * * echo \377\n' >"$T/latin1.crontab"
	# name|what stderr says|arguments
	for c in 'submit|0xff; nothing submitted|submit' \
	    'cwd|0xff; nothing submitted|submit --cwd' \
	    'schedule add|encoding "UTF8": 0xff|schedule add s --cron @daily' \
	    "import-crontab|0xff; nothing imported|import-crontab --user \
$(id -un)"; do
		w=${c%%|*} c=${c#*|}
		pat=${c%%|*}
		set -- ${c#*|}
		case $w in
		import-crontab) set -- "$@" "$T/latin1.crontab" ;;
		cwd) set -- "$@" "$(printf '/tmp/\377')" echo x ;;
		*) set -- "$@" "$(printf 'echo \377')" ;;
		esac
		bad "$w: text that is not UTF-8 on PostgreSQL" 65 "$pat" "$@"
	done
	set --
	use_db "$T/bad.db"
	dbdump >"$T/dump0"
else
	skip "text that is not UTF-8 on PostgreSQL" "PostgreSQL only: \
SQLite stores it (the case above)"
fi

# --- database problems ---------------------------------------------------
# The database file's problems; on PostgreSQL, pg_backend.sh has the
# server's (no server, another application's tables, a newer jobd, an
# empty database for a read command).
if is_pg; then
	skip "db: a directory, a missing directory or file, a zero-length, \
corrupt, newer or foreign database file" "SQLite only: problems of the \
database file"
else
	begin "db: --db names a directory (66)"
	mkdir "$T/dir.db"
	for c in list "submit echo x"; do
		# shellcheck disable=SC2086
		run --db "$T/dir.db" $c
		expect_rc 66
		expect_out_empty
		expect_err_contains "$T/dir.db"
	done
	[ -z "$(ls -A "$T/dir.db")" ] || problem "files created in the directory"
	end

	begin "db: --db in a missing directory (66), nothing created"
	for c in list "submit echo x" "show 1" status "cancel 1"; do
		# shellcheck disable=SC2086
		run --db nodir/x.db $c
		expect_rc 66
		expect_out_empty
		expect_err_contains "nodir/x.db"
	done
	[ ! -e nodir ] || problem "nodir was created"
	end

	begin "db: a missing file with a read command (66), not created"
	for c in list "show 1" status "cancel 1"; do
		# shellcheck disable=SC2086
		run --db "$T/missing.db" $c
		expect_rc 66
		expect_err_contains "missing.db"
	done
	[ ! -e "$T/missing.db" ] || problem "missing.db was created"
	end

	begin "db: a file that is not SQLite (65), unchanged"
	printf 'this is not a database\n%0200d\n' 0 >"$T/text.db"
	cp "$T/text.db" "$T/text.orig"
	for c in list "submit echo x" status; do
		# shellcheck disable=SC2086
		run --db "$T/text.db" $c
		expect_rc 65
		expect_out_empty
		expect_err_contains "text.db"
	done
	expect_same "$T/text.orig" "$T/text.db" "file"
	end

	begin "db: a zero-length file is fine"
	: >"$T/zero.db"
	run --db "$T/zero.db" list
	expect_rc 0
	: >"$T/zero2.db"
	run --db "$T/zero2.db" submit echo x
	expect_rc 0
	[ "$OUT" = 1 ] || problem "id $OUT"
	end

	ro_case() {
		begin "db: a read-only database file (77), unchanged"
		run --db "$1" submit echo x
		expect_rc 77
		expect_out_empty
		expect_err_contains "read-only"
		dbdump "$1" >"$T/ro.after"
		expect_same "$T/ro.before" "$T/ro.after" "database"
		end
	}
	RO=$T/ro.db
	"$JOBCTL" --db "$RO" submit echo ro >/dev/null 2>&1
	dbdump "$RO" >"$T/ro.before"
	chmod 444 "$RO"
	if [ "$(id -u)" -ne 0 ]; then
		ro_case "$RO"
	elif unpriv_ready "$T"; then
		# Root ignores permission bits: run the check as nobody, on a file
		# that nobody owns and cannot write.
		chown 65534:65534 "$RO"
		RUN_AS=unpriv
		ro_case "$RO"
		RUN_AS=
	else
		skip "db: a read-only database file" "running as root and cannot become nobody"
	fi

	begin "db: a corrupt database gives an error, not a crash"
	C=$T/corrupt.db
	python3 -c 'print("\n".join("echo %d %s" % (i, "x" * 2000)
	    for i in range(200)))' | "$JOBCTL" --db "$C" submit --batch >/dev/null
	pages=$(($(stat -c %s "$C") / 4096))
	tr '\0' '\377' </dev/zero |
	    dd of="$C" bs=4096 seek=$((pages / 2)) count=4 conv=notrunc \
	    iflag=fullblock 2>/dev/null
	run --db "$C" list --limit 1000000
	[ "$RC" -ne 0 ] || problem "list exit 0"
	expect_err_contains "malformed"
	for c in "list --json --limit 1000" status "show 100" "submit echo y" \
	    "cancel 150"; do
		# shellcheck disable=SC2086
		run --db "$C" $c
		[ "$RC" -eq 0 ] || [ -s "$T/.err" ] || problem "$c: exit $RC, silent"
	done
	end

	begin "db: a corrupt header: not a database (65)"
	cp "$T/bad.db" "$T/hdr.db"
	printf 'garbage garbage garbage garbage' |
	    dd of="$T/hdr.db" bs=1 seek=0 conv=notrunc 2>/dev/null
	run --db "$T/hdr.db" list
	expect_rc 65
	expect_err_contains "hdr.db"
	end

	# A database from a newer jobd: user_version 99, jobd's application_id.
	V=$T/v99.db
	sqlite3 "$V" 'CREATE TABLE jobs (id INTEGER PRIMARY KEY, future TEXT);
	    INSERT INTO jobs VALUES (1, '"'from the future'"');
	    PRAGMA user_version = 99; PRAGMA application_id = 1785684580;'
	cp "$V" "$T/v99.orig"
	dbdump "$V" >"$T/v99.before"
	begin "db: a database from a newer jobd is refused (69), dump unchanged"
	for c in list "submit echo x" status "show 1" "cancel 1"; do
		# shellcheck disable=SC2086
		run --db "$V" $c
		expect_rc 69
		expect_out_empty
		expect_err_contains "99"
	done
	dbdump "$V" >"$T/v99.after"
	expect_same "$T/v99.before" "$T/v99.after" "dump"
	end

	begin "db: a database from a newer jobd is left untouched (same bytes)"
	cmp -s "$T/v99.orig" "$V" ||
	    problem "file changed: $(cmp "$T/v99.orig" "$V" 2>&1); journal_mode \
	now $(sqlite3 "$V" 'PRAGMA journal_mode')"
	end

	# Someone else's SQLite database.
	F=$T/foreign.db
	sqlite3 "$F" "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
	    INSERT INTO customers VALUES (1, 'alice');"
	cp "$F" "$T/foreign.orig"
	dbdump "$F" >"$T/foreign.before"
	begin "db: someone else's SQLite database is refused (65), no tables added"
	for c in list "submit echo x" status; do
		# shellcheck disable=SC2086
		run --db "$F" $c
		expect_rc 65
		expect_out_empty
		expect_err_contains "not a jobd database"
	done
	[ "$(sqlite3 "$F" "SELECT group_concat(name) FROM sqlite_schema")" = \
	    customers ] || problem "tables: $(sqlite3 "$F" \
	    "SELECT group_concat(name) FROM sqlite_schema")"
	dbdump "$F" >"$T/foreign.after"
	expect_same "$T/foreign.before" "$T/foreign.after" "dump"
	end

	begin "db: someone else's SQLite database is left untouched (same bytes)"
	cmp -s "$T/foreign.orig" "$F" ||
	    problem "file changed: $(cmp "$T/foreign.orig" "$F" 2>&1); journal_mode \
	now $(sqlite3 "$F" 'PRAGMA journal_mode')"
	end
fi

# A database locked by another writer (lib.sh's db_hold_write_lock: on
# PostgreSQL, a write waits 8 s at most for that lock).
begin "db: a locked database: submit exits 75 within 10 s, nothing written"
db_hold_write_lock "$T/lock.fifo" "$T/lock.out"
if wait_for db_write_locked 10; then
	t0=$(date +%s)
	run submit echo locked
	t1=$(date +%s)
	expect_rc 75
	expect_out_empty
	expect_err_contains "locked"
	[ $((t1 - t0)) -le 10 ] || problem "took $((t1 - t0)) s"
else
	problem "the lock holder never got the lock: $(cat "$T/lock.out")"
fi
exec 3>&-
wait "$HOLDER"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end

begin "stdout is /dev/full: exit 74 with a message"
for c in list "list --json" "show 1" "show 1 --json" status "status --json"
do
	# shellcheck disable=SC2086
	"$JOBCTL" $c >/dev/full 2>"$T/.err"
	RC=$?
	crashed "$c" || :
	[ "$RC" -eq 74 ] || problem "$c: exit $RC"
	[ -s "$T/.err" ] || problem "$c: no message"
done
end

begin "config: a bad line in jobd.conf exits 78 naming file:line"
mkdir -p "$XDG_CONFIG_HOME/jobd"
CONF=$XDG_CONFIG_HOME/jobd/jobd.conf
printf '[jobd]\ndatabase = %s\nworkers = many\n' "$T/conf.db" >"$CONF"
for c in status list "submit echo x"; do
	# As root the default file is /etc/jobd/jobd.conf: name ours.
	# shellcheck disable=SC2086
	(unset JOBD_DB
	[ "$(id -u)" -eq 0 ] && export JOBD_CONFIG="$CONF"
	exec "$JOBCTL" $c) >"$T/.out" 2>"$T/.err"
	RC=$?
	crashed "$c" || :
	expect_rc 78
	expect_out_empty
	expect_err_contains "jobd.conf:3:"
	expect_err_contains "many"
done
[ ! -e "$T/conf.db" ] || problem "database created despite the bad config"
end

begin "config: an unknown key and an over-long line are errors too"
printf '# comment\n[jobd]\nno_such_key = 1\n' >"$CONF"
(unset JOBD_DB
[ "$(id -u)" -eq 0 ] && export JOBD_CONFIG="$CONF"
exec "$JOBCTL" status) >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains "jobd.conf:3:"
python3 -c 'import sys
print("[jobd]\ndatabase = /tmp/" + "x" * 264000)' >"$CONF"
(unset JOBD_DB
[ "$(id -u)" -eq 0 ] && export JOBD_CONFIG="$CONF"
exec "$JOBCTL" status) >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains "jobd.conf:2:"
end

begin "config: --db and JOBD_DB bypass a bad config file"
printf '[jobd]\nworkers = many\n' >"$CONF"
(JOBD_CONFIG=$CONF exec "$JOBCTL" --db "$DB" list) >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 0
(JOBD_CONFIG=$CONF JOBD_DB=$DB exec "$JOBCTL" list) >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 0
# status reads the database as well, and says no daemon serves it (69).
(JOBD_CONFIG=$CONF exec "$JOBCTL" --db "$DB" status) >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 69
expect_err_contains "no daemon has registered"
end

exit 0
