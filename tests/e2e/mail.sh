# backends: sqlite postgresql
# Mail settings end to end: --mail-to and --mail-on on submit and on
# schedules (add, set, --unset, schedule files), what show prints of them,
# the bad inputs that must never reach the database (a line break or a
# header injection in an address, an empty list, an unknown policy), and
# jobd.conf's mailer: one named there must be an executable file (jobd
# exits 78 naming file:line; SIGHUP keeps the old config), the default
# is not checked at start.  The recording sendmail the mail tests use
# (fake_sendmail, fake_mailer in daemon_lib.sh) is checked here too.
. "$(dirname "$0")/daemon_lib.sh"

NL='
'

begin "submit --mail-to --mail-on: stored, and shown by show and show --json"
run submit --mail-to 'ops@example.com, root' --mail-on output -- echo hi
expect_rc 0
ID=$(cat "$T/.out")
[ "$(sql "SELECT mail_to || '|' || mail_on FROM jobs WHERE id = $ID")" = \
    'ops@example.com, root|output' ] ||
    problem "row: $(sql "SELECT mail_to, mail_on FROM jobs WHERE id = $ID")"
run show "$ID"
expect_rc 0
expect_out_contains "mail to:         ops@example.com, root"
expect_out_contains "mail on:         output"
run show --json "$ID"
[ "$(json '[d["mail_to"], d["mail_on"]]' <"$T/.out")" = \
    '["ops@example.com, root", "output"]' ] ||
    problem "json: $(cat "$T/.out")"
run submit --mail-to root -- echo default-policy
ID2=$(cat "$T/.out")
run show "$ID2"
expect_out_contains "mail on:         failure (default)"
run submit -- echo no-mail
ID3=$(cat "$T/.out")
run show "$ID3"
grep -q '^mail' "$T/.out" && problem "mail lines without mail_to: $OUT"
run show --json "$ID3"
[ "$(json '[d["mail_to"], d["mail_on"]]' <"$T/.out")" = '[null, null]' ] ||
    problem "json without mail: $(cat "$T/.out")"
end

begin "schedule add/set/--unset: mail_to and mail_on"
run schedule add nightly --cron '0 3 * * *' --mail-to root -- echo x
expect_rc 0
run schedule show --json nightly
[ "$(json '[d["mail_to"], d["mail_on"]]' <"$T/.out")" = '["root", null]' ] ||
    problem "add: $(cat "$T/.out")"
run schedule set nightly --mail-on always --mail-to 'a@example.com,b'
expect_rc 0
run schedule show nightly
expect_out_contains "mail to:         a@example.com,b"
expect_out_contains "mail on:         always"
run schedule set nightly --unset mail-to --unset mail-on
expect_rc 0
[ "$(sql "SELECT CAST(mail_to IS NULL AND mail_on IS NULL AS int)
    FROM schedules WHERE name = 'nightly'")" = 1 ] ||
    problem "after --unset: $(sql "SELECT mail_to, mail_on FROM schedules")"
end

# Every refusal: exit 64, one line naming the option, nothing written.
dbdump >"$T/dump0"
bad "--mail-to with a newline" 64 "invalid --mail-to: control character 0x0a" \
    submit --mail-to "a@b${NL}c@d" -- echo x
bad "--mail-to a header injection" 64 \
    "invalid --mail-to: control character 0x0a at byte 4" \
    submit --mail-to "a@b${NL}Bcc: victim@example.com" -- echo x
bad "--mail-to CR LF" 64 "control character 0x0d at byte 4" \
    submit --mail-to "$(printf 'a@b\r\nBcc: x')" -- echo x
bad "--mail-to injection on one line" 64 \
    'invalid --mail-to "a@b Bcc: x": address "a@b Bcc: x" contains a blank' \
    submit --mail-to 'a@b Bcc: x' -- echo x
bad "--mail-to empty" 64 'invalid --mail-to "": no address' \
    submit --mail-to '' -- echo x
bad "--mail-to with an empty item" 64 'empty address at byte 5' \
    submit --mail-to 'a@b,,c' -- echo x
bad "--mail-to a mailer option" 64 "starts with '-'" \
    submit --mail-to '-oQ/tmp/x' -- echo x
