# backends: sqlite postgresql
# Mail, the outbox way: a job or schedule with mail_to is mailed about its
# attempts as its mail_on says, each mail a notification job of its own
# (the mailer's argv as its command, the composed message on its stdin)
# inserted with the outcome.  A sendmail-compatible script (fake_sendmail)
# records each message: arguments, headers and body are checked.
# 1. --mail-to, the default policy (failure): one mail per failed attempt,
#    the last one saying the job is dead; the notification jobs are in
#    jobd.notify.
# 2. --mail-on output: a run that printed is mailed, a silent one is not.
# 3. A schedule's mail_to (schedule add --mail-to, schedule run): the
#    mail names the schedule.
# 4. A failing mailer: retried by [notify] max_attempts, then dead; the
#    job it reports on is unchanged and nothing is mailed about the mail.
. "$(dirname "$0")/daemon_lib.sh"

use_db "$T/nm.db"
"$JOBCTL" list >/dev/null 2>&1		# make the database
fake_mailer || { fail "notify_mail: setup" "fake_mailer"; exit 0; }

write_conf
sed -i "s|^\[jobd\]\$|[jobd]\nmailer = $MAILER|" "$CONF"
printf '\n[notify]\nmax_attempts = 2\n' >>"$CONF"

# The message N: header H's value, and the body.
hdr() {	# n name
	sed -n "1,/^\$/s/^$2: //p" "$MAILDIR/$1.msg" | head -n 1
}
body() {	# n
	sed '1,/^$/d' "$MAILDIR/$1.msg"
}
# The message about job $1 attempt $2: MSG = its number, or empty.
msg_of() {	# id attempt
	MSG=
	for _m in "$MAILDIR"/*.msg; do
		[ -e "$_m" ] || continue
		_n=${_m##*/}
		_n=${_n%.msg}
		[ "$(hdr "$_n" X-Jobd-Job-Id)" = "$1" ] &&
		    [ "$(hdr "$_n" X-Jobd-Attempt)" = "$2" ] && MSG=$_n
	done
	[ -n "$MSG" ]
}
mails_of() {	# id: how many messages name job id
	_c=0
	for _m in "$MAILDIR"/*.msg; do
		[ -e "$_m" ] || continue
		_n=${_m##*/}
		_n=${_n%.msg}
		[ "$(hdr "$_n" X-Jobd-Job-Id)" = "$1" ] && _c=$((_c + 1))
	done
	echo "$_c"
}
settled() {
	wait_until 20 "[ \"\$(dsql \"SELECT count(*) FROM jobs
	    WHERE queue = 'jobd.notify' AND state IN ('pending', 'running')\")\" = 0 ]"
}

begin "mail: jobd starts with a mailer and [notify]"
start_jobd nm
STARTED=$?
end
[ "$STARTED" = 0 ] || exit 0

