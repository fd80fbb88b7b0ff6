"""hslib - helpers around the test homeserver (tesths.py) for the e2e
suite and its standalone check.

Owns: the tesths processes it starts (torn down by PID), a test CA and
certificates made with openssl(1), a test DNS server on UDP 127.0.0.1
(answers configured names with A 127.0.0.1, REFUSED otherwise, counts
every query), and a small HTTP CONNECT proxy with a name map (standalone
check only: it plays onionfedd's outbound without tor).
Never: sends anything beyond 127.0.0.0/8; edits /etc/hosts.
"""

import base64
import hashlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTHS = os.path.join(HERE, "tesths.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


class HS(object):
    """One tesths.py process; .admin_get/.admin_post talk to /_test/."""

    def __init__(self, name, workdir, proxy=None, ca_file=None,
                 listen="127.0.0.1:0", tls=None, well_known=None,
                 extra=(), strace=None, tls_port=0):
        self.name = name
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        safe = name.replace(":", "_")
        self.key_file = os.path.join(workdir, safe + ".signing.key")
        self.logpath = os.path.join(workdir, safe + ".log")
        cmd = [PY, "-B", TESTHS, "--name", name, "--listen", listen,
               "--admin", "127.0.0.1:0", "--key-file", self.key_file]
        if proxy:
            cmd += ["--proxy", proxy]
        if ca_file:
            cmd += ["--ca-file", ca_file]
        if tls:
            cmd += ["--tls-listen", "127.0.0.1:%d" % tls_port,
                    "--tls-cert", tls[0],
                    "--tls-key", tls[1]]
        if well_known:
            cmd += ["--well-known", well_known]
        cmd += list(extra)
        self.strace_out = None
        if strace:
            self.strace_out = os.path.join(workdir, safe + ".strace")
            cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,"
                   "sendmsg", "-o", self.strace_out] + cmd
        self.log = open(self.logpath, "a")
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                  stderr=self.log)
        r, _, _ = select.select([self.p.stdout], [], [], 15)
        line = self.p.stdout.readline().decode() if r else ""
        if not line.startswith("READY"):
            self.kill()
            raise RuntimeError("tesths %s did not start: %r\n%s" % (
                name, line, self.logtail()))
        kv = dict(x.split("=") for x in line.split()[1:])
        self.fed_port = int(kv["fed"])
        self.admin_port = int(kv["admin"])
        self.tls_port = int(kv["tls"]) if "tls" in kv else None
        self.pid = int(kv["pid"])

    def logtail(self, n=3000):
        try:
            if not self.log.closed:
                self.log.flush()
            with open(self.logpath) as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def _req(self, method, path, obj=None, timeout=120):
        data = json.dumps(obj).encode() if obj is not None else None
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.admin_port, path), data=data,
            method=method)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=timeout) as r:
            return json.loads(r.read())

    def get(self, path):
        return self._req("GET", path)

    def post(self, path, obj=None, timeout=120):
        return self._req("POST", path, obj or {}, timeout)

    def send(self, dest, count, text="hello"):
        return self.post("/_test/send", {"destination": dest, "count": count,
                                         "text": text})["event_ids"]

    def received(self):
        return self.get("/_test/received")

    def outbox(self):
        return self.get("/_test/outbox")

    def stats(self):
        return self.get("/_test/stats")

    def wait_delivered(self, dest, n, timeout):
        """Poll the outbox until n events reached dest; -> (ok, report)."""
        deadline = time.monotonic() + timeout
        rep = {}
        while True:
            rep = self.outbox().get(dest, {})
            if rep.get("delivered_events", 0) >= n:
                return True, rep
            if time.monotonic() > deadline:
                return False, rep
            time.sleep(0.2)

    def stop(self):
        if self.p.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def wait_received(hs, origin, n, timeout):
    """Poll hs until it holds n events from origin; -> (ok, by_origin)."""
    deadline = time.monotonic() + timeout
    per = {}
    while True:
        per = hs.received()["by_origin"].get(origin, {})
        if per.get("events", 0) >= n:
            return True, per
        if time.monotonic() > deadline:
            return False, per
        time.sleep(0.2)


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------

class CA(object):
    """A throwaway CA; cert(name) -> (cert.pem, key.pem) signed by it."""

    def __init__(self, workdir):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.key = os.path.join(workdir, "ca.key")
        self.crt = os.path.join(workdir, "ca.pem")
        if not os.path.exists(self.crt):
            self._ossl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                       self.key, "-out", self.crt, "-days", "2", "-subj",
                       "/CN=onionfed e2e test CA")

    @staticmethod
    def _ossl(*args):
        subprocess.run(["openssl"] + list(args), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def cert(self, name):
        key = os.path.join(self.dir, name + ".key")
        crt = os.path.join(self.dir, name + ".pem")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % name)
        self._ossl("req", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                   "-out", csr, "-subj", "/CN=%s" % name)
        self._ossl("x509", "-req", "-in", csr, "-CA", self.crt, "-CAkey",
                   self.key, "-CAcreateserial", "-out", crt, "-days", "2",
                   "-extfile", ext)
        return crt, key


