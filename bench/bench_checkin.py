"""Check-in at a kiosk (issue 10): how long POST /api/v1/checkin answers, p99 target < 50 ms.

Starts `xephang run` (gevent, one process) on a fresh demo database, makes verified phones in the
store, has each take a number from home over HTTP, adds appointments due now, then checks every
code in from kiosks: first one kiosk at a time (what a citizen at a kiosk waits), then 4 kiosks
at once. Run: `.venv/bin/python bench/bench_checkin.py`
"""
from __future__ import annotations

import multiprocessing as mp
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_booking import make_citizens, start_server_with_site  # noqa: E402
from bench.bench_issue_call import pct  # noqa: E402

REMOTE, APPOINTMENTS, KIOSKS = 300, 200, 4
SERVICES = ("TP-LLTP", "XD-GPXD")


def add_appointments(db: Path, n: int) -> list[str]:
    """n appointments due now (as /public/bookings stores them), spread over SERVICES."""
    from server.services.context import now_local, stamp
    from server.store import Database
    from server.store import citizens as rows
    database = Database(db)
    now = now_local()
    codes = []
    with database.write() as conn:
        for i in range(n):
            code = secrets.token_hex(4).upper()
            rows.add_booking(conn, {"kind": "appointment", "code": code,
                                    "token": secrets.token_urlsafe(18),
                                    "service": SERVICES[i % len(SERVICES)],
                                    "day": now.date().isoformat(), "start": now.strftime("%H:%M"),
                                    "end": now.strftime("%H:%M"), "phone_hash": None,
                                    "status": "booked", "created_at": stamp(now),
                                    "changed_at": stamp(now)})
            codes.append(code)
    database.close()
    return codes


def kiosk(url: str, token: str, codes: list[str], barrier: mp.synchronize.Barrier | None,
          out: mp.Queue) -> None:
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"}
    lat = []
    if barrier is not None:
        barrier.wait()
    for code in codes:
        t0 = time.perf_counter()
        r = s.post(f"{url}/api/v1/checkin", json={"code": code}, headers=h, timeout=60)
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201, r.text
    out.put(lat)


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        site = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
        site = site.replace("daily_per_phone = 2", "daily_per_phone = 2\npublic_per_address_hour = 100000")
        (tmp / "site.toml").write_text(site, encoding="utf-8")
        proc = start_server_with_site(tmp, port, tmp / "site.toml")
        url = f"http://127.0.0.1:{port}"
        try:
            tokens = []
            for i in range(KIOSKS):
                out = subprocess.run([sys.executable, "-m", "server.cli", "device", "add",
                                      f"bench-kiosk-{i}", "--kind", "kiosk", "--db",
                                      str(tmp / "x.db")], cwd=ROOT, capture_output=True,
                                     text=True, check=True)
                tokens.append(out.stdout.strip().splitlines()[-1])
            s = requests.Session()
            take = []
            codes = []
            for i, citizen in enumerate(make_citizens(tmp / "x.db", REMOTE)):
                t0 = time.perf_counter()
                r = s.post(f"{url}/api/v1/public/remote-tickets",
                           json={"service": SERVICES[i % len(SERVICES)]},
                           headers={"Authorization": f"Bearer {citizen}"}, timeout=60)
                take.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text
                codes.append(r.json()["code"])
            codes += add_appointments(tmp / "x.db", APPOINTMENTS)
            half = len(codes) // 2
            q: mp.Queue = mp.Queue()
            kiosk(url, tokens[0], codes[:half], None, q)  # one kiosk, one citizen after another
            alone = q.get()
            barrier = mp.Barrier(KIOSKS)
            procs = [mp.Process(target=kiosk, args=(url, tokens[k], codes[half + k::KIOSKS],
                                                    barrier, q)) for k in range(KIOSKS)]
            for p in procs:
                p.start()
            together = [x for _ in procs for x in q.get(timeout=600)]
            for p in procs:
                p.join()
        finally:
            proc.terminate()
            proc.wait()
    print("command: .venv/bin/python bench/bench_checkin.py")
    print(f"take a number from home ({REMOTE}, one client): median {statistics.median(take):.1f} ms,"
          f" p99 {pct(take, 0.99):.1f} ms")
    print(f"check-in, one kiosk ({len(alone)} codes, remote and appointments): median "
          f"{statistics.median(alone):.1f} ms, p99 {pct(alone, 0.99):.1f} ms")
    print(f"check-in, {KIOSKS} kiosks at once ({len(together)} codes): median "
          f"{statistics.median(together):.1f} ms, p99 {pct(together, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
