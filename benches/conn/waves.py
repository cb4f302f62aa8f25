#!/usr/bin/env python3
"""Server memory across waves of half-sent connections (issue 11, item 5).

Starts the imserver binary on a fresh SQLite file and a free loopback port, then runs --waves
waves: each opens --conns connections, sends on each the start of a request head (never its
end), holds them --hold seconds, closes them all and waits --settle seconds. It prints the
server's VmRSS (from /proc/PID/status) before the first wave, at the fullest point of each wave
and after each wave has closed, and how many connections the server itself had closed by the end
of the hold (the header timeout counts from each connection's opening: with --hold longer than
it, all of them should be). Loopback only, bounded
(every step has a time limit), and it stops the server at the end. Python standard library only.

    benches/conn/waves.py --bin $CARGO_TARGET_DIR/release/imserver --conns 9000 --waves 5

Any IMSERVER_* variable in the environment reaches the server (e.g. IMSERVER_HEADER_TIMEOUT_SECS).
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, proc, limit=30.0):
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("server did not become ready")


def closed_by_server(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def wave(port, conns, hold, pid):
    socks, peak = [], 0
    head = b"POST /user/register/v2 HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
    started = time.time()
    deadline = started + 60
    for _ in range(conns):
        if time.time() > deadline:
            break
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(head)
        socks.append(s)
    opening = time.time() - started
    end = time.time() + hold
    while time.time() < end:
        peak = max(peak, rss_kib(pid))
        time.sleep(0.25)
    closed = sum(closed_by_server(s) for s in socks)
    for s in socks:
        s.close()
    return len(socks), opening, peak, closed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "imserver"))
    ap.add_argument("--conns", type=int, default=9000)
    ap.add_argument("--waves", type=int, default=5)
    ap.add_argument("--hold", type=float, default=5.0, help="seconds each wave is held open")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after closing a wave before measuring")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.conns * 2 + 256) if hard != resource.RLIM_INFINITY else args.conns * 2 + 256
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    if args.conns + 64 > resource.getrlimit(resource.RLIMIT_NOFILE)[0]:
        sys.exit(f"open-file limit too low for {args.conns} connections")

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, IMSERVER_LISTEN=f"127.0.0.1:{port}", IMSERVER_LOG="warn",
                   IMSERVER_DATABASE_URL=f"sqlite://{tmp}/waves.db?mode=rwc")
        proc = subprocess.Popen([args.bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, proc)
            for _ in range(50):
                urllib.request.urlopen(url + "/health", timeout=5).read()
            time.sleep(1)
            print(f"connections per wave: {args.conns}, hold {args.hold} s, settle {args.settle} s")
            print(f"VmRSS before: {rss_kib(proc.pid) / 1024:.1f} MB")
            for n in range(1, args.waves + 1):
                opened, opening, peak, closed = wave(port, args.conns, args.hold, proc.pid)
                time.sleep(args.settle)
                after = rss_kib(proc.pid)
                print(f"wave {n}: {opened} opened in {opening:.1f} s, {closed} closed by the server by the end of the hold; "
                      f"VmRSS during {peak / 1024:.1f} MB, after {after / 1024:.1f} MB")
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                assert r.status == 200, "server unhealthy after the waves"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
