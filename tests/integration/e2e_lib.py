"""e2e_lib - mixed-federation end-to-end topology on the private Tor network:
test homeservers (tests/homeserver/tesths.py) behind real onionfedd
instances, each with its tor.

Owns: the processes it starts (own client tors joined to the shared
network, onionfedd, tesths), each torn down by PID; a work directory.
Never: changes the shared network's nodes; contacts anything beyond
127.0.0.0/8; edits /etc/hosts.

Onions. E2E_ONION selects who publishes them:
  auto     (default) onionfedd if its log shows its onion area at start
           ("onionfedd[onion]" lines), else testnet;
  testnet  (onionfedd without the onion manager) this library does
           ADD_ONION with the server's key through its tor's control port,
           targeting onionfedd's onion_listen (and well_known_listen for
           virtual port 443), and re-adds it after a tor restart;
  onionfedd onionfedd does it itself from [tor] control and onion_key.
Either way the key is made here first (tor's hs_ed25519_secret_key
format, as onionfedd reads it), so the .onion name is known up front.

Clearnet names. "clear.test" etc. resolve to 127.0.0.1 two ways, both
test configuration, never /etc/hosts: onion-only servers reach them through
their tor, whose torrc has "MapAddress NAME 127.0.0.1" (the test exit only
exits to 127.0.0.0/8, so it cannot take hostname streams); dual servers
with clearnet = direct resolve through onionfedd's [outbound] resolver,
a test DNS server (hslib.TestDns).
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

top_srcdir = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
top_builddir = os.environ.get("top_builddir") or os.getcwd()
sys.path.insert(0, os.path.join(top_srcdir, "tests", "testnet"))
sys.path.insert(0, os.path.join(top_srcdir, "tests", "homeserver"))

import testnet  # noqa: E402
import checks   # noqa: E402
import hslib    # noqa: E402

ONIONFEDD = os.environ.get("ONIONFEDD") or os.path.join(top_builddir,
                                                         "onionfedd")
ONION_MODE = os.environ.get("E2E_ONION", "auto")

_taken = set()


def free_port():
    """A free TCP port below the ephemeral range, not handed out before."""
    lo, hi = 24000, 32000
    for _ in range(2000):
        p = random.randrange(lo, hi)
        if p in _taken:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        _taken.add(p)
        return p
    raise RuntimeError("no free port")


def listening(port):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def kill_pid(p, grace=5):
    """SIGTERM a Popen, SIGKILL after grace s."""
    if p is None or p.poll() is not None:
        return
    try:
        p.send_signal(signal.SIGTERM)
        p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    except ProcessLookupError:
        pass


def get_network(res, name):
    """(net, own): the shared network of $TESTNET_ENV, else our own."""
    net = testnet.from_env()
    if net is not None:
        return net, None
    own = testnet.Network(os.path.join(top_builddir, "testnet-" + name))
    own.plan(2, 2)
    own.start()
    return own, own


# ---------------------------------------------------------------------------
# A client tor of our own, joined to the network
# ---------------------------------------------------------------------------

class OwnTor(object):
    """A client tor built from the network's client torrc, with its own
    ports and data directory, plus extra torrc lines."""

    DROP = ("Nickname", "DataDirectory", "PidFile", "Log", "ControlPort",
            "SocksPort", "ControlSocket")

    def __init__(self, net, name, workdir, extra=()):
        self.net, self.name = net, name
        self.dir = os.path.join(workdir, "tor-" + name)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.socks_port = free_port()
        self.control_port = free_port()
        self.torrc = os.path.join(self.dir, "torrc")
        self.log = os.path.join(self.dir, "notice.log")
        self.cookie = os.path.join(self.dir, "control_auth_cookie")
        with open(net.clients[0]["torrc"]) as f:
            base = [ln for ln in f.read().splitlines()
                    if ln.split(" ", 1)[0] not in self.DROP]
        base += ["Nickname e2e%s" % re.sub("[^A-Za-z0-9]", "", name),
                 "DataDirectory %s" % self.dir,
                 "PidFile %s/pid" % self.dir,
                 "Log notice file %s" % self.log,
                 "ControlPort 127.0.0.1:%d" % self.control_port,
                 "SocksPort 127.0.0.1:%d IsolateSOCKSAuth ExtendedErrors" %
                 self.socks_port] + list(extra)
        with open(self.torrc, "w") as f:
            f.write("\n".join(base) + "\n")
        self.empty = os.path.join(self.dir, "empty-defaults")
        open(self.empty, "w").close()
        self.p = None
        self.restarts = 0

    def start(self):
        env = dict(os.environ)
        env["MALLOC_ARENA_MAX"] = "2"
        env["MALLOC_MMAP_THRESHOLD_"] = "131072"
        out = open(os.path.join(self.dir, "tor.out"), "ab")
        self.p = subprocess.Popen([testnet.tor_binary(), "-f", self.torrc,
                                   "--defaults-torrc", self.empty],
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, env=env,
                                  close_fds=True, start_new_session=True)
        out.close()
        self.t_start = time.monotonic()

    def controller(self, timeout=10.0):
        return testnet.Controller(self.control_port, self.cookie,
                                  timeout).authenticate()

    def wait_bootstrap(self, timeout=60):
        """Seconds from start() to bootstrap 100%."""
        deadline = time.monotonic() + timeout
        while True:
            if self.p.poll() is not None:
                raise RuntimeError("tor %s exited: %s" % (
                    self.name, testnet.tail(self.log)))
            try:
                with self.controller(3) as c:
                    prog, _ = c.bootstrap()
                    if prog >= 100:
                        return time.monotonic() - self.t_start
            except (OSError, testnet.TestnetError, testnet.ControlError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tor %s: no bootstrap in %d s: %s" % (
                    self.name, timeout, testnet.tail(self.log)))
            time.sleep(0.2)

    def stop(self):
        kill_pid(self.p, testnet.Network.STOP_GRACE)

    def kill(self):
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def restart(self, down_seconds=0.0):
        """Stop (SIGTERM, SIGKILL after 3 s), stay down, start again."""
        self.stop()
        time.sleep(down_seconds)
        self.restarts += 1
        self.start()


class SharedTor(object):
    """One of the network's own clients (never restarted by us)."""

    def __init__(self, net, client):
        n = net.node(client)
        self.net, self.name = net, client
        self.socks_port = n["socks_port"]
        self.control_port = n["control_port"]
        self.cookie = n["cookie"]

    def controller(self, timeout=10.0):
        return self.net.controller(self.name, timeout)

    def stop(self):
        pass


