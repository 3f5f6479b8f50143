# backends: sqlite postgresql
# jobctl crontab end to end, without a daemon: install from a file and from
# standard input, -l giving back the bytes installed, re-install changing
# nothing, -e with a scripted editor (a change updated in place, a syntax
# error fixed on the retry, a retry declined, no change), -r asked and
# with -y, -u (root only), the entries running as their user, and bad
# input refused with FILE:LINE and the database unchanged.
# Next-run times are computed against a fixed clock ($JOBD_TEST_CLOCK).
. "$(dirname "$0")/lib.sh"

CLOCK=$T/clock
echo 1796000000000 >"$CLOCK"		# 2026-11-30T00:53:20Z, a Monday
export JOBD_TEST_CLOCK="$CLOCK" TZ=UTC
use_db "$T/crontab.db"
ME=$(id -un)
unset VISUAL

# The schedules of user $1's crontab: "NAME ID CRON RUN_AS" lines, by name.
scheds() {
	"$JOBCTL" schedule list --json | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["source"] == "crontab:~" + sys.argv[1]:
        print(d["name"], d["id"], d["cron"], d["user"])' "$1"
}

CT=$T/my.crontab
cat >"$CT" <<'EOF'
# my crontab: comments and blank lines are kept

MAILTO=""
PATH=/usr/bin:/bin
*/5 * * * *	echo five
30 2 * * *	echo nightly
@daily		echo daily # a comment after the command
EOF

begin "-l with no crontab: exit 1 and \"no crontab for USER\""
run crontab -l
expect_rc 1
expect_out_empty
expect_err_contains "no crontab for $ME"
end

begin "install from a file: three entries added, run as the user"
run crontab "$CT"
expect_rc 0
expect_err_contains "installed the crontab of $ME from $CT: 3 schedules (3 added, 0 updated, 0 removed)"
[ "$(grep -c ' added ' "$T/.out")" = 3 ] || problem "stdout: $OUT"
scheds "$ME" >"$T/s1"
[ "$(wc -l <"$T/s1")" = 3 ] || problem "schedules: $(cat "$T/s1")"
[ "$(awk '{ print $NF }' "$T/s1" | sort -u)" = "$ME" ] ||
    problem "run_as: $(cat "$T/s1")"
grep -q "^crontab-$ME:[0-9a-f]\{8\} " "$T/s1" || problem "names: $(cat "$T/s1")"
end

begin "-l prints exactly what was installed"
"$JOBCTL" crontab -l >"$T/l1" 2>"$T/l1.err"
[ $? = 0 ] || problem "exit: $(cat "$T/l1.err")"
expect_same "$CT" "$T/l1" "the text"
run crontab -l --json
[ "$(printf '%s\n' "$OUT" | json '[d["user"], d["text"] == open("'"$CT"'").read()]')" = \
    "[\"$ME\", true]" ] || problem "--json: $OUT"
end

begin "re-install the same text: every entry unchanged, the database too"
dbdump >"$T/d0"
run crontab "$CT"
expect_rc 0
[ "$(grep -c ' unchanged ' "$T/.out")" = 3 ] || problem "stdout: $OUT"
expect_err_contains "(0 added, 0 updated, 0 removed)"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
end

begin "install from standard input (-)"
sed 's/echo daily/echo daily from stdin/' "$CT" >"$T/ct2"
run crontab - <"$T/ct2"
expect_rc 0
expect_err_contains "from stdin: 3 schedules (1 added, 0 updated, 1 removed)"
"$JOBCTL" crontab -l | cmp -s - "$T/ct2" || problem "-l differs from stdin"
run crontab "$CT"		# back to the first text
expect_rc 0
end

