"""From an officer's call-next to the moment every connected screen has `ticket.called`.

Starts `xephang run` (gevent) on a fresh demo database, the floor app (bench/bare_broadcast.py: a
bare Flask-SocketIO app on the same stack broadcasting the same payload from an HTTP POST) and one
client process (bench/fanout_clients.py) holding N websocket Socket.IO clients on each server, all
connected as the lobby display. For each size it rotates calls over the servers (xephang, any
--variant copies of the server, the floor), awaiting each fan-out before the next call, and prints
p50/p99 of
  - "all screens": per call, the latest arrival over the clients,
  - "per screen": every client's arrival,
  - the request itself (the officer's POST call-next; the floor's POST /emit).
Stamps are time.monotonic() (CLOCK_MONOTONIC, system-wide on Linux) in the driver and the client
process, from just before the POST. 127.0.0.1 only; bounded by --deadline.
Run: .venv/bin/python bench/bench_fanout.py            (about 40 s on 2 idle cores)
     .venv/bin/python bench/bench_fanout.py --quick    (20 and 50 screens, 20 calls: a check)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PASSWORD = "bench-fanout-pass"
HOST = "127.0.0.1"


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (over 200 calls, p99 is the third slowest)."""
    s = sorted(values)
    return s[max(0, math.ceil(p * len(s)) - 1)]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    """Wait until url answers 200 (polling a starting process: there is no event to await)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not start:\n{log.read_text()[-3000:]}")


class Clients:
    """The client process, spoken to one JSON line at a time."""

    def __init__(self, log: Path, kind: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(BENCH / "fanout_clients.py"), kind],
                                     cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "ab"), text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def ask(self, timeout: float, **cmd: Any) -> dict[str, Any]:
        """Send one command and wait for its answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"client process did not answer {cmd['op']} in {timeout}s") from None
        if not line:
            raise RuntimeError("client process exited")
        answer: dict[str, Any] = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"client process: {answer}")
        return answer

    def close(self) -> None:
        """Ask the process to disconnect its clients and exit; kill it if it does not."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


@dataclass
class Series:
    """What one server did at one client count."""

    all_screens: list[float] = field(default_factory=list)  # ms, per call: the last screen
    per_screen: list[float] = field(default_factory=list)   # ms, every screen of every call
    request: list[float] = field(default_factory=list)      # ms, the POST itself


class Xephang:
    """The real server, an officer on one counter, and its waiting tickets."""

    settle = True  # await the lobby's counter.changed too, so no fan-out spills into the next call

    async_mode = "gevent"  # set from --async-mode

    def __init__(self, tmp: Path, counter: int, name: str = "xephang", root: Path = ROOT) -> None:
        self.name, self.port, self.counter = name, free_port(), counter
        self.url = f"http://{HOST}:{self.port}"
        self.log = tmp / f"{name}.log"
        (tmp / name).mkdir()
        env = dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "run", "--db", str(tmp / name / "x.db"),
             "--port", str(self.port), "--async-mode", self.async_mode], cwd=root, env=env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/api/v1/site", self.proc, self.log)
        devices = (tmp / name / "demo-devices.txt").read_text(encoding="utf-8").splitlines()[1:]
        self.token = next(line.split("\t")[4] for line in devices
                                if line.split("\t")[0] == "board-lobby")
        self.http = requests.Session()
        self.http.trust_env = False  # 127.0.0.1 directly, never through a proxy
        r = self.http.post(f"{self.url}/api/v1/auth/login",
                           json={"username": f"canbo{counter}", "password": PASSWORD})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def prepare(self, tickets: int) -> None:
        """Open the counter and issue enough tickets for every call (before any screen connects)."""
        r = self.http.get(f"{self.url}/api/v1/counters/{self.counter}")
        r.raise_for_status()
        service = r.json()["counter"]["services"][0]
        r = self.http.post(f"{self.url}/api/v1/counters/{self.counter}/open", json={})
        r.raise_for_status()
        for _ in range(tickets):
            r = self.http.post(f"{self.url}/api/v1/tickets", json={"service": service})
            if r.status_code != 201:
                raise RuntimeError(f"issue failed: {r.status_code} {r.text}")

    def fire(self, payload: dict[str, Any] | None = None) -> tuple[str, float, float]:
        """POST call-next; the number called (what screens know a call by: they get no ticket
        id), the stamp before sending, the request's ms."""
        t0 = time.monotonic()
        r = self.http.post(f"{self.url}/api/v1/counters/{self.counter}/call-next", json={})
        ms = (time.monotonic() - t0) * 1000
        r.raise_for_status()
        ticket = r.json()["ticket"]
        if ticket is None:
            raise RuntimeError("no ticket left to call")
        return str(ticket["number"]), t0, ms

    def stop(self) -> None:
        """Stop the server."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Floor:
    """The bare Flask-SocketIO app."""

    name, token, settle = "floor", "-", False

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = tmp / "floor.log"
        self.proc = subprocess.Popen([sys.executable, str(BENCH / "bare_broadcast.py"),
                                      "--port", str(self.port)], cwd=ROOT,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/health", self.proc, self.log)
        self.http = requests.Session()
        self.http.trust_env = False
        # the client process keeps each server's events apart, so the floor's copies may reuse
        # the real numbers' keys: short ones, so that the payload keeps the real one's size
        self.next_key = 0

    def fire(self, payload: dict[str, Any] | None = None) -> tuple[str, float, float]:
        """POST a copy of payload under a fresh number; that number, the stamp, the request's ms."""
        assert payload is not None
        self.next_key += 1
        key = f"{self.next_key:04d}"
        body = dict(payload, number=key)
        t0 = time.monotonic()
        r = self.http.post(f"{self.url}/emit", json=body)
        ms = (time.monotonic() - t0) * 1000
        r.raise_for_status()
        return key, t0, ms

    def stop(self) -> None:
        """Stop the floor app."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def record(series: Series, answer: dict[str, Any], t0: float, request_ms: float) -> None:
    """Add one call's arrivals to a series."""
    lat = [(t - t0) * 1000 for t in answer["times"]]
    series.all_screens.append(max(lat))
    series.per_screen.extend(lat)
    series.request.append(request_ms)