# ---------------------------------------------------------------------------
# onionfedd
# ---------------------------------------------------------------------------

class Gateway(object):
    """onionfedd for one server: writes its config, starts it, waits for
    its listeners, publishes its onion (E2E_ONION=testnet)."""

    def __init__(self, name, workdir, tor, server_name, mode, upstream_port,
                 onion_key, onion_ports=(8448,), clearnet=None,
                 allow_onion=None, clearnet_listen=None, tls=None,
                 resolver=None, policy=(), strace=False):
        self.name, self.tor, self.mode = name, tor, mode
        self.dir = os.path.join(workdir, "gw-" + name)
        os.makedirs(self.dir, exist_ok=True)
        self.key = onion_key
        self.key_file = os.path.join(self.dir, "onion.key")
        onion_key.save(self.key_file)
        self.onion = onion_key.address
        self.onion_ports = tuple(onion_ports)
        self.onion_listen = free_port()
        self.connect_port = free_port()
        self.wk_port = free_port() if 443 in self.onion_ports else None
        self.clearnet_port = clearnet_listen
        self.upstream_port = upstream_port
        self.conf = os.path.join(self.dir, "onionfed.conf")
        self.admin_sock = os.path.join(self.dir, "admin.sock")
        lines = ["[onionfed]", "mode = %s" % mode,
                 "server_name = %s" % server_name,
                 "state_dir = %s" % self.dir, "log_level = info", "",
                 "[tor]", "control = 127.0.0.1:%d" % tor.control_port,
                 "auth = auto",
                 "socks = 127.0.0.1:%d" % tor.socks_port,
                 "onion_key = %s" % self.key_file,
                 "onion_ports = %s" % ", ".join(map(str, self.onion_ports)),
                 "", "[inbound]",
                 "onion_listen = 127.0.0.1:%d" % self.onion_listen,
                 "upstream = http://127.0.0.1:%d" % upstream_port]
        if clearnet_listen:
            lines.append("clearnet_listen = 127.0.0.1:%d" % clearnet_listen)
        if tls:
            lines += ["tls_cert = %s" % tls[0], "tls_key = %s" % tls[1]]
        if self.wk_port:
            lines.append("well_known_listen = 127.0.0.1:%d" % self.wk_port)
        lines += ["", "[outbound]",
                  "connect_listen = 127.0.0.1:%d" % self.connect_port,
                  "socks_listen ="]
        if clearnet:
            lines.append("clearnet = %s" % clearnet)
        if resolver:
            lines.append("resolver = 127.0.0.1:%d" % resolver)
        lines += ["", "[policy]"]
        if allow_onion is not None:
            lines.append("allow_onion_peers = %s" %
                         ("yes" if allow_onion else "no"))
        lines += list(policy)
        lines += ["", "[health]", "probe_interval = 0", "",
                  "[admin]", "socket = %s" % self.admin_sock, ""]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))
        self.logpath = os.path.join(self.dir, "onionfedd.log")
        self.strace_out = os.path.join(self.dir, "strace") if strace \
            else None
        self.p = None
        self.onion_ctl = None
        self.exit_code = None
        self.start()

    def start(self):
        cmd = [ONIONFEDD, "-c", self.conf, "--log=stderr"]
        env = dict(os.environ)
        if self.strace_out:
            cmd = ["strace", "-f", "-qq", "-e",
                   "trace=connect,sendto,sendmsg", "-o", self.strace_out] \
                + cmd
            env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                                   ":detect_leaks=0").lstrip(":")
        log = open(self.logpath, "a")
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, env=env)
        log.close()
        self.pid = self.p.pid
        ports = [self.onion_listen, self.connect_port]
        if self.clearnet_port:
            ports.append(self.clearnet_port)
        deadline = time.monotonic() + 15
        while not all(listening(p) for p in ports):
            if self.p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("onionfedd %s did not start (rc %s):\n%s"
                                   % (self.name, self.p.poll(),
                                      self.logtail()))
            time.sleep(0.1)
        if self.strace_out:
            self.pid = self.traced_child(self.p.pid)

    def traced_child(self, pid):
        """The PID of strace's tracee (signals go to it, not strace). Only
        once onionfedd listens: strace forks short-lived probe children
        at startup, so "its first child" may be one of those."""
        path = "/proc/%d/task/%d/children" % (pid, pid)
        with open(path) as f:
            kids = [int(k) for k in f.read().split()]
        for k in kids:
            try:
                with open("/proc/%d/cmdline" % k, "rb") as f:
                    if self.conf.encode() in f.read():
                        return k
            except OSError:
                pass
        raise RuntimeError("no onionfedd among strace's children %r" % kids)

    def onion_mode(self):
        """'onionfedd' if it publishes its onion itself, else 'testnet'."""
        if ONION_MODE != "auto":
            return ONION_MODE
        return "onionfedd" if "onionfedd[onion]" in self.logtail(100000) \
            else "testnet"

    def publish(self, timeout=60):
        """Make the onion reachable; -> seconds until HS_DESC UPLOADED."""
        t0 = time.monotonic()
        if self.onion_mode() == "onionfedd":
            return self.wait_uploaded_by_onionfedd(timeout)
        if self.onion_ctl is not None:
            self.onion_ctl.close()
        c = self.tor.controller(timeout)
        try:
            c.setevents("HS_DESC")
            ports = " ".join(
                "Port=%d,127.0.0.1:%d" % (p, self.wk_port if p == 443
                                          else self.onion_listen)
                for p in self.onion_ports)
            r = c.command("ADD_ONION %s Flags=DiscardPK %s" % (
                self.key.blob, ports))
            sid = None
            for code, sep, text, data in r:
                if text.startswith("ServiceID="):
                    sid = text.split("=", 1)[1]
            if sid + ".onion" != self.onion:
                raise RuntimeError("tor made %s, expected %s" % (sid,
                                                                 self.onion))
            ev = c.wait_event(lambda e: e.type == "HS_DESC" and
                              len(e.args) > 2 and e.args[1] == "UPLOADED"
                              and e.args[2] == sid, timeout)
            if ev is None:
                raise RuntimeError("no HS_DESC UPLOADED for %s" % sid)
            c.setevents()
        except BaseException:
            c.close()
            raise
        self.onion_ctl = c          # the onion lives while this is open
        return time.monotonic() - t0

    def wait_uploaded_by_onionfedd(self, timeout):
        """onionfedd publishes: wait until tor has our service's
        descriptor (GETINFO hs/service/desc/id, whoever's controller made
        it) and an upload of it was seen, or the descriptor has been
        there for 3 s (uploaded before we watched)."""
        t0 = time.monotonic()
        sid = self.onion[:-len(".onion")]
        seen_upload, have_since = False, None
        with self.tor.controller(timeout) as c:
            c.setevents("HS_DESC")
            while time.monotonic() - t0 < timeout:
                ev = c.wait_event(lambda e: e.type == "HS_DESC" and
                                  len(e.args) > 2 and
                                  e.args[1] == "UPLOADED" and
                                  e.args[2] == sid, 0.5)
                seen_upload = seen_upload or ev is not None
                try:
                    c.getinfo("hs/service/desc/id/" + sid)
                    if have_since is None:
                        have_since = time.monotonic()
                except testnet.ControlError:
                    have_since = None
                if have_since is not None and (
                        seen_upload or time.monotonic() - have_since > 3):
                    return time.monotonic() - t0
        raise RuntimeError("onionfedd %s: %s not published in %d s" % (
            self.name, sid, timeout))

    def logtail(self, n=3000):
        try:
            with open(self.logpath) as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def ctl_status(self):
        """onionfedctl status (JSON) if it exists, else None."""
        ctl = os.path.join(top_builddir, "onionfedctl")
        if not os.path.exists(ctl):
            return None
        try:
            p = subprocess.run([ctl, "-s", self.admin_sock, "status"],
                               capture_output=True, text=True, timeout=10)
            return p.stdout if p.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired):
            return None

    def stop(self):
        if self.onion_ctl is not None:
            self.onion_ctl.close()
            self.onion_ctl = None
        if self.p is None or self.exit_code is not None:
            return
        if self.p.poll() is not None:
            self.exit_code = "exited by itself (%d)" % self.p.returncode
            return
        try:
            os.kill(self.pid, signal.SIGTERM)   # under strace: the tracee
        except ProcessLookupError:
            pass
        try:
            self.p.wait(12)
        except subprocess.TimeoutExpired:
            self.hung = self.proc_diag()
            print("e2e: onionfedd %s (pid %d) still running 12 s after "
                  "SIGTERM: %s" % (self.name, self.pid, self.hung))
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.kill()
            self.p.wait()
        self.exit_code = self.p.returncode

    def proc_diag(self):
        """State, pending/blocked/caught signals and wchan of the tracee."""
        out = []
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.split(":")[0] in ("State", "SigPnd", "ShdPnd",
                                              "SigBlk", "SigCgt",
                                              "TracerPid"):
                        out.append(line.strip().replace("\t", " "))
            with open("/proc/%d/wchan" % self.pid) as f:
                out.append("wchan " + f.read().strip())
        except OSError as e:
            out.append(str(e))
        return "; ".join(out)

    def strace_connects(self):
        """[(port or -1, line)] of every connect/sendto/sendmsg to an
        AF_INET(6) address in the strace log."""
        out = []
        if not self.strace_out or not os.path.exists(self.strace_out):
            return out
        with open(self.strace_out) as f:
            for line in f:
                if "connect(" in line or "sendto(" in line or \
                        "sendmsg(" in line:
                    m = re.search(r"sin6?_port=htons\((\d+)\)", line)
                    if m:
                        out.append((int(m.group(1)), line.strip()))
                    elif "AF_INET" in line:
                        out.append((-1, line.strip()))
        return out


