#!/bin/bash
# torctl_auth.sh - libtorctl against a real tor (DisableNetwork 1) with each
# authentication method: cookie, safecookie, password, none. For each:
# PROTOCOLINFO + auth (the method used is checked), GETINFO, SETEVENTS with
# a multi-line CONF_CHANGED event, ADD_ONION / DEL_ONION; then the refusals:
# wrong password, no acceptable method, unreadable cookie file.
. "$(dirname "$0")/torctl_common.sh"

run() {	# run OUTFILE args... : torctl_cli with a 10 s bound
	local out=$1
	shift
	timeout 20 "$CLI" -t 10000 "$@" >"$out" 2>&1
}

session() {	# session METHOD TARGET [cli options]
	local m=$1 target=$2 o="$T/$1.out"
	shift 2
	run "$o" "$@" "$target" info , getinfo version config-file , \
	    setevents CONF_CHANGED , raw SETCONF ContactInfo=torctl-$m , \
	    wait-event CONF_CHANGED 10 , \
	    add-onion new 8448,127.0.0.1:8449 , getinfo onions/current , \
	    del-onion - , getinfo onions/current
	local rc=$?
	check "$m: session exit 0" [ $rc -eq 0 ]
	check "$m: authenticated with $m" grep -q "auth=$m " "$o"
	check "$m: version 0.4.9.x" grep -q '^250-version=0\.4\.9\.' "$o"
	check "$m: PoW support detected" grep -q 'pow=1' "$o"
	check "$m: multi-line CONF_CHANGED event" \
	    grep -q '^650-ContactInfo=torctl-'"$m" "$o"
	check "$m: event parsed" grep -q '^event CONF_CHANGED parse=0' "$o"
	local id
	id=$(sed -n 's/^ServiceID=//p' "$o")
	check "$m: ADD_ONION ServiceID" [ ${#id} -eq 56 ]
	check "$m: onion listed" grep -q "^250-onions/current=$id" "$o"
	check "$m: gone after DEL_ONION" \
	    [ "$(grep -c "onions/current=$id" "$o")" -eq 1 ]
	[ $rc -eq 0 ] || cat "$o"
}

# --- cookie and safecookie: one tor with CookieAuthentication -----------
mkdir -p "$T/cookiedir"
start_tor cookie "CookieAuthentication 1
CookieAuthFile $T/cookiedir/control.authcookie" || exit 1
chmod 755 "$T" "$T/cookiedir" 2>/dev/null
session safecookie "$CTL_SOCK"
session cookie "$CTL_PORT" -a cookie
# auto picks safecookie over TCP too
run "$T/auto.out" "$CTL_PORT" info
check "auto: prefers safecookie" grep -q "auth=safecookie" "$T/auto.out"
# a cookie file with the wrong content is refused by tor
head -c 32 /dev/urandom > "$T/fake.cookie"
run "$T/badcookie.out" -a cookie -c "$T/fake.cookie" "$CTL_SOCK" info
check "wrong cookie refused" grep -q "authentication failed" \
    "$T/badcookie.out"
run "$T/badsc.out" -a safecookie -c "$T/fake.cookie" "$CTL_SOCK" info
# with SAFECOOKIE a wrong cookie shows as tor's server hash not matching:
# we refuse before sending anything derived from our cookie
check "wrong cookie: SAFECOOKIE server hash refused" \
    grep -q "SAFECOOKIE server hash.*is wrong" "$T/badsc.out"
# the cookie file is unreadable for an unprivileged user: the message names
# the file, the user and the group
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    timeout 20 "$CLI" -a cookie "$CTL_PORT" info \
	    >"$T/perm.out" 2>&1
	check "unreadable cookie: exit 1" [ $? -eq 1 ]
	check "unreadable cookie: names file, user, group" grep -q \
	    "cannot read tor's cookie file $T/cookiedir/control.authcookie: Permission denied (running as uid [0-9]* (nobody); the file belongs to group root" \
	    "$T/perm.out"
	cat "$T/perm.out"
	# group-readable cookie (Debian: group debian-tor, mode 640): the
	# advice is to join the group
	chmod 640 "$T/cookiedir/control.authcookie"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    timeout 20 "$CLI" -a cookie "$CTL_PORT" info >"$T/perm2.out" 2>&1
	check "group-readable cookie: advice names the group" grep -q \
	    "mode 640: add nobody to group root" "$T/perm2.out"
	# and a member of that group gets in
	setpriv --reuid=nobody --regid=nogroup --groups=0 \
	    timeout 20 "$CLI" -a cookie "$CTL_PORT" info >"$T/perm3.out" 2>&1
	check "group member reads the cookie and authenticates" grep -q \
	    "auth=cookie" "$T/perm3.out"
else
	run "$T/perm.out" -a cookie -c /nonexistent/cookie "$CTL_SOCK" info
	check "missing cookie file named" grep -q \
	    "cannot read tor's cookie file /nonexistent/cookie" "$T/perm.out"
fi
# config wants a password, tor offers cookies only
run "$T/nomethod.out" -a password -p x "$CTL_SOCK" info
check "no acceptable method" grep -q "offers SAFECOOKIE,COOKIE, our config allows auth=password" "$T/nomethod.out"
stop_tor "$TOR_PID"

# --- password ------------------------------------------------------------
HASH=$("$TOR" --quiet --hash-password 'correct horse "battery"' | tail -1)
start_tor password "HashedControlPassword $HASH" || exit 1
session password "$CTL_SOCK" -a password -p 'correct horse "battery"'
run "$T/wrongpw.out" -a password -p 'wrong' "$CTL_PORT" info
check "wrong password: exit 1" [ $? -eq 1 ]
check "wrong password: tor's 515 reported" grep -q \
    'wrong password?): tor said "515 ' "$T/wrongpw.out"
cat "$T/wrongpw.out"
run "$T/nopw.out" "$CTL_SOCK" info
check "password required, none configured" grep -q \
    "no password is configured" "$T/nopw.out"
stop_tor "$TOR_PID"

# --- none ------------------------------------------------------------------
start_tor none "" || exit 1
session none "$CTL_SOCK"
run "$T/none-sc.out" -a safecookie "$CTL_SOCK" info
check "none: safecookie demanded, refused" grep -q "offers NULL" \
    "$T/none-sc.out"
stop_tor "$TOR_PID"

finish torctl_auth
