"""outbound_lib - helpers for the outbound proxy's integration tests.

Owns: the outbound_driver processes it starts (torn down by PID), a TLS
server and a counting DNS server on 127.0.0.1, raw CONNECT/SOCKS clients.
Never: sends anything beyond 127.0.0.0/8 (onion names go to tor only).
"""

import os
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

top_srcdir = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
top_builddir = os.environ.get("top_builddir") or os.getcwd()
sys.path.insert(0, os.path.join(top_srcdir, "tests", "testnet"))

import testnet  # noqa: E402,F401
import checks   # noqa: E402,F401

DRIVER = os.path.join(top_builddir, "tests", "outbound_driver")


def onion_from_pubkey(pk):
    """v3 address of a 32-byte ed25519 public key (rend-spec-v3)."""
    import base64
    import hashlib
    chk = hashlib.sha3_256(b".onion checksum" + pk + b"\x03").digest()[:2]
    return base64.b32encode(pk + chk + b"\x03").decode().lower() + ".onion"


def fresh_onion():
    """A valid v3 address nobody publishes (descriptor never found)."""
    import nacl.signing
    return onion_from_pubkey(
        nacl.signing.SigningKey.generate().verify_key.encode())


class Driver(object):
    """tests/outbound_driver on ephemeral ports; stop() returns counters."""

    def __init__(self, tor_port, *args, strace=None, tor=None):
        self.dir = tempfile.mkdtemp(prefix="ob-driver-")
        self.stats = os.path.join(self.dir, "stats")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        cmd = [DRIVER, "--connect", "127.0.0.1:0", "--socks", "127.0.0.1:0",
               "--tor", tor or "127.0.0.1:%d" % tor_port,
               "--stats", self.stats] + list(args)
        self.strace_out = None
        if strace:
            self.strace_out = os.path.join(self.dir, "strace")
            cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,"
                   "sendmsg", "-o", self.strace_out] + cmd
        env = dict(os.environ)
        if strace:      # LeakSanitizer cannot run under ptrace
            env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                                   ":detect_leaks=0").lstrip(":")
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                  stderr=self.log, env=env)
        r, _, _ = select.select([self.p.stdout], [], [], 10)
        line = self.p.stdout.readline().decode() if r else ""
        if not line.startswith("READY"):
            self.p.kill()
            self.p.wait()
            raise RuntimeError("driver did not start: %r %s" % (
                line, self.logtext()))
        kv = dict(x.split("=") for x in line.split()[1:])
        self.cport = int(kv["connect"])
        self.sport = int(kv["socks"])
        self.pid = int(kv["pid"])          # the driver, even under strace

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-2000:]

    def stop(self):
        if self.p.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        st = {}
        try:
            with open(self.stats) as f:
                for line in f:
                    k, v = line.split()
                    st[k] = int(v)
        except OSError:
            pass
        return st

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)   # under strace: the tracee
        except ProcessLookupError:
            pass
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def connect_status(port, target, extra=b"", timeout=60):
    """Send 'CONNECT target HTTP/1.1' and return (status line, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"CONNECT " + target.encode() + b" HTTP/1.1\r\n" + extra +
              b"\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    return buf.split(b"\r\n", 1)[0].decode(errors="replace"), s


def socks_reply(port, host, dport, timeout=60):
    """SOCKS5 no-auth CONNECT to a domain; return the reply code."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            return -1
        h = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h +
                  struct.pack(">H", dport))
        r = b""
        while len(r) < 10:
            d = s.recv(10 - len(r))
            if not d:
                break
            r += d
        return r[1] if len(r) >= 2 else -1
    finally:
        s.close()


def curl(url, proxy_args, max_time=60):
    """curl -k with proxy_args; returns (rc, body, stderr)."""
    cmd = [shutil.which("curl") or "curl", "-sS", "-k", "--max-time",
           str(max_time)] + proxy_args + [url]
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                "no_proxy")}
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=max_time + 10)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace").strip()


def curl_until(url, proxy_args, token, deadline):
    tries, err = 0, ""
    while True:
        tries += 1
        rc, body, err = curl(url, proxy_args,
                             max(3, min(30, int(deadline - time.monotonic()))))
        if rc == 0 and body == token:
            return True, tries, ""
        if rc == 0:
            err = "body %r" % body[:60]
        if time.monotonic() + 1 > deadline:
            return False, tries, err
        time.sleep(0.5)


class TlsServer(object):
    """HTTPS on 127.0.0.1 answering every GET with the token."""

    def __init__(self, token):
        import http.server
        self.dir = tempfile.mkdtemp(prefix="ob-tls-")
        crt = os.path.join(self.dir, "crt.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "1",
                        "-subj", "/CN=onionfed-test"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tok = token.encode()
        self.hits = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(tok)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(tok)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.port = self.srv.server_address[1]
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


class CountingDns(object):
    """A DNS server on UDP 127.0.0.1 that answers REFUSED and counts every
    query, by name."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.names = []
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        self.s.settimeout(0.2)
        while not self.stop:
            try:
                q, peer = self.s.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(q) < 12:
                continue
            i, labels = 12, []
            while i < len(q) and q[i] != 0 and len(labels) < 64:
                n = q[i]
                labels.append(q[i + 1:i + 1 + n].decode(errors="replace"))
                i += 1 + n
            self.names.append(".".join(labels).lower())
            r = bytearray(q[:i + 5])
            r[2] = 0x81
            r[3] = 0x85                     # REFUSED
            r[6:12] = b"\x00" * 6
            self.s.sendto(bytes(r), peer)

    def onion_queries(self):
        return [n for n in self.names if "onion" in n]

    def close(self):
        self.stop = True
        self.s.close()
