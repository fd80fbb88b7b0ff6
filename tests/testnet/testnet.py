#!/usr/bin/python3
"""testnet - a private Tor network on 127.0.0.1 for onionfed's tests.

Owns: the tor processes it starts under one directory (keys, torrcs, data
dirs, logs, network.json, network.env) and a small Tor control-port client.
Never: contacts an address outside 127.0.0.0/8, kills a process it did not
start (PIDs are checked against their command line), or touches files
outside its directory (except the port-allocation lock, see PORT_LOCK).

CLI (Python 3 standard library only; run with /usr/bin/python3):
  testnet.py up DIR [--base PORT] [--clients N] [--relays N] [--timeout S]
  testnet.py down DIR [--timeout S]    SIGTERM, SIGKILL after S (3) seconds;
                                       returns once every PID is gone (reaped,
                                       at most S + 5 s), exit 1 if one is not
  testnet.py status DIR [--quiet]
  testnet.py env DIR
  testnet.py ensure DIR [up options]   reuse a healthy network or start one;
                                       prints the path of network.env
  testnet.py onion DIR --to 127.0.0.1:PORT [--port 80] [--client NAME]
                                       ADD_ONION (Detach) and wait for upload
  testnet.py onions DIR                list the clients' ADD_ONION onions

Module (Python test peers):
  import testnet
  net = testnet.Network.load(os.path.dirname(os.environ["TESTNET_ENV"]))
  with net.controller("client0") as c:
      c.getinfo("status/bootstrap-phase")
"""

import argparse
import binascii
import collections
import errno
import fcntl
import hashlib
import hmac
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

VERSION = 1
DEFAULT_BASE = 20000
BASE_STRIDE = 100
N_AUTHORITIES = 3
# Ports stay below the kernel's ephemeral range: an outgoing connection can
# otherwise take a listener's port before tor binds it.
PORT_LOCK = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                         "onionfed-testnet-ports.lock")
SPARE_PORTS = 4          # free ports reserved in the block for test servers
# Authorities vote for the first consensus (5 s initial interval) at phase
# 3.0 of the wall clock's 5 s cycle (2 s before a boundary), or at once if
# they schedule voting (0.6-1.6 s after start) between phase 3.0 and the
# boundary; relays upload their descriptors ~1.3-2 s after they start.  So
# a launch at phase 4.4-5.0 makes tor schedule after the boundary and vote
# at the next phase 3.0, 3.0-3.6 s after launch, when every relay's
# descriptor is in: the first consensus lists every relay.  Launched at
# other phases, the first vote often comes before the relays' uploads and
# the next consensus only a full V3AuthVotingInterval (20 s) later.
VOTE_CYCLE = 5.0
LAUNCH_WINDOW = (4.4, 5.0)
LAUNCH_AT = 4.6
UNIX_PATH_MAX = 107


def log(msg):
    sys.stderr.write("testnet: %s\n" % msg)
    sys.stderr.flush()


class TestnetError(Exception):
    pass


# ---------------------------------------------------------------------------
# Tor control-port client (control-spec.txt), enough for tests.
# ---------------------------------------------------------------------------

class ControlError(Exception):
    def __init__(self, code, text):
        Exception.__init__(self, "%s %s" % (code, text))
        self.code = code
        self.text = text


def split_args(s):
    """Split a control-port line into tokens; KEY="quoted \\"x\\"" kept whole,
    quotes removed and escapes resolved.  Returns (positional, keyword)."""
    pos, kw = [], {}
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] == " ":
            i += 1
        if i >= n:
            break
        tok = []
        key = None
        while i < n and s[i] != " ":
            c = s[i]
            if c == "=" and key is None:
                key = "".join(tok)
                tok = []
                i += 1
                continue
            if c == '"':
                i += 1
                while i < n and s[i] != '"':
                    if s[i] == "\\" and i + 1 < n:
                        i += 1
                    tok.append(s[i])
                    i += 1
                i += 1
                continue
            tok.append(c)
            i += 1
        if key is None:
            pos.append("".join(tok))
        else:
            kw[key] = "".join(tok)
    return pos, kw


class Event(object):
    """One asynchronous event: lines[0] is 'STREAM 12 SUCCEEDED ...'."""

    def __init__(self, lines):
        self.lines = lines
        self.args, self.kw = split_args(lines[0])
        self.type = self.args[0] if self.args else ""

    def __repr__(self):
        return "<Event %s>" % self.lines[0]