begin "mail: --mail-to mails each failed attempt, the last one as dead"
if submit --max-attempts 2 --mail-to 'ops@example.com, root' -- \
    'echo "out of attempt $JOBD_ATTEMPT"; exit 7' &&
    wait_state "$ID" dead 20; then
	wait_until 20 "[ \$(mails_of $ID) -ge 2 ]" ||
	    problem "$(mails_of "$ID") mails for job $ID, not 2"
	settled
	[ "$(mails_of "$ID")" = 2 ] || problem "$(mails_of "$ID") mails, not 2"
	if msg_of "$ID" 1; then
		[ "$(cat "$MAILDIR/$MSG.args")" = "-i
ops@example.com
root" ] || problem "args: $(cat "$MAILDIR/$MSG.args" | tr '\n' ' ')"
		[ "$(hdr "$MSG" To)" = "ops@example.com, root" ] ||
		    problem "To: $(hdr "$MSG" To)"
		hdr "$MSG" Subject | grep -q "^jobd <$(id -un)@.*> echo" ||
		    problem "Subject: $(hdr "$MSG" Subject)"
		[ "$(hdr "$MSG" Auto-Submitted)" = auto-generated ] ||
		    problem "Auto-Submitted: $(hdr "$MSG" Auto-Submitted)"
		[ "$(hdr "$MSG" X-Jobd-Outcome)" = "exit 7" ] ||
		    problem "attempt 1 X-Jobd-Outcome: $(hdr "$MSG" X-Jobd-Outcome)"
		[ "$(body "$MSG")" = "out of attempt 1" ] ||
		    problem "body 1: $(body "$MSG")"
	else
		problem "no mail about attempt 1"
	fi
	if msg_of "$ID" 2; then
		[ "$(hdr "$MSG" X-Jobd-Outcome)" = "exit 7, dead" ] ||
		    problem "attempt 2 X-Jobd-Outcome: $(hdr "$MSG" X-Jobd-Outcome)"
		[ "$(body "$MSG")" = "out of attempt 2" ] ||
		    problem "body 2: $(body "$MSG")"
	else
		problem "no mail about attempt 2"
	fi
	[ "$(dsql "SELECT $(sql_concat notify_event "','") FROM (SELECT
	    notify_event FROM jobs WHERE notify_of = $ID AND
	    queue = 'jobd.notify' ORDER BY id) AS n")" = "failure,dead" ] ||
	    problem "notification jobs: $(dsql "SELECT id, queue,
	    notify_event, state FROM jobs WHERE notify_of = $ID")"
fi
end

begin "mail: --mail-on output mails a run that printed, not a silent one"
if submit --mail-to ops@example.com --mail-on output -- 'echo report' &&
    wait_state "$ID" done 20; then
	LOUD=$ID
	submit --mail-to ops@example.com --mail-on output -- 'true' &&
	    wait_state "$ID" done 20
	QUIET=$ID
	wait_until 20 "[ \$(mails_of $LOUD) -ge 1 ]" ||
	    problem "no mail for a run that printed"
	settled
	msg_of "$LOUD" 1 && { [ "$(body "$MSG")" = report ] ||
	    problem "body: $(body "$MSG")"; }
	[ "$(hdr "$MSG" X-Jobd-Outcome)" = done ] ||
	    problem "X-Jobd-Outcome: $(hdr "$MSG" X-Jobd-Outcome)"
	[ -n "$QUIET" ] && [ "$(mails_of "$QUIET")" = 0 ] ||
	    problem "a silent run was mailed"
	[ -n "$QUIET" ] && [ "$(dsql "SELECT count(*) FROM jobs
	    WHERE notify_of = $QUIET")" = 0 ] ||
	    problem "a notification job for a silent run"
fi
end

begin "mail: a schedule's mail_to, and the mail names the schedule"
if run schedule add nm-s --cron '0 0 1 1 *' --mail-to ops@example.com \
    --mail-on always -- 'echo from-schedule' && expect_rc 0 &&
    run schedule run nm-s && expect_rc 0; then
	SJ=$(echo "$OUT" | grep -Eo '[0-9]+' | head -n 1)
	wait_until 20 "[ \$(mails_of $SJ) -ge 1 ]" ||
	    problem "no mail for schedule job $SJ: $OUT"
	msg_of "$SJ" 1 && { [ "$(hdr "$MSG" X-Jobd-Schedule)" = nm-s ] ||
	    problem "X-Jobd-Schedule: $(hdr "$MSG" X-Jobd-Schedule)"; }
fi
end

begin "mail: a failing mailer is retried, then dead; its job is unchanged"
echo 75 >"$MAILDIR/exit"
if submit --mail-to ops@example.com --mail-on always -- 'echo x' &&
    wait_state "$ID" done 20; then
	N=$(dsql "SELECT id FROM jobs WHERE notify_of = $ID UNION ALL
	    SELECT id FROM dead_jobs WHERE notify_of = $ID")
	[ -n "$N" ] && wait_state "$N" dead 20
	[ "$(mails_of "$ID")" = 2 ] ||
	    problem "the mailer ran $(mails_of "$ID") times, not 2"
	[ "$(jstate "$ID")" = done ] || problem "job $ID is $(jstate "$ID")"
	settled
	[ -n "$N" ] && [ "$(dsql "SELECT count(*) FROM jobs WHERE
	    notify_of = $N")" = 0 ] ||
	    problem "a notification about the dead mail $N"
fi
rm -f "$MAILDIR/exit"
end

stop_jobd "$JOBD_PID"
no_strays "notify_mail: nothing left running"
no_sanitizer "notify_mail: no sanitizer report"
