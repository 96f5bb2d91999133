"""Issue 7, citizens: full services, building-unique numbers, people ahead by the real order,
one wait wording, and putting a missed ticket back in line."""
from __future__ import annotations

import threading
import tomllib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.realtime import socketio
from server.site import SiteConfigError, parse_site

ROOT = Path(__file__).resolve().parents[2]
TICKETS = "/api/v1/tickets"


def demo_site_text() -> str:
    return (ROOT / "config" / "site.toml").read_text(encoding="utf-8")


# Building-unique numbers ---------------------------------------------------------------------------

def test_the_demo_site_gives_every_service_its_own_numbers() -> None:
    site = parse_site(tomllib.loads(demo_site_text()))
    ranges = sorted((s["first_number"], s["last_number"], s["code"]) for s in site["services"])
    for (a_first, a_last, a), (b_first, _b_last, b) in zip(ranges, ranges[1:]):
        assert a_last < b_first, (a, b)
    assert all(len(str(first)) == len(str(last)) == 4 for first, last, _ in ranges)  # short: 4 digits


def test_overlapping_ranges_are_refused_naming_both_services() -> None:
    text = demo_site_text().replace("first_number = 3751\nlast_number = 3850",
                                    "first_number = 1701\nlast_number = 1750")
    with pytest.raises(SiteConfigError) as err:
        parse_site(tomllib.loads(text))
    assert "TP-LLTP" in str(err.value) and "TP-QT" in str(err.value) and "overlap" in str(err.value)


def test_a_database_loaded_with_overlapping_ranges_is_refused_with_a_hint(demo: Any, db_path: Any) -> None:
    # A database loaded before ranges were checked still holds the old, overlapping ranges.
    from server.app import create_app
    from server.store import Database
    store = Database(db_path)
    with store.write() as db:
        db.execute("UPDATE services SET first_number = 1001, last_number = 1100 WHERE code = 'TP-QT'")
    store.close()
    with pytest.raises(SiteConfigError) as err:
        create_app({"DB": str(db_path), "PRINTING": False})
    assert "TP-LLTP" in str(err.value) and "TP-QT" in str(err.value) and "--reload" in str(err.value)


def test_prefixes_that_could_print_the_same_number_are_refused() -> None:
    data = tomllib.loads(demo_site_text())
    data["services"][0].update(prefix="A", first_number=1, last_number=999, width=3)
    data["services"][1].update(prefix="A1", first_number=1, last_number=999, width=3)
    with pytest.raises(SiteConfigError, match="prefix"):
        parse_site(data)


def test_a_used_up_range_makes_the_service_full_and_never_spills(site_app: Any) -> None:
    _, http = site_app({"first_number = 3751\nlast_number = 3850": "first_number = 3751\nlast_number = 3753"})
    assert [http.issue("TP-QT")["number"] for _ in range(3)] == ["3751", "3752", "3753"]
    http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-QT"}, 409, "daily_cap_reached")
    services = {s["code"]: s for s in http.ok("GET", "/api/v1/services?zone=A1")["services"]}
    assert services["TP-QT"]["full"] is True and services["TP-HT"]["full"] is False
    assert http.issue("TP-HT")["number"] == "3851"  # the next service's numbers are untouched


def test_boards_in_two_zones_never_show_the_same_number(http: Any) -> None:
    numbers = [http.issue(svc, who=kiosk)["number"] for svc, kiosk in
               [("TP-LLTP", "kiosk-A1"), ("XD-GPXD", "kiosk-A"), ("KQ-A", "kiosk-A"), ("KQ-A1", "kiosk-A1")]]
    assert len(set(numbers)) == len(numbers)


# Full services -------------------------------------------------------------------------------------

def test_a_full_service_says_so_in_the_api_and_in_live_updates(site_app: Any) -> None:
    app, http = site_app({"daily_cap = 80": "daily_cap = 1"})
    services = {s["code"]: s for s in http.ok("GET", "/api/v1/services?zone=A1")["services"]}
    assert services["TP-QT"]["full"] is False
    board = socketio.test_client(app, auth={"token": http.demo.token("board-A1")})
    board.get_received()
    http.issue("TP-QT")
    changed = [m["args"][0] for m in board.get_received() if m["name"] == "queue.changed"]
    assert any(s["code"] == "TP-QT" and s["full"] for m in changed for s in m["services"])
    services = {s["code"]: s for s in http.ok("GET", "/api/v1/services")["services"]}
    assert services["TP-QT"]["full"] is True and services["TP-QT"]["open"] is True
    board.disconnect()


# People ahead --------------------------------------------------------------------------------------

def test_an_elderly_ticket_is_told_it_is_next_and_is_called_next(http: Any) -> None:
    for _ in range(3):
        http.issue("TP-LLTP")
    http.act(18, "open", "canbo18")
    elderly = http.issue("TP-LLTP", priority="elderly")
    assert elderly["ahead"] == 0
    assert http.ticket(elderly["token"])["ahead"] == 0
    called = http.act(18, "call-next", "canbo18")["ticket"]
    assert called["number"] == elderly["number"]


