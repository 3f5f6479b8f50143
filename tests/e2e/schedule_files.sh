# Schedule files (jobd.conf(5), SCHEDULE FILES): the real jobd syncs the
# *.conf files of its schedules_dir into the schedules table when it starts
# and on SIGHUP; a bad file is logged as FILE:LINE and keeps its schedules;
# a removed file's schedules go.  Checked with sqlite3 on the database.
. "$(dirname "$0")/daemon_lib.sh"

SD=$T/sched
LOG=$T/jobd.log
mkdir -p "$SD"
write_conf
# write_conf only replaces keys it has: put schedules_dir under [jobd].
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$CONF"

putf() {	# name: the file's text on stdin, mode 0644
	cat >"$SD/$1" && chmod 644 "$SD/$1"
}

# name|cron|command|source-file of every schedule, by name.
rows() {
	dsql "SELECT name, cron, command, replace(source, 'file:$SD/', '')
	    FROM schedules ORDER BY name" 2>/dev/null
}

# The rows of the schedules of file $1, for "unchanged" checks (not
# next_run_at, which moves when a schedule fires on the real clock).
file_rows() {
	dsql "SELECT name, cron, tz, command, queue, priority, max_attempts,
	    timeout_ms, env, overlap, catchup, enabled,
	    updated_at FROM schedules WHERE source = 'file:$SD/$1'
	    ORDER BY name" 2>/dev/null
}

# Wait for the log to have $1 (a fixed string) at least $2 times.
wait_log() {	# string [count]
	wait_until 10 "[ \"\$(grep -cF -- '$1' \"$LOG\")\" -ge ${2:-1} ]"
}

putf a.conf <<'EOF'
# two schedules
[e2e-a]
cron = */5 * * * *
tz = UTC
command = echo a ; echo kept # too
queue = files
priority = 5
max_attempts = 2
timeout = 1m
env.GREETING = hello

[e2e-b]
cron = @daily
command = echo b
EOF
putf b.conf <<'EOF'
[e2e-c]
cron = 0 4 * * mon
tz = America/New_York
command = echo c
overlap = queue
catchup = once
EOF
putf boot.conf <<EOF
[e2e-boot]
cron = @reboot
command = echo booted >>$T/boot.out
EOF
putf broken.conf <<'EOF'
[e2e-broken]
cron = 0 0 30 2 *
command = echo never
EOF
# Not schedule files.
putf a.conf.bak <<'EOF'
[e2e-bak]
cron = @daily
command = echo bak
EOF
putf .hidden.conf <<'EOF'
[e2e-hidden]
cron = @daily
command = echo hidden
EOF

begin "schedule files: synced when jobd starts"
start_jobd jobd
P=$JOBD_PID
want="e2e-a|*/5 * * * *|echo a ; echo kept # too|a.conf
e2e-b|@daily|echo b|a.conf
e2e-boot|@reboot|echo booted >>$T/boot.out|boot.conf
e2e-c|0 4 * * mon|echo c|b.conf"
wait_until 10 '[ "$(rows)" = "$want" ]' ||
    problem "schedules: $(rows | tr '\n' ';')"