class Controller(object):
    """Blocking control connection.  addr is a port on 127.0.0.1 (int), a
    (host, port) pair or a unix socket path.  Events are queued."""

    def __init__(self, addr, cookie=None, timeout=10.0):
        self.timeout = timeout
        if isinstance(addr, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr)
        else:
            if isinstance(addr, int):
                addr = ("127.0.0.1", addr)
            if not addr[0].startswith("127."):
                raise TestnetError("refusing non-loopback control %r" % (addr,))
            self.sock = socket.create_connection(addr, timeout=timeout)
        self.buf = b""
        self.events = collections.deque()
        self.cookie_path = cookie

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _readline(self, deadline):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line.decode("utf-8", "replace")
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("control reply timed out")
            if len(self.buf) > (1 << 24):
                raise TestnetError("control line too long")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise TestnetError("control connection closed")
            self.buf += data

    def _read_reply(self, deadline):
        """One whole reply: list of (code, sep, text, datalines)."""
        out = []
        while True:
            line = self._readline(deadline)
            if len(line) < 4 or not line[:3].isdigit():
                raise TestnetError("bad control line %r" % line)
            code, sep, text = line[:3], line[3], line[4:]
            data = None
            if sep == "+":
                data = []
                while True:
                    d = self._readline(deadline)
                    if d == ".":
                        break
                    if d.startswith("."):
                        d = d[1:]
                    data.append(d)
            out.append((code, sep, text, data))
            if sep == " ":
                return out

    def _reply(self, deadline):
        while True:
            r = self._read_reply(deadline)
            if r[0][0] == "650":
                self.events.append(self._to_event(r))
                continue
            return r

    @staticmethod
    def _to_event(r):
        lines = []
        for code, sep, text, data in r:
            lines.append(text)
            if data:
                lines.extend(data)
        return Event(lines)

    def command(self, cmd, timeout=None):
        if "\r" in cmd or "\n" in cmd:
            raise ValueError("CR/LF in control command")
        deadline = time.monotonic() + (timeout or self.timeout)
        self.sock.sendall(cmd.encode() + b"\r\n")
        r = self._reply(deadline)
        code = r[-1][0]
        if not code.startswith("2"):
            raise ControlError(code, r[-1][2])
        return r

    def authenticate(self):
        r = self.command("PROTOCOLINFO 1")
        methods, cookiefile = [], None
        for code, sep, text, data in r:
            if text.startswith("AUTH "):
                pos, kw = split_args(text)
                methods = kw.get("METHODS", "").split(",")
                cookiefile = kw.get("COOKIEFILE")
        cookiefile = cookiefile or self.cookie_path
        if "SAFECOOKIE" in methods and cookiefile:
            with open(cookiefile, "rb") as f:
                cookie = f.read()
            cnonce = os.urandom(32)
            r = self.command("AUTHCHALLENGE SAFECOOKIE %s" %
                             binascii.hexlify(cnonce).decode())
            pos, kw = split_args(r[-1][2])
            snonce = binascii.unhexlify(kw["SERVERNONCE"])
            msg = cookie + cnonce + snonce
            want = hmac.new(b"Tor safe cookie authentication "
                            b"server-to-controller hash", msg,
                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want.upper(),
                                       kw["SERVERHASH"].upper()):
                raise TestnetError("SAFECOOKIE: server hash mismatch")
            mine = hmac.new(b"Tor safe cookie authentication "
                            b"controller-to-server hash", msg,
                            hashlib.sha256).hexdigest()
            self.command("AUTHENTICATE %s" % mine)
        elif "COOKIE" in methods and cookiefile:
            with open(cookiefile, "rb") as f:
                self.command("AUTHENTICATE %s" %
                             binascii.hexlify(f.read()).decode())
        elif "NULL" in methods:
            self.command("AUTHENTICATE")
        else:
            raise TestnetError("no usable auth method in %r" % methods)
        return self

    def getinfo(self, *keys):
        r = self.command("GETINFO " + " ".join(keys))
        out = {}
        for code, sep, text, data in r:
            if text == "OK" and sep == " ":
                continue
            k, _, v = text.partition("=")
            out[k] = "\n".join(data) if data is not None else v
        return out

    def setevents(self, *names):
        self.command("SETEVENTS " + " ".join(names))

    def next_event(self, timeout):
        """The next queued or incoming event, or None after timeout s."""
        if self.events:
            return self.events.popleft()
        deadline = time.monotonic() + timeout
        try:
            r = self._read_reply(deadline)
        except socket.timeout:
            return None
        if r[0][0] != "650":
            raise TestnetError("unexpected reply %r" % (r,))
        return self._to_event(r)

    def wait_event(self, pred, timeout):
        """Consume events until pred(ev) is true; return it (None on
        timeout).  Other events are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ev = self.next_event(left)
            if ev is None:
                return None
            if pred(ev):
                return ev

    def add_onion(self, target, port=80, flags=None,
                  key="NEW:ED25519-V3"):
        """ADD_ONION key Port=port,target; returns (service_id, key)."""
        cmd = "ADD_ONION %s" % key
        if flags:
            cmd += " Flags=%s" % ",".join(flags)
        cmd += " Port=%d,%s" % (port, target)
        r = self.command(cmd)
        sid = pk = None
        for code, sep, text, data in r:
            if text.startswith("ServiceID="):
                sid = text.split("=", 1)[1]
            elif text.startswith("PrivateKey="):
                pk = text.split("=", 1)[1]
        return sid, pk

    def bootstrap(self):
        """(progress int, tag) from status/bootstrap-phase."""
        v = self.getinfo("status/bootstrap-phase")["status/bootstrap-phase"]
        pos, kw = split_args(v)
        return int(kw.get("PROGRESS", "0")), kw.get("TAG", "")


# ---------------------------------------------------------------------------
# Ports, processes
# ---------------------------------------------------------------------------

def port_free(port):
    """True if 127.0.0.1:port can be bound and listened on now (with
    SO_REUSEADDR, as tor binds, so TIME_WAIT leftovers do not count)."""
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(1)
        except OSError:
            return False
        finally:
            s.close()
    return True


def ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = f.read().split()
            return int(lo), int(hi)
    except (OSError, ValueError):
        return 32768, 60999


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return None


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def proc_start(pid):
    """Start time (clock ticks since boot) of pid, None if there is no such
    process (a zombie still has one: it is not gone until reaped)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def proc_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def pid_is_ours(pid, torrc):
    """pid is alive (not a zombie) and runs tor with our torrc."""
    cmd = proc_cmdline(pid)
    if not cmd or proc_state(pid) in (None, "Z", "X"):
        return False
    return torrc.encode() in cmd