# ---------------------------------------------------------------------------
# Onion keys (tor's hs_ed25519_secret_key format, as torctl/ reads it)
# ---------------------------------------------------------------------------

def onion_address(pub):
    chk = hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2]
    return base64.b32encode(pub + chk + b"\x03").decode().lower() + ".onion"


class OnionKey(object):
    """A fresh v3 onion key: .address, .blob (ADD_ONION), .save(path)."""

    def __init__(self):
        import nacl.signing
        seed = os.urandom(32)
        h = bytearray(hashlib.sha512(seed).digest())
        h[0] &= 248
        h[31] &= 63
        h[31] |= 64
        self.expanded = bytes(h)
        pub = nacl.signing.SigningKey(seed).verify_key.encode()
        self.address = onion_address(pub)
        self.blob = "ED25519-V3:" + base64.b64encode(self.expanded).decode()

    def save(self, path):
        hdr = b"== ed25519v1-secret: type0 ==".ljust(32, b"\0")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(hdr + self.expanded)


# ---------------------------------------------------------------------------
# A test DNS server
# ---------------------------------------------------------------------------

class TestDns(object):
    """UDP DNS on 127.0.0.1: A 127.0.0.1 for names in 'names' (exact or
    "*.suffix"), REFUSED for the rest; every query is counted by name."""

    def __init__(self, names, port=0):
        self.patterns = [n.lower() for n in names]
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", port))
        self.port = self.s.getsockname()[1]
        self.names = []
        self.answered = []
        self.stopping = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def match(self, name):
        for p in self.patterns:
            if p == name or (p.startswith("*.") and name.endswith(p[1:])):
                return True
        return False

    def run(self):
        self.s.settimeout(0.2)
        while not self.stopping:
            try:
                q, peer = self.s.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(q) < 17:
                continue
            i, labels = 12, []
            while i < len(q) and q[i] != 0 and len(labels) < 64:
                n = q[i]
                labels.append(q[i + 1:i + 1 + n].decode(errors="replace"))
                i += 1 + n
            if i + 5 > len(q):
                continue
            name = ".".join(labels).lower()
            qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
            self.names.append(name)
            r = bytearray(q[:i + 5])
            r[2] = 0x81 | (q[2] & 0x01)   # QR, RD copied
            r[6:12] = b"\x00" * 6
            r[4:6] = b"\x00\x01"
            if self.match(name):
                r[3] = 0x80                  # RA, NOERROR
                if qtype == 1:
                    self.answered.append(name)
                    r[6:8] = b"\x00\x01"
                    r += b"\xc0\x0c\x00\x01\x00\x01" + struct.pack(
                        ">IH", 60, 4) + bytes([127, 0, 0, 1])
            else:
                r[3] = 0x85                  # REFUSED
            try:
                self.s.sendto(bytes(r), peer)
            except OSError:
                pass

    def onion_queries(self):
        return [n for n in self.names if n.endswith("onion")]

    def close(self):
        self.stopping = True
        self.s.close()


# ---------------------------------------------------------------------------
# A CONNECT proxy (standalone check only)
# ---------------------------------------------------------------------------

class ConnectProxy(object):
    """HTTP CONNECT on 127.0.0.1: 'host:port' is looked up in routes (a
    dict "host:port" -> ("127.0.0.1", port)); unknown -> 502. blocked: a
    set of "host:port" answered 503. Counts CONNECTs by target."""

    def __init__(self, routes):
        self.routes = dict(routes)
        self.blocked = set()
        self.counts = {}
        self.live = {}               # target -> [client sockets]
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.th = threading.Thread(target=self.accept, daemon=True)
        self.th.start()

    def accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        try:
            buf = b""
            while b"\r\n\r\n" not in buf and len(buf) < 8192:
                d = c.recv(4096)
                if not d:
                    return c.close()
                buf += d
            line = buf.split(b"\r\n", 1)[0].decode()
            method, target, _ = line.split(" ", 2)
            self.counts[target] = self.counts.get(target, 0) + 1
            if method != "CONNECT":
                c.sendall(b"HTTP/1.1 405 x\r\nContent-Length: 0\r\n\r\n")
                return c.close()
            if target in self.blocked or target not in self.routes:
                c.sendall(b"HTTP/1.1 503 x\r\nContent-Length: 0\r\n\r\n")
                return c.close()
            u = socket.create_connection(self.routes[target], timeout=10)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.live.setdefault(target, []).append(c)
            rest = buf.split(b"\r\n\r\n", 1)[1]
            if rest:
                u.sendall(rest)
            socks = [c, u]
            while True:
                r, _, _ = select.select(socks, [], [], 60)
                if not r:
                    break
                done = False
                for s in r:
                    d = s.recv(65536)
                    if not d:
                        done = True
                        break
                    (u if s is c else c).sendall(d)
                if done:
                    break
            u.close()
        except (OSError, ValueError):
            pass
        c.close()

    def block(self, target):
        """Refuse new tunnels to target and cut the open ones."""
        self.blocked.add(target)
        for c in self.live.pop(target, []):
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.ls.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
