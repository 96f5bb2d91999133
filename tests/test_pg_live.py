"""The real server on PostgreSQL (`xephang run --db postgresql://…`, issue 9): the ticket flow over
HTTP, kill -9 loses no acknowledged ticket, two server processes on one database share numbering
and call-next exactly once, and the live-screen tests of test_realtime_live run here too."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, PgLiveServer
# Collected again here, on the PostgreSQL server below (this module's `live_server`).
from tests.test_realtime_live import (  # noqa: F401
    test_a_board_resynchronises_by_itself_after_a_server_restart,
    test_screens_connecting_while_tickets_are_issued_end_with_the_true_counts)


@pytest.fixture
def live_server(pg_live_server: LiveServer) -> LiveServer:
    """This module's live server runs on PostgreSQL."""
    return pg_live_server


def issue(server: LiveServer, service: str = "TP-LLTP", **body: Any) -> requests.Response:
    return server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": service, **body})


def test_the_ticket_flow_over_http_on_postgresql(live_server: LiveServer) -> None:
    assert live_server.api("GET", "/readyz").json()["checks"]["database"] == "ok"
    first = issue(live_server, request_id="kiosk-A1-0001")
    assert first.status_code == 201 and first.json()["number"] == "1001"
    again = issue(live_server, request_id="kiosk-A1-0001")  # a retry: the same ticket, no new one
    assert again.status_code == 200 and again.json()["token"] == first.json()["token"]
    assert [issue(live_server).json()["number"] for _ in range(2)] == ["1002", "1003"]
    act = "/api/v1/counters/18/{}"
    called = live_server.api("POST", act.format("call-next"), who="canbo18").json()
    assert (called["ticket"]["number"], called["ticket"]["status"]) == ("1001", "called")
    page = live_server.api("GET", f"/api/v1/tickets/{first.json()['token']}").json()
    assert page["status"] == "called" and page["counter"] == 18
    assert live_server.api("POST", act.format("recall"), who="canbo18").json()["ticket"]["recalls"] == 1
    assert live_server.api("POST", act.format("start"), who="canbo18").json()["ticket"]["status"] == \
        "serving"
    done = live_server.api("POST", act.format("complete"), who="canbo18").json()
    assert done["ticket"]["status"] == "done"
    assert issue(live_server, priority="elderly").json()["priority"] == "elderly"
    stats = live_server.api("GET", "/api/v1/stats/today", who="giamsat").json()
    assert (stats["issued"], stats["served"], stats["waiting"]) == (4, 1, 3)
    refused = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "NOPE"},
                              lang="en")
    assert refused.status_code in (400, 404) and refused.json()["error"]["code"]


def test_kill_9_loses_no_acknowledged_ticket_on_postgresql(live_server: LiveServer) -> None:
    numbers = [issue(live_server).json()["number"] for _ in range(5)]
    live_server.restart(kill=True)
    snap = live_server.api("GET", "/api/v1/queue", who="giamsat").json()
    assert next(s["waiting"] for s in snap["services"] if s["code"] == "TP-LLTP") == 5
    assert numbers == ["1001", "1002", "1003", "1004", "1005"]
    assert issue(live_server).json()["number"] == "1006"


@pytest.fixture
def two_servers(tmp_path: Path, pg_live_server: PgLiveServer) -> Iterator[list[LiveServer]]:
    """Two server processes on one PostgreSQL database (as on two machines)."""
    (tmp_path / "b").mkdir()
    other = PgLiveServer(tmp_path / "b", str(pg_live_server.db))
    other.devices, other.users = pg_live_server.devices, pg_live_server.users
    other.start()
    yield [pg_live_server, other]
    other.stop()


def test_two_server_processes_share_numbers_and_call_each_ticket_once(
        two_servers: list[LiveServer]) -> None:
    barrier = threading.Barrier(4)

    def kiosk(i: int) -> list[str]:
        server = two_servers[i % 2]
        s, token = requests.Session(), server.token("kiosk-A1")
        barrier.wait()
        out = []
        for _ in range(25):
            r = s.post(f"{server.url}/api/v1/tickets", json={"service": "TP-LLTP"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 201, r.text
            out.append(r.json()["number"])
        return out

    with ThreadPoolExecutor(4) as pool:
        got = [n for part in pool.map(kiosk, range(4)) for n in part]
    assert sorted(got) == [str(1001 + i) for i in range(100)]

    counters = [(17, "canbo17"), (18, "canbo18"), (19, "canbo19"), (20, "canbo20")]
    barrier4 = threading.Barrier(4)

    def counter(i: int) -> list[str]:
        number, officer = counters[i]
        server = two_servers[i % 2]
        s, token = requests.Session(), server.token(officer)
        barrier4.wait()
        called = []
        while True:
            r = s.post(f"{server.url}/api/v1/counters/{number}/call-next",
                       headers={"Authorization": f"Bearer {token}"}, json={}, timeout=30)
            assert r.status_code == 200, r.text
            if r.json()["ticket"] is None:
                return called
            called.append(r.json()["ticket"]["number"])

    with ThreadPoolExecutor(4) as pool:
        calls = [n for part in pool.map(counter, range(4)) for n in part]
    assert len(calls) == len(set(calls)) == 100
