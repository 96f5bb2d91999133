"""Issue 9: two sites in one deployment (one SQLite file). A kiosk, a board, an officer and a
supervisor of site A issue, watch, call and read, and see and touch nothing of site B (REST and
Socket.IO); both sites number from their own ranges independently."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from server.realtime import socketio
from server.services.auth import hash_password
from server.services.context import now_local, service_day, stamp
from server.setup import initialize
from server.store import Database, accounts
from server.store import queue as queue_rows
from server.store import sites as site_rows
from server.store.scope import SiteDatabase

SERVICE, COUNTER = "TP-LLTP", 18


@pytest.fixture(params=["sqlite", "postgresql"])
def db_path(tmp_path: Path, request: Any) -> Any:
    """The deployment's store: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return tmp_path / "xephang.db"


def add_site_b(db_path: Path, password: str) -> dict[str, str]:
    """Site B: the same site file (same zone, service and counter codes), its own kiosk, board,
    officer and supervisor; returns their tokens/usernames."""
    db = Database(db_path)
    with db.write() as conn:
        sid = site_rows.add_site(conn, "phuong-ben-thanh", "Phường Bến Thành", "Ben Thanh Ward",
                                 "Asia/Ho_Chi_Minh", stamp(now_local()))
    site_b = SiteDatabase(db, sid)
    assert initialize(site_b, None, demo=False) is not None  # loads the site file for site B
    tokens = {"kiosk": secrets.token_urlsafe(24), "board": secrets.token_urlsafe(24)}
    with site_b.write() as conn:
        now = stamp(now_local())
        accounts.add_device(conn, "kiosk-A1", "kiosk", "A1", None, "virtual", "80mm",
                            tokens["kiosk"], now)
        accounts.add_device(conn, "board-lobby", "display", None, None, None, "80mm",
                            tokens["board"], now)
        pw = hash_password(password)
        accounts.add_user(conn, "b_canbo18", "Cán bộ B", pw, "officer", [COUNTER], now)
        accounts.add_user(conn, "b_giamsat", "Giám sát B", pw, "supervisor", [], now)
        accounts.add_user(conn, "b_quantri", "Quản trị B", pw, "admin", [], now)
    db.close()
    return tokens