bad "--mail-on unknown" 64 \
    'invalid --mail-on "sometimes": use failure, output, always or never' \
    submit --mail-on sometimes -- echo x
bad "--mail-on empty" 64 'invalid --mail-on ""' \
    submit --mail-on '' -- echo x
bad "schedule add --mail-to injection" 64 "invalid --mail-to" \
    schedule add inject --cron '@daily' --mail-to "a@b${NL}Bcc: x" -- echo x
bad "schedule set --mail-to injection" 64 "invalid --mail-to" \
    schedule set nightly --mail-to "a@b${NL}Bcc: x"
bad "schedule set --mail-on unknown" 64 'invalid --mail-on "weekly"' \
    schedule set nightly --mail-on weekly
bad "submit --batch --mail-to injection" 64 "invalid --mail-to" \
    submit --batch --mail-to "a@b${NL}To: y"

# --- schedule files -------------------------------------------------------

SD=$T/sched
mkdir -p "$SD"
write_conf
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$CONF"

begin "schedule file: mail_to and mail_on reach the schedule"
cat >"$SD/mail.conf" <<'EOF'
[mailed]
cron = 0 4 * * *
command = echo report
mail_to = ops@example.com, root
mail_on = output
EOF
"$JOBD" -n --config "$CONF" >"$T/.out" 2>"$T/.err" ||
    problem "jobd -n: $(cat "$T/.err")"
start_jobd sf || :
wait_until 10 '[ "$(dsql "SELECT count(*) FROM schedules
    WHERE name = '"'mailed'"'")" = 1 ]' ||
    problem "the schedule did not appear"
run schedule show --json mailed
[ "$(json '[d["mail_to"], d["mail_on"]]' <"$T/.out")" = \
    '["ops@example.com, root", "output"]' ] ||
    problem "schedule: $(cat "$T/.out")"
end

begin "a dead job keeps its mail settings, and so does its retry"
if submit --max-attempts 1 --mail-to 'ops@example.com' --mail-on always \
    -- 'exit 3' && wait_state "$ID" dead 10; then
	jcheck "$ID" '
if [d["mail_to"], d["mail_on"]] != ["ops@example.com", "always"]:
    bad("dead: %r %r" % (d["mail_to"], d["mail_on"]))'
	run dead retry "$ID"
	expect_rc 0
	# Back in jobs (and soon dead again: jobd runs it): still mailed.
	jcheck "$ID" '
if d["state"] == "dead" and d["attempts"] < 1:
    bad("not retried")
if [d["mail_to"], d["mail_on"]] != ["ops@example.com", "always"]:
    bad("retried: %r %r" % (d["mail_to"], d["mail_on"]))'
fi
end

begin "schedule file: a bad mail_to is refused with file:line"
printf '[inj]\ncron = @daily\ncommand = x\nmail_to = a@b Bcc: x\n' \
    >"$SD/bad.conf"
"$JOBD" -n --config "$CONF" >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains "bad.conf:4: mail_to = \"a@b Bcc: x\": address"
rm -f "$SD/bad.conf"
end

# --- jobd.conf: mailer -----------------------------------------------------

begin "jobd.conf: without mailer, jobd starts though the default is absent"
# The default, /usr/sbin/sendmail, is checked only when a mail is sent.
grep -q '^mailer' "$CONF" && problem "the test config names a mailer"
alive "$JOBD_PID" || problem "jobd is not running"
[ -e /usr/sbin/sendmail ] &&
    info "/usr/sbin/sendmail exists here: the absent case is not shown"
stop_jobd "$JOBD_PID"
end

# badmailer NAME PATTERN: $CONF names a bad mailer; jobd --check-config
# and a real start both exit 78 with "jobd.conf:LINE: mailer = ...", and
# the database is unchanged.
badmailer() {
	begin "jobd.conf: $1"
	dbdump >"$T/dump0"
	line=$(grep -n '^mailer' "$CONF" | cut -d: -f1)
	for _mode in --check-config start; do
		if [ "$_mode" = start ]; then
			timeout -k 2 20 "$JOBD" --config "$CONF" --db "$DB" \
			    >"$T/.out" 2>"$T/.err"
		else
			timeout -k 2 20 "$JOBD" --check-config --config \
			    "$CONF" --db "$DB" >"$T/.out" 2>"$T/.err"
		fi
		RC=$?
		[ "$RC" -eq 78 ] || problem "$_mode: exit $RC, expected 78"
		grep -qF -e "jobd.conf:$line: mailer = \"$2\": $3" "$T/.err" ||
		    problem "$_mode: $(head -c 300 "$T/.err")"
		[ "$(wc -l <"$T/.err")" -le 1 ] ||
		    problem "$_mode: more than one line: $(cat "$T/.err")"
	done
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end
}

