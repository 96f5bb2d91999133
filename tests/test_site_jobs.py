"""Issue 9: the background jobs run for every site. Two sites from the same site file (same
service, counter and device names): a change a job finds in site B — a closure expiring, today's
totals, a board falling silent, a kiosk printer running out of paper — reaches B's screens and
staff, and A's hear nothing of it. SQLite and PostgreSQL."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.realtime import socketio
from server.services import closures
from server.services.context import Message, for_site, now_local, stamp
from server.services.device_health import DeviceHealth
from server.store import Database, accounts
from server.store import calendar as calendar_rows
from server.store.scope import SiteDatabase
from tests.test_site_scoping import SERVICE, add_site_b, db_path  # noqa: F401 (the fixture)

SITE_B = 2


def make_app(db: Any, printing: bool = False) -> Any:
    from server.app import create_app
    return create_app({"DB": str(db), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                       "PRINTING": printing, "TESTING": True})


def staff_socket(app: Any, username: str, password: str) -> Any:
    """A supervisor's console on Socket.IO (staff rooms of her site)."""
    r = app.test_client().post("/api/v1/auth/login", json={"username": username,
                                                           "password": password})
    assert r.status_code == 200, r.get_json()
    client = socketio.test_client(app, auth={"token": r.get_json()["token"]})
    assert client.is_connected()
    client.get_received()  # the snapshot
    return client


def names(client: Any) -> list[str]:
    return [m["name"] for m in client.get_received()]


def device_id(db: Any, name: str) -> int:
    """A device's id, by its name in the database's (a SiteDatabase's) site."""
    with db.read() as conn:
        row = accounts.device_by_name(conn, name)
    assert row is not None
    return int(row["id"])


class Stop(Exception):
    """Ends a job's endless loop after the rounds a test wants."""


def test_a_closure_expiring_in_site_b_is_told_to_bs_screens_only(demo: Any, db_path: Path) -> None:
    b = add_site_b(db_path, demo.password)
    start = now_local().replace(microsecond=0)
    with SiteDatabase(Database(db_path), SITE_B).write() as conn:  # B's service closed for 1 h
        calendar_rows.save_suspension(conn, {
            "scope": "service", "code": SERVICE, "reason": "mất điện", "reason_en": "power outage",
            "until": stamp(start + timedelta(hours=1)), "at": stamp(start), "by": "user:b_quantri"})
    app = make_app(db_path)
    ctx = app.extensions["xephang"]
    now = [start]
    ctx.clock = lambda: now[0]  # every site's context reads site 1's clock
    published: list[Message] = []
    send = ctx.publish

    def record(messages: list[Message]) -> None:
        published.extend(messages)
        send(messages)
    ctx.publish = record
    try:
        board_a = socketio.test_client(app, auth={"token": demo.token("board-lobby")})
        board_b = socketio.test_client(app, auth={"token": b["board"]})
        boss_a = staff_socket(app, "giamsat", demo.password)
        boss_b = staff_socket(app, "b_giamsat", demo.password)
        snap_b = board_b.get_received()[-1]["args"][0]
        assert not next(s for s in snap_b["services"] if s["code"] == SERVICE)["open"]
        board_a.get_received()
        rounds = []

        def sleep(seconds: float) -> None:  # between two rounds of the watch: the closure ends
            if seconds == 0:
                return  # the yield between two sites of a round
            rounds.append(now[0])
            if len(rounds) == 2:
                raise Stop
            now[0] = start + timedelta(hours=1, seconds=1)
        with pytest.raises(Stop):
            closures.watch_forever(ctx, sleep, lambda text: pytest.fail(text))
        told = [m for m in published if m.name != "stats.changed"]
        assert told and {m.site_id for m in told} == {SITE_B}
        heard_b = board_b.get_received()
        assert heard_b, "B's board heard nothing of its service reopening"
        services = [s for m in heard_b for a in m["args"] for s in a.get("services", [])]
        assert any(s["code"] == SERVICE and s["open"] for s in services), heard_b
        assert "admin.changed" in names(boss_b)  # B's closures page refetches
        assert not board_a.get_received() and "admin.changed" not in names(boss_a)
    finally:
        ctx.db.close()