def proc_usage(pid):
    """(resident KiB, user+system CPU seconds) of pid, (0, 0.0) if gone."""
    rss, cpu = 0, 0.0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        cpu = (int(st[11]) + int(st[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        pass
    return rss, cpu


def reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tor_binary():
    for p in (os.environ.get("TOR"), shutil.which("tor"), "/usr/sbin/tor",
              "/usr/bin/tor"):
        if p and os.access(p, os.X_OK):
            return p
    raise TestnetError("tor not found (install Debian's tor package)")


def gencert_binary():
    for p in (os.environ.get("TOR_GENCERT"), shutil.which("tor-gencert"),
              "/usr/bin/tor-gencert"):
        if p and os.access(p, os.X_OK):
            return p
    raise TestnetError("tor-gencert not found (Debian package tor)")


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(collections.deque(f, n))
    except OSError:
        return "(no %s)\n" % path


def loopback_sockets(pids):
    """Remote addresses of every TCP socket the pids hold that are not in
    127.0.0.0/8 (nor unconnected).  [] means loopback-only."""
    inodes = {}
    for pid in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                except OSError:
                    continue
                if t.startswith("socket:["):
                    inodes[t[8:-1]] = pid
        except OSError:
            continue
    bad = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    p = line.split()
                    if p[9] not in inodes:
                        continue
                    rhex, rport = p[2].split(":")
                    if int(rport, 16) == 0:
                        continue
                    if v6:
                        b = binascii.unhexlify(rhex)
                        # ::ffff:127.x.y.z is loopback too
                        if b[:12] == b"\0" * 10 + b"\xff\xff" or \
                           b[:12] == b"\0\0\0\0\0\0\0\0\xff\xff\0\0":
                            if b[12] == 127 or b[15] == 127:
                                continue
                        bad.append((inodes[p[9]], rhex, int(rport, 16)))
                        continue
                    first = int(rhex[6:8], 16)   # little-endian u32
                    if first != 127:
                        bad.append((inodes[p[9]], rhex, int(rport, 16)))
        except OSError:
            continue
    return bad


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------

# Every node.  VanguardsLiteEnabled 0: with a tiny network vanguards-lite
# pins a layer-2 set from the first consensus and onion paths fail ("Failed
# to find node for hop #2").  LearnCircuitBuildTimeout 0 with a fixed
# CircuitBuildTimeout: on loopback the adaptive timeout learns build times
# of a few ms, and any CPU hiccup on a shared machine then times circuits
# out.  NumCPUs 1 and the malloc settings in launch() keep memory small.
COMMON = """\
# generated by onionfed tests/testnet/testnet.py - do not edit
TestingTorNetwork 1
Nickname {name}
ContactInfo onionfed-testnet <nobody@127.0.0.1>
DataDirectory {datadir}
PidFile {datadir}/pid
Log notice file {datadir}/notice.log
SafeLogging 0
RunAsDaemon 0
UseDefaultFallbackDirs 0
{dirauthorities}
GeoIPFile /dev/null
GeoIPv6File /dev/null
PathsNeededToBuildCircuits 0.67
VanguardsLiteEnabled 0
ControlPort 127.0.0.1:{control_port}
CookieAuthentication 1
ClientUseIPv6 0
NumCPUs 1
ShutdownWaitLength 0
LearnCircuitBuildTimeout 0
CircuitBuildTimeout 30
"""

SERVER = """\
ORPort 127.0.0.1:{or_port}
Address 127.0.0.1
AddressDisableIPv6 1
AssumeReachable 1
ServerDNSResolvConfFile {resolv}
ServerDNSDetectHijacking 0
ServerDNSTestAddresses
MaxConsensusAgeForDiffs 2 minutes
SocksPort 0
"""

AUTHORITY = """\
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
DirPort 127.0.0.1:{dir_port}
TestingV3AuthInitialVotingInterval 5
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 20
V3AuthVoteDelay 2
V3AuthDistDelay 2
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
TestingMinExitFlagThreshold 0
ExitRelay 0
ExitPolicy reject *:*
"""

MIDDLE = """\
ExitRelay 0
ExitPolicy reject *:*
"""

# RefuseUnknownExits 0: relays fetch their first consensus late (download
# backoff after the 404s before it exists); until then an exit refuses
# every BEGIN from a middle it does not know ("open a stream from unknown
# relay"), the client then excludes it and spins on doomed circuits until
# the next consensus (~20 s stalls, seen in 2 of 10 runs).
EXIT = """\
ExitRelay 1
RefuseUnknownExits 0
ExitPolicyRejectPrivate 0
ExitPolicyRejectLocalInterfaces 0
ExitPolicy accept 127.0.0.0/8:*
ExitPolicy reject *:*
"""

# Clients.  UseMicrodescriptors 0: the exit's loopback-only policy
# summarises to "reject 1-65535" in microdescriptors, so a microdescriptor
# client never picks it.  ConfluxEnabled 0: with a single exit, conflux
# legs add nothing, and one stream = one circuit keeps the isolation
# checks (STREAM events) exact.
CLIENT = """\
SocksPort 127.0.0.1:{socks_port} IsolateSOCKSAuth ExtendedErrors
{control_socket}UseMicrodescriptors 0
FetchDirInfoEarly 1
FetchDirInfoExtraEarly 1
ConfluxEnabled 0
"""


class Network(object):
    """A network under one directory.  Build with Network.plan() then
    start(), or attach to a running one with Network.load(dir)."""

    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.nodes = []          # list of dicts, see node()
        self.base = None
        self.timings = {}
        self.spare_ports = []
        self.procs = {}          # name -> Popen (only in the process that started it)
        self.stop_left = []      # PIDs not gone when stop() returned

    # -- description ------------------------------------------------------
    @property
    def json_path(self):
        return os.path.join(self.dir, "network.json")

    @property
    def env_path(self):
        return os.path.join(self.dir, "network.env")

    def node(self, name):
        for n in self.nodes:
            if n["name"] == name:
                return n
        raise KeyError(name)

    def by_role(self, role):
        return [n for n in self.nodes if n["role"] == role]

    @property
    def clients(self):
        return self.by_role("client")

    @property
    def exit(self):
        return self.by_role("exit")[0]

    @classmethod
    def load(cls, directory):
        net = cls(directory)
        try:
            with open(net.json_path) as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            raise TestnetError("no network in %s (%s)" % (net.dir, e))
        if d.get("version") != VERSION:
            raise TestnetError("%s: unknown version" % net.json_path)
        net.nodes = d["nodes"]
        net.base = d["base"]
        net.timings = d.get("timings", {})
        net.spare_ports = d.get("spare_ports", [])
        return net

    def save(self):
        d = {
            "version": VERSION,
            "dir": self.dir,
            "base": self.base,
            "spare_ports": self.spare_ports,
            "timings": self.timings,
            "tor": tor_binary(),
            "nodes": self.nodes,
        }
        tmp = self.json_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(d, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.json_path)
        tmp = self.env_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.env_text())
        os.replace(tmp, self.env_path)

    def env_vars(self):
        """Ordered (key, value) pairs of network.env."""
        v = collections.OrderedDict()
        v["TESTNET_DIR"] = self.dir
        v["TESTNET_ENV"] = self.env_path
        v["TESTNET_JSON"] = self.json_path
        v["TESTNET_BASE"] = self.base
        v["TESTNET_NODES"] = " ".join(n["name"] for n in self.nodes)
        v["TESTNET_CLIENTS"] = " ".join(n["name"] for n in self.clients)
        v["TESTNET_PIDS"] = " ".join(str(n["pid"]) for n in self.nodes
                                     if n.get("pid"))
        v["TESTNET_SPARE_PORTS"] = " ".join(map(str, self.spare_ports))
        v["TESTNET_UP_SECONDS"] = self.timings.get("total", "")
        v["TESTNET_BOOTSTRAP_SECONDS"] = self.timings.get("bootstrap", "")
        cl = self.clients
        aliases = (("", cl[0]), ("HOST_", cl[1] if len(cl) > 1 else cl[0]))
        for prefix, n in aliases:
            v["TESTNET_%sSOCKS_PORT" % prefix] = n["socks_port"]
            v["TESTNET_%sCONTROL_PORT" % prefix] = n["control_port"]
            v["TESTNET_%sCONTROL_SOCKET" % prefix] = n.get("control_socket") or ""
            v["TESTNET_%sCOOKIE" % prefix] = n["cookie"]
        v["TESTNET_EXIT_FINGERPRINT"] = self.exit["fingerprint"]
        for n in self.nodes:
            u = "TESTNET_%s_" % n["name"].upper()
            for k in ("pid", "role", "datadir", "torrc", "log", "cookie",
                      "control_port", "control_socket", "socks_port",
                      "or_port", "dir_port", "fingerprint"):
                if n.get(k) is not None:
                    v[u + k.upper()] = n[k]
        return v

    def env_text(self):
        out = ["# onionfed private Tor network: . this file (sh).  "
               "Generated by tests/testnet/testnet.py\n"]
        for k, val in self.env_vars().items():
            out.append("export %s=%s\n" % (k, shlex.quote(str(val))))
        return "".join(out)

    # -- planning ---------------------------------------------------------
    def plan(self, n_relays=2, n_clients=2):
        if n_relays < 2:
            raise TestnetError("--relays must be >= 2 (onion services need "
                               "4 relays in the consensus)")
        if n_clients < 1:
            raise TestnetError("--clients must be >= 1")
        self.nodes = []
        for i in range(N_AUTHORITIES):
            self.nodes.append({"name": "auth%d" % i, "role": "authority"})
        for i in range(n_relays - 1):
            self.nodes.append({"name": "relay%d" % i, "role": "relay"})
        self.nodes.append({"name": "exit0", "role": "exit"})
        for i in range(n_clients):
            self.nodes.append({"name": "client%d" % i, "role": "client"})
        for n in self.nodes:
            dd = os.path.join(self.dir, "nodes", n["name"])
            n["datadir"] = dd
            n["torrc"] = os.path.join(dd, "torrc")
            n["log"] = os.path.join(dd, "notice.log")
            n["cookie"] = os.path.join(dd, "control_auth_cookie")
            n["pid"] = None
            if n["role"] == "client":
                sockpath = os.path.join(dd, "control")
                n["control_socket"] = (sockpath if len(sockpath) <=
                                       UNIX_PATH_MAX else None)

    def port_count(self):
        c = 0
        for n in self.nodes:
            c += 1                                   # control
            c += {"authority": 2, "relay": 1, "exit": 1, "client": 1}[n["role"]]
        return c + SPARE_PORTS

    def assign_ports(self, base):
        p = base
        for n in self.nodes:
            n["control_port"] = p
            p += 1
            if n["role"] in ("authority", "relay", "exit"):
                n["or_port"] = p
                p += 1
            if n["role"] == "authority":
                n["dir_port"] = p
                p += 1
            if n["role"] == "client":
                n["socks_port"] = p
                p += 1
        self.spare_ports = list(range(p, p + SPARE_PORTS))
        self.base = base

    def all_ports(self):
        ports = list(self.spare_ports)
        for n in self.nodes:
            for k in ("control_port", "or_port", "dir_port", "socks_port"):
                if n.get(k):
                    ports.append(n[k])
        return ports

    def pick_base(self, base, strict):
        """First base (from base, stepping BASE_STRIDE) whose whole block is
        free and below the ephemeral range."""
        lo, _ = ephemeral_range()
        size = self.port_count()
        stride = max(BASE_STRIDE, (size + 99) // 100 * 100)
        tried = []
        b = base
        while b + size <= 65535:
            if b + size > lo and b < lo:
                log("warning: ports %d-%d overlap the ephemeral range "
                    "(%d-); expect rare bind failures" % (b, b + size, lo))
            self.assign_ports(b)
            busy = [p for p in self.all_ports() if not port_free(p)]
            if not busy:
                return b
            tried.append("%d (busy: %s)" % (b, ",".join(map(str, busy[:4]))))
            if strict or len(tried) >= 40:
                break
            b += stride
            if b + size > lo and base < lo:
                break
        raise TestnetError("no free port block; tried base %s" %
                           "; ".join(tried[:5]))

    # -- keys and torrcs --------------------------------------------------
    KEEP = ("keys", "fingerprint", "fingerprint-ed25519")

    def clean_nodes(self):
        """Fresh state for every node: remove node directories not in the
        plan and everything but the identity keys (KEEP) in the others,
        so a restart in the same directory skips key generation."""
        nodes_dir = os.path.join(self.dir, "nodes")
        if not os.path.isdir(nodes_dir):
            return
        names = set(n["name"] for n in self.nodes
                    if n["role"] != "client")
        for name in os.listdir(nodes_dir):
            path = os.path.join(nodes_dir, name)
            if name not in names or not os.path.isdir(path):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
                continue
            for f in os.listdir(path):
                p = os.path.join(path, f)
                if f in self.KEEP:
                    continue
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)

    @staticmethod
    def has_keys(n):
        k = os.path.join(n["datadir"], "keys")
        want = [os.path.join(n["datadir"], "fingerprint"),
                os.path.join(k, "secret_id_key"),
                os.path.join(k, "ed25519_master_id_secret_key")]
        if n["role"] == "authority":
            want += [os.path.join(k, "authority_certificate"),
                     os.path.join(k, "authority_signing_key")]
        return all(os.path.exists(w) for w in want)

    def make_keys(self):
        """tor-gencert for each authority, tor --list-fingerprint for every
        relay (in parallel); keys left by an earlier run in this directory
        are reused."""
        empty = os.path.join(self.dir, "empty-defaults")
        open(empty, "w").close()
        procs = []
        self.keys_reused = 0
        for n in self.nodes:
            if n["role"] == "client":
                continue
            if self.has_keys(n):
                self.keys_reused += 1
                continue
            keys = os.path.join(n["datadir"], "keys")
            os.makedirs(keys, mode=0o700, exist_ok=True)
            os.chmod(n["datadir"], 0o700)
            if n["role"] == "authority":
                cmd = [gencert_binary(), "--create-identity-key", "-m", "12",
                       "-i", os.path.join(keys, "authority_identity_key"),
                       "-s", os.path.join(keys, "authority_signing_key"),
                       "-c", os.path.join(keys, "authority_certificate"),
                       "--passphrase-fd", "0"]
                p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE,
                                     cwd=n["datadir"])
                p.stdin.write(b"\n")
                p.stdin.close()
                procs.append((n, "gencert", p))
            cmd = [tor_binary(), "--list-fingerprint", "--DataDirectory",
                   n["datadir"], "--ORPort", "1", "--Nickname", n["name"],
                   "--Log", "err stderr", "-f", empty, "--defaults-torrc",
                   empty]
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            procs.append((n, "fp", p))
        for n, kind, p in procs:
            err = p.stderr.read()
            if p.wait() != 0:
                raise TestnetError("%s %s failed: %s" %
                                   (kind, n["name"], err.decode(errors="replace")))
        for n in self.nodes:
            if n["role"] == "client":
                continue
            with open(os.path.join(n["datadir"], "fingerprint")) as f:
                n["fingerprint"] = f.read().split()[1]
            if n["role"] == "authority":
                cert = os.path.join(n["datadir"], "keys",
                                    "authority_certificate")
                with open(cert) as f:
                    m = re.search(r"^fingerprint ([0-9A-F]{40})$", f.read(),
                                  re.M)
                if not m:
                    raise TestnetError("no fingerprint in %s" % cert)
                n["v3ident"] = m.group(1)

    def write_torrcs(self):
        resolv = os.path.join(self.dir, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("# exits resolve nothing: only loopback\n"
                    "nameserver 127.0.0.1\n")
        dirauth = "\n".join(
            "DirAuthority %s orport=%d no-v2 v3ident=%s 127.0.0.1:%d %s" %
            (a["name"], a["or_port"], a["v3ident"], a["dir_port"],
             a["fingerprint"]) for a in self.by_role("authority"))
        for n in self.nodes:
            os.makedirs(n["datadir"], mode=0o700, exist_ok=True)
            os.chmod(n["datadir"], 0o700)
            t = COMMON.format(name=n["name"], datadir=n["datadir"],
                              dirauthorities=dirauth,
                              control_port=n["control_port"])
            if os.environ.get("TESTNET_DEBUG_LOG"):
                t += "Log %s file %s/debug.log\n" % (
                    os.environ["TESTNET_DEBUG_LOG"], n["datadir"])
            if n["role"] != "client":
                t += SERVER.format(or_port=n["or_port"], resolv=resolv)
            if n["role"] == "authority":
                t += AUTHORITY.format(dir_port=n["dir_port"])
            elif n["role"] == "relay":
                t += MIDDLE
            elif n["role"] == "exit":
                t += EXIT
            else:
                cs = ""
                if n.get("control_socket"):
                    cs = "ControlSocket %s\n" % n["control_socket"]
                t += CLIENT.format(socks_port=n["socks_port"],
                                   control_socket=cs)
            with open(n["torrc"], "w") as f:
                f.write(t)

    # -- processes --------------------------------------------------------
    def launch(self, nodes):
        empty = os.path.join(self.dir, "empty-defaults")
        env = dict(os.environ)
        # glibc: few arenas, and a fixed mmap threshold so the big
        # short-lived buffers of consensus compression go back to the
        # system (a warm relay: ~14 MiB instead of ~71 MiB RSS)
        env["MALLOC_ARENA_MAX"] = "2"
        env["MALLOC_MMAP_THRESHOLD_"] = "131072"
        for n in nodes:
            for stale in (n["log"], os.path.join(n["datadir"], "pid")):
                if os.path.exists(stale):
                    os.unlink(stale)
            out = open(os.path.join(n["datadir"], "tor.out"), "wb")
            p = subprocess.Popen([tor_binary(), "-f", n["torrc"],
                                  "--defaults-torrc", empty],
                                 stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=env,
                                 close_fds=True, start_new_session=True)
            out.close()
            n["pid"] = p.pid
            self.procs[n["name"]] = p
        self.save()

    def check_alive(self, nodes):
        for n in nodes:
            p = self.procs.get(n["name"])
            dead = (p.poll() is not None) if p else not pid_is_ours(
                n["pid"], n["torrc"])
            if dead:
                logtext = tail(n["log"]) + tail(
                    os.path.join(n["datadir"], "tor.out"), 5)
                err = TestnetError("%s (pid %s) exited:\n%s" %
                                   (n["name"], n["pid"], logtext))
                err.port_conflict = "Address already in use" in logtext
                raise err

    def wait_listening(self, nodes, deadline):
        todo = [(n, k) for n in nodes for k in ("control_port", "or_port",
                                                "dir_port", "socks_port")
                if n.get(k)]
        while todo:
            self.check_alive(nodes)
            todo = [(n, k) for n, k in todo if not listening(n[k])]
            if not todo:
                return
            if time.monotonic() > deadline:
                raise TestnetError("not listening: %s" % ", ".join(
                    "%s %s" % (n["name"], k) for n, k in todo))
            time.sleep(0.05)

    def fetch_consensus(self, auth):
        c = http.client.HTTPConnection("127.0.0.1", auth["dir_port"],
                                       timeout=3)
        try:
            c.request("GET", "/tor/status-vote/current/consensus")
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                return None
            return body.decode("utf-8", "replace")
        finally:
            c.close()

    @staticmethod
    def parse_consensus(text):
        """{nickname: set(flags)} from an ns-flavoured consensus."""
        relays, cur = {}, None
        for line in text.splitlines():
            if line.startswith("r "):
                cur = line.split()[1]
                relays[cur] = set()
            elif line.startswith("s ") and cur is not None:
                relays[cur] = set(line.split()[1:])
        return relays

    def consensus_ready(self, text):
        if not text:
            return False
        relays = self.parse_consensus(text)
        want = [n["name"] for n in self.nodes if n["role"] != "client"]
        for name in want:
            if "Running" not in relays.get(name, ()):
                return False
        return "Exit" in relays[self.exit["name"]]

    def wait_consensus(self, deadline):
        auths = self.by_role("authority")
        servers = [n for n in self.nodes if n["role"] != "client"]
        while True:
            self.check_alive(servers)
            ok = 0
            for a in auths:
                try:
                    if self.consensus_ready(self.fetch_consensus(a)):
                        ok += 1
                except (OSError, http.client.HTTPException):
                    pass
            if ok == len(auths):
                return
            if time.monotonic() > deadline:
                raise TestnetError("no complete consensus in time (%d/%d "
                                   "authorities serve one)" % (ok, len(auths)))
            time.sleep(0.2)

    def controller(self, name, timeout=10.0):
        """An authenticated Controller to node name (control socket if it
        has one, else its ControlPort)."""
        n = self.node(name)
        addr = n.get("control_socket") or n["control_port"]
        if isinstance(addr, str) and not os.path.exists(addr):
            addr = n["control_port"]
        return Controller(addr, n["cookie"], timeout).authenticate()

    def wait_bootstrap(self, nodes, deadline):
        ctl = {}
        try:
            todo = list(nodes)
            while todo:
                self.check_alive(nodes)
                left = []
                for n in todo:
                    try:
                        if n["name"] not in ctl:
                            ctl[n["name"]] = self.controller(n["name"], 3)
                        prog, tag = ctl[n["name"]].bootstrap()
                        n["bootstrap"] = prog
                    except (OSError, TestnetError, ControlError):
                        prog = 0
                        c = ctl.pop(n["name"], None)
                        if c:
                            c.close()
                    if prog < 100:
                        left.append(n)
                todo = left
                if not todo:
                    return
                if time.monotonic() > deadline:
                    raise TestnetError("not bootstrapped: %s" % ", ".join(
                        "%s at %s%%" % (n["name"], n.get("bootstrap", 0))
                        for n in todo))
                time.sleep(0.1)
        finally:
            for c in ctl.values():
                c.close()

    def start(self, base=DEFAULT_BASE, strict_base=False, timeout=60.0):
        """Keys, torrcs, phased launch, wait for bootstrap.  On failure
        everything started is stopped and TestnetError raised."""
        t0 = time.monotonic()
        os.makedirs(self.dir, exist_ok=True)
        if os.path.exists(self.json_path):
            old = Network.load(self.dir)
            if old.running_pids():
                raise TestnetError("%s: a network is running there "
                                   "(testnet down first)" % self.dir)
        self.clean_nodes()
        self.make_keys()
        t_keys = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            try:
                self._start_once(base, strict_base, t_keys, timeout)
                break
            except TestnetError as e:
                self.stop(quiet=True)
                if getattr(e, "port_conflict", False) and attempts < 3 \
                   and not strict_base:
                    log("port conflict at base %d, retrying higher" %
                        self.base)
                    base = self.base + BASE_STRIDE
                    continue
                raise
            except BaseException:
                self.stop(quiet=True)
                raise
        t_end = time.monotonic()
        self.timings["keys"] = round(t_keys - t0, 2)
        self.timings["keys_reused"] = self.keys_reused
        self.timings["total"] = round(t_end - t0, 2)
        self.save()
        return self.timings

    def _start_once(self, base, strict_base, t_keys, timeout):
        servers = [n for n in self.nodes if n["role"] != "client"]
        clients = self.clients
        lockf = open(PORT_LOCK, "a")
        try:
            # Ports are checked and bound under one lock so two harnesses
            # started at once on this machine never pick the same block.
            fcntl.flock(lockf, fcntl.LOCK_EX)
            self.pick_base(base, strict_base)
            self.write_torrcs()
            phase = time.time() % VOTE_CYCLE
            wait = 0.0
            if not LAUNCH_WINDOW[0] <= phase < LAUNCH_WINDOW[1]:
                wait = (LAUNCH_AT - phase) % VOTE_CYCLE
                time.sleep(wait)
            t_launch = time.monotonic()
            launch_phase = time.time() % VOTE_CYCLE
            self.launch(servers)
            self.wait_listening(servers, t_launch + 15)
        finally:
            lockf.close()
        deadline = t_launch + timeout
        self.wait_consensus(deadline)
        t_cons = time.monotonic()
        self.launch(clients)
        self.wait_bootstrap(clients, deadline)
        t_boot = time.monotonic()
        for n in clients:
            n.pop("bootstrap", None)
        self.timings = {"aligned": round(wait, 2),
                        "phase": round(launch_phase, 2),
                        "consensus": round(t_cons - t_launch, 2),
                        "bootstrap": round(t_boot - t_launch, 2),
                        "base": self.base}

    # -- stop / status ----------------------------------------------------
    def running_pids(self):
        return [n["pid"] for n in self.nodes
                if n.get("pid") and pid_is_ours(n["pid"], n["torrc"])]

    # tor 0.4.9.11 sometimes deadlocks on exit after SIGTERM when it comes
    # just as a consensus is published (main thread blocked on a mutex in
    # cpuworker_free_all -> threadpool free, workers idle in
    # pthread_cond_wait; seen with gdb, ~1 in 7 stops at that moment).
    # It would wait forever: so a short grace, then SIGKILL.  A normal exit
    # takes ~50 ms.
    STOP_GRACE = 3.0

    # After SIGKILL, how long to wait for the processes to be gone: a killed
    # tor exits in milliseconds, but one we did not start (the usual case
    # for `down`: `up` has exited and the tors were reparented) stays a
    # zombie until its new parent reaps it; PID 1 here reaps about once a
    # second (measured: zombies for ~1.3 s).
    GONE_WAIT = 5.0

    def stop(self, timeout=None, quiet=False):
        """SIGTERM every node by PID, SIGKILL what is left after timeout.
        (timeout defaults to STOP_GRACE.)
        A tor started with one of our torrcs whose PID was never recorded
        (a signal between fork and bookkeeping) is found by its command
        line and stopped too.  Returns only once every PID signalled is
        gone: exited, reaped (by us if it is our child, else by its
        parent) and not reused, or after timeout + GONE_WAIT; what is
        left is in self.stop_left (PIDs).  Returns the number of
        processes signalled."""
        t0 = time.monotonic()
        live = [n for n in self.nodes
                if n.get("pid") and pid_is_ours(n["pid"], n["torrc"])]
        known = set(n["pid"] for n in live)
        for pid in self.orphan_pids():
            if pid not in known:
                n = dict(self.node_by_torrc(pid))
                n["pid"] = pid
                live.append(n)
        # start time identifies the process: a reaped PID may be reused
        starts = dict((n["pid"], proc_start(n["pid"])) for n in live)
        if timeout is None:
            timeout = self.STOP_GRACE
        for n in live:
            try:
                os.kill(n["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass
        killed = []
        deadline = time.monotonic() + timeout
        while True:
            for n in live:
                reap(n["pid"])
            left = [n for n in live if pid_is_ours(n["pid"], n["torrc"])]
            if not left:
                break
            if time.monotonic() > deadline:
                for n in left:
                    log("%s (pid %d) ignored SIGTERM for %.0f s: SIGKILL; "
                        "state %s, log tail:\n%s" %
                        (n["name"], n["pid"], timeout, proc_state(n["pid"]),
                         tail(n.get("log", ""), 4)))
                    try:
                        os.kill(n["pid"], signal.SIGKILL)
                        killed.append(n["pid"])
                    except ProcessLookupError:
                        pass
                break
            time.sleep(0.05)
        t_exit = time.monotonic() - t0
        # wait until every PID is gone, not merely exited (a zombie still
        # shows in ps/pgrep and in /proc), bounded
        gone_by = time.monotonic() + self.GONE_WAIT
        while True:
            for n in live:
                reap(n["pid"])
            self.stop_left = [n["pid"] for n in live
                              if proc_start(n["pid"]) is not None and
                              proc_start(n["pid"]) == starts[n["pid"]]]
            if not self.stop_left or time.monotonic() > gone_by:
                break
            time.sleep(0.05)
        for p in self.procs.values():
            try:
                p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        self.procs = {}
        t_gone = time.monotonic() - t0
        if self.stop_left:
            log("%d of %d tor processes under %s not gone %.1f s after "
                "SIGTERM: %s" % (len(self.stop_left), len(live), self.dir,
                                 t_gone, ", ".join(
                                     "%d (state %s, parent %s)" %
                                     (p, proc_state(p), proc_ppid(p))
                                     for p in self.stop_left)))
        elif not quiet:
            log("stopped %d tor processes under %s: exited %.2f s after "
                "SIGTERM (%d needed SIGKILL), all PIDs gone after %.2f s" %
                (len(live), self.dir, t_exit, len(killed), t_gone))
        return len(live)

    def status(self):
        """List of per-node dicts: name, role, pid, alive, bootstrap,
        consensus relay count (or an error)."""
        out = []
        for n in self.nodes:
            s = {"name": n["name"], "role": n["role"], "pid": n.get("pid"),
                 "alive": bool(n.get("pid")) and pid_is_ours(n["pid"],
                                                             n["torrc"])}
            if s["alive"]:
                s["rss_kib"], s["cpu_s"] = proc_usage(n["pid"])
                try:
                    with self.controller(n["name"], 3) as c:
                        prog, tag = c.bootstrap()
                        s["bootstrap"] = prog
                        info = c.getinfo("ns/all")
                        s["relays"] = sum(
                            1 for l in info["ns/all"].splitlines()
                            if l.startswith("r "))
                        try:
                            va = c.getinfo("consensus/valid-after")
                            s["valid_after"] = va["consensus/valid-after"]
                        except ControlError:
                            s["valid_after"] = None
                except (OSError, TestnetError, ControlError) as e:
                    s["error"] = str(e)
            out.append(s)
        return out

    @staticmethod
    def node_ok(s, want):
        """Healthy node: alive; an authority or client also bootstrapped
        with every relay in its consensus.  (Relays fetch their first
        consensus late and need none to carry circuits.)"""
        if not s["alive"] or "error" in s:
            return False
        if s["role"] in ("relay", "exit"):
            return True
        return s.get("bootstrap") == 100 and s.get("relays", 0) >= want

    def healthy(self):
        want = len([n for n in self.nodes if n["role"] != "client"])
        return all(self.node_ok(s, want) for s in self.status())

    def orphan_pids(self):
        """PIDs of live processes running tor with one of our torrcs."""
        torrcs = set(n["torrc"].encode() for n in self.nodes)
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            cmd = proc_cmdline(int(d))
            if cmd and "-f" in [c.decode(errors="replace") for c in cmd] \
               and torrcs.intersection(cmd) \
               and proc_state(int(d)) not in ("Z", "X", None):
                out.append(int(d))
        return out

    def node_by_torrc(self, pid):
        cmd = proc_cmdline(pid) or []
        for n in self.nodes:
            if n["torrc"].encode() in cmd:
                return n
        return {"name": "?", "torrc": ""}

    def stray_processes(self):
        """PIDs of any process whose command line mentions this
        network's directory (the check 'down left nothing behind')."""
        mark = (self.dir + "/").encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            cmd = proc_cmdline(int(d))
            if cmd and any(mark in a for a in cmd) and \
               proc_state(int(d)) not in ("Z", "X", None):
                pids.append(int(d))
        return pids

    # -- onions -----------------------------------------------------------
    def add_onion(self, target, port=80, client=None, detach=False,
                  timeout=30.0):
        """ADD_ONION on a client (default the onion host, the last client)
        forwarding virtual port to target; waits for the first HS_DESC
        UPLOADED.  Returns (address.onion, controller).  Without detach
        the onion lives as long as the returned controller."""
        client = client or self.clients[-1]["name"]
        c = self.controller(client, timeout)
        try:
            c.setevents("HS_DESC")
            sid, _ = c.add_onion(target, port,
                                 flags=["Detach", "DiscardPK"] if detach
                                 else ["DiscardPK"])
            ev = c.wait_event(lambda e: e.type == "HS_DESC" and
                              len(e.args) > 2 and e.args[1] == "UPLOADED"
                              and e.args[2] == sid, timeout)
            if ev is None:
                raise TestnetError("onion %s: no HS_DESC UPLOADED in %.0f s"
                                   % (sid, timeout))
            c.setevents()
        except BaseException:
            c.close()
            raise
        return sid + ".onion", c


# ---------------------------------------------------------------------------
# Helpers for test scripts
# ---------------------------------------------------------------------------

def cleanup_on_signals():
    """Turn SIGTERM/SIGHUP into SystemExit so finally: blocks (down) run."""
    def h(sig, frame):
        raise SystemExit(128 + sig)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, h)


def from_env():
    """The network named by $TESTNET_ENV (or $TESTNET_DIR), or None."""
    p = os.environ.get("TESTNET_ENV")
    if p:
        return Network.load(os.path.dirname(os.path.abspath(p)))
    d = os.environ.get("TESTNET_DIR")
    if d:
        return Network.load(d)
    return None


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def print_status(net, quiet=False):
    st = net.status()
    ok = True
    want = len([n for n in net.nodes if n["role"] != "client"])
    for s in st:
        if not s["alive"]:
            state = "DOWN"
        elif "error" in s:
            state = "alive, control error: %s" % s["error"]
        else:
            state = ("bootstrap %3d%%  consensus relays %d/%d  rss %3d MiB  "
                     "cpu %5.1f s  valid-after %s" % (
                         s["bootstrap"], s["relays"], want, s["rss_kib"] // 1024,
                         s["cpu_s"], s.get("valid_after")))
        if not Network.node_ok(s, want):
            ok = False
        if not quiet:
            print("%-8s %-9s pid %-7s %s" % (s["name"], s["role"],
                                             s["pid"], state))
    if not quiet:
        live = [s for s in st if s["alive"]]
        print("network %s: %s; %d tor processes, rss %d MiB in all" % (
            net.dir, "healthy" if ok else "NOT healthy", len(live),
            sum(s.get("rss_kib", 0) for s in live) // 1024))
    return ok


def cmd_up(args):
    net = Network(args.dir)
    net.plan(args.relays, args.clients)
    try:
        t = net.start(args.base, args.strict_base, args.timeout)
    except TestnetError as e:
        log("up failed: %s" % e)
        return 1
    print("testnet up in %s: base %d, %d nodes; keys %.2f s (%d reused), "
          "wait for vote phase %.2f s; after launch: consensus %.2f s, "
          "clients bootstrapped %.2f s (total %.2f s)" %
          (net.dir, net.base, len(net.nodes), t["keys"], t["keys_reused"],
           t["aligned"], t["consensus"], t["bootstrap"], t["total"]),
          file=args.out)
    print("  . %s" % net.env_path, file=args.out)
    return 0


def cmd_down(args):
    if not os.path.exists(os.path.join(args.dir, "network.json")):
        log("no network in %s" % args.dir)
        return 0
    net = Network.load(args.dir)
    net.stop(args.timeout)
    if net.stop_left:
        return 1
    stray = [p for p in net.stray_processes()]
    if stray:
        log("warning: processes still mention %s: %s" % (net.dir, stray))
        return 1
    return 0


def cmd_status(args):
    try:
        net = Network.load(args.dir)
    except TestnetError as e:
        log(str(e))
        return 1
    return 0 if print_status(net, args.quiet) else 1


def cmd_env(args):
    net = Network.load(args.dir)
    sys.stdout.write(net.env_text())
    return 0


def cmd_ensure(args):
    os.makedirs(args.dir, exist_ok=True)
    lockf = open(os.path.join(args.dir, ".ensure.lock"), "a")
    fcntl.flock(lockf, fcntl.LOCK_EX)
    try:
        if os.path.exists(os.path.join(args.dir, "network.json")):
            net = Network.load(args.dir)
            if net.healthy():
                log("reusing healthy network in %s" % net.dir)
                print(net.env_path)
                return 0
            log("network in %s is not healthy: restarting it" % net.dir)
            net.stop()
        args.out = sys.stderr
        rc = cmd_up(args)
        if rc == 0:
            print(Network.load(args.dir).env_path)
        return rc
    finally:
        lockf.close()


def cmd_onion(args):
    net = Network.load(args.dir)
    host, _, port = args.to.rpartition(":")
    if not host.startswith("127.") or not port.isdigit():
        log("--to must be 127.x.y.z:PORT")
        return 64
    addr, c = net.add_onion("%s:%s" % (host, port), args.port, args.client,
                            detach=True, timeout=args.timeout)
    c.close()
    print(addr)
    return 0


def cmd_onions(args):
    net = Network.load(args.dir)
    for n in net.clients:
        with net.controller(n["name"]) as c:
            r = c.getinfo("onions/detached", "onions/current")
        for k in ("onions/detached", "onions/current"):
            for sid in r.get(k, "").split():
                print("%s %s %s.onion" % (n["name"], k.split("/")[1], sid))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="testnet",
                                 description="private Tor network on "
                                 "127.0.0.1 for onionfed tests")
    sub = ap.add_subparsers(dest="cmd")
    sub.required = True

    def up_opts(p):
        p.add_argument("--base", type=int, default=int(
            os.environ.get("TESTNET_BASE_PORT", DEFAULT_BASE)))
        p.add_argument("--strict-base", action="store_true",
                       help="fail instead of moving to a free port block")
        p.add_argument("--clients", type=int, default=2)
        p.add_argument("--relays", type=int, default=2,
                       help="non-authority relays, one of them the exit")
        p.add_argument("--timeout", type=float, default=60.0)
    p = sub.add_parser("up")
    p.add_argument("dir")
    up_opts(p)
    p.set_defaults(func=cmd_up, out=sys.stdout)
    p = sub.add_parser("ensure")
    p.add_argument("dir")
    up_opts(p)
    p.set_defaults(func=cmd_ensure)
    p = sub.add_parser("down")
    p.add_argument("dir")
    p.add_argument("--timeout", type=float, default=Network.STOP_GRACE,
                   help="seconds between SIGTERM and SIGKILL")
    p.set_defaults(func=cmd_down)
    p = sub.add_parser("env")
    p.add_argument("dir")
    p.set_defaults(func=cmd_env)
    p = sub.add_parser("status")
    p.add_argument("dir")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("onions", help="list ADD_ONION onions of clients")
    p.add_argument("dir")
    p.set_defaults(func=cmd_onions)
    p = sub.add_parser("onion")
    p.add_argument("dir")
    p.add_argument("--to", required=True, help="127.0.0.1:PORT target")
    p.add_argument("--port", type=int, default=80, help="virtual port")
    p.add_argument("--client", default=None)
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(func=cmd_onion)
    args = ap.parse_args(argv)
    cleanup_on_signals()
    try:
        return args.func(args)
    except TestnetError as e:
        log(str(e))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
