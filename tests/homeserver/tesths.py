#!/usr/bin/python3
"""tesths.py - a small Matrix test homeserver: the federation parts that
matter to onionfed, done the way a real server does them. A test peer, not
a product. Debian's /usr/bin/python3 with python3-signedjson, python3-nacl,
python3-canonicaljson; asyncio only.

Owns: its signing key file, a plain-HTTP federation listener (onionfedd's
inbound terminates TLS and forwards here; --tls-listen serves TLS itself
for tests without onionfedd), a plain-HTTP test-control listener (--admin,
never reachable by peers), per-destination transaction queues, a key cache.
Never: resolves a name or connects to a peer itself when --proxy is set:
every outgoing connection (transactions, key fetches, .well-known) is an
HTTP CONNECT to the proxy, as Synapse does with https_proxy. It does no SRV
lookup (it has no resolver of its own; see README).

Federation (server-server API):
  GET  /_matrix/key/v2/server          our signed keys
  GET  /_matrix/federation/v1/version
  PUT  /_matrix/federation/v1/send/{txnId}
       X-Matrix verified against the origin's keys, fetched through the
       proxy and cached; body origin must match; dedup by (origin, txnId):
       a replay is answered 200 with the first answer and not re-recorded.
  GET  /.well-known/matrix/server      if --well-known is given
Sending: events queued per destination; one transaction in flight per
destination (up to 50 PDUs); the same txnId is retried with exponential
backoff (--backoff-base .. --backoff-max) on connection errors, proxy
refusals, 429 and 5xx; another 4xx drops the transaction (recorded).
Server names resolved as the spec says: IP literal -> it (port or 8448);
explicit port -> host:port; else GET https://name/.well-known/matrix/server
(through the proxy) -> delegated name (its port or 8448); else name:8448.
TLS: certificates verified (--ca-file or the system store) except for
*.onion, where the onion address authenticates the peer.

Test control (--admin, JSON):
  POST /_test/send   {"destination": D, "count": N, "text": T}
  POST /_test/flood  {"destination": D, "requests": N, "concurrency": K}
                     N signed EDU-only transactions at once; statuses
  GET  /_test/received  events, counts (unique, duplicate, txns, replays,
                     refused by reason), per origin
  GET  /_test/outbox    per destination: queued, delivered, attempts,
                     statuses, last error, latencies
  GET  /_test/stats     key fetches, .well-known lookups, CONNECTs
  POST /_test/reset_received

usage: tesths.py --name NAME --listen 127.0.0.1:PORT --admin 127.0.0.1:PORT
       [--proxy http://127.0.0.1:PORT] [--key-file PATH] [--ca-file PEM]
       [--tls-listen ADDR --tls-cert PEM --tls-key PEM]
       [--well-known M_SERVER] [--backoff-base S] [--backoff-max S]
       [--timeout S] [--ready-file PATH] [--host-map NAME=IP ...] [--echo]
Prints "READY fed=P admin=P [tls=P] pid=PID" on stdout when listening.
"""
import argparse
import asyncio
import ipaddress
import json
import os
import signal
import ssl
import sys
import time

import signedjson.key
import signedjson.sign
from canonicaljson import encode_canonical_json

MAX_HEAD = 16384
MAX_BODY = 4 * 1024 * 1024
MAX_PDUS = 50
KEY_VALID_MS = 3600 * 1000


def log(msg):
    sys.stderr.write("%.3f tesths %s\n" % (time.time(), msg))
    sys.stderr.flush()


class HttpError(Exception):
    pass


class ProxyRefused(Exception):
    """The proxy answered CONNECT with something other than 200."""

    def __init__(self, status, errcode, text):
        Exception.__init__(self, "proxy %d %s" % (status, errcode or text))
        self.status, self.errcode = status, errcode


# --------------------------------------------------------------------------
# HTTP/1.1 on asyncio streams, bounded
# --------------------------------------------------------------------------