def bearer(client: Any, username: str, password: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def waiting_of(snapshot: dict[str, Any]) -> int:
    return int(next(s["waiting"] for s in snapshot["services"] if s["code"] == SERVICE))


def test_two_sites_see_and_touch_nothing_of_each_other(demo: Any, db_path: Path) -> None:
    b = add_site_b(db_path, demo.password)
    from server.app import create_app
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": False, "TESTING": True})
    client = app.test_client()
    kiosk_a = {"Authorization": f"Bearer {demo.token('kiosk-A1')}"}
    kiosk_b = {"Authorization": f"Bearer {b['kiosk']}"}
    officer_a, officer_b = (bearer(client, f"canbo{COUNTER}", demo.password),
                            bearer(client, f"b_canbo{COUNTER}", demo.password))
    boss_a, boss_b = (bearer(client, "giamsat", demo.password),
                      bearer(client, "b_giamsat", demo.password))
    board_a = socketio.test_client(app, auth={"token": demo.token("board-lobby")})
    board_b = socketio.test_client(app, auth={"token": b["board"]})
    assert board_a.is_connected() and board_b.is_connected()
    snap_a = board_a.get_received()[-1]["args"][0]
    snap_b = board_b.get_received()[-1]["args"][0]
    assert waiting_of(snap_a) == waiting_of(snap_b) == 0

    def issue(headers: dict[str, str]) -> dict[str, Any]:
        r = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=headers)
        assert r.status_code == 201, r.get_json()
        return dict(r.get_json())

    a1, a2 = issue(kiosk_a), issue(kiosk_a)
    got_a = board_a.get_received()
    assert got_a and not board_b.get_received()  # B's board heard nothing of A's tickets
    b1 = issue(kiosk_b)
    assert b1["number"] == a1["number"] != a2["number"]  # each site numbers from its own range
    assert not board_a.get_received() and board_b.get_received()
    # each citizen's phone opens its ticket page (no account: the token names the site)
    page_b = client.get(f"/api/v1/tickets/{b1['token']}")
    assert page_b.status_code == 200, page_b.get_json()
    assert page_b.get_json()["number"] == b1["number"]
    phone_a = socketio.test_client(app, auth={"ticket": a2["token"]})
    phone_b = socketio.test_client(app, auth={"ticket": b1["token"]})
    assert phone_a.is_connected() and phone_b.is_connected()
    assert phone_b.get_received()[-1]["args"][0]["ticket"]["number"] == b1["number"]
    phone_a.get_received()

    # B's officer calls at counter 18 of site B: B's ticket, never one of A's older ones
    r = client.post(f"/api/v1/counters/{COUNTER}/call-next", json={}, headers=officer_b)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ticket"]["token"] == b1["token"]
    assert not board_a.get_received() and board_b.get_received()
    assert not phone_a.get_received()  # A's phone heard nothing of B's call
    assert "ticket.called" in [m["name"] for m in phone_b.get_received()]
    r = client.post(f"/api/v1/counters/{COUNTER}/call-next", json={}, headers=officer_a)
    assert r.get_json()["ticket"]["token"] == a1["token"]
    assert board_a.get_received() and not board_b.get_received()

    # B's staff cannot touch or read A's ticket by its token
    r = client.post(f"/api/v1/tickets/{a2['token']}/cancel", json={}, headers=boss_b)
    assert r.status_code == 404, r.get_json()
    # the supervisors' reports: each site's own queue and totals
    queue_a = client.get("/api/v1/queue", headers=boss_a).get_json()
    queue_b = client.get("/api/v1/queue", headers=boss_b).get_json()
    assert waiting_of(queue_a) == 1 and waiting_of(queue_b) == 0
    stats_a = client.get("/api/v1/stats/today", headers=boss_a).get_json()
    stats_b = client.get("/api/v1/stats/today", headers=boss_b).get_json()
    assert (stats_a["issued"], stats_b["issued"]) == (2, 1), (stats_a, stats_b)
    # the report of each site (today, by service) counts its own tickets only
    today = service_day(app.extensions["xephang"].clock())
    for headers, issued in ((boss_a, 2), (boss_b, 1)):
        r = client.get(f"/api/v1/reports?from={today}&to={today}&group=service", headers=headers)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["totals"]["issued"] == issued, r.get_json()["totals"]
    # the running totals (triggers, per site) agree with each site's rows counted
    base = app.extensions["xephang"]
    for site_id in (1, 2):
        with SiteDatabase(base.db, site_id).read() as conn:
            today = service_day(base.clock())
            assert queue_rows.day_stats(conn, today) == queue_rows.day_stats_counted(conn, today)
    # the day close of the deployment closes every site's open tickets, each in its own site
    from datetime import timedelta
    from server.services.context import every_site
    from server.services.tickets import close_day
    base = app.extensions["xephang"]
    real_clock = base.clock
    base.clock = lambda: real_clock() + timedelta(days=1)
    assert [close_day(site) for site in every_site(base)] == [2, 1]  # A: a1 called, a2 waiting
    base.clock = real_clock
    with base.db.read() as conn:
        open_left = conn.execute("SELECT COUNT(*) FROM tickets WHERE status IN "
                                 "('waiting','called','serving','parked')").fetchone()[0]
    assert open_left == 0
    for socket in (phone_a, phone_b):
        socket.disconnect()
    board_a.disconnect()
    board_b.disconnect()
    app.extensions["xephang"].db.close()


