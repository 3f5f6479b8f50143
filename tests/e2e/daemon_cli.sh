# backends: sqlite postgresql
# jobd's command line: --check-config, and the exit statuses of bad usage,
# a bad configuration and a database that cannot be opened.  Every jobd run
# here is expected to exit at once; timeout guards against one that serves.
. "$(dirname "$0")/daemon_lib.sh"

# jobd ARG...: run it in the foreground; RC, $T/.out, $T/.err
jobd_run() {
	timeout -k 2 10 "$JOBD" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	[ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || problem "jobd $*: did not exit"
	if [ "$RC" -gt 128 ] || grep -q -e Sanitizer -e 'runtime error:' \
	    "$T/.err"; then
		problem "jobd $*: crashed (exit $RC): $(grep -m1 -e Sanitizer \
		    -e 'runtime error' "$T/.err")"
	fi
}

write_conf workers=3 poll_interval=250ms max_output=4K max_attempts=7 \
    backoff_max=1m

begin "cli: --check-config on a good file exits 0 and prints every key"
jobd_run --check-config --config "$CONF" --db "$T/cc.db"
expect_rc 0
for kv in "workers = 3" "poll_interval = 250ms" "visibility_timeout = 2s" \
    "shutdown_grace = 2s" "kill_grace = 500ms" "max_output = 4K" \
    "max_attempts = 7" "timeout = 0s" "backoff = 100ms" "backoff_max = 1m"
do
	grep -qxF "$kv" "$T/.out" || problem "stdout lacks \"$kv\": $(tr '\n' \
	    '|' <"$T/.out" | head -c 400)"
done
grep -q schedules_dir "$T/.out" || problem "stdout lacks schedules_dir"
[ ! -e "$T/cc.db" ] || problem "--check-config created the database"
end

cp "$CONF" "$T/bad.conf"
sed -i 's/^kill_grace = .*/kill_grace = soon/' "$T/bad.conf"
badline=$(grep -n '^kill_grace' "$T/bad.conf" | cut -d: -f1)

begin "cli: --check-config on a bad file exits 78 with FILE:LINE on stderr"
jobd_run --check-config --config "$T/bad.conf" --db "$T/cc.db"
expect_rc 78
expect_err_contains "$T/bad.conf:$badline:"
expect_err_contains "kill_grace"
[ ! -e "$T/cc.db" ] || problem "created the database"
end

begin "cli: jobd with a bad config exits 78, FILE:LINE on stderr, no database created"
jobd_run --config "$T/bad.conf" --db "$T/bad.db"
expect_rc 78
expect_err_contains "$T/bad.conf:$badline:"
[ ! -e "$T/bad.db" ] || problem "created $T/bad.db"
end

begin "cli: --config naming a missing file exits 78"
jobd_run --config "$T/missing.conf" --db "$T/m.db"
expect_rc 78
expect_err_contains "missing.conf"
[ ! -e "$T/m.db" ] || problem "created $T/m.db"
end

begin "cli: --db in a missing directory exits 66"
jobd_run --config "$CONF" --db /nonexistent-dir/x.db
expect_rc 66
expect_err_contains "/nonexistent-dir"
[ ! -e /nonexistent-dir ] || problem "created /nonexistent-dir"
end

begin "cli: --db naming a directory exits 66"
mkdir "$T/adir"
jobd_run --config "$CONF" --db "$T/adir"
expect_rc 66
end

# A start that fails is an error, not a warning: under systemd (stderr to
# the journal, $JOURNAL_STREAM set) its line has priority <3>, else the
# level "error".
begin "cli: a failed start is logged at error priority"
for args in "--config $T/bad.conf --db $T/bad.db" \
    "--config $T/missing.conf --db $T/m.db" \
    "--config $CONF --db /nonexistent-dir/x.db"; do
	# shellcheck disable=SC2086
	JOURNAL_STREAM=8:1 jobd_run $args
	[ "$RC" -ne 0 ] || problem "$args: exit 0"
	[ -s "$T/.err" ] || problem "$args: no message"
	grep -v '^<3>' "$T/.err" | grep -q . &&
	    problem "$args: a line without <3>: $(head -c 200 "$T/.err")"
	# shellcheck disable=SC2086
	jobd_run $args
	grep -q '^[0-9-]* [0-9:.]* jobd error: ' "$T/.err" ||
	    problem "$args: not at level error: $(head -c 200 "$T/.err")"
done
end

begin "cli: --db on a file that is not a database exits 65"
printf 'not a database, just some text that is long enough\n%.0s' \
    $(seq 1 100) >"$T/junk.db"
cp "$T/junk.db" "$T/junk.orig"
jobd_run --config "$CONF" --db "$T/junk.db"
expect_rc 65
expect_same "$T/junk.orig" "$T/junk.db" "the file"
end

begin "cli: an unknown option exits 64 with usage on stderr"
jobd_run --bogus
expect_rc 64
expect_err_contains "--bogus"
expect_err_contains "usage:"
expect_out_empty
end

begin "cli: bad --workers values and a stray argument exit 64"
for w in 0 257 -1 x 4x ""; do
	jobd_run --config "$CONF" --db "$T/w.db" --workers "$w"
	[ "$RC" = 64 ] || problem "--workers \"$w\": exit $RC"
done
jobd_run --config "$CONF" --db "$T/w.db" extra
[ "$RC" = 64 ] || problem "a stray argument: exit $RC"
jobd_run --config "$CONF" --db ""
[ "$RC" = 64 ] || problem "--db \"\": exit $RC"
jobd_run --config
[ "$RC" = 64 ] || problem "--config without a value: exit $RC"
[ ! -e "$T/w.db" ] || problem "created $T/w.db"
end

begin "cli: --help exits 0 with usage on stdout, --version prints the version"
jobd_run --help
expect_rc 0
expect_out_contains "usage: jobd"
jobd_run --version
expect_rc 0
expect_out_contains "jobd "
end

# jobd -n checks the schedule files too: every file of schedules_dir, as
# a start would load it (syntax, values, owner and mode, a name in two
# files), each problem as FILE:LINE, exit 0 only when all is well.
SD=$T/sched.d
mkdir -p "$SD"
cp "$CONF" "$T/n.conf"
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$T/n.conf"
printf '[backup]\ncron = 0 3 * * *\ncommand = /usr/local/bin/backup\n' \
    >"$SD/a.conf"
printf '[report]\ncron = @daily\ncommand = true\n\n[rotate]\ncron = @weekly\ncommand = true\n' \
    >"$SD/b.conf"
chmod 644 "$SD"/*.conf

begin "cli: -n with good schedule files exits 0 and prints the configuration"
jobd_run -n --config "$T/n.conf" --db "$T/n.db"
expect_rc 0
expect_err_empty
expect_out_contains "# schedules: $SD (2 files, 3 schedules)"
expect_out_contains "schedules_dir = $SD"
[ ! -e "$T/n.db" ] || problem "-n created the database"
end

begin "cli: -n reports every bad schedule file as FILE:LINE and exits 78"
printf '[broken]\ncron = 0 3 * * *\ncommand = true\nqueue = --\n' >"$SD/c.conf"
printf '# a comment\n[late]\ncron = 61 * * * *\ncommand = true\n' >"$SD/d.conf"
printf '[backup]\ncron = @hourly\ncommand = true\n' >"$SD/e.conf"
chmod 644 "$SD"/*.conf
jobd_run -n --config "$T/n.conf" --db "$T/n.db"
expect_rc 78
expect_err_contains "$SD/c.conf:4: queue = \"--\""
expect_err_contains "$SD/d.conf:3: cron = \"61 * * * *\""
expect_err_contains "$SD/e.conf:1: schedule [backup] is also in $SD/a.conf:1"
expect_out_empty
[ ! -e "$T/n.db" ] || problem "-n created the database"
end

begin "cli: -n refuses a schedule file others can write: exit 77, the file named"
rm -f "$SD/c.conf" "$SD/d.conf" "$SD/e.conf"
chmod 666 "$SD/b.conf"
jobd_run -n --config "$T/n.conf" --db "$T/n.db"
expect_rc 77
expect_err_contains "$SD/b.conf: writable by group or others (mode 0666)"
expect_out_empty
chmod 644 "$SD/b.conf"
jobd_run -n --config "$T/n.conf" --db "$T/n.db"
expect_rc 0
end

no_strays "cli: no jobd left"
exit 0
