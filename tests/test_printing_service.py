"""Issuing at a kiosk with a real (fake) network printer: the ticket is issued in every case, the
print outcome lands on the ticket, and printer trouble reaches the kiosk and the staff."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.store import Database, accounts
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter, refused_url
from tests.support.printing_app import Published, printing_app


@pytest.fixture
def printing(demo: Any, db_path: Path) -> Iterator[tuple[Any, Published]]:
    """The app with its print worker running; every published message recorded."""
    with printing_app(db_path) as (app, published):
        yield app, published


def kiosk_with_printer(db_path: Path, url: str) -> str:
    """Register a zone A1 kiosk printing on `url`; returns its token."""
    token = secrets.token_urlsafe(24)
    with Database(db_path).write() as conn:
        accounts.add_device(conn, "kiosk-test", "kiosk", "A1", None, url, "80mm", token, "2026-01-01")
    return token


def issue(app: Any, token: str) -> dict[str, Any]:
    r = app.test_client().post("/api/v1/tickets", json={"service": "TP-LLTP"},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def print_outcome(published: Published, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as sent to its kiosk once the print outcome is known (a public ticket: no id,
    so known by day and number)."""
    m = published.wait_for(lambda m: m.name == "ticket.changed"
                           and (m.payload["ticket"]["day"], m.payload["ticket"]["number"])
                           == (ticket["day"], ticket["number"])
                           and m.payload["ticket"]["print"]["status"] != "pending"
                           and any(room.startswith("device:") for room in m.rooms))  # the kiosk hears it
    return dict(m.payload["ticket"])


def printer_alert(published: Published, status: str) -> dict[str, Any]:
    m = published.wait_for(lambda m: m.name == "printer.changed"
                           and m.payload["printer"]["status"] == status)
    assert "staff" in m.rooms
    return dict(m.payload["printer"])


@pytest.mark.parametrize("state,expect_print,alert", [
    ("ok", "printed", None),
    ("near_end", "printed", "near_end"),
    ("out", "on_screen", "out"),
    ("offline", "on_screen", "offline"),
])
def test_every_printer_state_issues_the_ticket_and_records_the_outcome(
        printing: Any, db_path: Path, state: str, expect_print: str, alert: str | None) -> None:
    app, published = printing
    with FakePrinter(state) as printer:
        ticket = issue(app, kiosk_with_printer(db_path, printer.url))
        assert ticket["number"] == "1001" and ticket["print"]["status"] == "pending"
        done = print_outcome(published, ticket)
        assert done["print"]["status"] == expect_print
        if alert:
            assert printer_alert(published, alert)["device_name"] == "kiosk-test"
        printed = printer.printed()
        if expect_print == "printed":
            paper = decode(printed[-1])
            assert paper.text("1001") is not None and len(paper.cuts) == 1
            assert [q.payload for q in paper.qr_codes] == [ticket["status_url"]]
        else:
            assert printed == []  # nothing sent to a printer that said it cannot print


def test_a_slow_printer_still_prints(printing: Any, db_path: Path) -> None:
    app, published = printing
    with FakePrinter(chunk_delay=0.01) as printer:
        ticket = issue(app, kiosk_with_printer(db_path, printer.url))
        assert print_outcome(published, ticket)["print"]["status"] == "printed"


def test_a_refused_connection_shows_the_ticket_on_screen(printing: Any, db_path: Path) -> None:
    app, published = printing
    ticket = issue(app, kiosk_with_printer(db_path, refused_url()))
    done = print_outcome(published, ticket)
    assert done["print"]["status"] == "on_screen"
    assert "Không kết nối được máy in" in done["print"]["detail"]
    assert app.test_client().get(f"/api/v1/tickets/{ticket['token']}").get_json()["number"] == "1001"


def test_staff_see_every_kiosk_printer_and_its_last_status(printing: Any, db_path: Path,
                                                           api: Any) -> None:
    app, published = printing
    with FakePrinter("out") as printer:
        ticket = issue(app, kiosk_with_printer(db_path, printer.url))
        print_outcome(published, ticket)
        printer_alert(published, "out")
    token = api.login("giamsat")
    listed = app.test_client().get("/api/v1/printers", headers={"Authorization": f"Bearer {token}"})
    by_name = {p["device_name"]: p for p in listed.get_json()["printers"]}
    assert by_name["kiosk-test"]["status"] == "out"
    assert {"kiosk-A", "kiosk-A1", "kiosk-B2"} <= set(by_name)  # every kiosk with a printer


def test_a_print_job_lost_in_a_crash_is_not_left_pending(api: Any, db_path: Path) -> None:
    """Print jobs live in memory: after a restart, tickets still pending are marked on screen."""
    from server.app import create_app
    ticket = api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}).get_json()
    with Database(db_path).write() as conn:  # as the crashed server left it: queued, not printed
        conn.execute("UPDATE tickets SET print_status='pending' WHERE token=?", (ticket["token"],))
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": True, "TESTING": True})
    try:
        after = app.test_client().get(f"/api/v1/tickets/{ticket['token']}").get_json()
        assert after["print"] == {"status": "on_screen", "detail": "Dịch vụ in đã dừng trước khi in"}
    finally:
        app.extensions["xephang"].printer.stop()


def test_a_checked_in_number_from_home_and_appointment_print_at_the_kiosk(
        printing: Any, db_path: Path) -> None:
    """Issue 10: check-in at a kiosk with a printer prints the ticket like any other."""
    from server.services.context import now_local, stamp
    from server.store import citizens as rows
    from tests.booking_race_workers import make_citizens
    app, published = printing
    [citizen] = make_citizens(str(db_path), 1)
    r = app.test_client().post("/api/v1/public/remote-tickets", json={"service": "TP-LLTP"},
                               headers={"Authorization": f"Bearer {citizen}"})
    assert r.status_code == 201, r.get_json()
    now = now_local()
    with Database(db_path).write() as conn:
        rows.add_booking(conn, {"kind": "appointment", "code": "APPT01", "token": "t-appt01",
                                "service": "TP-LLTP", "day": now.date().isoformat(),
                                "start": now.strftime("%H:%M"), "end": now.strftime("%H:%M"),
                                "phone_hash": None, "status": "booked",
                                "created_at": stamp(now), "changed_at": stamp(now)})
    with FakePrinter("ok") as printer:
        token = kiosk_with_printer(db_path, printer.url)
        for code in (r.get_json()["code"], "APPT01"):
            c = app.test_client().post("/api/v1/checkin", json={"code": code},
                                       headers={"Authorization": f"Bearer {token}"})
            assert c.status_code == 201, c.get_json()
            ticket = c.get_json()
            assert ticket["print"]["status"] == "pending"
            assert print_outcome(published, ticket)["print"]["status"] == "printed"
            assert decode(printer.printed()[-1]).text(ticket["number"]) is not None