def test_kiosk_paper_and_phone_read_the_same_wait(app: Any, http: Any) -> None:
    from server.services.printing import ticket_print
    from printers.ticket import wait_parts
    for _ in range(4):
        http.issue("TP-LLTP")
    t = http.issue("TP-LLTP")
    phone = http.ticket(t["token"])
    assert phone["ahead"] == t["ahead"] == 4
    assert phone["estimated_wait_text"] == t["estimated_wait_text"]
    paper = ticket_print(app.extensions["xephang"], t)
    _ahead, wait = wait_parts(paper, "vi")
    assert t["estimated_wait_text"]["vi"] in wait


# Requeue a missed ticket ---------------------------------------------------------------------------

def _missed(http: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ticket called and marked no-show at counter 18, and one issued after it, still waiting."""
    first = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    later = http.issue("TP-LLTP")
    http.act(18, "no-show", "canbo18")
    assert http.ticket(first["token"])["status"] == "no_show"
    return first, later


def test_an_officer_puts_a_missed_ticket_back_in_front_of_those_who_came_after(http: Any) -> None:
    first, later = _missed(http)
    missed = http.ok("GET", "/api/v1/counters/18/missed", "canbo18")["tickets"]
    assert [t["number"] for t in missed] == [first["number"]]
    back = http.ok("POST", f"{TICKETS}/{first['token']}/requeue", "canbo18", {"request_id": "rq-1"})
    assert (back["status"], back["requeued"], back["ahead"]) == ("waiting", True, 0)
    assert http.ticket(later["token"])["ahead"] == 1
    again = http.ok("POST", f"{TICKETS}/{first['token']}/requeue", "canbo18", {"request_id": "rq-1"})
    assert again["id"] == back["id"] and again["status"] == "waiting"  # a retry changes nothing
    msgs = http.refused("POST", f"{TICKETS}/{first['token']}/requeue", "canbo18", {}, 409,
                        "already_requeued")
    assert first["number"] in msgs["vi"] and "only once" in msgs["en"]
    history = http.ok("GET", f"{TICKETS}/{first['token']}/events", "canbo18")["events"]
    assert [e["type"] for e in history].count("ticket.requeued") == 1
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == first["number"]


def test_the_citizen_puts_it_back_from_the_phone_within_the_window(app: Any, http: Any) -> None:
    first, _ = _missed(http)
    back = http.ok("POST", f"{TICKETS}/{first['token']}/requeue", None, {"request_id": "p-1"})
    assert back["status"] == "waiting" and back["ahead"] == 0
    msgs = http.refused("POST", f"{TICKETS}/{first['token']}/requeue", None, {}, 409, "already_requeued")
    assert "một lần" in msgs["vi"]


def test_the_citizen_is_too_late_after_the_window_but_staff_are_not(app: Any, http: Any) -> None:
    first, _ = _missed(http)
    ctx = app.extensions["xephang"]
    real = ctx.clock
    ctx.clock = lambda: real() + timedelta(minutes=31)
    msgs = http.refused("POST", f"{TICKETS}/{first['token']}/requeue", None, {}, 409, "requeue_too_late")
    assert "30" in msgs["vi"] and "30" in msgs["en"]
    assert http.ticket(first["token"])["status"] == "no_show"
    assert http.ok("POST", f"{TICKETS}/{first['token']}/requeue", "canbo18")["status"] == "waiting"


def test_only_a_missed_ticket_can_be_put_back(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.refused("POST", f"{TICKETS}/{t['token']}/requeue", None, {}, 409, "ticket_not_missed")
    http.refused("POST", f"{TICKETS}/nope/requeue", None, {}, 404, "ticket_not_found")


def test_two_requeues_racing_one_wins(http: Any, db_path: Path) -> None:
    """Two phones/officers press at the same instant, each through its own connection pool."""
    from server.services.auth import ANONYMOUS
    from server.services.requeue import requeue_ticket
    from server.services.errors import UseCaseError
    from tests.test_races import fresh_ctx
    first, _ = _missed(http)
    barrier = threading.Barrier(4)

    def press(i: int) -> str:
        ctx = fresh_ctx(db_path)
        barrier.wait()
        try:
            requeue_ticket(ctx, ANONYMOUS, first["token"], f"race-{i}")
            return "ok"
        except UseCaseError as exc:
            return exc.code

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(press, range(4)))
    assert outcomes == ["already_requeued"] * 3 + ["ok"]
    events = http.ok("GET", f"{TICKETS}/{first['token']}/events", "canbo18")["events"]
    assert [e["type"] for e in events].count("ticket.requeued") == 1


def test_the_voice_reads_every_number_of_the_demo_and_a_zone_prefixed_one() -> None:
    """Building numbers are four digits, read one by one; a site that prefers a zone prefix
    ("A1-5001") is read letter, digits, the dash skipped — the packs have every letter."""
    import json

    from counter_display.voicepack import number_segments
    manifest = json.loads((ROOT / "config" / "voice" / "vi-south" / "manifest.json").read_text("utf-8"))
    segments = manifest["segments"]
    site = parse_site(tomllib.loads(demo_site_text()))
    for s in site["services"]:
        for n in (s["first_number"], s["last_number"]):
            assert number_segments(str(n), segments) == [f"digit_{d}" for d in str(n)]
    assert number_segments("A1-5001", segments) == ["letter_a", "digit_1", "digit_5", "digit_0",
                                                    "digit_0", "digit_1"]
