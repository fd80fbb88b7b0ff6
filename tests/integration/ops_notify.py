#!/usr/bin/python3
# ops_notify.py - a stand-in for systemd's notification socket, used by
# tests/integration/ops_daemon.
#
#   ops_notify.py SOCKET LOG
#       Bind an AF_UNIX datagram socket at SOCKET (mode 0666, so the
#       service user can send), then append every datagram to LOG as one
#       line per assignment: "<monotonic seconds> KEY=VALUE". Runs until
#       killed; at most 100000 datagrams of at most 4096 bytes (bounded).
import os
import socket
import sys
import time


def main():
    path, log = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(log, "a", buffering=1) as out:
        out.write("%.3f LISTENING=1\n" % time.monotonic())
        for _ in range(100000):
            data = s.recv(4096)
            now = time.monotonic()
            for line in data.decode("utf-8", "replace").splitlines():
                if line:
                    out.write("%.3f %s\n" % (now, line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
