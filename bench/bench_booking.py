"""1,000 citizens booking the same appointment slot at once: the slot is never overbooked, and how
long each booking answers (median, p99).

Starts `xephang run` (gevent) on a fresh demo database whose per-address limit is raised (every
client here is 127.0.0.1), makes 1,000 verified phones with a citizen token each straight in the
store, then fires POST /api/v1/public/bookings for one slot over 250 connections at once, all
released together (each connection: its first request opens it, the next ones keep it alive).

The client costs little (`--client asyncio`, the default): 2 processes of asyncio with raw sockets
and requests built before the start, so the server has the 2 cores to itself as far as possible.
`--client threads` is the earlier client: 10 processes x 25 threads of `requests` (it used more CPU
than the server). `--servers N` starts N server processes on one database file, each on its own
port with the Redis message queue (issue 9's deployment: deploy/xephang-city@.service behind
deploy/nginx-city.conf, which spreads clients over the processes by address); the client spreads its
connections over the ports the way that hash spreads many phones. Prints the servers' CPU per
request (from /proc) and, with `--profile FILE` (one server), where its time goes (cProfile).
`--nginx`: the client goes through nginx (Debian package) configured with deploy/nginx-city.conf,
each connection from its own 127.0.x.y address (one phone each) so its hash by address spreads
them over the processes. `--floor`: the same burst against the same gevent server running an
application that does nothing (what the machine and its load allow at best).
`--spread SECONDS` (asyncio client, also with `--floor`): not back to back but as citizens' phones
really arrive — each of the 1,000 on its own new connection, opened at a time drawn from Poisson
arrivals over SECONDS (seeded: `--seed N`, default 1), each booking's latency counted from the
moment it was due to start (so a late client counts against the result, not for it).
Run: `.venv/bin/python bench/bench_booking.py [--client asyncio|threads] [--servers N] [--nginx]
[--spread SECONDS [--seed N]] [--profile /tmp/booking.prof] | --floor [--spread SECONDS]`
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_issue_call import pct  # noqa: E402

CITIZENS, PROCESSES, THREADS = 1000, 10, 25  # --client threads
ASYNC_PROCESSES, CONNECTIONS = 2, 250  # --client asyncio: 250 in flight, as above
SERVICE, START = "TP-LLTP", "08:00"


def make_citizens(db: Path, n: int) -> list[str]:
    """n verified phones and their citizen tokens, written the way /verify/confirm writes them."""
    import secrets

    from server.services.citizens import TOKEN_PREFIX, _token_hash
    from server.services.context import now_local, stamp
    from server.services.phone_vault import vault_for
    from server.store import Database
    from server.store import citizens as rows
    database = Database(db)
    vault = vault_for(database)  # the key file the server made beside the database
    tokens = []
    with database.write() as conn:
        for i in range(n):
            phone = f"+849{i:08d}"
            h = vault.lookup(phone)
            rows.save_phone(conn, h, vault.seal(phone), stamp(now_local()))
            token = TOKEN_PREFIX + secrets.token_urlsafe(24)
            rows.add_token(conn, _token_hash(token), h, "9999-12-31")
            tokens.append(token)
    database.close()
    return tokens


def client(url: str, tokens: list[str], day: str, barrier: mp.synchronize.Barrier,
           out: mp.Queue) -> None:
    local = __import__("threading").local()

    def one(token: str) -> tuple[int, str, float, bool]:
        fresh = not hasattr(local, "s")  # this thread's first request opens its connection
        if fresh:
            local.s = requests.Session()
        t0 = time.perf_counter()
        r = local.s.post(f"{url}/api/v1/public/bookings",
                         json={"service": SERVICE, "date": day, "start": START},
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
        code = "ok" if r.status_code == 201 else r.json()["error"]["code"]
        return r.status_code, code, time.perf_counter() - t0, fresh

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda _: None, range(THREADS)))  # threads up before the start
        barrier.wait()
        out.put(list(pool.map(one, tokens)))


def booking_request(port: int, token: str, day: str) -> bytes:
    """The raw HTTP/1.1 request of one booking (built before the burst)."""
    body = json.dumps({"service": SERVICE, "date": day, "start": START}).encode()
    return (f"POST /api/v1/public/bookings HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


CONNECTED: list[float] = []  # this client process's connect times (s)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    at = head.lower().find(b"\r\ncontent-length:")
    length = int(head[at + 17:head.index(b"\r\n", at + 2)]) if at >= 0 else 0
    return int(head[9:12]), await reader.readexactly(length)


async def _one_connection(port: int, requests_: list[bytes],
                          source: str | None = None) -> list[tuple[int, bytes, float, bool]]:
    """Send the requests one after another on one connection (opened by the first, from the
    address `source` when given: one phone each)."""
    out = []
    writer = None
    for request in requests_:
        t0 = time.perf_counter()
        if writer is None:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(source, 0) if source else None)
            fresh = True
            CONNECTED.append(time.perf_counter() - t0)
        status, body = await _exchange(reader, writer, request)
        out.append((status, body, time.perf_counter() - t0, fresh))
        fresh = False
    if writer is not None:
        writer.close()
    return out


def async_client(work: list[tuple[int, list[bytes], str | None]],
                 barrier: mp.synchronize.Barrier, out: mp.Queue) -> None:
    """One client process: its connections (port, requests, source address) all at once."""
    async def burst() -> list[tuple[int, bytes, float, bool]]:
        parts = await asyncio.gather(*(_one_connection(port, reqs, source)
                                       for port, reqs, source in work))
        return [r for part in parts for r in part]
    barrier.wait()
    done = asyncio.run(burst())
    if CONNECTED:
        print(f"  (client {__import__('os').getpid()}: connect median "
              f"{statistics.median(CONNECTED) * 1000:.1f} ms, max {max(CONNECTED) * 1000:.1f} ms)")
    out.put([(status, "ok" if status == 201 else json.loads(body)["error"]["code"], dt, fresh)
              for status, body, dt, fresh in done])


def arrivals(n: int, seconds: float, seed: int) -> list[float]:
    """n Poisson arrival times over [0, seconds) (given n arrivals, they are n sorted uniform
    draws), seeded so runs compare."""
    import random
    rng = random.Random(seed)
    return sorted(rng.uniform(0, seconds) for _ in range(n))


async def _one_phone(port: int, request: bytes, due: float, source: str | None,
                     late: list[float]) -> tuple[int, bytes, float, bool]:
    """One citizen: at `due` (loop time) open a new connection, book, close; seconds from `due`."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, due - loop.time()))
    late.append(loop.time() - due)  # how late this client started it (counted in the latency)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, local_addr=(source, 0) if source else None)
    status, body = await _exchange(reader, writer, request)
    writer.close()
    return status, body, loop.time() - due, True


