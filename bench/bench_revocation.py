"""How fast a revocation closes live sockets, and what malformed requests cost in the log.

    .venv/bin/python bench/bench_revocation.py [--rounds 10] [--malformed 200]

Starts `xephang run` (gevent) on a fresh database, then:
- revocation: connects an officer's socket, runs `xephang user add` (a new password) in another
  process and measures from the command's exit to the socket's disconnect (median, max);
- malformed: sends N malformed requests (deep JSON, a lone surrogate, an integer past 2^63, a wrong
  type) and prints the bytes the server's log grew by and whether any traceback was written.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--malformed", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xephang-bench-rev-") as d:
        db, port = Path(d) / "xephang.db", free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD)
        log = Path(d) / "server.log"
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "run", "--db", str(db),
                                 "--port", str(port)], cwd=ROOT, env=env,
                                stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    if requests.get(f"{url}/api/v1/site", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.05)
            delays = []
            for i in range(args.rounds):
                pw = f"{PASSWORD}-{i}" if i else PASSWORD
                token = requests.post(f"{url}/api/v1/auth/login", timeout=10,
                                      json={"username": "canbo40", "password": pw}).json()["token"]
                closed = threading.Event()
                client = socketio.Client(reconnection=False)
                client.on("disconnect", lambda *_: closed.set())
                client.connect(url, auth={"token": token}, transports=["websocket"])
                subprocess.run([sys.executable, "-m", "server.cli", "user", "add", "canbo40", "--role",
                                "officer", "--counters", "40", "--password-stdin", "--db", str(db)],
                               cwd=ROOT, input=f"{PASSWORD}-{i + 1}\n", text=True, check=True,
                               capture_output=True)
                done = time.monotonic()
                assert closed.wait(30)
                delays.append((time.monotonic() - done) * 1000)
            print(f"revocation → socket closed: median {statistics.median(delays):.0f} ms, "
                  f"max {max(delays):.0f} ms over {len(delays)} rounds (watch polls every 1 s)")
            kiosk = [ln.split("\t")[4] for ln in (Path(d) / "demo-devices.txt").read_text().splitlines()
                     if ln.startswith("kiosk-A1\t")][0]
            headers = {"Authorization": f"Bearer {kiosk}", "Content-Type": "application/json"}
            bodies = ["[" * 50_000 + "]" * 50_000, '{"service": "\\ud800"}',
                      '{"service": "TP-LLTP", "request_id": 99999999999999999999999}']
            before = log.stat().st_size
            start = time.monotonic()
            codes = set()
            with requests.Session() as http:
                for i in range(args.malformed):
                    if i % 4 == 3:
                        r = http.post(f"{url}/api/v1/printers/status", data='{"status": []}',
                                      headers=headers, timeout=10)
                    else:
                        r = http.post(f"{url}/api/v1/tickets", data=bodies[i % 4], headers=headers,
                                      timeout=10)
                    codes.add(r.status_code)
            took = time.monotonic() - start
            grown = log.read_bytes()[before:]
            print(f"{args.malformed} malformed requests in {took:.1f} s: statuses {sorted(codes)}, "
                  f"log grew {len(grown)} bytes, {grown.count(b'Traceback')} tracebacks")
        finally:
            proc.terminate()
            proc.wait(15)


if __name__ == "__main__":
    main()
