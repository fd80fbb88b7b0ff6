#!/bin/sh
# gen_onion_vectors.sh - derive v3 onion test vectors from a real tor.
# Starts tor with DisableNetwork 1 and N HiddenServiceDirs in a temp dir,
# waits for each "hostname" file, and prints one line per service:
#   <hostname> <hex of the 32-byte ed25519 public key>
# The key is bytes 32..63 of hs_ed25519_public_key (after tor's
# "== ed25519v1-public: type0 ==" header). Tor never touches the network.
# Usage: gen_onion_vectors.sh [N] > onion_v3_tor.txt
set -eu
n=${1:-8}
tor=${TOR:-$(command -v tor || echo /usr/sbin/tor)}
dir=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
{
	echo "DataDirectory $dir/data"
	echo "DisableNetwork 1"
	echo "SocksPort 0"
	echo "Log notice file $dir/tor.log"
	i=0
	while [ $i -lt "$n" ]; do
		echo "HiddenServiceDir $dir/hs$i"
		echo "HiddenServicePort 80 127.0.0.1:9"
		i=$((i + 1))
	done
} > "$dir/torrc"
mkdir -m 700 "$dir/data"
"$tor" -f "$dir/torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt "$n" ]; do
	t=0
	while [ ! -s "$dir/hs$i/hostname" ] || [ ! -s "$dir/hs$i/hs_ed25519_public_key" ]; do
		t=$((t + 1))
		if [ $t -gt 300 ]; then echo "tor wrote no hostname in hs$i" >&2; exit 1; fi
		sleep 0.1
	done
	host=$(cat "$dir/hs$i/hostname")
	key=$(od -An -v -tx1 -j32 -N32 "$dir/hs$i/hs_ed25519_public_key" | tr -d ' \n')
	echo "$host $key"
	i=$((i + 1))
done