def spread_client(work: list[tuple[float, int, bytes, str | None]],
                  barrier: mp.synchronize.Barrier, out: mp.Queue) -> None:
    """One client process: its citizens (offset s, port, request, source), each at its time."""
    late: list[float] = []

    async def arrive() -> list[tuple[int, bytes, float, bool]]:
        start = asyncio.get_running_loop().time() + 0.05
        return list(await asyncio.gather(*(_one_phone(port, req, start + at, source, late)
                                           for at, port, req, source in work)))
    barrier.wait()
    done = asyncio.run(arrive())
    print(f"  (client {__import__('os').getpid()}: started its {len(late)} bookings late by median "
          f"{statistics.median(late) * 1000:.1f} ms, max {max(late) * 1000:.1f} ms)")
    out.put([(status, "ok" if status == 201 else json.loads(body)["error"]["code"], dt, fresh)
             for status, body, dt, fresh in done])


def one_at_a_time(port: int, tokens: list[str], day: str) -> list[float]:
    """The same request, one after another on one kept-alive connection (ms each)."""
    async def run() -> list[float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        lat = []
        for token in tokens:
            t0 = time.perf_counter()
            await _exchange(reader, writer, booking_request(port, token, day))
            lat.append((time.perf_counter() - t0) * 1000)
        writer.close()
        return lat
    return asyncio.run(run())


def _arg(name: str, default: str | None) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds the processes have used (Linux /proc)."""
    import os
    user = system = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user += int(fields[11]) / os.sysconf("SC_CLK_TCK")
        system += int(fields[12]) / os.sysconf("SC_CLK_TCK")
    return user, system


def burst(mode: str, ports: list[int], tokens: list[str], day: str,
          own_addresses: bool = False, spread: float | None = None,
          seed: int = 1) -> list[tuple[Any, ...]]:
    """Fire every booking at once (or, with `spread`, at Poisson arrival times over that many
    seconds, a new connection each) from the chosen client; (status, code, seconds, first) each."""
    out: mp.Queue = mp.Queue()
    if spread is not None:  # citizen i: port i % len(ports), from its own address with --nginx
        work = [(at, ports[i % len(ports)], booking_request(ports[i % len(ports)], t, day),
                 f"127.0.{1 + i // 250}.{1 + i % 250}" if own_addresses else None)
                for i, (at, t) in enumerate(zip(arrivals(len(tokens), spread, seed), tokens))]
        barrier = mp.Barrier(ASYNC_PROCESSES)
        procs = [mp.Process(target=spread_client, args=(work[i::ASYNC_PROCESSES], barrier, out))
                 for i in range(ASYNC_PROCESSES)]
    elif mode == "threads":
        url = f"http://127.0.0.1:{ports[0]}"
        barrier = mp.Barrier(PROCESSES)
        procs = [mp.Process(target=client, args=(url, tokens[i::PROCESSES], day, barrier, out))
                 for i in range(PROCESSES)]
    else:  # connection c goes to port c % len(ports); its requests are every CONNECTIONS-th token
        conns = [(ports[c % len(ports)], [booking_request(ports[c % len(ports)], t, day)
                                          for t in tokens[c::CONNECTIONS]],
                  f"127.0.{1 + c // 250}.{1 + c % 250}" if own_addresses else None)
                 for c in range(CONNECTIONS)]
        barrier = mp.Barrier(ASYNC_PROCESSES)
        procs = [mp.Process(target=async_client, args=(conns[i::ASYNC_PROCESSES], barrier, out))
                 for i in range(ASYNC_PROCESSES)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=600)]
    for p in procs:
        p.join()
    return results


def floor(spread: float | None = None, seed: int = 1) -> None:
    """The same burst against `xephang run`'s gevent server (serve_gevent: same listener, limits
    and handler) with an application that does nothing: what this machine, its load and the
    connection handling alone give."""
    import subprocess
    from bench.bench_stall import cpu_seconds
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "floor_server.py"), str(port)],
                            cwd=ROOT)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        tokens = [f"cz-{i:032d}" for i in range(CITIZENS)]
        load0 = __import__("os").getloadavg()[0]
        cpu0 = cpu_seconds(proc.pid)
        results = burst("asyncio", [port], tokens, "2026-12-03", spread=spread, seed=seed)
        cpu = cpu_seconds(proc.pid) - cpu0
    finally:
        proc.kill()
        proc.wait()
    first = [r[2] * 1000 for r in results if r[3]]
    kept = [r[2] * 1000 for r in results if not r[3]]
    lat = first + kept
    print("command: .venv/bin/python bench/bench_booking.py " + " ".join(sys.argv[1:]))
    load = f"load average {load0:.1f} before, {__import__('os').getloadavg()[0]:.1f} after"
    if spread is not None:
        print(f"floor (an app that does nothing, same server and client), {len(lat)} phones over "
              f"{spread:g} s (Poisson, seed {seed}), a new connection each: median "
              f"{statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, max {max(lat):.1f} "
              f"ms; server CPU {cpu * 1000 / len(results):.2f} ms a request ({load})")
        return
    print(f"floor (an app that does nothing, same server and client): median "
          f"{statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms; new connection median "
          f"{statistics.median(first):.1f} ms, p99 {pct(first, 0.99):.1f} ms; kept-alive median "
          f"{statistics.median(kept):.1f} ms, p99 {pct(kept, 0.99):.1f} ms; server CPU "
          f"{cpu * 1000 / len(results):.2f} ms a request ({load})")


@contextmanager
def nginx_front(tmp: Path, ports: list[int]) -> Iterator[tuple[int, int]]:
    """nginx (Debian package) in front of the server processes with deploy/nginx-city.conf, its
    upstream pointed at `ports` and its listener at a free port; yields (port, master pid)."""
    import re
    import shutil
    import subprocess
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = _free_port()
    conf = (ROOT / "deploy" / "nginx-city.conf").read_text(encoding="utf-8")
    conf = re.sub(r"(?m)^\s*server 127\.0\.0\.1:\d+ .*\n", "", conf)
    conf = conf.replace("    hash $remote_addr consistent;\n", "    hash $remote_addr consistent;\n" + "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in ports))
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port} backlog=4096;")
    temp = "".join(f"{kind}_temp_path {tmp}/nginx-{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"daemon off;\nworker_processes auto;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx.log;\n"
        f"events {{ worker_connections 4096; }}\nhttp {{\naccess_log off;\n{temp}{conf}\n}}\n",
        encoding="utf-8")
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    spread = float(_arg("--spread", "0") or 0) if "--spread" in sys.argv else None
    seed = int(_arg("--seed", "1") or 1)
    if "--floor" in sys.argv:
        floor(spread, seed)
        return
    profile = _arg("--profile", None)
    mode = _arg("--client", "asyncio")
    servers = int(_arg("--servers", "1") or 1)
    front = "--nginx" in sys.argv
    assert mode in ("asyncio", "threads") and servers >= 1 and not (profile and servers > 1)
    assert not (front and mode == "threads") and not (spread is not None and mode == "threads")
    load0 = __import__("os").getloadavg()[0]  # the others' load, before this bench adds its own
    from contextlib import ExitStack

    from tests.support.redis_server import redis_server
    ports = [_free_port() for _ in range(servers)]
    day = date.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with tempfile.TemporaryDirectory() as d, ExitStack() as stack:
        tmp = Path(d)
        site = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
        site = site.replace("daily_per_phone = 2", "daily_per_phone = 2\npublic_per_address_hour = 100000")
        (tmp / "site.toml").write_text(site, encoding="utf-8")
        queue = stack.enter_context(redis_server(tmp)) if servers > 1 else None
        procs = []
        try:
            for port in ports:  # one after another: the first loads the demo site
                procs.append(start_server_with_site(tmp, port, tmp / "site.toml", profile, queue))
            url = f"http://127.0.0.1:{ports[0]}"
            slots = requests.get(f"{url}/api/v1/public/slots",
                                 params={"service": SERVICE, "date": day.isoformat()}).json()
            capacity = next(s["capacity"] for s in slots["slots"] if s["start"] == START)
            tokens = make_citizens(tmp / "x.db", CITIZENS)
            # --nginx: every connection from its own address (a phone each), so the front's hash
            # by address spreads them over the processes as it would spread real phones
            targets, nginx_pids = ports, []
            if front:
                nginx_port, master = stack.enter_context(nginx_front(tmp, ports))
                targets = [nginx_port]
                for _ in range(100):  # its workers (started after the listener is open)
                    nginx_pids = [int(x) for x in __import__("subprocess").run(
                        ["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()]
                    if nginx_pids:
                        break
                    time.sleep(0.05)
            t0, cpu0 = time.perf_counter(), cpu_split([p.pid for p in procs])
            nginx0 = sum(cpu_split(nginx_pids))
            results = burst(mode, targets, tokens, day.isoformat(), own_addresses=front,
                            spread=spread, seed=seed)
            cpu1 = cpu_split([p.pid for p in procs])
            nginx_cpu = sum(cpu_split(nginx_pids)) - nginx0
            wall, cpu = time.perf_counter() - t0, sum(cpu1) - sum(cpu0)
            system = cpu1[1] - cpu0[1]
            # The same requests one at a time (no queue in front of them): what one costs.
            alone = one_at_a_time(ports[0], tokens[:200], day.isoformat())
        finally:
            for proc in procs:
                proc.send_signal(__import__("signal").SIGINT)  # cProfile writes its file on exit
            for proc in procs:
                try:
                    proc.wait(30)
                except Exception:  # noqa: BLE001 - a stuck server is killed
                    proc.kill()
                    proc.wait()
        with sqlite3.connect(tmp / "x.db") as conn:
            stored = conn.execute("SELECT COUNT(*) FROM bookings WHERE status='booked' AND "
                                  "service=? AND day=? AND start=?",
                                  (SERVICE, day.isoformat(), START)).fetchone()[0]
    lat = [r[2] * 1000 for r in results]
    codes: dict[str, int] = {}
    for _status, code, _s, _fresh in results:
        codes[code] = codes.get(code, 0) + 1
    shape = (f"{PROCESSES} processes x {THREADS} threads of requests" if mode == "threads" else
             f"{ASYNC_PROCESSES} asyncio processes x {CONNECTIONS // ASYNC_PROCESSES} connections"
             + (" through nginx" if front else ""))
    if spread is not None:
        shape = (f"each on its own new connection at Poisson arrival times over {spread:g} s "
                 f"(seed {seed}), from {ASYNC_PROCESSES} asyncio processes"
                 + (" through nginx" if front else ""))
    print("command: .venv/bin/python bench/bench_booking.py " + " ".join(sys.argv[1:]))
    print(f"{len(results)} citizens, {shape}, {servers} server process(es), one slot "
          f"({SERVICE} {day} {START}, capacity {capacity}); wall {wall:.2f} s")
    print(f"answers: {codes}; booked in the database: {stored}")
    print(f"booking latency: median {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, "
          f"max {max(lat):.1f} ms")
    first = [r[2] * 1000 for r in results if r[3]]
    kept = [r[2] * 1000 for r in results if not r[3]]
    if kept:
        print(f"  on a new connection ({len(first)}): median {statistics.median(first):.1f} ms, p99 "
              f"{pct(first, 0.99):.1f} ms; on a kept-alive one ({len(kept)}): median "
              f"{statistics.median(kept):.1f} ms, p99 {pct(kept, 0.99):.1f} ms")
    print(f"one at a time (200 requests, one client): median {statistics.median(alone):.1f} ms, "
          f"p99 {pct(alone, 0.99):.1f} ms")
    in_flight = PROCESSES * THREADS if mode == "threads" else CONNECTIONS
    queued = (f"with {in_flight} in flight, a request queues behind ~{in_flight // servers} "
              f"others; " if spread is None else
              f"arriving at {len(results) / spread:.0f} a second on average; " if spread else "")
    print(f"server CPU in the burst: {cpu * 1000 / len(results):.2f} ms a request "
          f"({len(results) / max(cpu, 1e-9):.0f} requests per CPU second; {queued}of it in the "
          f"kernel: {system * 1000 / len(results):.2f} ms) "
          f"(load average {load0:.1f} before, {__import__('os').getloadavg()[0]:.1f} after)")
    if front:
        print(f"nginx in front (deploy/nginx-city.conf; each connection from its own address): its "
              f"workers' CPU {nginx_cpu * 1000 / len(results):.2f} ms a request")
    if profile:
        print_profile(profile, len(results) + len(alone))
    assert stored == capacity == codes.get("ok"), "overbooked or underbooked!"
    print("never overbooked: OK")


def print_profile(path: str, n: int) -> None:
    """The request path's functions by cumulative time per request (under cProfile)."""
    import pstats
    stats = pstats.Stats(path)
    rows = [(v[3], v[2], k) for k, v in stats.stats.items()  # type: ignore[attr-defined]
            if not k[2].endswith("forever")]
    print("cumulative ms per request (own ms), under cProfile:")
    for cum, own, (file, line, name) in sorted(rows, reverse=True)[:40]:
        if "/server/" in file or "flask" in file or "pywsgi" in file or "engineio" in file:
            print(f"  {cum * 1000 / n:8.3f} ({own * 1000 / n:6.3f})  "
                  f"{Path(file).parent.name}/{Path(file).name}:{line}({name})")


def start_server_with_site(tmp: Path, port: int, site: Path, profile: str | None = None,
                           queue: str | None = None) -> "subprocess.Popen[bytes]":
    """`xephang run --site` on tmp/x.db (the bench's own policy; `queue`: with that Redis message
    queue); returns once it answers."""
    import os
    import subprocess
    env = dict(os.environ, XEPHANG_DEMO_PASSWORD="bench-password")
    env.pop("XEPHANG_SMS_URL", None)
    run = ["-m", "cProfile", "-o", profile, "-m", "server.cli"] if profile else ["-m", "server.cli"]
    proc = subprocess.Popen([sys.executable, *run, "run", "--db", str(tmp / "x.db"),
                             "--port", str(port), "--site", str(site),
                             *(["--message-queue", queue] if queue else [])], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/site", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


if __name__ == "__main__":
    main()
