"""Device health with two real servers on one SQLite file joined by one real Redis: the alert
check runs on the holder of the `device-health` lease only (process B here), a board connected
only to process A is not called silent by B while it is connected, and when it falls silent exactly
one alert reaches a supervisor on B (and one on A), cleared when it returns; B killed with -9, A
takes the check over."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveServer
from tests.support.deployment import joined_servers
from tests.support.device_health import DeviceChanges, connect_device, quick_site

SILENT_S = 6  # the site's [policy] device_silent_s here
WAIT_S = 40


class Supervisor(DeviceChanges):
    """A supervisor's real Socket.IO client: every device.changed, in order."""

    def of(self, name: str) -> list[tuple[bool, bool]]:
        """(online, alert) of each device.changed heard for one device."""
        with self.cond:
            return [(d["online"], d["alert"]) for d in self.seen if d["name"] == name]

    def wait(self, name: str, state: tuple[bool, bool]) -> None:
        """Until the last state heard for `name` is `state`."""
        with self.cond:
            assert self.cond.wait_for(lambda: self.of_locked(name)[-1:] == [state], WAIT_S), (
                name, state, self.of_locked(name))

    def of_locked(self, name: str) -> list[tuple[bool, bool]]:
        return [(d["online"], d["alert"]) for d in self.seen if d["name"] == name]


@pytest.fixture
def two_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LiveServer]]:
    """Processes A and B on one database and one Redis, devices silent after SILENT_S."""
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")
    assert "open_all_hours = true" in (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    site = quick_site(tmp_path, SILENT_S)
    with joined_servers(tmp_path, "ab", ["--site", str(site)]) as servers:
        yield servers


def _health_on(server: LiveServer, name: str) -> tuple[bool, bool]:
    """(online, alert) of a device as /admin/devices of `server` shows it."""
    r = server.api("GET", "/api/v1/admin/devices", who="giamsat")
    assert r.status_code == 200, r.text
    h = next(d["health"] for d in r.json()["devices"] if d["name"] == name)
    return h["online"], h["alert"]


def _await(what: Callable[[], bool], message: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not what():  # a row in the leases table: there is no event to await
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def _health_holder(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        row = conn.execute("SELECT holder FROM leases WHERE name='device-health' AND expires_at>?",
                           (time.time(),)).fetchone()
    finally:
        conn.close()
    return int(row[0].split(":")[1]) if row else 0


def test_one_alert_per_silence_whatever_process_hosts_the_device(
        two_servers: list[LiveServer]) -> None:
    a, b = two_servers
    on_a, on_b = Supervisor(a.url, a.token("giamsat")), Supervisor(b.url, b.token("giamsat"))
    # A device connects to B first: B's check starts and takes the lease.
    counter = connect_device(b, "counter-24")
    _await(lambda: _health_holder(b.db) == b.proc.pid, "B did not take device-health")  # type: ignore[union-attr]
    board = connect_device(a, "board-A1")  # connected to A only: B checks it from A's stored contacts
    on_b.wait("board-A1", (True, False))
    on_a.wait("board-A1", (True, False))
    assert _health_on(b, "board-A1") == (True, False)  # the page of a process it is not on
    # The counter display falls silent; the board, connected to A all along, must not.
    counter.disconnect()
    on_b.wait("counter-24", (False, True))
    on_a.wait("counter-24", (False, True))
    assert (True, True) not in on_b.of("board-A1") and (False, True) not in on_b.of("board-A1")
    assert on_b.of("counter-24").count((False, True)) == 1

    board.disconnect()
    on_b.wait("board-A1", (False, True))
    on_a.wait("board-A1", (False, True))
    assert _health_on(a, "board-A1") == _health_on(b, "board-A1") == (False, True)
    board = connect_device(a, "board-A1")  # back: the alert clears, on both
    on_b.wait("board-A1", (True, False))
    on_a.wait("board-A1", (True, False))
    for supervisor in (on_a, on_b):  # exactly one alert for its silence, one for the return
        states = supervisor.of("board-A1")
        assert states.count((False, True)) == 1, states
        assert states[-1] == (True, False) and states.count((True, False)) == 2, states
    assert _health_holder(b.db) == b.proc.pid  # type: ignore[union-attr]

    # B, the checking process, is killed with -9: A takes the check over; the next silence
    # still raises one alert.
    on_b.client.disconnect()
    b.stop(kill=True)
    _await(lambda: _health_holder(a.db) == a.proc.pid, "A did not take device-health over")  # type: ignore[union-attr]
    board.disconnect()
    on_a.wait("board-A1", (False, True))
    board = connect_device(a, "board-A1")
    on_a.wait("board-A1", (True, False))
    assert on_a.of("board-A1").count((False, True)) == 2, on_a.of("board-A1")
    board.disconnect()
    on_a.client.disconnect()