r=$(dsql "SELECT tz, queue, priority, max_attempts, timeout_ms,
    hex(env), overlap, catchup, enabled, next_run_at % 300000 = 0,
    next_run_at > $(now_ms) - 60000
    FROM schedules WHERE name = 'e2e-a'")
env_hex=$(printf 'GREETING=hello' | od -An -tx1 | tr -d ' \n' |
    tr a-f A-F)00
[ "$r" = "UTC|files|5|2|60000|$env_hex|skip|skip|1|1|1" ] ||
    problem "e2e-a: $r"
r=$(dsql "SELECT tz, overlap, catchup FROM schedules WHERE name = 'e2e-c'")
[ "$r" = "America/New_York|queue|once" ] || problem "e2e-c: $r"
wait_log "$SD/a.conf: 2 added, 0 changed, 0 removed" ||
    problem "no summary for a.conf in the log"
end

begin "schedule files: a bad file at start is logged as FILE:LINE, jobd runs"
wait_log "$SD/broken.conf:2: cron = \"0 0 30 2 *\"" ||
    problem "no FILE:LINE for broken.conf: $(grep broken "$LOG" | head -3)"
alive "$P" || problem "jobd exited"
[ "$(dsql "SELECT count(*) FROM schedules WHERE name = 'e2e-broken'")" = 0 ] ||
    problem "the broken schedule was stored"
end

begin "schedule files: a @reboot schedule from a file runs at start"
wait_until 10 "grep -qx booted '$T/boot.out' 2>/dev/null" ||
    problem "no @reboot job ran: $(dsql "SELECT id, state, command
    FROM jobs" | tr '\n' ';')"
end

c_before=$(file_rows b.conf)
log_lines=$(wc -l <"$LOG")

begin "schedule files: SIGHUP applies added, changed and removed sections"
putf a.conf <<'EOF'
[e2e-a]
cron = */10 * * * *
tz = UTC
command = echo a, changed
env.GREETING = hello

[e2e-d]
cron = @hourly
command = echo d
EOF
kill -HUP "$P"
want="e2e-a|*/10 * * * *|echo a, changed|a.conf
e2e-boot|@reboot|echo booted >>$T/boot.out|boot.conf
e2e-c|0 4 * * mon|echo c|b.conf
e2e-d|@hourly|echo d|a.conf"
wait_until 10 '[ "$(rows)" = "$want" ]' ||
    problem "schedules: $(rows | tr '\n' ';')"
wait_log "$SD/a.conf: 1 added, 1 changed, 1 removed" ||
    problem "no summary for a.conf: $(grep -F a.conf "$LOG" | tail -2)"
r=$(dsql "SELECT queue, priority, max_attempts IS NULL, timeout_ms IS NULL
    FROM schedules WHERE name = 'e2e-a'")
[ "$r" = "default|0|1|1" ] || problem "e2e-a keys not reset: $r"
end

begin "schedule files: an unchanged file keeps its schedules and next runs"
[ "$(file_rows b.conf)" = "$c_before" ] ||
    problem "b.conf rows changed: $c_before -> $(file_rows b.conf)"
tail -n +$((log_lines + 1)) "$LOG" | grep -qF "$SD/b.conf: " &&
    problem "b.conf logged as changed on SIGHUP"
end

begin "schedule files: a removed file's schedules are removed on SIGHUP"
rm "$SD/b.conf"
kill -HUP "$P"
wait_until 10 '[ "$(dsql "SELECT count(*) FROM schedules
    WHERE name = '"'e2e-c'"'")" = 0 ]' || problem "e2e-c still there"
wait_log "$SD/b.conf: 0 added, 0 changed, 1 removed" ||
    problem "no summary for b.conf"
[ "$(dsql "SELECT count(*) FROM schedules")" = 3 ] ||
    problem "schedules: $(rows | tr '\n' ';')"
end

begin "schedule files: a bad file logs FILE:LINE, keeps its schedules; others sync"
a_before=$(file_rows a.conf)
putf a.conf <<'EOF'
[e2e-a]
cron = */10 * * * *
tz = UTC
command = echo a, changed again
colour = blue

[e2e-d]
cron = @hourly
command = echo d
EOF
putf c.conf <<'EOF'
[e2e-e]
cron = 15 * * * *
command = echo e
EOF
kill -HUP "$P"
wait_log "$SD/a.conf:5: unknown key \"colour\"" ||
    problem "no FILE:LINE for a.conf: $(grep -F a.conf "$LOG" | tail -2)"
grep -F "$SD/a.conf:5: " "$LOG" | grep -qF "its schedules are unchanged" ||
    problem "the message does not say the schedules are unchanged"
wait_until 10 '[ "$(dsql "SELECT count(*) FROM schedules
    WHERE name = '"'e2e-e'"'")" = 1 ]' || problem "c.conf was not synced"
[ "$(file_rows a.conf)" = "$a_before" ] ||
    problem "a.conf rows changed: $a_before -> $(file_rows a.conf)"
alive "$P" || problem "jobd exited"
end

begin "schedule files: fixing the file and SIGHUP applies it"
sed -i '/^colour/d' "$SD/a.conf"
kill -HUP "$P"
wait_until 10 '[ "$(dsql "SELECT command FROM schedules
    WHERE name = '"'e2e-a'"'")" = "echo a, changed again" ]' ||
    problem "e2e-a: $(dsql "SELECT command FROM schedules
    WHERE name = 'e2e-a'")"
end

begin "schedule files: jobd stops cleanly"
stop_jobd "$P" || problem "jobd did not stop"
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
end

no_strays "schedule files: no processes left"
no_sanitizer "schedule files: no sanitizer reports"
exit 0