def test_a_resync_gives_each_screen_its_own_sites_snapshot(demo: Any, db_path: Path) -> None:
    """The publisher's resync shares a snapshot among screens of the same rooms: never across
    sites (room names repeat), and a site's change resyncs that site's screens only."""
    b = add_site_b(db_path, demo.password)
    from server.app import create_app
    from server.services.context import Message
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": False, "TESTING": True})
    client = app.test_client()
    for token, n in ((demo.token("kiosk-A1"), 3), (b["kiosk"], 1)):
        for _ in range(n):
            r = client.post("/api/v1/tickets", json={"service": SERVICE},
                            headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.get_json()
    board_a = socketio.test_client(app, auth={"token": demo.token("board-lobby")})
    board_b = socketio.test_client(app, auth={"token": b["board"]})
    assert waiting_of(board_a.get_received()[-1]["args"][0]) == 3
    assert waiting_of(board_b.get_received()[-1]["args"][0]) == 1
    publisher = app.extensions["xephang"].publish
    publisher.resync_all()
    publisher.wait_idle()
    snaps = {name: [m["args"][0] for m in c.get_received() if m["name"] == "snapshot"]
             for name, c in (("a", board_a), ("b", board_b))}
    assert [waiting_of(s) for s in snaps["a"]] == [3] and [waiting_of(s) for s in snaps["b"]] == [1]
    # a change of site B's configuration resyncs B's screens, not A's
    publisher([Message("site.changed", {}, ("lobby",), 2)])
    publisher.wait_idle()
    assert not [m for m in board_a.get_received() if m["name"] == "snapshot"]
    assert [waiting_of(m["args"][0]) for m in board_b.get_received() if m["name"] == "snapshot"] == [1]
    board_a.disconnect()
    board_b.disconnect()
    app.extensions["xephang"].db.close()


def test_on_postgresql_the_writers_of_two_sites_do_not_wait_for_each_other(pg_url: str) -> None:
    """One advisory lock per site: while site 1's writer holds its transaction, another writer of
    site 1 waits (and answers busy), a writer of site 2 goes through."""
    import time

    from server.store import Busy
    db = Database(pg_url)
    db.migrate()
    try:
        with db.write() as held:
            held.execute("SELECT 1")
            with SiteDatabase(db, 2).write(time.monotonic() + 2) as other:
                other.execute("INSERT INTO settings (site_id, key, value) VALUES (2, 'x', '1')")
            with pytest.raises(Busy):
                with db.write(time.monotonic() + 0.3):
                    pass
    finally:
        db.close()


def test_a_sites_admin_changes_its_own_configuration_only(demo: Any, db_path: Path) -> None:
    """Site B's admin renames a service: B's board is told (site.changed) and shows the new
    name, A's board hears nothing and A keeps its name."""
    b = add_site_b(db_path, demo.password)
    from server.app import create_app
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": False, "TESTING": True})
    client = app.test_client()
    board_a = socketio.test_client(app, auth={"token": demo.token("board-lobby")})
    board_b = socketio.test_client(app, auth={"token": b["board"]})
    board_a.get_received()
    board_b.get_received()
    admin_b = bearer(client, "b_quantri", demo.password)
    r = client.put(f"/api/v1/admin/site/service/{SERVICE}", json={"name": "Lý lịch tư pháp B"},
                   headers=admin_b)
    assert r.status_code == 200, r.get_json()
    got_b = board_b.get_received()
    assert "site.changed" in [m["name"] for m in got_b], got_b
    assert not [m for m in board_a.get_received() if m["name"] in ("site.changed", "snapshot")]

    def name_seen_by(headers: dict[str, str]) -> str:
        r = client.get("/api/v1/queue", headers=headers)
        assert r.status_code == 200, r.get_json()
        return str(next(s["name"] for s in r.get_json()["services"] if s["code"] == SERVICE))
    assert name_seen_by(bearer(client, "b_giamsat", demo.password)) == "Lý lịch tư pháp B"
    assert name_seen_by(bearer(client, "giamsat", demo.password)) != "Lý lịch tư pháp B"
    board_a.disconnect()
    board_b.disconnect()
    app.extensions["xephang"].db.close()


def test_a_ward_kiosk_prints_its_own_ticket_and_hears_the_outcome(demo: Any, db_path: Path) -> None:
    """Site B's kiosk prints on its (fake TCP) printer: B's ticket with B's page address, and the
    outcome is recorded on B's ticket and told to B's kiosk (its site's rooms)."""
    from tests.support.escpos_decoder import decode
    from tests.support.fake_printer import FakePrinter
    from tests.support.printing_app import printing_app
    from tests.test_printing_service import print_outcome
    add_site_b(db_path, demo.password)
    with FakePrinter("ok") as printer:
        token = secrets.token_urlsafe(24)
        with SiteDatabase(Database(db_path), 2).write() as conn:
            accounts.add_device(conn, "kiosk-print", "kiosk", "A1", None, printer.url, "80mm",
                                token, stamp(now_local()))
        with printing_app(db_path) as (app, published):
            r = app.test_client().post("/api/v1/tickets", json={"service": SERVICE},
                                       headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.get_json()
            ticket = r.get_json()
            done = print_outcome(published, ticket)
            assert done["print"]["status"] == "printed"
            told = [m for m in published.messages if m.name == "ticket.changed"
                    and m.payload["ticket"]["print"]["status"] == "printed"]
            assert told and all(m.site_id == 2 for m in told)
            paper = decode(printer.printed()[-1])
            assert paper.text(ticket["number"]) is not None
            assert [q.payload for q in paper.qr_codes] == [ticket["status_url"]]