async def read_head(r):
    """Read a head (start line + headers); None on clean EOF."""
    lines, total = [], 0
    while True:
        line = await r.readline()
        total += len(line)
        if total > MAX_HEAD:
            raise HttpError("head too big")
        if not line:
            if lines:
                raise HttpError("eof in head")
            return None
        if not line.endswith(b"\n"):
            raise HttpError("eof in head")
        s = line.decode("latin-1").rstrip("\r\n")
        if not s:
            if not lines:
                continue         # tolerate a stray CRLF between messages
            break
        lines.append(s)
    headers = []
    for h in lines[1:]:
        if ":" not in h:
            raise HttpError("bad header")
        k, v = h.split(":", 1)
        headers.append((k.strip().lower(), v.strip()))
    return lines[0], headers


def hget(headers, name):
    for k, v in headers:
        if k == name:
            return v
    return None


async def read_body(r, headers, until_close=False):
    te = (hget(headers, "transfer-encoding") or "").lower()
    cl = hget(headers, "content-length")
    if te == "chunked":
        body = b""
        while True:
            n = int((await r.readline()).split(b";")[0].strip(), 16)
            if n == 0:
                while (await r.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                return body
            if len(body) + n > MAX_BODY:
                raise HttpError("body too big")
            body += await r.readexactly(n)
            await r.readexactly(2)
    if cl is not None:
        n = int(cl)
        if n < 0 or n > MAX_BODY:
            raise HttpError("bad content-length")
        return await r.readexactly(n)
    if until_close:
        return await r.read(MAX_BODY)
    return b""


def json_response(status, obj, extra=()):
    body = encode_canonical_json(obj)
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized",
              403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error"}.get(status, "X")
    head = "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n" \
           "Content-Length: %d\r\n" % (status, reason, len(body))
    for k, v in extra:
        head += "%s: %s\r\n" % (k, v)
    return head.encode() + b"\r\n" + body


def matrix_error(status, errcode, error):
    return status, {"errcode": errcode, "error": error}


def parse_xmatrix(v):
    """X-Matrix params (spec grammar: comma-separated, quoted or token)."""
    scheme, _, rest = v.partition(" ")
    if scheme.lower() != "x-matrix":
        return None
    out, i, rest = {}, 0, rest.strip()
    while i < len(rest):
        j = rest.find("=", i)
        if j < 0:
            return None
        name = rest[i:j].strip().lower()
        i = j + 1
        if i < len(rest) and rest[i] == '"':
            val, i = "", i + 1
            while i < len(rest) and rest[i] != '"':
                if rest[i] == "\\":
                    i += 1
                if i < len(rest):
                    val += rest[i]
                i += 1
            i += 1
        else:
            j = rest.find(",", i)
            j = len(rest) if j < 0 else j
            val, i = rest[i:j].strip(), j
        out[name] = val
        while i < len(rest) and rest[i] in ", \t":
            i += 1
    return out


# --------------------------------------------------------------------------
# Server names (spec: "Server names" and "Resolving server names")
# --------------------------------------------------------------------------

def split_server_name(name):
    """-> (host, port or None, is_ip_literal). Raises ValueError."""
    if name.startswith("["):
        end = name.index("]")
        host, rest = name[1:end], name[end + 1:]
        ipaddress.IPv6Address(host)
        port = int(rest[1:]) if rest.startswith(":") else None
        return host, port, True
    host, sep, p = name.rpartition(":")
    if not sep:
        host, p = name, None
    port = int(p) if p is not None else None
    if port is not None and not 0 < port < 65536:
        raise ValueError("bad port")
    try:
        ipaddress.IPv4Address(host)
        return host, port, True
    except ValueError:
        pass
    if not host or len(host) > 255:
        raise ValueError("bad host")
    return host.lower(), port, False


def host_port(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


# --------------------------------------------------------------------------
# The homeserver
# --------------------------------------------------------------------------

class Dest(object):
    """Outgoing queue and counters of one destination server."""

    def __init__(self, name):
        self.name = name
        self.pending = []            # PDUs not yet in a transaction
        self.txn = None              # (txn_id, pdus, t_first) in flight
        self.task = None
        self.wake = asyncio.Event()
        self.delivered_events = 0
        self.delivered_txns = 0
        self.dropped_events = 0
        self.attempts = 0
        self.failures = 0
        self.statuses = {}
        self.errcodes = {}
        self.last_error = None
        self.latencies = []          # s, first attempt -> 200, per txn
        self.rtts = []               # s, the successful attempt only
        self.backoff = 0.0

    def report(self):
        return {"queued": len(self.pending) + (len(self.txn[1])
                                               if self.txn else 0),
                "in_flight_txn": self.txn[0] if self.txn else None,
                "delivered_events": self.delivered_events,
                "delivered_txns": self.delivered_txns,
                "dropped_events": self.dropped_events,
                "attempts": self.attempts, "failures": self.failures,
                "statuses": self.statuses, "errcodes": self.errcodes,
                "last_error": self.last_error,
                "latencies": [round(x, 4) for x in self.latencies],
                "rtts": [round(x, 4) for x in self.rtts],
                "backoff": self.backoff}


class Homeserver(object):

    def __init__(self, a):
        self.a = a
        self.name = a.name
        self.key = self.load_key(a.key_file)
        self.key_id = "%s:%s" % (self.key.alg, self.key.version)
        self.proxy = None
        if a.proxy:
            p = a.proxy
            if p.startswith("http://"):
                p = p[len("http://"):]
            p = p.rstrip("/")
            h, _, pt = p.rpartition(":")
            self.proxy = (h, int(pt))
        # without a proxy: names -> IPs from --host-map (test config)
        self.host_map = dict(m.split("=", 1) for m in a.host_map)
        self.ssl_verify = ssl.create_default_context(cafile=a.ca_file)
        self.ssl_verify.set_alpn_protocols(["http/1.1"])
        self.ssl_onion = ssl.create_default_context()
        self.ssl_onion.check_hostname = False
        self.ssl_onion.verify_mode = ssl.CERT_NONE
        self.ssl_onion.set_alpn_protocols(["http/1.1"])
        # received
        self.events = {}             # event_id -> record
        self.event_order = []
        self.dup_events = 0
        self.txns = {}               # (origin, txn_id) -> answer
        self.txn_replays = 0
        self.refused = {}            # reason -> count
        self.by_origin = {}          # origin -> {"txns", "events", ...}
        # keys
        self.key_cache = {}          # server -> {key_id: (vk, until_ms)}
        self.key_inflight = {}
        self.key_fetches = {}        # server -> fetch count
        self.key_fetch_errors = {}
        # resolution
        self.wk_cache = {}           # name -> (result, expiry)
        self.wk_lookups = {}         # name -> count
        self.wk_inflight = {}
        self.connects = {}           # "host:port" -> CONNECTs
        self.pool = {}               # (host, port) -> [(r, w)]
        self.dests = {}
        self.seq = 0
        self.t0 = time.time()

    @staticmethod
    def load_key(path):
        if path and os.path.exists(path):
            with open(path) as f:
                return signedjson.key.read_signing_keys(f)[0]
        k = signedjson.key.generate_signing_key("t" + os.urandom(3).hex())
        if path:
            tmp = path + ".tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                signedjson.key.write_signing_keys(f, [k])
            os.replace(tmp, path)
        return k

    # ---- our keys --------------------------------------------------------
    def key_doc(self):
        doc = {"server_name": self.name,
               "valid_until_ts": int(time.time() * 1000) + KEY_VALID_MS,
               "verify_keys": {self.key_id: {"key":
                               signedjson.key.encode_verify_key_base64(
                                   self.key.verify_key)}},
               "old_verify_keys": {}}
        return signedjson.sign.sign_json(doc, self.name, self.key)

    def authorization(self, method, uri, destination, content):
        obj = {"method": method, "uri": uri, "origin": self.name,
               "destination": destination}
        if content is not None:
            obj["content"] = content
        sig = signedjson.sign.sign_json(obj, self.name, self.key)[
            "signatures"][self.name][self.key_id]
        return 'X-Matrix origin="%s",destination="%s",key="%s",sig="%s"' % (
            self.name, destination, self.key_id, sig)

    # ---- outgoing connections ---------------------------------------------
    async def open_tls(self, host, port, sni):
        """A TLS connection to host:port, through the proxy if set."""
        hp = host_port(host, port)
        self.connects[hp] = self.connects.get(hp, 0) + 1
        if self.proxy:
            r, w = await asyncio.open_connection(*self.proxy)
            try:
                # As Synapse: HTTP/1.0 CONNECT without headers.
                w.write(("CONNECT %s HTTP/1.0\r\n\r\n" % hp).encode())
                await w.drain()
                head = await read_head(r)
                if head is None:
                    raise ProxyRefused(0, None, "proxy closed")
                parts = head[0].split(" ", 2)
                status = int(parts[1])
                if status != 200:
                    body = b""
                    try:
                        body = await asyncio.wait_for(
                            read_body(r, head[1]), 5)
                    except Exception:
                        pass
                    errcode = None
                    try:
                        errcode = json.loads(body).get("errcode")
                    except Exception:
                        pass
                    raise ProxyRefused(status, errcode,
                                       parts[2] if len(parts) > 2 else "")
            except BaseException:
                w.close()
                raise
        else:
            r, w = await asyncio.open_connection(
                self.host_map.get(host, host), port)
        ctx = self.ssl_onion if host.endswith(".onion") else self.ssl_verify
        try:
            await w.start_tls(ctx, server_hostname=sni)
        except BaseException:
            w.close()
            raise
        return r, w

    async def https(self, host, port, sni, method, uri, host_header,
                    headers=(), body=None):
        """One request on a pooled connection; -> (status, headers, body)."""
        key = (host, port)
        for attempt in (0, 1):
            conn, pooled = None, False
            while self.pool.get(key):
                c = self.pool[key].pop()
                if not c[1].is_closing() and not c[0].at_eof():
                    conn, pooled = c, True
                    break
            if conn is None:
                conn = await self.open_tls(host, port, sni)
            r, w = conn
            try:
                h = ["%s %s HTTP/1.1" % (method, uri), "Host: %s" % host_header]
                h += ["%s: %s" % kv for kv in headers]
                if body is not None:
                    h.append("Content-Length: %d" % len(body))
                w.write(("\r\n".join(h) + "\r\n\r\n").encode("latin-1") +
                        (body or b""))
                await w.drain()
                head = await read_head(r)
                if head is None:
                    raise ConnectionError("closed before answer")
                status = int(head[0].split(" ", 2)[1])
                closes = (hget(head[1], "connection") or "").lower() == "close"
                rbody = await read_body(r, head[1], until_close=(
                    hget(head[1], "content-length") is None and
                    hget(head[1], "transfer-encoding") is None))
            except (ConnectionError, asyncio.IncompleteReadError, HttpError,
                    ssl.SSLError) as e:
                w.close()
                if pooled and attempt == 0:
                    continue         # a stale keep-alive: once more, fresh
                raise ConnectionError(str(e) or type(e).__name__)
            except BaseException:
                w.close()
                raise
            if closes:
                w.close()
            else:
                self.pool.setdefault(key, []).append(conn)
            return status, head[1], rbody
        raise ConnectionError("unreachable")

    # ---- server-name resolution ------------------------------------------
    async def resolve(self, server_name):
        """-> (host, port, host_header, sni) per the spec, without SRV."""
        host, port, literal = split_server_name(server_name)
        if literal:
            return host, port or 8448, server_name, None
        if port is not None:
            return host, port, server_name, host
        now = time.monotonic()
        c = self.wk_cache.get(host)
        if c and c[1] > now:
            delegated = c[0]
        else:
            # one lookup at a time per name (a send and a key fetch race)
            fut = self.wk_inflight.get(host)
            if fut is None:
                fut = asyncio.ensure_future(self.well_known(host))
                self.wk_inflight[host] = fut
                fut.add_done_callback(
                    lambda f: self.wk_inflight.pop(host, None))
            delegated = await asyncio.shield(fut)
            self.wk_cache[host] = (delegated, time.monotonic() + (
                self.a.wk_cache if delegated else self.a.wk_fail_cache))
        if delegated:
            dh, dp, dlit = split_server_name(delegated)
            if dlit:
                return dh, dp or 8448, delegated, None
            if dp is not None:
                return dh, dp, delegated, dh
            return dh, 8448, dh, dh
        return host, 8448, host, host

    async def well_known(self, host):
        self.wk_lookups[host] = self.wk_lookups.get(host, 0) + 1
        try:
            st, _, body = await asyncio.wait_for(self.https(
                host, 443, host, "GET", "/.well-known/matrix/server", host),
                self.a.timeout)
            if st != 200:
                return None
            m = json.loads(body).get("m.server")
            if isinstance(m, str):
                split_server_name(m)
                return m
        except (Exception, asyncio.TimeoutError) as e:
            log("well-known %s: %s" % (host, e or type(e).__name__))
        return None

    # ---- peers' keys -------------------------------------------------------
    async def verify_key(self, server, key_id):
        now_ms = time.time() * 1000
        k = self.key_cache.get(server, {}).get(key_id)
        if k and k[1] > now_ms:
            return k[0]
        fut = self.key_inflight.get(server)
        if fut is None:
            fut = asyncio.ensure_future(self.fetch_keys(server))
            self.key_inflight[server] = fut
            fut.add_done_callback(
                lambda f: self.key_inflight.pop(server, None))
        await asyncio.shield(fut)
        k = self.key_cache.get(server, {}).get(key_id)
        return k[0] if k and k[1] > now_ms else None

    async def fetch_keys(self, server):
        self.key_fetches[server] = self.key_fetches.get(server, 0) + 1
        try:
            host, port, hh, sni = await self.resolve(server)
            st, _, body = await asyncio.wait_for(self.https(
                host, port, sni, "GET", "/_matrix/key/v2/server", hh),
                self.a.timeout)
            if st != 200:
                raise ValueError("key fetch: HTTP %d" % st)
            doc = json.loads(body)
            if doc.get("server_name") != server:
                raise ValueError("key fetch: wrong server_name")
            keys = {}
            for kid, v in doc.get("verify_keys", {}).items():
                alg, _, ver = kid.partition(":")
                keys[kid] = signedjson.key.decode_verify_key_base64(
                    alg, ver, v["key"])
            ok = False
            for kid, vk in keys.items():
                try:
                    signedjson.sign.verify_signed_json(doc, server, vk)
                    ok = True
                except Exception:
                    pass
            if not ok:
                raise ValueError("key fetch: not self-signed")
            until = min(int(doc.get("valid_until_ts", 0)),
                        time.time() * 1000 + 7 * 86400000)
            self.key_cache[server] = {kid: (vk, until)
                                      for kid, vk in keys.items()}
        except (Exception, asyncio.TimeoutError) as e:
            self.key_fetch_errors[server] = \
                self.key_fetch_errors.get(server, 0) + 1
            log("fetch keys %s: %s" % (server, e or type(e).__name__))

    # ---- incoming federation -----------------------------------------------
    def refuse(self, reason, status, errcode, error):
        self.refused[reason] = self.refused.get(reason, 0) + 1
        return matrix_error(status, errcode, error)

    async def authenticate(self, method, uri, headers, body):
        """-> (origin, None) or (None, (status, obj))."""
        auth = hget(headers, "authorization")
        xm = parse_xmatrix(auth) if auth else None
        if not xm or not xm.get("origin") or not xm.get("key") or \
                not xm.get("sig"):
            return None, self.refuse("no_auth", 401, "M_UNAUTHORIZED",
                                     "missing X-Matrix authorization")
        origin = xm["origin"]
        dest = xm.get("destination")
        if dest is not None and dest != self.name:
            return None, self.refuse("wrong_destination", 401,
                                     "M_UNAUTHORIZED", "not for us")
        content = None
        if body:
            try:
                content = json.loads(body)
            except ValueError:
                return None, self.refuse("bad_json", 400, "M_NOT_JSON",
                                         "body is not JSON")
        vk = await self.verify_key(origin, xm["key"])
        if vk is None:
            return None, self.refuse("no_key", 401, "M_UNAUTHORIZED",
                                     "could not get %s's key" % origin)
        obj = {"method": method, "uri": uri, "origin": origin,
               "destination": self.name,
               "signatures": {origin: {xm["key"]: xm["sig"]}}}
        if content is not None:
            obj["content"] = content
        try:
            signedjson.sign.verify_signed_json(obj, origin, vk)
        except Exception:
            return None, self.refuse("bad_signature", 401, "M_UNAUTHORIZED",
                                     "signature does not verify")
        return origin, None

    def record_txn(self, origin, txn_id, content):
        per = self.by_origin.setdefault(origin, {
            "txns": 0, "replays": 0, "events": 0, "duplicates": 0, "edus": 0})
        per["txns"] += 1
        answer = {"pdus": {}}
        now = time.time()
        for pdu in content.get("pdus") or []:
            if not isinstance(pdu, dict):
                continue
            eid = pdu.get("event_id")
            if not isinstance(eid, str):
                continue
            answer["pdus"][eid] = {}
            if eid in self.events:
                self.dup_events += 1
                per["duplicates"] += 1
                continue
            per["events"] += 1
            self.events[eid] = {
                "event_id": eid, "origin": origin, "txn_id": txn_id,
                "sender": pdu.get("sender"),
                "body": (pdu.get("content") or {}).get("body"),
                "sent_ts": pdu.get("origin_server_ts"), "t": now}
            self.event_order.append(eid)
            body = (pdu.get("content") or {}).get("body")
            if self.a.echo and isinstance(body, str) and \
                    body.startswith("ping"):
                self.queue(origin, 1, "pong " + body)
        per["edus"] += len(content.get("edus") or [])
        return answer

    async def federation(self, method, uri, headers, body):
        path = uri.split("?", 1)[0]
        if method == "GET" and path == "/_matrix/key/v2/server":
            return 200, self.key_doc()
        if method == "GET" and path == "/_matrix/federation/v1/version":
            return 200, {"server": {"name": "onionfed-tesths",
                                    "version": "1"}}
        if method == "GET" and path == "/.well-known/matrix/server" and \
                self.a.well_known:
            return 200, {"m.server": self.a.well_known}
        pre = "/_matrix/federation/v1/send/"
        if path.startswith(pre):
            if method != "PUT":
                return matrix_error(405, "M_UNRECOGNIZED", "method")
            txn_id = path[len(pre):]
            origin, err = await self.authenticate(method, uri, headers, body)
            if err:
                return err
            try:
                content = json.loads(body)
            except ValueError:
                return self.refuse("bad_json", 400, "M_NOT_JSON", "no JSON")
            if not isinstance(content, dict) or \
                    content.get("origin") != origin:
                return self.refuse("origin_mismatch", 400, "M_FORBIDDEN",
                                   "origin does not match")
            k = (origin, txn_id)
            if k in self.txns:
                self.txn_replays += 1
                self.by_origin[origin]["replays"] += 1
                return 200, self.txns[k]
            self.txns[k] = self.record_txn(origin, txn_id, content)
            return 200, self.txns[k]
        if path.startswith("/_matrix/"):
            # Every other federation endpoint still needs a valid origin.
            origin, err = await self.authenticate(method, uri, headers, body)
            if err:
                return err
        return matrix_error(404, "M_UNRECOGNIZED", "unrecognised request")

    # ---- outgoing transactions ---------------------------------------------
    def new_txn_id(self):
        self.seq += 1
        return "%d.%d" % (int(self.t0 * 1000), self.seq)

    def queue(self, destination, count, text):
        d = self.dests.get(destination)
        if d is None:
            d = self.dests[destination] = Dest(destination)
        ids = []
        for _ in range(count):
            self.seq += 1
            eid = "$%s-%d:%s" % (os.urandom(6).hex(), self.seq, self.name)
            ids.append(eid)
            d.pending.append({
                "event_id": eid, "room_id": "!e2e:%s" % self.name,
                "sender": "@tester:%s" % self.name, "origin": self.name,
                "type": "m.room.message", "origin_server_ts":
                int(time.time() * 1000),
                "content": {"msgtype": "m.text",
                            "body": "%s #%d" % (text, self.seq)}})
        if d.task is None or d.task.done():
            d.task = asyncio.ensure_future(self.sender(d))
        d.wake.set()
        return ids

    async def send_txn(self, dest, txn_id, content):
        uri = "/_matrix/federation/v1/send/%s" % txn_id
        host, port, hh, sni = await self.resolve(dest)
        body = encode_canonical_json(content)
        headers = [("Authorization", self.authorization("PUT", uri, dest,
                                                        content)),
                   ("Content-Type", "application/json")]
        return await asyncio.wait_for(self.https(
            host, port, sni, "PUT", uri, hh, headers, body), self.a.timeout)

    async def sender(self, d):
        """One transaction in flight; retry the same txnId with backoff."""
        while True:
            if d.txn is None:
                if not d.pending:
                    d.wake.clear()
                    await d.wake.wait()
                    continue
                pdus, d.pending = d.pending[:MAX_PDUS], d.pending[MAX_PDUS:]
                d.txn = (self.new_txn_id(), pdus, time.monotonic())
            txn_id, pdus, t_first = d.txn
            content = {"origin": self.name, "origin_server_ts":
                       int(time.time() * 1000), "pdus": pdus, "edus": []}
            d.attempts += 1
            t = time.monotonic()
            retry, why = True, None
            try:
                st, hd, body = await self.send_txn(d.name, txn_id, content)
                d.statuses[str(st)] = d.statuses.get(str(st), 0) + 1
                if st == 200:
                    d.delivered_txns += 1
                    d.delivered_events += len(pdus)
                    d.latencies.append(time.monotonic() - t_first)
                    d.rtts.append(time.monotonic() - t)
                    d.txn, d.backoff = None, 0.0
                    continue
                try:
                    ec = json.loads(body).get("errcode")
                except Exception:
                    ec = None
                if ec:
                    d.errcodes[ec] = d.errcodes.get(ec, 0) + 1
                why = "HTTP %d %s" % (st, ec or "")
                retry = st == 429 or st >= 500
            except ProxyRefused as e:
                k = "proxy %d" % e.status
                d.statuses[k] = d.statuses.get(k, 0) + 1
                if e.errcode:
                    d.errcodes[e.errcode] = d.errcodes.get(e.errcode, 0) + 1
                why = str(e)
            except (OSError, ConnectionError, asyncio.TimeoutError,
                    asyncio.IncompleteReadError, HttpError, ValueError,
                    ssl.SSLError) as e:
                why = "%s: %s" % (type(e).__name__, e)
                d.statuses["error"] = d.statuses.get("error", 0) + 1
            d.failures += 1
            d.last_error = why
            if not retry:
                log("%s: txn %s dropped: %s" % (d.name, txn_id, why))
                d.dropped_events += len(pdus)
                d.txn = None
                continue
            d.backoff = min(self.a.backoff_max, max(
                self.a.backoff_base, d.backoff * 2))
            log("%s: txn %s failed (%s); retry in %.1f s" % (
                d.name, txn_id, why, d.backoff))
            try:
                await asyncio.wait_for(self.kick(d), d.backoff)
            except asyncio.TimeoutError:
                pass

    async def kick(self, d):
        d.kicked = asyncio.Event()
        await d.kicked.wait()

    async def flood(self, dest, n, conc):
        """n signed EDU-only transactions, conc at a time; -> statuses."""
        statuses, errcodes = {}, {}
        todo = list(range(n))
        t0 = time.monotonic()

        async def worker():
            while todo:
                todo.pop()
                txn = self.new_txn_id()
                content = {"origin": self.name, "origin_server_ts":
                           int(time.time() * 1000), "pdus": [],
                           "edus": [{"edu_type": "m.typing", "content": {
                               "room_id": "!e2e:%s" % self.name,
                               "user_id": "@flood:%s" % self.name,
                               "typing": True}}]}
                try:
                    st, _, body = await self.send_txn(dest, txn, content)
                    k = str(st)
                    try:
                        ec = json.loads(body).get("errcode")
                        if ec:
                            errcodes[ec] = errcodes.get(ec, 0) + 1
                    except Exception:
                        pass
                except ProxyRefused as e:
                    k = "proxy %d" % e.status
                except Exception as e:
                    k = "error " + type(e).__name__
                statuses[k] = statuses.get(k, 0) + 1
        await asyncio.gather(*[worker() for _ in range(conc)])
        return {"statuses": statuses, "errcodes": errcodes,
                "seconds": round(time.monotonic() - t0, 3)}

    # ---- test control --------------------------------------------------------
    async def admin(self, method, uri, headers, body):
        path = uri.split("?", 1)[0]
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            return 400, {"error": "not JSON"}
        if method == "POST" and path == "/_test/send":
            ids = self.queue(req["destination"], int(req.get("count", 1)),
                             req.get("text", "hello"))
            return 200, {"event_ids": ids}
        if method == "POST" and path == "/_test/flood":
            return 200, await self.flood(req["destination"],
                                         int(req.get("requests", 50)),
                                         int(req.get("concurrency", 4)))
        if method == "POST" and path == "/_test/retry_now":
            for d in self.dests.values():
                if getattr(d, "kicked", None):
                    d.kicked.set()
            return 200, {}
        if method == "GET" and path == "/_test/received":
            return 200, {"unique_events": len(self.events),
                         "duplicate_events": self.dup_events,
                         "txns": len(self.txns),
                         "txn_replays": self.txn_replays,
                         "refused": self.refused,
                         "by_origin": self.by_origin,
                         "events": [self.events[e]
                                    for e in self.event_order]}
        if method == "GET" and path == "/_test/outbox":
            return 200, {k: d.report() for k, d in self.dests.items()}
        if method == "GET" and path == "/_test/stats":
            return 200, {"name": self.name, "key_fetches": self.key_fetches,
                         "key_fetch_errors": self.key_fetch_errors,
                         "well_known_lookups": self.wk_lookups,
                         "well_known_cache": {k: v[0] for k, v in
                                              self.wk_cache.items()},
                         "connects": self.connects,
                         "proxy": "%s:%d" % self.proxy if self.proxy
                         else None}
        return 404, {"error": "unknown"}

    # ---- listeners -----------------------------------------------------------
    def handler(self, fn):
        async def handle(r, w):
            try:
                while True:
                    head = await read_head(r)
                    if head is None:
                        break
                    parts = head[0].split(" ")
                    if len(parts) != 3:
                        raise HttpError("bad request line")
                    method, uri = parts[0], parts[1]
                    body = await read_body(r, head[1])
                    try:
                        st, obj = await fn(method, uri, head[1], body)
                    except (KeyError, ValueError, TypeError) as e:
                        st, obj = 400, {"errcode": "M_BAD_JSON",
                                        "error": str(e)}
                    w.write(json_response(st, obj))
                    await w.drain()
                    if (hget(head[1], "connection") or "").lower() == "close":
                        break
            except HttpError:
                try:
                    w.write(json_response(400, {"errcode": "M_UNRECOGNIZED",
                                                "error": "bad request"},
                                          [("Connection", "close")]))
                except Exception:
                    pass
            except (ConnectionError, asyncio.IncompleteReadError,
                    ssl.SSLError, ValueError):
                pass
            finally:
                w.close()
        return handle


def addr(s):
    h, _, p = s.rpartition(":")
    return h.strip("[]"), int(p)


async def main(a):
    hs = Homeserver(a)
    fed = await asyncio.start_server(hs.handler(hs.federation), *addr(a.listen))
    adm = await asyncio.start_server(hs.handler(hs.admin), *addr(a.admin))
    ready = "READY fed=%d admin=%d" % (fed.sockets[0].getsockname()[1],
                                       adm.sockets[0].getsockname()[1])
    servers = [fed, adm]
    if a.tls_listen:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        tls = await asyncio.start_server(hs.handler(hs.federation),
                                         *addr(a.tls_listen), ssl=ctx)
        servers.append(tls)
        ready += " tls=%d" % tls.sockets[0].getsockname()[1]
    ready += " pid=%d" % os.getpid()
    if a.ready_file:
        with open(a.ready_file + ".tmp", "w") as f:
            f.write(ready + "\n")
        os.replace(a.ready_file + ".tmp", a.ready_file)
    print(ready, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Matrix test homeserver")
    p.add_argument("--name", required=True)
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--admin", default="127.0.0.1:0")
    p.add_argument("--proxy", default=None,
                   help="http://127.0.0.1:PORT (HTTP CONNECT, as https_proxy)")
    p.add_argument("--key-file", default=None)
    p.add_argument("--ca-file", default=None)
    p.add_argument("--tls-listen", default=None)
    p.add_argument("--tls-cert", default=None)
    p.add_argument("--tls-key", default=None)
    p.add_argument("--well-known", default=None,
                   help="serve /.well-known/matrix/server with this m.server")
    p.add_argument("--backoff-base", type=float, default=0.5)
    p.add_argument("--backoff-max", type=float, default=8.0)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--wk-cache", type=float, default=3600.0)
    p.add_argument("--wk-fail-cache", type=float, default=600.0)
    p.add_argument("--ready-file", default=None)
    p.add_argument("--echo", action="store_true",
                   help="answer every event whose body starts with "
                   "'ping' with a 'pong' event to its origin")
    p.add_argument("--host-map", action="append", default=[],
                   help="NAME=IP for direct connections (no --proxy)")
    return p.parse_args(argv)


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args()))
    except KeyboardInterrupt:
        pass
