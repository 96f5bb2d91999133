"""Issue 10: appointment slots and bookings through the public API, as a citizen's phone does it."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from server.services import citizens, notify
from server.services.notify.gateways import HttpGateway
from server.services.phone_vault import vault_for
from server.store import citizens as rows
from tests.support.fake_sms import FakeSmsGateway

SLOTS, BOOK = "/api/v1/public/slots", "/api/v1/public/bookings"


def working_days(n: int) -> list[str]:
    """The next n weekdays after today (the demo calendar has no holiday in the next weeks)."""
    out, d = [], date.today()
    while len(out) < n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            out.append(d.isoformat())
    return out


def next_weekend_day() -> str:
    d = date.today() + timedelta(days=1)
    while d.weekday() < 5:
        d += timedelta(days=1)
    return d.isoformat()


@pytest.fixture
def gateway() -> Any:
    with FakeSmsGateway() as gw:
        yield gw


class Citizen:
    """A phone verified through the API, the code read at the fake SMS gateway."""

    def __init__(self, app: Any, http: Any, gateway: Any, phone: str) -> None:
        self.app, self.http, self.gateway = app, http, gateway
        self.e164 = "+84" + phone[1:]
        r = http.call("POST", "/api/v1/public/verify", json={"phone": phone, "consent": True})
        assert r.status_code == 202, r.get_json()
        notify.deliver_due(app.extensions["xephang"], HttpGateway(gateway.url))
        code = gateway.code_for(self.e164)
        self.token = http.ok("POST", "/api/v1/public/verify/confirm",
                             json={"phone": phone, "code": code})["token"]

    def book(self, service: str, day: str, start: str, **extra: Any) -> Any:
        return self.http.call("POST", BOOK, json={"service": service, "date": day, "start": start,
                                                  **extra},
                              headers={"Authorization": f"Bearer {self.token}"})


def free_of(http: Any, service: str, day: str, start: str) -> int:
    slots = http.ok("GET", f"{SLOTS}?service={service}&date={day}")["slots"]
    return int(next(s["free"] for s in slots if s["start"] == start))


def test_services_say_which_take_remote_numbers_and_appointments(http: Any) -> None:
    services = {s["code"]: s for s in http.ok("GET", "/api/v1/services")["services"]}
    assert services["TP-LLTP"]["appointments"] and services["TP-LLTP"]["remote"]
    assert services["TP-QT"]["appointments"] and not services["TP-QT"]["remote"]
    assert not services["BD-A"]["appointments"] and not services["BD-A"]["remote"]


def test_slots_follow_the_hours_and_the_calendar(http: Any) -> None:
    day = working_days(1)[0]
    slots = http.ok("GET", f"{SLOTS}?service=XD-GPXD&date={day}")["slots"]
    starts = [s["start"] for s in slots]
    assert starts[0] == "07:30" and "11:00" in starts and "11:30" not in starts
    assert "13:00" in starts and starts[-1] == "16:30"
    assert all(s["capacity"] >= 1 and s["free"] == s["capacity"] for s in slots)
    assert http.ok("GET", f"{SLOTS}?service=XD-GPXD&date={next_weekend_day()}")["slots"] == []
    http.ok("POST", "/api/v1/admin/calendar", "quantri",
            {"date": day, "kind": "closure", "name": "tập huấn", "units": ["XD"]}, 201)
    assert http.ok("GET", f"{SLOTS}?service=XD-GPXD&date={day}")["slots"] == []
    assert http.ok("GET", f"{SLOTS}?service=TP-LLTP&date={day}")["slots"]  # another unit
    http.refused("GET", f"{SLOTS}?service=BD-A&date={day}", None, None, 400,
                 "service_not_bookable")
    far = (date.today() + timedelta(days=60)).isoformat()
    for bad in ("2020-01-01", far, "mai", ""):
        http.refused("GET", f"{SLOTS}?service=TP-LLTP&date={bad}", None, None, 400, "bad_day")


def test_book_see_the_qr_cancel_and_move(app: Any, http: Any, gateway: Any) -> None:
    day, later = working_days(2)
    citizen = Citizen(app, http, gateway, "0912345678")
    before = free_of(http, "TP-LLTP", day, "08:00")
    r = citizen.book("TP-LLTP", day, "08:00")
    assert r.status_code == 201, r.get_json()
    b = r.get_json()
    assert len(b["code"]) == 6 and b["status"] == "booked" and (b["date"], b["start"]) == (day, "08:00")
    assert b["end"] == "08:30" and b["qr_url"].endswith(f"/api/v1/public/bookings/{b['token']}/qr.svg")
    assert "phone" not in str(b) and "912345678" not in str(b)
    assert free_of(http, "TP-LLTP", day, "08:00") == before - 1
    svg = http.call("GET", f"{BOOK}/{b['token']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    # the confirmation SMS carries the check-in code
    notify.deliver_due(app.extensions["xephang"], HttpGateway(gateway.url))
    assert b["code"] in gateway.wait_for(2)[-1]["text"]
    moved = http.ok("POST", f"{BOOK}/{b['token']}/move", json={"date": later, "start": "09:30"})
    assert (moved["date"], moved["start"], moved["code"]) == (later, "09:30", b["code"])
    assert free_of(http, "TP-LLTP", day, "08:00") == before
    assert http.ok("GET", f"{BOOK}/{b['token']}")["start"] == "09:30"
    gone = http.ok("DELETE", f"{BOOK}/{b['token']}")
    assert gone["status"] == "cancelled"
    assert free_of(http, "TP-LLTP", later, "09:30") == before
    assert http.ok("DELETE", f"{BOOK}/{b['token']}")["status"] == "cancelled"  # a retry
    http.refused("POST", f"{BOOK}/{b['token']}/move", None, {"date": later, "start": "10:00"},
                 409, "booking_not_active")
    http.refused("DELETE", f"{BOOK}/nope", None, None, 404, "booking_not_found")


def test_booking_needs_a_verified_phone(http: Any) -> None:
    day = working_days(1)[0]
    body = {"service": "TP-LLTP", "date": day, "start": "08:00"}
    http.refused("POST", BOOK, None, body, 401, "citizen_unverified")
    http.refused("POST", BOOK, None, body, 401, "citizen_unverified",
                 headers={"Authorization": "Bearer cz-made-up"})


def test_a_full_slot_is_refused_and_an_unknown_one_too(app: Any, http: Any, gateway: Any) -> None:
    day = working_days(1)[0]
    capacity = next(s["capacity"] for s in http.ok("GET", f"{SLOTS}?service=TP-HT&date={day}")
                    ["slots"] if s["start"] == "09:00")
    people = [Citizen(app, http, gateway, f"09123450{n:02d}") for n in range(capacity + 1)]
    for p in people[:capacity]:
        assert p.book("TP-HT", day, "09:00").status_code == 201
    r = people[-1].book("TP-HT", day, "09:00")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "slot_full"
    assert "09:00" in r.get_json()["error"]["message"]
    r = people[-1].book("TP-HT", day, "12:00")  # lunch: no slot
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "unknown_slot"


def test_the_daily_limit_per_phone_and_idempotent_retries(app: Any, http: Any,
                                                          gateway: Any) -> None:
    day = working_days(1)[0]
    c = Citizen(app, http, gateway, "0987654321")
    first = c.book("TP-LLTP", day, "08:00", request_id="tap-1")
    again = c.book("TP-LLTP", day, "08:00", request_id="tap-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["code"] == again.get_json()["code"]
    assert c.book("TP-LLTP", day, "08:30").status_code == 201
    r = c.book("TP-HT", day, "10:00")
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "limit_reached"
    assert "2" in r.get_json()["error"]["message"]
    other_day = working_days(2)[1]
    assert c.book("TP-HT", other_day, "10:00").status_code == 201


def test_no_shows_block_a_phone_and_old_phone_data_is_erased(app: Any, http: Any,
                                                             gateway: Any) -> None:
    ctx = app.extensions["xephang"]
    days = working_days(3)
    c = Citizen(app, http, gateway, "0933333333")
    for day in days:
        assert c.book("TP-LLTP", day, "14:00").status_code == 201
    start = ctx.clock()
    ctx.clock = lambda: start + timedelta(days=10)  # all three passed, never checked in
    citizens.close_day(ctx)
    vault = vault_for(ctx.db)
    h = vault.lookup(c.e164)
    with ctx.db.read() as conn:
        assert rows.phone_no_shows(conn, h, "2000-01-01") == 3
        assert rows.phone_row(conn, h)["blocked_until"] > ctx.clock().isoformat()
    # a new token (the first expired) cannot book while blocked
    c = Citizen(app, http, gateway, "0933333333")
    day = (ctx.clock().date() + timedelta(days=1 if ctx.clock().weekday() < 4 else 3)).isoformat()
    r = c.book("TP-LLTP", day, "14:00")
    assert r.status_code == 429 and "30" in r.get_json()["error"]["message"], r.get_json()
    ctx.clock = lambda: start + timedelta(days=80)  # past the retention days
    erased = citizens.close_day(ctx)
    assert erased["phones"] == 1 and erased["bookings"] >= 3
    with ctx.db.read() as conn:
        assert rows.phone_row(conn, h) is None
        assert conn.execute("SELECT COUNT(*) FROM bookings WHERE phone_hash IS NOT NULL")\
            .fetchone()[0] == 0


def test_an_admin_turns_appointments_on_and_off_and_the_site_file_keeps_them(http: Any) -> None:
    base, day = "/api/v1/admin/site", working_days(1)[0]
    http.ok("PUT", f"{base}/service/BD-A", "quantri", {"appointments": True, "remote": True})
    http.ok("PUT", f"{base}/service/TP-QT", "quantri", {"appointments": False})
    http.ok("PUT", f"{base}/service/TP-LLTP", "quantri", {"wait_target_min": 25})  # flags kept
    listed = {s["code"]: s for s in http.ok("GET", "/api/v1/services")["services"]}
    assert listed["BD-A"]["appointments"] and listed["BD-A"]["remote"]
    assert not listed["TP-QT"]["appointments"] and listed["TP-LLTP"]["appointments"]
    assert http.ok("GET", f"{SLOTS}?service=BD-A&date={day}")["slots"]
    http.refused("GET", f"{SLOTS}?service=TP-QT&date={day}", None, None, 400,
                 "service_not_bookable")
    http.refused("PUT", f"{base}/service/BD-A", "quantri", {"appointments": "yes"}, 400,
                 "bad_value")
    text = http.call("GET", f"{base}/export", "quantri").get_data(as_text=True)
    block = text.split('code = "TP-LLTP"', 1)[1].split("[[", 1)[0]
    assert "appointments = true" in block and "remote = true" in block
    assert "appointment_share = 0.4" in block
