#!/bin/sh
# check_gatewayd_cli.sh - onionfedd and onionfedctl from the outside:
# --check exit codes and messages on every tests/conf file and the example
# config, option handling, and a running daemon's SIGHUP reload (good and
# bad file) and SIGTERM stop. Run by 'make check' (top_srcdir and
# top_builddir in the environment).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-.}
d=$bld/onionfedd
ctl=$bld/onionfedctl
pass=0
fail=0
tmp=$(mktemp -d /tmp/check_gatewayd_cli.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_rc WANT CMD...: run, keep stdout/stderr in $tmp/out $tmp/err
expect_rc() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else
		no "$* exited $rc, want $want"; sed 's/^/  | /' "$tmp/err"
	fi
}
# has FILE TEXT: fixed-string match
has() {
	if grep -qF -- "$2" "$1"; then ok; else
		no "$1 lacks: $2"; sed 's/^/  | /' "$1"
	fi
}

# --- the example config is valid, and --check says what it would do
expect_rc 0 "$d" --check -c "$src/contrib/onionfed.conf.example"
has "$tmp/out" "configuration OK"
has "$tmp/out" "mode: onion-only (every peer through Tor, fail-closed)"
has "$tmp/out" "clearnet via Tor exits"
expect_rc 0 "$ctl" -c "$src/contrib/onionfed.conf.example" check-config

# --- every good file passes --check (password.conf, tls.conf name files
# that are not there)
for f in "$src"/tests/conf/good/*.conf; do
	case $f in */password.conf | */tls.conf) continue ;; esac
	expect_rc 0 "$d" -t -c "$f"
done

