"""fault_lib - helpers for the load and fault integration tests
(load_*, fault_*): the gateways under test, a test homeserver and an echo
server on 127.0.0.1, process measurements (RSS, CPU, descriptors).

Owns: the processes it starts (stopped by PID at exit) and their temporary
directory. Never: sends anything beyond 127.0.0.0/8.

The gateways are onionfedd's inbound and outbound areas. Until main.c
runs them from a config, they are the same code run alone:
gw-inbound-serve (inbound) and tests/outbound_driver (outbound).

`python3 fault_lib.py serve` runs the servers in their own process
(prints "ports UPSTREAM ECHO", stops on SIGTERM):
  upstream  HTTP/1.1 keep-alive; answers 200 {"ok":true}, or, for
            /_matrix/media/v3/download/big?n=BYTES, a body of BYTES bytes
            written as fast as the reader takes them;
  echo      TCP, writes back what it reads.
"""

import asyncio
import atexit
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BLD = os.environ.get("top_builddir") or os.getcwd()
HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_NAME = "hs.test"
CLK = os.sysconf("SC_CLK_TCK")


# -- results ----------------------------------------------------------------
class Results(object):
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print("ok   - " + what, flush=True)
        else:
            self.failed += 1
            print("FAIL - " + what, flush=True)
        return cond

    def note(self, what):
        print("       " + what, flush=True)

    def check_rss(self, cond, what):
        """A memory bound: not meaningful under ASan, whose quarantine
        keeps up to 256 MiB of freed memory resident (printed, not
        checked, there)."""
        if sanitized():
            self.note("skip (ASan build: quarantine holds freed memory): "
                      + what)
            return True
        return self.check(cond, what)

    def finish(self):
        print("%s: %.1f s" % (self.name, time.monotonic() - self.t0))
        print("%s: %d passed, %d failed" % (self.name, self.passed,
                                            self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


# -- process measurements ----------------------------------------------------
_sanitized = []


def sanitized():
    """Is the onionfedd under test an ASan build?"""
    if not _sanitized:
        try:
            with open(os.path.join(BLD, "onionfedd"), "rb") as f:
                _sanitized.append(b"AddressSanitizer" in f.read())
        except OSError:
            _sanitized.append(False)
    return _sanitized[0]


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid):
    """user + system CPU seconds of pid (all threads)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / float(CLK)
    except (OSError, IndexError, ValueError):
        return 0.0


def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def fd_kinds(pid):
    """{"socket": n, "pipe": n, ...} of pid's open descriptors."""
    out = {}
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                k = os.readlink("/proc/%d/fd/%s" % (pid, fd)).split(":")[0]
            except OSError:
                continue
            k = k if k in ("socket", "pipe", "anon_inode") else "file"
            out[k] = out.get(k, 0) + 1
    except OSError:
        pass
    return out


def raise_nofile(want):
    """Raise this process's descriptor limit to want (root may raise the
    hard limit too); return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for lim in ((want, max(want, hard)), (min(want, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, lim)
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# -- processes ---------------------------------------------------------------
TMP = tempfile.mkdtemp(prefix="onionfed-fault-")
_procs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except OSError:
                pass
    end = time.monotonic() + 5
    for p in _procs:
        try:
            p.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    subprocess.call(["rm", "-rf", TMP])


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))


class Proc(object):
    """A started process whose first stdout line matched 'ready'."""

    def __init__(self, argv, tag, ready, nofile=None, timeout=15, env=None):
        self.tag = tag
        self.errpath = os.path.join(TMP, tag + ".err")
        pre = None
        if nofile is not None:
            def pre():
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE,
                                       (nofile, max(nofile, hard)))
                except (ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_NOFILE,
                                       (min(nofile, hard), hard))
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=open(self.errpath, "w"),
                                  preexec_fn=pre, env=env)
        _procs.append(self.p)
        self.pid = self.p.pid
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        self.line = self.p.stdout.readline().decode() if r else ""
        m = re.match(ready, self.line)
        if not m:
            self.stop()
            raise RuntimeError("%s did not start: %r\n%s" % (
                tag, self.line, self.errtext()[-2000:]))
        self.m = m

    def errtext(self):
        try:
            with open(self.errpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.p.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, wait (SIGKILL after timeout); return the exit status."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def start_servers():
    """The test homeserver and echo server, in their own process."""
    s = Proc(["/usr/bin/python3", "-B", os.path.abspath(__file__), "serve"],
             "servers", r"ports (\d+) (\d+)", nofile=60000)
    s.upstream = int(s.m.group(1))
    s.echo = int(s.m.group(2))
    return s


class Daemon(Proc):
    """onionfedd from a config: the inbound TLS gateway (in front of
    'upstream') and the outbound CONNECT + SOCKS5 proxies, dual mode,
    clearnet direct, private addresses allowed (every destination here is
    on 127.0.0.1). Policy limits are far above any test's load unless the
    test gives its own [policy] lines. tor's SocksPort is only used for
    onion names, which these tests do not send. Logs go to TMP/<tag>.err.
    """

    POLICY = {"allow_private_addresses": "yes", "allow_onion_peers": "yes",
              "inbound_rate": "1000000/s burst 10000000",
              "outbound_tunnels": "1000000/s burst 10000000, max 1000000",
              "new_peer_rate": "1000000/s burst 10000000"}

    def __init__(self, upstream, tag="onionfedd", nofile=None, policy=None,
                 extra="", env=None, wrapper=()):
        pol = dict(self.POLICY)
        pol.update(policy or {})
        self.tmp = tempfile.mkdtemp(prefix=tag + ".", dir=TMP)
        self.iport, self.cport, self.sport = (free_port(), free_port(),
                                              free_port())
        self.conf = os.path.join(self.tmp, "onionfed.conf")
        tor = os.environ.get("TESTNET_SOCKS_PORT") or str(free_port())
        with open(self.conf, "w") as f:
            f.write("""[onionfed]
mode = dual
server_name = %(name)s
state_dir = %(tmp)s
log_level = info
[tor]
socks = 127.0.0.1:%(tor)s
onion_key = %(tmp)s/onion.key
[inbound]
onion_listen = 127.0.0.1:%(iport)d
upstream = http://127.0.0.1:%(upstream)d
[outbound]
connect_listen = 127.0.0.1:%(cport)d
socks_listen = 127.0.0.1:%(sport)d
clearnet = direct
[admin]
socket =
[policy]
%(policy)s
%(extra)s
""" % dict(name=SERVER_NAME, tmp=self.tmp, tor=tor, iport=self.iport,
                upstream=upstream, cport=self.cport, sport=self.sport,
                policy="\n".join("%s = %s" % kv for kv in sorted(pol.items())),
                extra=extra))
        # "ready" once the three listeners accept: onionfedd prints nothing
        argv = list(wrapper) + [os.path.join(BLD, "onionfedd"),
                                "--log=stderr", "-c", self.conf]
        self.tag = tag
        self.errpath = os.path.join(TMP, tag + ".err")
        pre = None
        if nofile is not None:
            def pre():
                # As the unit does (LimitNOFILE=65536): root may raise the
                # hard limit too; otherwise as far as the hard limit goes.
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE,
                                       (nofile, nofile))
                except (ValueError, OSError):
                    n = min(nofile, hard)
                    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
        self.p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                  stderr=open(self.errpath, "w"),
                                  preexec_fn=pre, env=env)
        _procs.append(self.p)
        self.pid = self.p.pid
        end = time.monotonic() + (60 if wrapper else 15)
        while time.monotonic() < end and self.p.poll() is None:
            if all(_listening(p) for p in (self.iport, self.cport,
                                           self.sport)):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("onionfedd did not start:\n%s" %
                           self.errtext()[-3000:])

    def log_count(self, text):
        return self.errtext().count(text)


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def client_tls():
    """TLS context of a federation peer: the onion address authenticates
    the service, so the certificate is not checked (as peers do for
    *.onion)."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# -- client helpers ------------------------------------------------------------
def fed_request(path="/_matrix/federation/v1/version", origin="origin.example",
                method="GET", body=b"", close=False):
    h = ("%s %s HTTP/1.1\r\nHost: %s\r\n"
         "Authorization: X-Matrix origin=\"%s\",destination=\"%s\","
         "key=\"ed25519:a1\",sig=\"c2lnbmF0dXJl\"\r\n" %
         (method, path, SERVER_NAME, origin, SERVER_NAME))
    if body or method in ("PUT", "POST"):
        h += "Content-Type: application/json\r\nContent-Length: %d\r\n" % \
            len(body)
    if close:
        h += "Connection: close\r\n"
    return h.encode() + b"\r\n" + body


async def read_response(reader):
    """(status, headers dict (lower-case), body) of one HTTP/1.1 answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    body = await reader.readexactly(n) if n else b""
    return status, hdrs, body


def recv_all(s, timeout):
    """Read from blocking socket s until EOF or timeout; (bytes, eof)."""
    s.settimeout(0.2)
    data = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return data, True
        if not b:
            return data, True
        data += b
    return data, False


# -- the servers -------------------------------------------------------------
async def _upstream_conn(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split()[1]
            n = 0
            for l in lines[1:]:
                if l.lower().startswith("content-length:"):
                    n = int(l.split(":", 1)[1])
            if n:
                await reader.readexactly(n)
            m = re.match(r"/_matrix/media/v3/download/big\?n=(\d+)", target)
            if m:
                size = int(m.group(1))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: "
                             b"application/octet-stream\r\nContent-Length: "
                             b"%d\r\n\r\n" % size)
                chunk = b"x" * 65536
                while size > 0:
                    writer.write(chunk[:min(size, len(chunk))])
                    size -= min(size, len(chunk))
                    await writer.drain()
            else:
                body = b'{"ok":true}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: "
                             b"application/json\r\nContent-Length: %d\r\n"
                             b"\r\n%s" % (len(body), body))
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError,
            ValueError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def _echo_conn(reader, writer):
    try:
        while True:
            b = await reader.read(65536)
            if not b:
                break
            writer.write(b)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve():
    up = await asyncio.start_server(_upstream_conn, "127.0.0.1", 0,
                                    backlog=4096)
    echo = await asyncio.start_server(_echo_conn, "127.0.0.1", 0,
                                      backlog=4096)
    print("ports %d %d" % (up.sockets[0].getsockname()[1],
                           echo.sockets[0].getsockname()[1]), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    raise_nofile(60000)
    asyncio.run(_serve())
