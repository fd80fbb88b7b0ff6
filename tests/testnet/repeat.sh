#!/bin/sh
# repeat.sh [--fresh] N [DIR] - the whole testnet cycle N times in a row: up (own
# network) -> onion via ADD_ONION fetched with curl -> 127.0.0.1 through the
# exit -> SOCKS isolation (onion and exit) -> loopback-only sockets -> down
# -> no process left.  Prints each cycle's bootstrap time and result, then
# the median bootstrap time.  Exit 0 iff every cycle passed.  Node keys are
# reused from cycle to cycle (as 'testnet up' does in one directory) unless
# --fresh, which removes DIR before each cycle so every up makes new keys.
set -u
fresh=no
if [ "${1:-}" = --fresh ]; then fresh=yes; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=${1:-10}
dir=${2:-${top_builddir:-$(pwd)}/testnet-repeat}
log="$dir.log"
: >"$log"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
fails=0
times=""
i=1
while [ "$i" -le "$n" ]; do
	[ "$fresh" = yes ] && rm -rf "$dir"
	out=$(TESTNET_BASIC_DIR="$dir" TESTNET_BASIC_ISOLATION=1 \
		top_srcdir="$top" top_builddir="${top_builddir:-$(pwd)}" \
		timeout -k 10 300 "$py" -B "$top/tests/integration/testnet_basic" 2>&1)
	rc=$?
	printf '=== cycle %d (rc %d)\n%s\n' "$i" "$rc" "$out" >>"$log"
	boot=$(printf '%s\n' "$out" | sed -n 's/.*bootstrapped in under [0-9]* s (\([0-9.]*\) s.*/\1/p')
	summ=$(printf '%s\n' "$out" | tail -1)
	fetch=$(printf '%s\n' "$out" | sed -n 's/^testnet_basic timings: //p')
	if [ "$rc" -ne 0 ]; then
		fails=$((fails + 1))
		printf 'cycle %2d: FAIL  bootstrap %s s  %s\n' "$i" "${boot:-?}" "$summ"
		printf '%s\n' "$out" | grep '^FAIL' | sed 's/^/    /'
	else
		printf 'cycle %2d: ok    bootstrap %s s  [%s]\n' "$i" "$boot" "$fetch"
	fi
	[ -n "$boot" ] && times="$times $boot"
	i=$((i + 1))
done
median=$(printf '%s\n' $times | sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "?"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}')
echo "repeat: $n cycles, $((n - fails)) passed, $fails failed; bootstrap median $median s (all:$times); log $log"
[ "$fails" -eq 0 ]