def test_todays_totals_are_pushed_per_site(demo: Any, db_path: Path) -> None:
    b = add_site_b(db_path, demo.password)
    app = make_app(db_path)
    ctx = app.extensions["xephang"]
    try:
        boss_a = staff_socket(app, "giamsat", demo.password)
        boss_b = staff_socket(app, "b_giamsat", demo.password)
        r = app.test_client().post("/api/v1/tickets", json={"service": SERVICE},
                                   headers={"Authorization": f"Bearer {b['kiosk']}"})
        assert r.status_code == 201, r.get_json()
        boss_a.get_received(), boss_b.get_received()
        publisher = ctx.publish
        # What the publisher's loop does after sending a change: note whose totals moved, tick.
        publisher._mark_stats([Message("queue.changed", {}, (), SITE_B)])
        publisher.stats_tick()
        got = [m for m in boss_b.get_received() if m["name"] == "stats.changed"]
        assert len(got) == 1 and got[0]["args"][0]["stats"]["issued"] == 1, got
        assert "stats.changed" not in names(boss_a)  # A's floor: nothing (A issued nothing)
        publisher.stats_tick()  # nothing new: nothing sent
        assert not boss_b.get_received()
    finally:
        ctx.db.close()


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_a_silent_board_of_site_b_alerts_bs_supervisors_only(demo: Any, db_path: Path) -> None:
    b = add_site_b(db_path, demo.password)
    app = make_app(db_path)
    ctx = app.extensions["xephang"]
    registry = app.extensions["xephang.health"]
    try:
        boss_a = staff_socket(app, "giamsat", demo.password)
        boss_b = staff_socket(app, "b_giamsat", demo.password)
        # B's board connects (a real socket): B's registry counts it, A's does not.
        board_b = socketio.test_client(app, auth={"token": b["board"]})
        assert board_b.is_connected()
        board_id, board_a_id = device_id(SiteDatabase(ctx.db, SITE_B), "board-lobby"), device_id(
            ctx.db, "board-lobby")
        assert board_id != board_a_id
        assert registry.of(SITE_B).views()[board_id]["online"]
        assert board_id not in registry.of(1).views()
        board_b.disconnect()
        assert not registry.of(SITE_B).views()[board_id]["online"]
        # The watch of site B, its clock moved past the silence threshold (the demo site is open
        # all hours): the alert goes to B's staff rooms, with B's board.
        clock = Clock(datetime.now().timestamp())
        watch_b = DeviceHealth(for_site(ctx, SITE_B), clock=clock)
        watch_a = DeviceHealth(ctx, clock=clock)
        watch_b.connected("sid-b", board_id)
        assert [m.site_id for m in watch_b.check()] == [SITE_B]  # online, told to B
        assert not watch_a.check()
        watch_b.disconnected("sid-b")
        assert watch_b.check()  # offline
        watch_b.flush(force=True)  # stored in B's rows
        boss_a.get_received(), boss_b.get_received()
        clock.at += 61
        messages = watch_b.check()
        assert messages and {m.site_id for m in messages} == {SITE_B}
        alert = messages[0].payload["device"]
        assert (alert["id"], alert["online"], alert["alert"]) == (board_id, False, True)
        assert not watch_a.check()  # A's watch knows nothing of B's board
        ctx.publish(messages)
        got = [m["args"][0]["device"] for m in boss_b.get_received() if m["name"] == "device.changed"]
        assert got and got[0]["id"] == board_id and got[0]["alert"]
        assert "device.changed" not in names(boss_a)
        # /floor's device list (GET /api/v1/admin/devices): each supervisor's own site's devices
        def listed(username: str) -> dict[int, Any]:
            r = app.test_client().post("/api/v1/auth/login", json={"username": username,
                                                                   "password": demo.password})
            token = r.get_json()["token"]
            got = app.test_client().get("/api/v1/admin/devices",
                                        headers={"Authorization": f"Bearer {token}"})
            assert got.status_code == 200, got.get_json()
            return {d["id"]: d for d in got.get_json()["devices"]}
        mine_b, mine_a = listed("b_giamsat"), listed("giamsat")
        assert board_id in mine_b and board_id not in mine_a and board_a_id not in mine_b
        assert mine_b[board_id]["health"]["seen_at"]  # heard from, in B's rows
        assert not mine_a[board_a_id]["health"]["seen_at"]  # A's board never connected
    finally:
        ctx.db.close()


def test_a_site_b_kiosk_printer_status_reaches_bs_staff_only(demo: Any, db_path: Path) -> None:
    from server.store import queue as queue_rows
    from tests.support.fake_printer import FakePrinter
    from tests.support.printing_app import Published
    add_site_b(db_path, demo.password)
    with FakePrinter("near_end") as printer:
        token = secrets.token_urlsafe(24)
        with SiteDatabase(Database(db_path), SITE_B).write() as conn:
            accounts.add_device(conn, "kiosk-print", "kiosk", "A1", None, printer.url, "80mm",
                                token, stamp(now_local()))
        app = make_app(db_path, printing=True)
        ctx = app.extensions["xephang"]
        try:
            boss_a = staff_socket(app, "giamsat", demo.password)
            boss_b = staff_socket(app, "b_giamsat", demo.password)
            kiosk_b = socketio.test_client(app, auth={"token": token})
            assert kiosk_b.is_connected()
            kiosk_b.get_received()
            published, send = Published(), ctx.publish

            def record(messages: list[Message]) -> None:
                send(messages)
                published.add(messages)
            ctx.publish = record  # reaches site B's context too
            assert ctx.printer.holds()
            printer.set_status("out")
            assert printer.url in ctx.printer._poll_round()  # B's kiosk is polled too
            told = published.wait_for(lambda m: m.name == "printer.changed"
                                      and m.payload["printer"]["status"] == "out")
            assert told.site_id == SITE_B
            kiosk_id = device_id(SiteDatabase(ctx.db, SITE_B), "kiosk-print")
            with SiteDatabase(ctx.db, SITE_B).read() as conn:  # recorded in B's rows only
                assert [p["status"] for p in queue_rows.printers(conn)
                        if p["device_id"] == kiosk_id] == ["out"]
            with ctx.db.read() as conn:
                assert not [p for p in queue_rows.printers(conn) if p["device_id"] == kiosk_id]

            def heard(client: Any) -> list[Any]:
                return [m["args"][0]["printer"] for m in client.get_received()
                        if m["name"] == "printer.changed"]
            assert [p["status"] for p in heard(boss_b)] == ["out"]
            assert [p["status"] for p in heard(kiosk_b)] == ["out"]  # B's kiosk is told
            assert not heard(boss_a)
        finally:
            ctx.printer.stop()
            ctx.db.close()
