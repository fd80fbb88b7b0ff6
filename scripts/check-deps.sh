#!/bin/sh
# check-deps.sh - module include rules from DESIGN.md, run by 'make check':
#   policy/ and torctl/ never include anything from gatewayd/;
#   policy/ does no I/O: no libevent, sockets, resolver, jansson, systemd;
#   torctl/ uses libevent and OpenSSL only: no jansson, no systemd.
# Usage: check-deps.sh [TOP]   (TOP defaults to $top_srcdir, else ..)
# Exit 0 if clean, 1 with one "FILE:LINE: rule" per violation otherwise.
set -u
top=${1:-${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}
bad=0
files=0

# rule DIR REGEX WHY: every #include in DIR/*.[ch] matching REGEX fails.
rule() {
	dir=$top/$1
	[ -d "$dir" ] || return 0
	out=$(find "$dir" -name '*.[ch]' -type f -exec \
	    grep -HnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" {} + \
	    2>/dev/null)
	if [ -n "$out" ]; then
		printf '%s\n' "$out" | while IFS= read -r l; do
			echo "${l#"$top"/}: $3"
		done
		bad=$((bad + $(printf '%s\n' "$out" | wc -l)))
	fi
}

for m in policy torctl; do
	[ -d "$top/$m" ] && files=$((files + $(find "$top/$m" -name '*.[ch]' -type f | wc -l)))
done

rule policy '(\.\./)*gatewayd/' "policy/ must not include gatewayd/ headers"
rule torctl '(\.\./)*gatewayd/' "torctl/ must not include gatewayd/ headers"
rule policy 'event2/|event\.h' "policy/ must not use libevent (no I/O)"
rule policy 'sys/socket\.h|netdb\.h|netinet/|arpa/inet\.h|sys/un\.h' \
    "policy/ does no network I/O"
rule policy 'jansson\.h|systemd/' "policy/ depends on OpenSSL only"
rule torctl 'jansson\.h|systemd/' "torctl/ depends on libevent and OpenSSL only"

echo "check-deps: $files files in policy/ and torctl/, $bad violations"
[ "$bad" -eq 0 ]
