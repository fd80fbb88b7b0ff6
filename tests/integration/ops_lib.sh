# ops_lib.sh - shell helpers shared by tests/integration/ops_* (sourced).
# Set 'name' before sourcing. Provides: ok/bad/skip/finish counters,
# tally (feed a probe's ok/FAIL lines), freeport, the temporary directory
# $T with PID-based cleanup (add PIDs to $pids), and a tor started the way
# Debian's tor@default.service starts it with contrib/torrc/onionfed.torrc
# %included (tor_conf, tor_start_as_debian_tor, waitsock).

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
skip() { echo "skip: $*"; }
finish() { echo "$name: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
snippet=$srcdir/contrib/torrc/onionfed.torrc
PY=/usr/bin/python3
TOR=${TOR:-$(command -v tor 2>/dev/null || echo /usr/sbin/tor)}
debdefaults=/usr/share/tor/tor-service-defaults-torrc
tg=debian-tor

# Root with a debian-tor account and setpriv: the user/group model of
# Debian's tor and of onionfed.service can be reproduced.
as_root=no
if [ "$(id -u)" = 0 ] && getent passwd "$tg" >/dev/null &&
    getent group "$tg" >/dev/null && command -v setpriv >/dev/null; then
	as_root=yes
fi

T=$(mktemp -d "/tmp/$name.XXXXXX") || exit 1
chmod 0755 "$T"
pids=
ops_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap ops_cleanup EXIT
trap 'exit 1' INT TERM

tally() {
	while read -r l; do
		case $l in
		ok\ *) ok "${l#ok }";;
		FAIL\ *) bad "${l#FAIL }";;
		*) echo "  $l";;
		esac
	done <"$1"
}

# A free TCP port below the kernel's ephemeral range (see TESTNET.md).
freeport() {
	"$PY" - <<'EOF'
import random, socket
for p in random.sample(range(24000, 29000), 200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
EOF
}

# tor_conf TAG PORT: $T/TAG/{run,data,log,etc/torrc,etc/onionfed.torrc,
# defaults}: the snippet with "/run/tor/" moved to $T/TAG/run/ and the TCP
# SocksPort to PORT, and Debian's defaults file with the same moves
# ("/var/lib/tor" -> $T/TAG/data, syslog -> a file).
tor_conf() {
	d=$T/$1
	mkdir -p "$d/etc"
	if [ $as_root = yes ]; then
		# What Debian's ExecStartPre does for /run/tor, and the package
		# for /var/lib/tor.
		install -m 02755 -o $tg -g $tg -d "$d/run"
		install -m 0700 -o $tg -g $tg -d "$d/data" "$d/log"
	else
		mkdir -m 0755 "$d/run"; mkdir -m 0700 "$d/data" "$d/log"
	fi
	sed -e "s|/run/tor/|$d/run/|g" \
	    -e "s|127\.0\.0\.1:9050 |127.0.0.1:$2 |" \
	    "$snippet" >"$d/etc/onionfed.torrc"
	if [ -r "$debdefaults" ]; then
		sed -e "s|/run/tor/|$d/run/|g" -e "s|/var/lib/tor|$d/data|" \
		    -e "s|^Log notice syslog|Log notice file $d/log/tor.log|" \
		    "$debdefaults" >"$d/defaults"
	else
		printf 'User %s\nLog notice file %s\n' $tg "$d/log/tor.log" \
		    >"$d/defaults"
	fi
	# /etc/tor/torrc as the snippet's header tells operators to write it.
	printf '%%include %s\n' "$d/etc/onionfed.torrc" >"$d/etc/torrc"
}

# tor_start_disabled TAG: tor with --DisableNetwork 1, started directly as
# debian-tor (as root) since tor 0.4.9.11 with "User" and DisableNetwork
# never opens the unix ControlSocket. Sets tor_pid.
tor_start_disabled() {
	d=$T/$1
	sed -i '/^User /d; /^RunAsDaemon /d; /^PidFile /d' "$d/defaults"
	if [ $as_root = yes ]; then
		setpriv --reuid=$tg --regid=$tg --init-groups \
		    "$TOR" --defaults-torrc "$d/defaults" -f "$d/etc/torrc" \
		    --RunAsDaemon 0 --DisableNetwork 1 >"$d/tor.stdout" 2>&1 &
	else
		"$TOR" --defaults-torrc "$d/defaults" -f "$d/etc/torrc" \
		    --RunAsDaemon 0 --DisableNetwork 1 >"$d/tor.stdout" 2>&1 &
	fi
	tor_pid=$!
	pids="$pids $tor_pid"
}

# waitsock TAG PID: wait (bounded, 30 s) for the control socket + cookie.
waitsock() {
	i=0
	while [ $i -lt 300 ]; do
		[ -S "$T/$1/run/control" ] &&
		    [ -s "$T/$1/run/control.authcookie" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
