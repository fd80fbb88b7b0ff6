#!/usr/bin/python3
# ops_torrc_probe.py - helper of tests/integration/ops_torrc: talk to a tor
# started with contrib/torrc/onionfed.torrc the way onionfedd does.
#
#   ops_torrc_probe.py control SOCKET_PATH COOKIE_PATH [SOCKS_LISTENERS]
#       PROTOCOLINFO (must offer COOKIE and SAFECOOKIE and name COOKIE_PATH),
#       SAFECOOKIE authentication (server hash checked), GETINFO version,
#       GETINFO net/listeners/socks
#       (must equal SOCKS_LISTENERS when given), ADD_ONION with the keywords
#       onionfedd uses (PoW, MaxStreams), then DEL_ONION. Prints one "ok <what>" / "FAIL <what>" line per check.
#   ops_torrc_probe.py denied SOCKET_PATH COOKIE_PATH
#       expects both the socket and the cookie to be refused (EACCES):
#       run as a user outside tor's group.
#   ops_torrc_probe.py socks HOST PORT
#       SOCKS5 with username/password (tor must choose method 0x02, which
#       IsolateSOCKSAuth relies on), then CONNECT to a .onion name with a bad
#       checksum: ExtendedErrors must answer 0xF6 (invalid onion address).
# Exit status: 0 when every check passed, 1 otherwise. Bounded: every
# socket has a 10 s timeout.
import binascii
import hashlib
import hmac
import os
import socket
import sys

TIMEOUT = 10.0
fails = 0


def check(ok, what):
    global fails
    print(("ok " if ok else "FAIL ") + what)
    if not ok:
        fails += 1
    return ok


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError("control connection closed")
            self.buf += d
            if len(self.buf) > 1 << 20:
                raise ValueError("reply too long")
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln.decode("ascii", "replace")

    def cmd(self, text):
        """Send one command, return (status, [lines without status])."""
        self.s.sendall(text.encode("ascii") + b"\r\n")
        lines = []
        while True:
            ln = self.line()
            if len(ln) < 4:
                raise ValueError("short reply line %r" % ln)
            code, sep, rest = ln[:3], ln[3], ln[4:]
            lines.append(rest)
            if sep == "+":          # data reply: read to "."
                while True:
                    d = self.line()
                    if d == ".":
                        break
                    lines.append(d)
            elif sep == " ":
                return int(code), lines


def control(sock_path, cookie_path, want_socks=None):
    c = Ctl(sock_path)
    st, lines = c.cmd("PROTOCOLINFO 1")
    check(st == 250, "PROTOCOLINFO answers 250 (got %d)" % st)
    auth = [ln for ln in lines if ln.startswith("AUTH ")]
    methods = set()
    cookiefile = None
    if auth:
        for tok in auth[0].split(" "):
            if tok.startswith("METHODS="):
                methods = set(tok[len("METHODS="):].split(","))
        if 'COOKIEFILE="' in auth[0]:
            cookiefile = auth[0].split('COOKIEFILE="', 1)[1].split('"', 1)[0]
    check("COOKIE" in methods and "SAFECOOKIE" in methods,
          "PROTOCOLINFO METHODS has COOKIE and SAFECOOKIE (%s)" %
          ",".join(sorted(methods)))
    check(cookiefile == cookie_path,
          "PROTOCOLINFO COOKIEFILE is the snippet's path (%s)" % cookiefile)

    with open(cookie_path, "rb") as f:
        cookie = f.read()
    check(len(cookie) == 32, "cookie is 32 bytes (%d)" % len(cookie))
    cnonce = os.urandom(32)
    st, lines = c.cmd("AUTHCHALLENGE SAFECOOKIE " +
                      binascii.hexlify(cnonce).decode())
    check(st == 250, "AUTHCHALLENGE SAFECOOKIE answers 250 (got %d)" % st)
    fields = dict(kv.split("=", 1) for kv in lines[0].split(" ")[1:]
                  if "=" in kv)
    snonce = binascii.unhexlify(fields.get("SERVERNONCE", ""))
    shash = binascii.unhexlify(fields.get("SERVERHASH", ""))
    msg = cookie + cnonce + snonce
    want = hmac.new(b"Tor safe cookie authentication server-to-controller "
                    b"hash", msg, hashlib.sha256).digest()
    check(hmac.compare_digest(want, shash),
          "SAFECOOKIE server hash verifies against the cookie file")
    chash = hmac.new(b"Tor safe cookie authentication controller-to-server "
                     b"hash", msg, hashlib.sha256).digest()
    st, _ = c.cmd("AUTHENTICATE " + binascii.hexlify(chash).decode())
    check(st == 250, "AUTHENTICATE (SAFECOOKIE) answers 250 (got %d)" % st)
    st, lines = c.cmd("GETINFO version")
    check(st == 250 and lines[0].startswith("version="),
          "GETINFO version after auth (%s)" % (lines[0] if lines else ""))
    if want_socks is not None:
        # The snippet's SocksPort lines replace the defaults file's: exactly
        # these listeners, no stray 9050.
        st, lines = c.cmd("GETINFO net/listeners/socks")
        got = lines[0].split("=", 1)[1] if lines and "=" in lines[0] else ""
        check(st == 250 and sorted(got.split(" ")) ==
              sorted(want_socks.split(" ")),
              "SOCKS listeners are exactly the snippet's (%s)" % got)
    # The keywords onionfedd puts in ADD_ONION for the defences the
    # snippet's comments say live there (PoW needs tor >= 0.4.9.2).
    st, lines = c.cmd("ADD_ONION NEW:ED25519-V3 Flags=DiscardPK,"
                      "MaxStreamsCloseCircuit MaxStreams=64 "
                      "PoWDefensesEnabled=1 PoWQueueRate=25 "
                      "PoWQueueBurst=250 Port=8448,127.0.0.1:8449")
    sid = None
    for ln in lines:
        if ln.startswith("ServiceID="):
            sid = ln[len("ServiceID="):]
    check(st == 250 and sid is not None and len(sid) == 56,
          "ADD_ONION with PoW + MaxStreams keywords accepted (%d %s)" %
          (st, sid))
    if sid:
        st, _ = c.cmd("DEL_ONION " + sid)
        check(st == 250, "DEL_ONION answers 250 (got %d)" % st)
    c.cmd("QUIT")