class Server(object):
    """One federating server: tesths behind onionfedd, with its tor."""

    def __init__(self, label, workdir, tor, mode, server_name=None,
                 onion_ports=(8448,), clearnet=None, allow_onion=None,
                 clearnet_port=None, tls=None, ca_file=None, resolver=None,
                 policy=(), strace=False, hs_extra=()):
        self.label, self.tor = label, tor
        self.key = hslib.OnionKey()
        self.name = server_name or self.key.address
        self.hs_port = free_port()
        self.gw = None
        self.hs = None
        try:
            self.gw = Gateway(label, workdir, tor, self.name, mode,
                              self.hs_port, self.key, onion_ports,
                              clearnet, allow_onion, clearnet_port, tls,
                              resolver, policy, strace)
            self.hs = hslib.HS(self.name, os.path.join(workdir, "hs-" + label),
                               proxy="http://127.0.0.1:%d" %
                               self.gw.connect_port, ca_file=ca_file,
                               listen="127.0.0.1:%d" % self.hs_port,
                               extra=["--backoff-base", "0.5",
                                      "--backoff-max", "4",
                                      "--timeout", "30",
                                      "--wk-fail-cache", "3600"] +
                               list(hs_extra), strace=strace)
        except BaseException:
            self.stop()
            raise

    @property
    def onion(self):
        return self.key.address

    def stop(self):
        if self.hs:
            self.hs.stop()
        if self.gw:
            self.gw.stop()


