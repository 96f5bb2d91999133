"""kill -9 the server while kiosks are issuing: every acknowledged ticket is there after restart."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from server.store import Database


def test_kill_9_while_issuing_loses_no_acknowledged_ticket(live_server: Any) -> None:
    acknowledged: list[dict[str, Any]] = []
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()
    token = live_server.token("kiosk-A1")

    def kiosk(i: int) -> None:
        s = requests.Session()
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = s.post(f"{live_server.url}/api/v1/tickets", timeout=5,
                           json={"service": "TP-LLTP", "request_id": f"k{i}-{n}"},
                           headers={"Authorization": f"Bearer {token}"})
            except requests.RequestException:
                return  # the server is gone: this request was never acknowledged
            if r.status_code == 201:
                with lock:
                    acknowledged.append(r.json())
                    if len(acknowledged) >= 150:
                        enough.set()

    with ThreadPoolExecutor(6) as pool:
        for i in range(6):
            pool.submit(kiosk, i)
        assert enough.wait(60), "the kiosks could not issue 150 tickets"
        live_server.stop(kill=True)  # SIGKILL, mid-flight
        stop.set()
    live_server.start()
    for t in acknowledged:
        r = live_server.api("GET", f"/api/v1/tickets/{t['token']}")
        assert r.status_code == 200 and r.json()["number"] == t["number"]
    with Database(live_server.db).read() as conn:
        numbers = [r[0] for r in conn.execute("SELECT number FROM tickets ORDER BY seq")]
    assert len(numbers) == len(set(numbers)) >= len(acknowledged)
    # Numbering goes on after the restart without reusing a number.
    r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    assert r.status_code == 201 and r.json()["number"] not in numbers
    assert int(r.json()["number"]) == int(max(numbers)) + 1