def denied(sock_path, cookie_path):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(sock_path)
        check(False, "control socket refused outside tor's group "
              "(connect succeeded)")
    except PermissionError:
        check(True, "control socket refused outside tor's group (EACCES)")
    try:
        open(cookie_path, "rb").close()
        check(False, "cookie unreadable outside tor's group (read it)")
    except PermissionError:
        check(True, "cookie unreadable outside tor's group (EACCES)")


def recvn(s, n):
    d = b""
    while len(d) < n:
        x = s.recv(n - len(d))
        if not x:
            raise EOFError("SOCKS connection closed")
        d += x
    return d


def socks(host, port):
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    # Offer "no auth" and "username/password": tor must pick 0x02 so the
    # credentials (onionfedd's isolation token) take part in isolation.
    s.sendall(b"\x05\x02\x00\x02")
    rep = recvn(s, 2)
    check(rep == b"\x05\x02", "SOCKS5 method chosen is user/pass (%s)" %
          binascii.hexlify(rep).decode())
    user, pw = b"onionfed-iso", b"0123456789abcdef"
    s.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(pw)]) + pw)
    rep = recvn(s, 2)
    check(rep == b"\x01\x00", "SOCKS5 user/pass accepted (%s)" %
          binascii.hexlify(rep).decode())
    # 56 base32 characters, but the checksum is wrong: tor rejects it
    # before any network activity.
    bad = b"a" * 56 + b".onion"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(bad)]) + bad +
              (8448).to_bytes(2, "big"))
    rep = recvn(s, 2)
    check(rep[1] == 0xF6, "ExtendedErrors: bad onion address answers "
          "0xF6 (got 0x%02x)" % rep[1])
    s.close()


def main():
    if len(sys.argv) < 2:
        print("usage: ops_torrc_probe.py control|denied|socks ...",
              file=sys.stderr)
        return 2
    try:
        if sys.argv[1] == "control":
            control(sys.argv[2], sys.argv[3],
                    sys.argv[4] if len(sys.argv) > 4 else None)
        elif sys.argv[1] == "denied":
            denied(sys.argv[2], sys.argv[3])
        elif sys.argv[1] == "socks":
            socks(sys.argv[2], sys.argv[3])
        else:
            return 2
    except Exception as e:   # any protocol error is a failed check
        check(False, "%s: %s: %s" % (sys.argv[1], type(e).__name__, e))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
