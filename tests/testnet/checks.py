"""checks - end-to-end checks on a running testnet (real tor, real curl).

Owns: a tiny HTTP server on 127.0.0.1, curl runs through a client's
SocksPort, and the assertions the testnet integration tests share.
Never: starts or stops the network itself (testnet.py does), or sends a
request anywhere but 127.0.0.1 and .onion names through tor.
"""

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import testnet


class Results(object):
    """Counts checks; prints 'PASS name' / 'FAIL name: detail' and the
    closing '<name>: N passed, M failed' line."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.timings = []
        self.t0 = time.monotonic()

    def check(self, what, cond, detail=""):
        if cond:
            self.passed += 1
            print("PASS %s%s" % (what, " (%s)" % detail if detail else ""))
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, ": %s" % detail if detail else ""))
        sys.stdout.flush()
        return cond

    def time(self, what, seconds):
        self.timings.append((what, seconds))

    def finish(self):
        self.time("total", time.monotonic() - self.t0)
        print("%s timings: %s" % (self.name, ", ".join(
            "%s %.2f s" % (w, s) for w, s in self.timings)))
        print("%s: %d passed, %d failed" % (self.name, self.passed,
                                             self.failed))
        sys.stdout.flush()
        return 0 if self.failed == 0 and self.passed > 0 else 1


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.token.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.server.hits += 1

    def log_message(self, *a):
        pass


class HttpServer(object):
    """HTTP server on 127.0.0.1:port (0 = any) answering every GET with
    token; runs in a thread until close()."""

    def __init__(self, token, port=0):
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                   _Handler)
        self.srv.daemon_threads = True
        self.srv.token = token
        self.srv.hits = 0
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       kwargs={"poll_interval": 0.1})
        self.thread.daemon = True
        self.thread.start()

    @property
    def hits(self):
        return self.srv.hits

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def curl(url, socks_port, creds=None, max_time=20):
    """curl --socks5-hostname through 127.0.0.1:socks_port.  Returns
    (exit code, body, stderr)."""
    exe = shutil.which("curl")
    if not exe:
        return 127, "", "curl not installed"
    cmd = [exe, "-sS", "--max-time", str(max_time), "--socks5-hostname",
           "127.0.0.1:%d" % socks_port]
    if creds:
        cmd += ["--proxy-user", "%s:%s" % creds]
    cmd.append(url)
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                "no_proxy")}
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=max_time + 10)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace").strip()


def fetch_until(url, socks_port, token, deadline, creds=None):
    """Retry curl until the body is token or deadline (monotonic) passes.
    Returns (ok, tries, last error)."""
    tries, err = 0, ""
    while True:
        tries += 1
        left = deadline - time.monotonic()
        rc, body, err = curl(url, socks_port, creds,
                             max_time=max(3, min(20, int(left))))
        if rc == 0 and body == token:
            return True, tries, ""
        if rc == 0:
            err = "unexpected body %r" % body[:80]
        if time.monotonic() + 1 > deadline:
            return False, tries, err
        time.sleep(0.5)


def check_onion(res, net, server, host=None, client=None, deadline_s=60):
    """ADD_ONION on the onion host forwarding to server, wait for
    HS_DESC UPLOADED, fetch it through another client.  Returns the onion
    address (or None) and keeps the onion's controller in server.onion_ctl."""
    host = host or net.clients[-1]["name"]
    client = client or net.clients[0]["name"]
    t = time.monotonic()
    try:
        addr, ctl = net.add_onion("127.0.0.1:%d" % server.port, 80, host,
                                  timeout=30)
    except (testnet.TestnetError, testnet.ControlError, OSError) as e:
        res.check("ADD_ONION on %s + HS_DESC UPLOADED" % host, False, str(e))
        return None
    server.onion_ctl = ctl
    up = time.monotonic() - t
    res.check("ADD_ONION on %s + HS_DESC UPLOADED" % host, True,
              "%s in %.2f s" % (addr, up))
    res.time("onion uploaded", up)
    t = time.monotonic()
    ok, tries, err = fetch_until("http://%s/" % addr,
                                 net.node(client)["socks_port"],
                                 server.srv.token, t + deadline_s,
                                 creds=("onion-check", str(time.time())))
    res.check("curl --socks5-hostname %s via %s" % (addr, client), ok,
              "%d tries, %.2f s%s" % (tries, time.monotonic() - t,
                                      ", " + err if err else ""))
    res.time("onion fetched", time.monotonic() - t)
    return addr if ok else None


