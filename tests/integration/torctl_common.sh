# torctl_common.sh - sourced by tests/integration/torctl_*.sh: start a real
# tor with DisableNetwork 1 in a temporary directory, tear everything down
# by PID on exit, count checks.
set -u

: "${top_builddir:?top_builddir must be set (make integration sets it)}"
CLI="$top_builddir/tests/torctl_cli"
TOR="${TOR:-$(command -v tor || echo /usr/sbin/tor)}"
PASS=0
FAIL=0
PIDS=""
T=$(mktemp -d /tmp/torctl_it.XXXXXX)
chmod 700 "$T"

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() {	# check "description" test-expression...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

if [ ! -x "$TOR" ]; then
	echo "tor not found: this test needs tor (CI installs it)"
	exit 1
fi
if [ ! -x "$CLI" ]; then
	echo "$CLI not built"
	exit 1
fi

# start_tor NAME "extra torrc lines": tor with a ControlSocket and a
# ControlPort on an automatic loopback port. Sets CTL_SOCK, CTL_PORT, TOR_PID.
start_tor() {
	local name=$1 extra=$2 d="$T/$1" i
	mkdir -p "$d/data"
	chmod 700 "$d" "$d/data"
	cat > "$d/torrc" <<-EOT
	DataDirectory $d/data
	DisableNetwork 1
	SocksPort 0
	AvoidDiskWrites 1
	ControlSocket $d/control
	ControlPort auto
	ControlPortWriteToFile $d/ctlport
	Log notice file $d/tor.log
	$extra
	EOT
	"$TOR" -f "$d/torrc" --quiet &
	TOR_PID=$!
	PIDS="$PIDS $TOR_PID"
	for i in $(seq 1 200); do
		[ -S "$d/control" ] && [ -s "$d/ctlport" ] && break
		kill -0 "$TOR_PID" 2>/dev/null || break
		sleep 0.1
	done
	CTL_SOCK="unix:$d/control"
	CTL_PORT=$(sed -n "s/^PORT=//p" "$d/ctlport" 2>/dev/null)	# 127.0.0.1:N
	if [ ! -S "$d/control" ] || [ -z "$CTL_PORT" ]; then
		echo "tor $name did not start:"
		tail -5 "$d/tor.log" 2>/dev/null
		return 1
	fi
	return 0
}

stop_tor() {	# stop_tor PID
	kill "$1" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
}

finish() {	# finish NAME
	echo "$1: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
}
