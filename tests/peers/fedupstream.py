#!/usr/bin/python3
"""fedupstream.py - a test homeserver federation listener (plain HTTP/1.1,
keep-alive) that VERIFIES the X-Matrix signature of every signed request
over what arrived: method, raw request-target, origin, destination and the
JSON body. A request that the gateway changed in any of those fails here.

usage: fedupstream.py PORT SERVER_NAME KEYS_JSON [LOG_JSONL]
  KEYS_JSON: {"origin": {"ed25519:id": "<base64 verify key>"}}, re-read on
  every request (peers add themselves). Each request is appended to
  LOG_JSONL as one JSON line.
Endpoints: GET /_matrix/key/v2/server (our signed keys, no auth needed);
/_test/slow?ms=N (answers after N ms); /_test/big?n=N (N bytes, chunked);
/_test/close (answers, no length, then closes); anything else: 200 with
what was received.
"""
import asyncio
import hashlib
import json
import sys
import time

import signedjson.key
import signedjson.sign
from canonicaljson import encode_canonical_json

PORT, NAME, KEYS = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOG = sys.argv[4] if len(sys.argv) > 4 else None
OWN_KEY = signedjson.key.generate_signing_key("up1")
STATS = {"requests": 0}


def parse_xmatrix(v):
    """Spec-grammar parse (enough for the test)."""
    scheme, _, rest = v.partition(" ")
    if scheme.lower() != "x-matrix":
        return None
    out, i = {}, 0
    rest = rest.strip()
    while i < len(rest):
        j = rest.index("=", i)
        name = rest[i:j].strip().lower()
        i = j + 1
        if rest[i] == '"':
            val, i = "", i + 1
            while rest[i] != '"':
                if rest[i] == "\\":
                    i += 1
                val += rest[i]
                i += 1
            i += 1
        else:
            j = i
            while j < len(rest) and rest[j] != ",":
                j += 1
            val, i = rest[i:j].strip(), j
        out[name] = val
        while i < len(rest) and rest[i] in ", \t":
            i += 1
    return out


def verify(method, uri, headers, body):
    auths = [v for k, v in headers if k.lower() == "authorization"]
    if not auths:
        return None, "no auth"
    xm = parse_xmatrix(auths[0])
    if xm is None:
        return None, "not x-matrix"
    origin = xm.get("origin")
    with open(KEYS) as f:
        keys = json.load(f)
    b64 = keys.get(origin, {}).get(xm.get("key"))
    if b64 is None:
        return False, "unknown key %s %s" % (origin, xm.get("key"))
    vk = signedjson.key.decode_verify_key_base64("ed25519",
                                                 xm["key"].split(":", 1)[1], b64)
    obj = {"method": method, "uri": uri, "origin": origin,
           "destination": xm.get("destination", NAME),
           "signatures": {origin: {xm["key"]: xm["sig"]}}}
    if body:
        obj["content"] = json.loads(body)
    try:
        signedjson.sign.verify_signed_json(obj, origin, vk)
    except Exception as e:  # SignatureVerifyException
        return False, "bad signature: %s" % e
    return True, origin


async def respond(w, status, obj, extra=()):
    body = encode_canonical_json(obj)
    head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n" \
           "Content-Length: %d\r\n" % (status, len(body))
    for k, v in extra:
        head += "%s: %s\r\n" % (k, v)
    w.write(head.encode() + b"\r\n" + body)
    await w.drain()


async def handle(r, w):
    try:
        while True:
            line = await r.readline()
            if not line:
                return
            method, uri, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
            headers = []
            while True:
                h = await r.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, v = h.decode("latin-1").rstrip("\r\n").split(":", 1)
                headers.append((k.strip(), v.strip()))
            hd = {k.lower(): v for k, v in headers}
            body = b""
            if "content-length" in hd:
                body = await r.readexactly(int(hd["content-length"]))
            elif hd.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    n = int((await r.readline()).split(b";")[0], 16)
                    if n == 0:
                        while (await r.readline()) not in (b"\r\n", b""):
                            pass
                        break
                    body += await r.readexactly(n)
                    await r.readexactly(2)
            STATS["requests"] += 1
            ok, who = verify(method, uri, headers, body)
            rec = {"method": method, "uri": uri, "verified": ok, "who": who,
                   "headers": headers, "body_sha256":
                   hashlib.sha256(body).hexdigest(), "body_len": len(body),
                   "t": time.time()}
            if LOG:
                with open(LOG, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            if ok is False:
                await respond(w, 401, {"errcode": "M_UNAUTHORIZED",
                                       "error": "upstream: " + who})
                continue
            path = uri.split("?")[0]
            q = dict(p.split("=", 1) for p in uri.split("?", 1)[1].split("&")) \
                if "?" in uri else {}
            if path == "/_matrix/key/v2/server":
                keys = {"server_name": NAME, "valid_until_ts":
                        int(time.time() * 1000) + 86400000,
                        "verify_keys": {"ed25519:up1": {"key":
                        signedjson.key.encode_verify_key_base64(
                            OWN_KEY.verify_key)}}, "old_verify_keys": {}}
                await respond(w, 200, signedjson.sign.sign_json(
                    keys, NAME, OWN_KEY))
            elif path == "/_test/slow":
                await asyncio.sleep(int(q.get("ms", "1000")) / 1000)
                await respond(w, 200, {"slow": True})
            elif path == "/_test/big":
                n = int(q.get("n", "1000000"))
                w.write(b"HTTP/1.1 200 OK\r\nContent-Type: "
                        b"application/octet-stream\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n")
                sent, blk = 0, b"m" * 65536
                while sent < n:
                    k = min(len(blk), n - sent)
                    w.write(b"%x\r\n" % k + blk[:k] + b"\r\n")
                    sent += k
                    await w.drain()
                w.write(b"0\r\n\r\n")
                await w.drain()
            elif path == "/_test/close":
                w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Connection: close\r\n\r\nuntil-close body")
                await w.drain()
                w.close()
                return
            else:
                await respond(w, 200, {"ok": True, "verified": ok,
                                       "origin": who if ok else None,
                                       "uri": uri, "method": method,
                                       "headers": headers,
                                       "body_sha256": rec["body_sha256"]},
                              extra=[("X-Upstream", "1"),
                                     ("Keep-Alive", "timeout=5")])
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        w.close()


async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", PORT)
    print("ready", srv.sockets[0].getsockname()[1], flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
