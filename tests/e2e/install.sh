# make install and make uninstall, into a DESTDIR under the test's own
# directory, with the binaries this run tests.
. "$(dirname "$0")/lib.sh"

ROOT=$T/root
mk() {
	make -s -C "$JOBD_TOP" B="$JOBD_BUILD" DESTDIR="$ROOT" PREFIX=/usr \
	    SYSCONFDIR=/etc "$@" >"$T/.make.out" 2>&1
}

# bash completion goes where bash-completion looks, else under PREFIX.
COMPDIR=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
COMPDIR=${COMPDIR:-/usr/share/bash-completion/completions}
COMPDIR=${COMPDIR#/}

FILES="usr/bin/jobctl usr/sbin/jobd usr/share/man/man1/jobctl.1
usr/share/man/man5/jobd.conf.5 usr/share/man/man8/jobd.8
etc/jobd/jobd.conf usr/lib/systemd/system/jobd.service
etc/jobd/schedules.d/example.conf.sample $COMPDIR/jobctl"

begin "install: binaries, man pages, sample config and unit under DESTDIR"
mk install || problem "make install failed: $(tail -n 5 "$T/.make.out")"
for f in $FILES; do
	[ -f "$ROOT/$f" ] || problem "missing $f"
done
[ -x "$ROOT/usr/sbin/jobd" ] && [ -x "$ROOT/usr/bin/jobctl" ] ||
    problem "binaries not executable"
grep -q '^ExecStart=/usr/sbin/jobd --config /etc/jobd/jobd.conf$' \
    "$ROOT/usr/lib/systemd/system/jobd.service" ||
    problem "unit ExecStart: $(grep ExecStart \
    "$ROOT/usr/lib/systemd/system/jobd.service")"
# Under the systemd watchdog, restarted when it stops answering.
for l in Type=notify WatchdogSec=60s Restart=on-failure; do
	grep -qx "$l" "$ROOT/usr/lib/systemd/system/jobd.service" ||
	    problem "unit lacks $l"
done
grep -q '@' "$ROOT/usr/lib/systemd/system/jobd.service" &&
    problem "unit has an unfilled @...@"
"$ROOT/usr/sbin/jobd" --check-config --config "$ROOT/etc/jobd/jobd.conf" \
    --db "$T/x.db" >/dev/null 2>&1 ||
    problem "the installed sample config does not check"
end

begin "install: an existing config is kept"
echo "# mine" >>"$ROOT/etc/jobd/jobd.conf"
mk install || problem "make install failed"
grep -q '^# mine$' "$ROOT/etc/jobd/jobd.conf" ||
    problem "make install overwrote the changed config"
end

begin "uninstall: removes what install put there, keeps a changed config"
mk uninstall || problem "make uninstall failed"
for f in $FILES; do
	[ "$f" = etc/jobd/jobd.conf ] && continue
	[ ! -e "$ROOT/$f" ] || problem "left $f"
done
[ -f "$ROOT/etc/jobd/jobd.conf" ] || problem "removed the changed config"
rm "$ROOT/etc/jobd/jobd.conf"
mk install && mk uninstall || problem "install+uninstall failed"
[ ! -e "$ROOT/etc/jobd/jobd.conf" ] ||
    problem "uninstall kept the unchanged sample config"
[ ! -e "$ROOT/etc/jobd" ] || problem "uninstall left $(find "$ROOT/etc/jobd")"
end

begin "install: the bash completion completes with the installed jobctl"
mk install || problem "make install failed: $(tail -n 5 "$T/.make.out")"
if command -v bash >/dev/null; then
	PATH=$ROOT/usr/bin:$PATH JOBD_DB=$T/c.db bash -c '
	    . "$1" && COMP_WORDS=(jobctl sub) && COMP_CWORD=1 && _jobctl &&
	    [ "${COMPREPLY[*]}" = submit ]' bash "$ROOT/$COMPDIR/jobctl" ||
	    problem "the installed completion does not complete \"sub\""
fi
mk uninstall || problem "make uninstall failed"
[ ! -e "$ROOT/$COMPDIR/jobctl" ] || problem "uninstall left the completion"
mk install COMPLETIONSDIR=/opt/comp ||
    problem "make install COMPLETIONSDIR= failed"
[ -f "$ROOT/opt/comp/jobctl" ] || problem "COMPLETIONSDIR not honoured"
mk uninstall COMPLETIONSDIR=/opt/comp
[ ! -e "$ROOT/opt/comp/jobctl" ] || problem "uninstall left /opt/comp/jobctl"
end
exit 0
