"""How long a site change takes to reach an open screen, in the same process and from another one.

Starts `xephang run` (gevent) on a fresh demo database with a board (Socket.IO client) connected,
then 20 times: (a) renames a service through PUT /api/v1/admin/site (answer time, and the time
until the board holds a fresh snapshot with the new name); (b) renames it from another process
(a second Context on the same file, as the CLI does), and times until the board's snapshot has it.
Prints median and p99. Run: `.venv/bin/python bench/bench_site_change.py`
"""
from __future__ import annotations

import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_issue_call import PASSWORD, pct, start_server  # noqa: E402


def main(runs: int = 20) -> None:
    from server.services.admin import site_config
    from server.services.auth import CLI
    from server.services.context import Context
    from server.store import Database
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp(prefix="xephang-bench-site-"))
    proc = start_server(tmp, port)
    url = f"http://127.0.0.1:{port}"
    try:
        token = requests.post(f"{url}/api/v1/auth/login", json={"username": "quantri",
                                                               "password": PASSWORD}).json()["token"]
        devices = (tmp / "demo-devices.txt").read_text(encoding="utf-8").splitlines()[1:]
        board_token = next(line.split("\t")[4] for line in devices if line.startswith("board-A1\t"))
        seen: dict[str, float] = {}
        cond = threading.Condition()

        def on_snapshot(snap: dict[str, Any]) -> None:
            with cond:
                for svc in snap["services"]:
                    if svc["code"] == "TP-QT":
                        seen.setdefault(svc["name"], time.perf_counter())
                cond.notify_all()

        board = socketio.Client()
        board.on("snapshot", on_snapshot)
        board.connect(url, auth={"token": board_token}, transports=["websocket"])

        def wait_for(name: str) -> float:
            with cond:
                if not cond.wait_for(lambda: name in seen, timeout=30):
                    raise RuntimeError(f"the board never showed {name}")
                return seen[name]

        answer, here, there = [], [], []
        other = Context.open(Database(tmp / "x.db"))
        h = {"Authorization": f"Bearer {token}"}
        for i in range(runs):
            name = f"Quốc tịch {i}"
            t0 = time.perf_counter()
            r = requests.put(f"{url}/api/v1/admin/site/service/TP-QT", json={"name": name}, headers=h)
            answer.append(time.perf_counter() - t0)
            assert r.ok, r.text
            here.append(wait_for(name) - t0)
            name = f"Quốc tịch khác {i}"
            t0 = time.perf_counter()
            site_config.update(other, CLI, "service", "TP-QT", {"name": name})
            there.append(wait_for(name) - t0)
        board.disconnect()
        other.db.close()
        for label, values in (("PUT /admin/site answer", answer),
                              ("same process: change -> board snapshot", here),
                              ("other process: change -> board snapshot", there)):
            print(f"{label}: median {statistics.median(values) * 1000:.0f} ms, "
                  f"p99 {pct(values, 0.99) * 1000:.0f} ms over {len(values)} runs")
    finally:
        proc.terminate()
        proc.wait(15)


if __name__ == "__main__":
    main()