fake_mailer
sed -i "/^\[jobd\]\$/a mailer = $T/nosuch/sendmail" "$CONF"
badmailer "a mailer that does not exist" "$T/nosuch/sendmail" "no such file"
cp "$MAILER" "$T/noexec"
chmod 644 "$T/noexec"
sed -i "s|^mailer = .*|mailer = $T/noexec|" "$CONF"
badmailer "a mailer that is not executable" "$T/noexec" "not executable"
sed -i "s|^mailer = .*|mailer = $T|" "$CONF"
badmailer "a mailer that is a directory" "$T" "not a regular file"
sed -i "s|^mailer = .*|mailer = sendmail|" "$CONF"
badmailer "a relative mailer" "sendmail" "must be an absolute path"

begin "jobd.conf: an executable mailer is taken; SIGHUP with a bad one keeps it"
sed -i "s|^mailer = .*|mailer = $MAILER|" "$CONF"
"$JOBD" --check-config --config "$CONF" --db "$DB" >"$T/.out" 2>"$T/.err" ||
    problem "--check-config: $(cat "$T/.err")"
if start_jobd hup; then
	sed -i "s|^mailer = .*|mailer = $T/noexec|" "$CONF"
	line=$(grep -n '^mailer' "$CONF" | cut -d: -f1)
	kill -HUP "$JOBD_PID"
	wait_until 5 'grep -q "configuration unchanged" "$T/hup.log"' ||
	    problem "no \"configuration unchanged\": $(tail -n 2 "$T/hup.log")"
	grep -qF "jobd.conf:$line: mailer = \"$T/noexec\": not executable" \
	    "$T/hup.log" || problem "log: $(tail -n 2 "$T/hup.log")"
	alive "$JOBD_PID" || problem "jobd exited on a bad mailer at SIGHUP"
	stop_jobd "$JOBD_PID"
fi
end

begin "jobd.conf: mail_from and mail_on are checked"
sed -i "s|^mailer = .*|mailer = $MAILER|" "$CONF"
sed -i "/^\[jobd\]\$/a mail_from = a@b, c@d" "$CONF"
line=$(grep -n '^mail_from' "$CONF" | cut -d: -f1)
"$JOBD" --check-config --config "$CONF" --db "$DB" >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains "jobd.conf:$line: mail_from = \"a@b, c@d\": one address"
sed -i '/^mail_from/d' "$CONF"
sed -i "/^\[job\]\$/a mail_on = weekly" "$CONF"
"$JOBD" --check-config --config "$CONF" --db "$DB" >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains \
    'mail_on = "weekly": must be one of never|failure|output|always'
sed -i '/^mail_on/d' "$CONF"
end

# --- the recording sendmail -------------------------------------------------

begin "fake_sendmail records the arguments and the message, byte for byte"
printf 'From: a\nTo: b\n\nline 1\n.\nline 3' | "$MAILER" -i a@b root
RC=$?
expect_rc 0
[ "$(mails)" = 1 ] || problem "$(mails) messages"
[ "$(cat "$MAILDIR/1.args")" = "-i${NL}a@b${NL}root" ] ||
    problem "args: $(cat "$MAILDIR/1.args")"
printf 'From: a\nTo: b\n\nline 1\n.\nline 3' | cmp -s - "$MAILDIR/1.msg" ||
    problem "message differs"
printf 'no header section' | "$MAILER" -i x
RC=$?
expect_rc 65
echo 75 >"$MAILDIR/exit"
printf 'To: x\n\nbody\n' | "$MAILER" -i x
RC=$?
expect_rc 75
[ "$(mails)" = 3 ] || problem "$(mails) messages, not 3"
end

no_strays "mail: no strays"
no_sanitizer "mail: no sanitizer report"
