#!/bin/bash
# torctl_onion.sh - onion keys against a real tor (DisableNetwork 1):
#  1. tor makes a HiddenServiceDir key; we derive the same address from its
#     hs_ed25519_secret_key, and tor serves OUR generated key file from a
#     HiddenServiceDir under the address we derived (same file format);
#  2. ADD_ONION with our generated key and with the imported tor key:
#     ServiceID == the locally derived address; unix: targets; PoW keywords;
#  3. a key tor generated through ADD_ONION NEW comes back as PrivateKey,
#     imports, and derives to the ServiceID.
. "$(dirname "$0")/torctl_common.sh"

run() {
	local out=$1
	shift
	timeout 20 "$CLI" -t 10000 "$@" >"$out" 2>&1
}

# --- 1. HiddenServiceDir, both directions -----------------------------------
mkdir -p "$T/hs_tor" "$T/hs_ours"
chmod 700 "$T/hs_tor" "$T/hs_ours"
"$CLI" key-gen "$T/hs_ours/hs_ed25519_secret_key" > "$T/ours.id"
check "key-gen wrote a 0600 key" \
    [ "$(stat -c %a "$T/hs_ours/hs_ed25519_secret_key")" = 600 ]
OURS=$(cat "$T/ours.id")
check "key-gen prints a 56-char id" [ ${#OURS} -eq 56 ]
start_tor hsdir "HiddenServiceDir $T/hs_tor
HiddenServicePort 80 127.0.0.1:9
HiddenServiceDir $T/hs_ours
HiddenServicePort 80 127.0.0.1:9" || exit 1
for _ in $(seq 1 100); do
	[ -s "$T/hs_tor/hostname" ] && [ -s "$T/hs_ours/hostname" ] && break
	sleep 0.1
done
stop_tor "$TOR_PID"
TORS=$(sed 's/\.onion$//' "$T/hs_tor/hostname")
check "tor wrote its own HiddenServiceDir key" [ ${#TORS} -eq 56 ]
check "tor's key file derives to tor's hostname" \
    [ "$("$CLI" key-id "$T/hs_tor/hs_ed25519_secret_key")" = "$TORS" ]
check "tor serves our key file under our derived address" \
    [ "$(cat "$T/hs_ours/hostname")" = "$OURS.onion" ]
echo "tor hostname $TORS; ours $OURS"

# --- 2. ADD_ONION with local keys -------------------------------------------
start_tor ctl "CookieAuthentication 1" || exit 1
run "$T/add.out" "$CTL_SOCK" \
    add-onion "file:$T/hs_ours/hs_ed25519_secret_key" 8448,127.0.0.1:8449 , \
    add-onion "file:$T/hs_tor/hs_ed25519_secret_key" \
	"8448,unix:$T/inbound.sock" maxstreams=16 , \
    getinfo onions/current
check "ADD_ONION with both keys: exit 0" [ $? -eq 0 ]
cat "$T/add.out"
check "generated key: ServiceID == locally derived" \
    grep -q "^ServiceID=$OURS\$" "$T/add.out"
check "imported tor key: ServiceID == locally derived" \
    grep -q "^ServiceID=$TORS\$" "$T/add.out"
check "DiscardPK: tor returned no key for a given key" \
    [ "$(grep -c '^PrivateKey=' "$T/add.out")" -eq 0 ]

BLOB=$("$CLI" key-blob "$T/hs_tor/hs_ed25519_secret_key")
check "export to ED25519-V3 blob" [ "${BLOB#ED25519-V3:}" != "$BLOB" ]
run "$T/pow.out" "$CTL_SOCK" add-onion "blob:$BLOB" 8448,127.0.0.1:8449 pow \
    , getinfo onions/current , del-onion -
check "ADD_ONION blob + PoW keywords accepted by 0.4.9" [ $? -eq 0 ]
check "blob ServiceID == derived" grep -q "^ServiceID=$TORS\$" "$T/pow.out"
cat "$T/pow.out"
# Same key twice on one connection: tor refuses with 550 collision
run "$T/dup.out" "$CTL_SOCK" add-onion "blob:$BLOB" 8448 , \
    add-onion "blob:$BLOB" 8448
check "re-adding a live onion is refused (550)" \
    grep -q "^550 Onion address collision" "$T/dup.out"

# --- 3. tor-made key (ADD_ONION NEW) round trip ------------------------------
run "$T/new.out" "$CTL_SOCK" add-onion new 8448,127.0.0.1:8449
NEWID=$(sed -n 's/^ServiceID=//p' "$T/new.out")
NEWKEY=$(sed -n 's/^PrivateKey=//p' "$T/new.out")
check "ADD_ONION NEW returns a key" [ -n "$NEWKEY" ]
check "tor's PrivateKey derives to its ServiceID" \
    [ "$("$CLI" key-id-blob "$NEWKEY")" = "$NEWID" ]
"$CLI" key-from-blob "$NEWKEY" "$T/imported.key" >/dev/null
check "imported blob saved 0600" \
    [ "$(stat -c %a "$T/imported.key")" = 600 ]
check "saved key file derives to the ServiceID" \
    [ "$("$CLI" key-id "$T/imported.key")" = "$NEWID" ]
run "$T/readd.out" "$CTL_SOCK" add-onion "file:$T/imported.key" 8448
check "re-added from our file: same ServiceID" \
    grep -q "^ServiceID=$NEWID\$" "$T/readd.out"

# A handful more generated keys, each checked against tor
n_ok=0
for i in 1 2 3 4 5 6 7 8; do
	"$CLI" key-gen "$T/k$i" > "$T/k$i.id"
	run "$T/k$i.out" "$CTL_SOCK" add-onion "file:$T/k$i" 80
	grep -q "^ServiceID=$(cat "$T/k$i.id")\$" "$T/k$i.out" && \
	    n_ok=$((n_ok + 1))
done
check "8 more generated keys: tor agrees on all ($n_ok/8)" [ $n_ok -eq 8 ]

# Key file errors
printf 'garbage' > "$T/bad.key"
"$CLI" key-id "$T/bad.key" > "$T/bad.out" 2>&1
check "malformed key file refused" grep -q "malformed onion key" "$T/bad.out"
"$CLI" key-id "$T/missing.key" > "$T/missing.out" 2>&1
check "missing key file: errno reported" grep -q "No such file" \
    "$T/missing.out"

# ClientAuthV3 with a real x25519 public key (base32, as tor wants it)
openssl genpkey -algorithm x25519 -out "$T/x25519.pem" 2>/dev/null
CA=$(openssl pkey -in "$T/x25519.pem" -pubout -outform DER | tail -c 32 |
    /usr/bin/python3 -c 'import base64,sys; print(base64.b32encode(sys.stdin.buffer.read()).decode().rstrip("="))')
run "$T/ca.out" "$CTL_SOCK" add-onion "file:$T/k1" 8448 \
    "clientauth=$CA" flags=DiscardPK , signal NEWNYM
check "ADD_ONION with ClientAuthV3 accepted" \
    grep -q "^ServiceID=$(cat "$T/k1.id")\$" "$T/ca.out"
check "SIGNAL NEWNYM accepted" grep -q "^250 OK" "$T/ca.out"
run "$T/cabad.out" "$CTL_SOCK" add-onion "file:$T/k2" 8448 clientauth=AAAA
check "malformed ClientAuthV3 refused by tor (5xx)" \
    grep -q "^5[0-9][0-9] " "$T/cabad.out"

# tor goes away mid-session: the loss is reported, pending work fails once
timeout 30 "$CLI" "$CTL_SOCK" setevents HS_DESC , wait-event HS_DESC 25 \
    >"$T/lost.out" 2>&1 &
CLIPID=$!
PIDS="$PIDS $CLIPID"
for _ in $(seq 1 50); do
	grep -q "^250 OK" "$T/lost.out" 2>/dev/null && break
	sleep 0.1
done
stop_tor "$TOR_PID"
wait "$CLIPID"
check "tor killed: client exits 1" [ $? -eq 1 ]
check "tor killed: loss reported once" \
    [ "$(grep -c "connection lost: control connection closed" \
    "$T/lost.out")" -eq 1 ]
cat "$T/lost.out"

finish torctl_onion
