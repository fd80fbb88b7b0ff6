#!/usr/bin/python3
"""fedpeer.py - a Matrix federation test peer (Debian python3-signedjson,
python3-nacl, python3-canonicaljson; run with /usr/bin/python3).

It signs REAL server-server requests with X-Matrix (spec: "Request
Authentication") and sends them over TLS, directly or through a SOCKS5
proxy (tor), with the request-target exactly as given. A small raw HTTP/1.1
client (keep-alive, Content-Length and chunked bodies) so the tests see
every byte and header the gateway sends back.
"""
import json
import os
import socket
import ssl
import struct
import time

import signedjson.key
import signedjson.sign
from canonicaljson import encode_canonical_json


class Peer:
    """A homeserver identity: server name + ed25519 signing key."""

    def __init__(self, name, key_dir):
        self.name = name
        path = os.path.join(key_dir, name.replace(":", "_") + ".signing.key")
        if os.path.exists(path):
            with open(path) as f:
                self.key = signedjson.key.read_signing_keys(f)[0]
        else:
            self.key = signedjson.key.generate_signing_key("a_" + os.urandom(3).hex())
            with open(path, "w") as f:
                signedjson.key.write_signing_keys(f, [self.key])
        self.key_id = "%s:%s" % (self.key.alg, self.key.version)

    def publish(self, keys_json):
        """Add our verify key to the upstream's trusted-keys file."""
        try:
            with open(keys_json) as f:
                keys = json.load(f)
        except FileNotFoundError:
            keys = {}
        keys.setdefault(self.name, {})[self.key_id] = \
            signedjson.key.encode_verify_key_base64(self.key.verify_key)
        tmp = keys_json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(keys, f)
        os.replace(tmp, keys_json)

    def authorization(self, method, uri, destination, content=None,
                      with_destination=True):
        obj = {"method": method, "uri": uri, "origin": self.name,
               "destination": destination}
        if content is not None:
            obj["content"] = content
        signed = signedjson.sign.sign_json(obj, self.name, self.key)
        sig = signed["signatures"][self.name][self.key_id]
        hdr = 'X-Matrix origin="%s",key="%s",sig="%s"' % (
            self.name, self.key_id, sig)
        if with_destination:
            hdr += ',destination="%s"' % destination
        return hdr


def socks5_connect(proxy, host, port, timeout):
    """CONNECT through a SOCKS5 proxy by host NAME (tor resolves onions)."""
    s = socket.create_connection(proxy, timeout=timeout)
    s.sendall(b"\x05\x01\x00")
    if s.recv(2) != b"\x05\x00":
        raise OSError("socks: no acceptable auth")
    h = host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h + struct.pack(">H", port))
    rep = b""
    while len(rep) < 10:
        d = s.recv(10 - len(rep))
        if not d:
            raise OSError("socks: closed")
        rep += d
    if rep[1] != 0:
        raise OSError("socks: reply %d" % rep[1])
    return s


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = \
            status, reason, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


class Conn:
    """One keep-alive HTTP/1.1 connection (TLS unless tls=False)."""

    def __init__(self, host, port, server_name=None, tls=True, socks=None,
                 timeout=30):
        if socks:
            s = socks5_connect(socks, host, port, timeout)
        else:
            s = socket.create_connection((host, port), timeout=timeout)
        s.settimeout(timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False   # *.onion: the address authenticates
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["http/1.1"])
            s = ctx.wrap_socket(s, server_hostname=server_name or host)
        self.sock = s
        self.buf = b""
        self.closed = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            self.closed = True
            raise EOFError("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _n(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read_response(self, head_only=False):
        line = self._line()
        parts = line.decode("latin-1").split(" ", 2)
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers.append((k.strip(), v.strip()))
        r = Response(status, reason, headers, b"")
        if head_only or status in (204, 304) or 100 <= status < 200:
            return r
        te = r.header("Transfer-Encoding")
        cl = r.header("Content-Length")
        if te and te.lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._n(size)
                self._n(2)
            r.body = body
        elif cl is not None:
            r.body = self._n(int(cl))
        else:
            try:
                while True:
                    self._fill()
            except EOFError:
                pass
            r.body, self.buf = self.buf, b""
        return r

    def request(self, method, uri, host, headers=(), body=None):
        h = ["%s %s HTTP/1.1" % (method, uri), "Host: %s" % host]
        h += ["%s: %s" % kv for kv in headers]
        if body is not None:
            h.append("Content-Length: %d" % len(body))
        data = ("\r\n".join(h) + "\r\n\r\n").encode("latin-1")
        if body is not None:
            data += body
        self.sock.sendall(data)
        return self.read_response(head_only=(method == "HEAD"))


def signed_request(conn, peer, method, uri, destination, content=None,
                   with_destination=True, extra_headers=()):
    """Send one X-Matrix signed request with a canonical JSON body."""
    body = encode_canonical_json(content) if content is not None else None
    auth = peer.authorization(method, uri, destination, content,
                              with_destination)
    headers = [("Authorization", auth)]
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    headers += list(extra_headers)
    return conn.request(method, uri, destination, headers, body)


def onion_name(pubkey):
    """The v3 onion address of a 32-byte ed25519 public key (rend-spec)."""
    import base64
    import hashlib
    chk = hashlib.sha3_256(b".onion checksum" + pubkey + b"\x03").digest()[:2]
    return base64.b32encode(pubkey + chk + b"\x03").decode().lower() + ".onion"


def transaction(origin, n_pdus=1, pad=0):
    """A plausible /send transaction body."""
    now = int(time.time() * 1000)
    edus = [{"edu_type": "m.typing",
             "content": {"room_id": "!r:%s" % origin, "typing": True,
                         "user_id": "@u:%s" % origin,
                         "pad": "x" * pad}}]
    return {"origin": origin, "origin_server_ts": now, "pdus": [],
            "edus": edus[:n_pdus]}