def check_exit(res, net, server, client=None, deadline_s=30):
    """Fetch http://127.0.0.1:port/ through client's SocksPort (so through
    the exit) and check the exit carried it."""
    client = client or net.clients[0]["name"]
    before = server.hits
    t = time.monotonic()
    creds = ("exit-check", str(time.time()))
    with net.controller(client) as c:
        c.setevents("STREAM")
        ok, tries, err = fetch_until("http://127.0.0.1:%d/" % server.port,
                                     net.node(client)["socks_port"],
                                     server.srv.token, t + deadline_s,
                                     creds=creds)
        res.check("curl --socks5-hostname http://127.0.0.1:%d/ via %s" %
                  (server.port, client), ok, "%d tries, %.2f s%s" %
                  (tries, time.monotonic() - t, ", " + err if err else ""))
        res.time("exit fetched", time.monotonic() - t)
        # a 127.0.0.1 target through a bootstrapped client has no reason
        # to fail even once: retries would hide a stall
        res.check("exit fetch succeeded on the first try", ok and tries == 1,
                  "%d tries" % tries)
        ev = c.wait_event(lambda e: e.type == "STREAM" and
                          e.args[2] == "SUCCEEDED" and
                          e.kw.get("SOCKS_USERNAME") == creds[0], 5)
        circ = ev.args[3] if ev else None
        path = ""
        if circ:
            cs = c.getinfo("circuit-status")["circuit-status"]
            for line in cs.splitlines():
                if line.split(" ", 1)[0] == circ:
                    path = line.split()[2]
        exit_fp = net.exit["fingerprint"]
        res.check("stream left through exit0", exit_fp in path,
                  "circuit %s path %s" % (circ, path))
    res.check("the local server saw the request", server.hits > before,
              "%d hits" % (server.hits - before))


def check_loopback_only(res, net):
    pids = net.running_pids()
    bad = testnet.loopback_sockets(pids)
    res.check("every socket of the %d tors is on 127.0.0.0/8" % len(pids),
              not bad and len(pids) == len(net.nodes),
              "non-loopback: %r" % bad if bad else "")


def conflux_sets(ctl):
    """circuit id -> CONFLUX_ID (or the id itself) from circuit-status."""
    out = {}
    cs = ctl.getinfo("circuit-status")["circuit-status"]
    for line in cs.splitlines():
        pos, kw = testnet.split_args(line)
        if pos:
            out[pos[0]] = kw.get("CONFLUX_ID", pos[0])
    return out


def stream_circuits(net, client, url, creds_list, timeout=60):
    """curl url once per creds in creds_list, one after the other, and read
    the client's STREAM events: returns a list of (creds, circuit id or
    None, SOCKS_USERNAME seen, curl ok) and the conflux map."""
    sock = net.node(client)["socks_port"]
    out = []
    with net.controller(client) as c:
        c.setevents("STREAM")
        for creds in creds_list:
            rc, body, err = curl(url, sock, creds, max_time=timeout)
            ev = c.wait_event(lambda e: e.type == "STREAM" and
                              e.args[2] == "SUCCEEDED" and
                              e.kw.get("SOCKS_USERNAME") == creds[0] and
                              e.kw.get("SOCKS_PASSWORD") == creds[1], 10)
            out.append((creds, ev.args[3] if ev else None,
                        ev.kw.get("SOCKS_USERNAME") if ev else None,
                        rc == 0, err))
        cmap = conflux_sets(c)
    return out, cmap


def check_isolation(res, net, url, label, client=None, conflux_aware=False):
    """Two SOCKS credential pairs give two circuits, the same pair shares
    one.  With conflux_aware, legs of one conflux set count as one."""
    client = client or net.clients[0]["name"]
    tag = "%x" % int(time.time() * 1000)
    a1 = ("alice-" + tag, "pw1")
    b = ("bob-" + tag, "pw1")
    a2 = ("alice-" + tag, "pw2")
    runs, cmap = stream_circuits(net, client, url, [a1, a1, b, a2, b])
    for creds, circ, user, ok, err in runs:
        res.check("%s: stream as %s:%s succeeded on a circuit" %
                  (label, creds[0], creds[1]), ok and circ is not None,
                  "circuit %s" % circ if ok else err)
    if any(r[1] is None for r in runs):
        return

    def same(x, y):
        if x == y:
            return True
        return conflux_aware and cmap.get(x, x) == cmap.get(y, y)
    c = [r[1] for r in runs]
    res.check("%s: same credentials share one circuit" % label,
              same(c[0], c[1]) and same(c[2], c[4]),
              "alice %s,%s bob %s,%s" % (c[0], c[1], c[2], c[4]))
    res.check("%s: different usernames get different circuits" % label,
              not same(c[0], c[2]), "alice %s bob %s" % (c[0], c[2]))
    res.check("%s: same username, different password: different circuit"
              % label, not same(c[0], c[3]),
              "pw1 %s pw2 %s" % (c[0], c[3]))