def stop_all(servers):
    """Homeservers first (their pooled tunnels close), then gateways, so
    each onionfedd drains at once."""
    for s in servers:
        if s.hs:
            s.hs.stop()
    for s in servers:
        if s.gw:
            s.gw.stop()


def check_clean_exit(res, servers):
    """Every onionfedd stopped on SIGTERM with status 0 (under ASan a
    leak or an error would make it non-zero)."""
    codes = dict((s.label, s.gw.exit_code) for s in servers if s.gw)
    res.check("every onionfedd stopped cleanly on SIGTERM (exit 0): %s" %
              ", ".join(sorted(codes)), all(c == 0 for c in codes.values()),
              repr(codes))


def strace_lines(path):
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if "connect(" in line or "sendto(" in line or "sendmsg(" in line:
                m = re.search(r"sin6?_port=htons\((\d+)\)", line)
                if m:
                    out.append((int(m.group(1)), line.strip()))
                elif "AF_INET" in line:
                    out.append((-1, line.strip()))
    return out


def workdir(name):
    base = os.path.join(top_builddir, "e2e-work")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)


def keep_or_remove(d, failed):
    if failed or os.environ.get("E2E_KEEP"):
        print("e2e: work directory kept: %s" % d)
    else:
        shutil.rmtree(d, ignore_errors=True)