# --- every bad file: exit 78 and exactly its "# expect:" lines on stderr
n_bad=0
for f in "$src"/tests/conf/bad/*.conf; do
	n_bad=$((n_bad + 1))
	b=$(basename "$f")
	# Run from the folder so messages start with the bare file name.
	(cd "$src/tests/conf/bad" && "$d" --check -c "$b") >"$tmp/out" \
	    2>"$tmp/err"
	rc=$?
	if [ $rc -eq 78 ]; then ok; else no "$b: exit $rc, want 78"; fi
	sed -n 's/^# expect: //p' "$f" >"$tmp/want"
	echo "onionfedd: $b: invalid configuration" >>"$tmp/want"
	if cmp -s "$tmp/want" "$tmp/err"; then ok; else
		no "$b: stderr differs"; diff "$tmp/want" "$tmp/err" | sed 's/^/  | /'
	fi
	[ -s "$tmp/out" ] && no "$b: stdout not empty"
done
[ $n_bad -ge 25 ] && ok || no "only $n_bad bad configs found"

# onionfedctl check-config agrees
(cd "$src/tests/conf/bad" && "$ctl" -c tls-half.conf check-config) \
    >"$tmp/out" 2>"$tmp/err"
[ $? -eq 78 ] && ok || no "onionfedctl check-config on a bad file: not 78"
has "$tmp/err" "tls-half.conf:4: [inbound] tls_key: tls_cert and tls_key must be set together"

# --- options
expect_rc 78 "$d" --check -c "$tmp/absent.conf"
has "$tmp/err" "$tmp/absent.conf: No such file or directory"
expect_rc 0 "$d" --version
has "$tmp/out" "onionfedd "
expect_rc 0 "$d" --help
has "$tmp/out" "--check"
expect_rc 64 "$d" --bogus
expect_rc 64 "$d" --log=syslog
expect_rc 64 "$d" extra-arg
expect_rc 0 "$ctl" --version
expect_rc 64 "$ctl" frobnicate
expect_rc 64 "$ctl"

# --- a running daemon: SIGHUP reload (good, then bad), SIGTERM stop
# wait_for FILE TEXT: poll up to 5 s for TEXT to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && { ok; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	no "timed out waiting for: $2"
	sed 's/^/  | /' "$1"
	return 1
}
# Listeners on unix sockets in $tmp: no TCP port of anybody else's taken.
cat >"$tmp/run.conf" <<EOF
[onionfed]
mode = dual
server_name = hs.test
state_dir = $tmp
[inbound]
upstream = http://127.0.0.1:8008
onion_listen = unix:$tmp/in.sock
[outbound]
connect_listen = unix:$tmp/connect.sock
socks_listen =
[admin]
socket =
EOF
"$d" --log=stderr -c "$tmp/run.conf" 2>"$tmp/log" &
pid=$!
wait_for "$tmp/log" "starting (dual, config $tmp/run.conf)"
kill -HUP $pid
wait_for "$tmp/log" "configuration reloaded from $tmp/run.conf"
printf '[tor]\nauth = nope\n' >>"$tmp/run.conf"
kill -HUP $pid
wait_for "$tmp/log" "reload refused (invalid configuration); the running configuration stays"
has "$tmp/log" "run.conf:14: [tor] auth: expected one of: auto safecookie cookie password none"
has "$tmp/log" "msgid=1866b05bc339482daaa2f120d21a00ae"
kill -0 $pid 2>/dev/null && ok || no "daemon died after a bad reload"
kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait $pid
rc=$?
pid=
[ $rc -eq 0 ] && ok || no "daemon exited $rc on SIGTERM"
has "$tmp/log" "stopping on SIGTERM"
has "$tmp/log" "] notice stopped"

# A bad file at start: exit 78, the error on stderr, nothing started.
expect_rc 78 "$d" --log=stderr -c "$tmp/run.conf"
has "$tmp/err" "run.conf:14: [tor] auth:"
has "$tmp/err" "not starting msgid=b362e9b18a4c48b294f9a747d18daf34"

# --- scripts/check-deps.sh catches what it must (it also runs on the tree)
mkdir -p "$tmp/deps/policy" "$tmp/deps/torctl"
printf '#include "config.h"\n#include "gatewayd/gw_log.h"\n#include <event2/event.h>\n' \
    >"$tmp/deps/policy/p.c"
printf '#include <openssl/evp.h>\n#include "../gatewayd/gw_config.h"\n' >"$tmp/deps/torctl/t.h"
expect_rc 1 sh "$src/scripts/check-deps.sh" "$tmp/deps"
has "$tmp/out" "policy/p.c:2:"
has "$tmp/out" "policy/p.c:3:"
has "$tmp/out" "torctl/t.h:2:"
has "$tmp/out" "2 files in policy/ and torctl/, 3 violations"

# --- the example config documents every key of the option table
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", "\([a-z_]*\)", KT_.*/\1.\2/p' \
    "$src/gatewayd/gw_config.c")
nk=$(printf '%s\n' "$keys" | wc -l)
[ "$nk" -ge 42 ] && ok || no "found only $nk rows in conf_keys[]"
for sk in $keys; do
	k=${sk#*.}
	grep -qE "^#?$k =" "$src/contrib/onionfed.conf.example" && ok ||
	    no "contrib/onionfed.conf.example does not mention [${sk%%.*}] $k"
done

# --- the journal catalog compiles (when journalctl is there)
if command -v journalctl >/dev/null 2>&1; then
	mkdir -p "$tmp/root/usr/lib/systemd/catalog"
	cp "$src/contrib/systemd/onionfed.catalog" "$tmp/root/usr/lib/systemd/catalog/"
	if journalctl --root="$tmp/root" --update-catalog 2>"$tmp/err"; then ok; else
		no "journalctl --update-catalog failed"; cat "$tmp/err"
	fi
	n=$(journalctl --root="$tmp/root" --list-catalog 2>/dev/null | grep -c ' onionfed: ')
	[ "$n" -eq 13 ] && ok || no "catalog lists $n onionfed entries, want 13"
fi

echo "check_gatewayd_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