# The editor: a script that runs each command of $T/ed.N on its N-th run
# (counted in $T/ed.count), with the file as $1 once the options EDITOR
# gives (noted in $T/ed.opts) are shifted off.
cat >"$T/editor" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
n=$(($(cat "$d/ed.count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$d/ed.count"
while [ "${1#-}" != "$1" ]; do echo "$1" >>"$d/ed.opts"; shift; done
[ -f "$d/ed.$n" ] && . "$d/ed.$n"
exit 0
EOF
chmod +x "$T/editor"
editor() {	# the script of each run, in order
	rm -f "$T"/ed.*
	_i=0
	for _s in "$@"; do
		_i=$((_i + 1))
		printf '%s\n' "$_s" >"$T/ed.$_i"
	done
}
export EDITOR="$T/editor --an-argument"

begin "-e changing a time: that schedule updated in place (same id)"
editor 'sed -i "s|^30 2 \* \* \*|45 3 * * *|" "$1"'
scheds "$ME" >"$T/s0"
run crontab -e </dev/null
expect_rc 0
grep -q ' updated .*45 3 \* \* \*' "$T/.out" || problem "stdout: $OUT"
expect_err_contains "(0 added, 1 updated, 0 removed)"
scheds "$ME" >"$T/s1"
nightly0=$(grep ' 30 2 \* \* \* ' "$T/s0" | cut -d' ' -f1,2)
nightly1=$(grep ' 45 3 \* \* \* ' "$T/s1" | cut -d' ' -f1,2)
[ -n "$nightly0" ] && [ "$nightly0" = "$nightly1" ] ||
    problem "not in place: before $(cat "$T/s0"), after $(cat "$T/s1")"
"$JOBCTL" crontab -l | grep -q '^45 3 \* \* \*	echo nightly$' ||
    problem "-l: $("$JOBCTL" crontab -l)"
[ "$(cat "$T/ed.opts")" = "--an-argument" ] ||
    problem "EDITOR's argument: $(cat "$T/ed.opts")"
[ -z "$(ls "$T"/crontab.?????? 2>/dev/null)" ] ||
    problem "the temporary file was left: $(ls "$T"/crontab.??????)"
end

begin "-e with no change: \"no changes made to crontab\""
editor ':'
dbdump >"$T/d0"
run crontab -e </dev/null
expect_rc 0
expect_err_contains "no changes made to crontab"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
end

begin "-e: a syntax error, retried (y) and fixed on the second run"
editor 'echo "61 * * * * echo bad minute" >>"$1"' \
    'sed -i "s|^61 \* \* \* \* echo bad minute|1 * * * * echo good minute|" "$1"'
echo y | "$JOBCTL" crontab -e >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 0
[ "$(cat "$T/ed.count")" = 2 ] || problem "editor runs: $(cat "$T/ed.count")"
grep -q ':8: cron "61 \* \* \* \*"' "$T/.err" || problem "error line: $(cat "$T/.err")"
expect_err_contains "Do you want to retry the same edit? (y/n) "
expect_err_contains "(1 added, 0 updated, 0 removed)"
scheds "$ME" >"$T/s2"
grep -q ' 1 \* \* \* \* ' "$T/s2" || problem "not installed: $(cat "$T/s2")"
"$JOBCTL" crontab -l | grep -q '^1 \* \* \* \* echo good minute$' ||
    problem "-l: $("$JOBCTL" crontab -l)"
end

begin "-e: a syntax error, retry declined (n): exit 65, edits kept, nothing changed"
editor 'echo "* * * * echo four fields" >>"$1"'
dbdump >"$T/d0"
"$JOBCTL" crontab -l >"$T/l0"
echo n | "$JOBCTL" crontab -e >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 65
expect_err_contains "Do you want to retry the same edit? (y/n) "
left=$(sed -n 's/.*edits left in \(.*\)$/\1/p' "$T/.err")
[ -n "$left" ] && grep -q 'four fields' "$left" ||
    problem "edits not left: $(cat "$T/.err")"
[ -n "$left" ] && rm -f "$left"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
"$JOBCTL" crontab -l | cmp -s - "$T/l0" || problem "the text changed"
end

begin "-e: a syntax error, then the end of the input: declined too"
editor 'echo "bad line" >>"$1"'
"$JOBCTL" crontab -e </dev/null >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 65
left=$(sed -n 's/.*edits left in \(.*\)$/\1/p' "$T/.err")
[ -n "$left" ] && [ -f "$left" ] || problem "edits not left: $(cat "$T/.err")"
[ -n "$left" ] && rm -f "$left"
end

# Bad input: refused with FILE:LINE, exit 65, nothing changed.
dbdump >"$T/dump0"
printf '* * * * * echo ok\n0 25 * * * echo bad hour\n' >"$T/bad1"
bad "a bad hour names FILE:LINE" 65 "$T/bad1:2: " crontab "$T/bad1"
printf 'NAME\n' >"$T/bad2"
bad "a line that is neither an entry nor a variable" 65 "$T/bad2:1: " \
    crontab "$T/bad2"
printf 'SHELL=relative/sh\n* * * * * true\n' >"$T/bad3"
bad "SHELL not absolute" 65 "$T/bad3:1: SHELL" crontab "$T/bad3"
STDIN=$T/bad1 bad "from stdin, named stdin:LINE" 65 "stdin:2: " crontab -
bad "no such file" 66 "$T/none" crontab "$T/none"
bad "-l and -r together" 64 "exclude each other" crontab -l -r
bad "no mode and no file" 64 "expected -l, -e, -r" crontab
bad "-u of a user that does not exist" 67 "-u no-such-user-x" crontab \
    -u no-such-user-x -l

begin "-r answered n: the crontab kept"
echo n | "$JOBCTL" crontab -r >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 0
expect_err_contains "remove crontab for $ME? (y/n) "
expect_err_contains "kept"
"$JOBCTL" crontab -l >/dev/null 2>&1 || problem "the crontab is gone"
[ "$(scheds "$ME" | wc -l)" = 4 ] || problem "schedules: $(scheds "$ME")"
end

begin "-r -y: text and schedules removed; again: no crontab, exit 1"
run crontab -r -y
expect_rc 0
expect_err_contains "removed the crontab of $ME (4 schedules removed)"
[ -z "$(scheds "$ME")" ] || problem "schedules left: $(scheds "$ME")"
run crontab -l
expect_rc 1
expect_err_contains "no crontab for $ME"
run crontab -r -y
expect_rc 1
expect_err_contains "no crontab for $ME"
end

# -u: another user's crontab is root's to manage.
if [ "$(id -u)" -eq 0 ]; then
	begin "-u nobody as root: installed for nobody, run as nobody"
	run crontab -u nobody "$CT"
	expect_rc 0
	expect_err_contains "installed the crontab of nobody"
	scheds nobody >"$T/sn"
	[ "$(wc -l <"$T/sn")" = 3 ] || problem "schedules: $(cat "$T/sn")"
	n1=$(head -1 "$T/sn" | cut -d' ' -f1)
	case $n1 in crontab-nobody:*) ;; *) problem "name: $n1" ;; esac
	[ "$("$JOBCTL" schedule show "$n1" --json | json '[d["user"], d["source"], d["mail_to"]]')" = \
	    '["nobody", "crontab:~nobody", null]' ] ||
	    problem "schedule show: $("$JOBCTL" schedule show "$n1" --json)"
	[ "$(sql "SELECT run_as FROM schedules WHERE source = 'crontab:~nobody' GROUP BY run_as")" = nobody ] ||
	    problem "run_as rows: $(sql "SELECT name, run_as FROM schedules")"
	"$JOBCTL" crontab -u nobody -l | cmp -s - "$CT" || problem "-u -l"
	run crontab -l
	expect_rc 1		# root's own: none
	run crontab -u nobody -r -y
	expect_rc 0
	[ -z "$(scheds nobody)" ] || problem "left: $(scheds nobody)"
	end
else
	skip "-u nobody as root" "the suite does not run as root"
fi

begin "-u as another user than root: refused, naming -u (exit 77)"
if [ "$(id -u)" -eq 0 ]; then
	_u() { setpriv --reuid=65534 --regid=65534 --clear-groups "$JOBCTL" "$@"; }
else
	_u() { "$JOBCTL" "$@"; }
fi
_u crontab -u root -l >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 77
expect_err_contains "-u root: only root may manage another user's crontab"
end

begin "MAILTO unset: mail to the user; '%' and CRON_TZ as import-crontab"
printf 'CRON_TZ=America/New_York\n0 9 * * * cat%%hello%%world\n' >"$T/ct3"
run crontab "$T/ct3"
expect_rc 0
n=$(scheds "$ME" | cut -d' ' -f1)
[ "$("$JOBCTL" schedule show "$n" --json | json '[d["tz"], d["mail_to"], d["mail_on"], d["user"]]')" = \
    "[\"America/New_York\", \"$ME\", \"output\", \"$ME\"]" ] ||
    problem "schedule: $("$JOBCTL" schedule show "$n" --json)"
"$JOBCTL" schedule show "$n" --json | json 'd["command"]' | grep -q "^printf '%s' 'hello" ||
    problem "command: $("$JOBCTL" schedule show "$n" --json | json 'd["command"]')"
end