def fmt(values: list[float]) -> str:
    """p50 / p99 in ms."""
    return f"{pct(values, 0.5):7.1f} {pct(values, 0.99):7.1f}" if values else "      -       -"


def main() -> int:
    """Run the benchmark and print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="50,200,500,1000", help="client counts (ascending)")
    p.add_argument("--calls", type=int, default=200, help="measured calls per size and server")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured calls per size and server")
    p.add_argument("--counter", type=int, default=2, help="the officer's counter (canbo<N>)")
    p.add_argument("--deadline", type=float, default=480, help="give up after this many seconds")
    p.add_argument("--client", choices=("raw", "sio"), default="raw",
                   help="raw: Engine.IO/Socket.IO spoken directly over aiohttp (lean); "
                        "sio: python-socketio AsyncClient")
    p.add_argument("--async-mode", choices=("gevent", "threading"), default="gevent",
                   help="xephang's Socket.IO async mode (the floor stays on gevent)")
    p.add_argument("--quick", action="store_true",
                   help="a short run: 20 and 50 screens, 20 calls each (checks the bench works)")
    p.add_argument("--json", type=Path, help="also write every call's numbers to this file")
    p.add_argument("--variant", type=Path, action="append", default=[], metavar="TREE",
                   help="also run `server.cli` from this changed copy of the repo, in the same run "
                        "(repeatable; named after the folder)")
    args = p.parse_args()
    Xephang.async_mode = args.async_mode
    if args.quick:
        args.sizes, args.calls, args.warmup = "20,50", 20, 2
    sizes = sorted(int(s) for s in args.sizes.split(","))
    started = time.monotonic()
    load_before = os.getloadavg()
    results: dict[int, dict[str, Series]] = {}
    notes: list[str] = []
    payload: dict[str, Any] | None = None
    sizes_bytes: dict[str, int] = {}
    names = ["xephang", *(v.resolve().name[:12] for v in args.variant), "floor"]

    def left() -> float:
        return args.deadline - (time.monotonic() - started)

    with tempfile.TemporaryDirectory(prefix="xephang-fanout-") as d:
        tmp = Path(d)
        servers: list[Xephang | Floor] = []
        clients = None
        try:
            tickets = len(sizes) * (args.calls + args.warmup) + 2
            for name, root in zip(names, [ROOT, *(v.resolve() for v in args.variant)]):
                server = Xephang(tmp, args.counter, name, root)
                servers.append(server)
                server.prepare(tickets)
            servers.append(Floor(tmp))
            clients = Clients(tmp / "clients.log", args.client)
            connected = 0
            for size in sizes:
                if left() < 20:
                    notes.append(f"stopped before {size} clients: deadline")
                    break
                for s in servers:
                    a = clients.ask(timeout=max(5.0, left()), op="connect", target=s.name,
                                    url=s.url, token=s.token, n=size - connected)
                    notes.append(f"{size} clients: connecting {size - connected} more to {s.name} "
                                 f"took {a['seconds']:.1f}s")
                connected = size
                results[size] = {s.name: Series() for s in servers}
                load_at = os.getloadavg()[0]
                for i in range(args.warmup + args.calls):
                    if left() < 5:
                        notes.append(f"{size} clients: stopped after {i} calls: deadline")
                        break
                    # rotate which server goes first, so none always follows another
                    for s in servers[i % len(servers):] + servers[:i % len(servers)]:
                        if payload is None and isinstance(s, Floor):
                            continue  # the floor copies the first real payload
                        key, t0, ms = s.fire(payload)
                        a = clients.ask(timeout=35, op="expect", target=s.name, key=key,
                                        timeout_s=25, settle=s.settle)
                        payload = payload or a["payload"]
                        sizes_bytes[s.name] = a["bytes"]
                        if a["duplicates"] or a["disconnects"]:
                            raise RuntimeError(f"{s.name}: {a['duplicates']} duplicate events, "
                                               f"{a['disconnects']} disconnects")
                        if i >= args.warmup:
                            record(results[size][s.name], a, t0, ms)
                notes.append(f"{size} clients: load average {load_at:.2f} at start of the calls")
        except Exception as exc:  # print what was measured, then the reason it stopped
            notes.append(f"stopped early: {type(exc).__name__}: {exc}")
        finally:
            if clients:
                clients.close()
            for s in servers:
                s.stop()

    print(f"\nFan-out of ticket.called to N lobby screens, ms (nearest-rank percentiles: "
          f"all screens over {args.calls} calls, per screen over {args.calls} x N arrivals)")
    print(f"{'N':>5} {'server':<12} | {'all screens':^15} | {'per screen':^15} | {'request':^15} |"
          f" all screens / floor")
    pair = f"{'p50':>7} {'p99':>7}"
    print(f"{'':>5} {'':<12} | {pair} | {pair} | {pair} | {pair}")
    for size, by in results.items():
        f = by["floor"]
        for name, x in by.items():
            ratio = ""
            if name != "floor" and x.all_screens and f.all_screens:
                ratio = (f"  {pct(x.all_screens, .5) / pct(f.all_screens, .5):5.2f}x "
                         f"{pct(x.all_screens, .99) / pct(f.all_screens, .99):6.2f}x")
            print(f"{size if name == names[0] else '':>5} {name:<12} | {fmt(x.all_screens)} | "
                  f"{fmt(x.per_screen)} | {fmt(x.request)} |{ratio}")
    load_after = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(
            {str(size): {name: {"all_screens": x.all_screens, "request": x.request}
                         for name, x in by.items()} for size, by in results.items()}))
    print()
    for n in notes:
        print(f"  {n}")
    print(f"  ticket.called payload: " + ", ".join(f"{k} {v} bytes" for k, v in sizes_bytes.items())
          + " (the floor's is a copy of xephang's); each xephang call also sends queue.changed "
          "and counter.changed to the lobby, awaited before the next call")
    print("  request = officer's POST call-next (xephang) / POST /emit (floor), keep-alive; "
          "all screens = per call, the last screen's arrival; times from just before the POST")
    for v in args.variant:
        print(f"  variant {v.resolve().name[:12]}: server/ from {v.resolve()}")
    print(f"  load average (1/5/15 min): before {'/'.join(f'{v:.2f}' for v in load_before)}, "
          f"after {'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores; "
          f"{time.monotonic() - started:.0f}s total")
    print(f"  versions: flask-socketio {version('flask-socketio')}, python-socketio "
          f"{version('python-socketio')}, python-engineio {version('python-engineio')}, gevent "
          f"{version('gevent')}, gevent-websocket {version('gevent-websocket')}, aiohttp "
          f"{version('aiohttp')} (clients: one process, "
          f"{'raw Engine.IO 4' if args.client == 'raw' else 'python-socketio AsyncClient'}, "
          f"websocket)")
    print(f"  command: {shlex.join([os.path.relpath(sys.executable, ROOT), *sys.argv])}")
    return 0 if results and not any(n.startswith("stopped") for n in notes) else 1


if __name__ == "__main__":
    sys.exit(main())
