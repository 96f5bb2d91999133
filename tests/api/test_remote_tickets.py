"""Issue 10: numbers from home (held aside until checked in, then called at their place) and
check-in of remote numbers and appointments at a kiosk or by a guide."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from server.services import notify
from server.services.context import TZ, now_local
from server.services.notify.gateways import HttpGateway
from tests.api.test_bookings import Citizen, gateway  # noqa: F401 - the fixture is used by name

REMOTE = "/api/v1/public/remote-tickets"


def take(http: Any, who: Citizen, service: str = "TP-LLTP", **extra: Any) -> Any:
    return http.call("POST", REMOTE, json={"service": service, **extra},
                     headers={"Authorization": f"Bearer {who.token}"})


def checkin(http: Any, code: str, who: str = "kiosk-A1") -> Any:
    return http.call("POST", "/api/v1/checkin", who, {"code": code})


def called_number(http: Any, counter: int = 18, who: str = "canbo18") -> str | None:
    t = http.act(counter, "call-next", who)["ticket"]
    return t["number"] if t else None


@pytest.fixture
def citizen(app: Any, http: Any, gateway: Any) -> Citizen:  # noqa: F811
    return Citizen(app, http, gateway, "0901234567")


def test_a_remote_number_waits_away_until_checked_in_then_is_called(
        app: Any, http: Any, citizen: Citizen, gateway: Any) -> None:  # noqa: F811
    walk_in = http.issue("TP-LLTP")
    r = take(http, citizen)
    assert r.status_code == 201, r.get_json()
    mine = r.get_json()
    assert mine["status"] == "away" and mine["channel"] == "remote" and len(mine["code"]) == 6
    assert mine["ahead"] == 1 and mine["remote"]["state"] == "away" and mine["remote"]["leave_at"]
    assert "id" not in mine and "phone" not in str(mine)
    page = http.ticket(mine["token"])
    assert page["remote"]["state"] == "away" and page["ahead"] == 1
    assert http.waiting("TP-LLTP") == 1  # not counted as waiting before it checks in

    assert called_number(http) == walk_in["number"]
    assert called_number(http) is None  # away: never called, and it blocks no one

    ticket = checkin(http, mine["code"].lower())  # a scanner or a hand typing in lower case
    assert ticket.status_code == 201, ticket.get_json()
    assert ticket.get_json()["status"] == "waiting" and ticket.get_json()["number"] == mine["number"]
    assert called_number(http) == mine["number"]
    # the owner gets the code by SMS when taking it and an SMS when called (fake gateway)
    notify.deliver_due(app.extensions["xephang"], HttpGateway(gateway.url))
    texts = gateway.texts_for(citizen.e164)
    assert any(mine["code"] in t for t in texts)
    assert any(f"Mời số {mine['number']} đến quầy 18" in t for t in texts)


def test_held_aside_when_its_turn_passes_then_called_at_its_place(
        http: Any, citizen: Citizen) -> None:
    mine = take(http, citizen).get_json()
    later = [http.issue("TP-LLTP") for _ in range(3)]
    assert called_number(http) == later[0]["number"]  # its turn came: held aside
    page = http.ticket(mine["token"])
    assert page["remote"]["state"] == "held" and page["remote"]["expires_at"]
    assert checkin(http, mine["code"], "canbo17").status_code == 201  # a guide at /assist
    assert called_number(http) == mine["number"]  # its place is its issue time: next
    assert called_number(http) == later[1]["number"]


def test_a_held_number_expires_after_the_policy_minutes(app: Any, http: Any,
                                                        citizen: Citizen) -> None:
    mine = take(http, citizen).get_json()
    http.issue("TP-LLTP")
    called_number(http)
    ctx = app.extensions["xephang"]
    later = now_local() + timedelta(minutes=31)
    if later.date() != now_local().date():  # near midnight: the day end comes first anyway
        later = now_local().replace(hour=23, minute=59, second=59)
    ctx.clock = lambda: later
    assert http.ticket(mine["token"])["status"] == "expired"
    assert http.ok("GET", "/api/v1/appointments/today", "giamsat")["channels"]["remote"][
        "expired"] == 0  # seen as expired, stored with the service's next call
    http._tokens.pop("canbo18", None)  # log in again at the moved clock
    http.issue("TP-LLTP")
    called_number(http)
    assert http.ok("GET", "/api/v1/appointments/today", "giamsat")["channels"]["remote"][
        "expired"] == 1
    msgs = http.refused("POST", "/api/v1/checkin", "kiosk-A1", {"code": mine["code"]}, 409,
                        "too_late")
    assert "{" not in msgs["vi"]


def test_checkin_errors_in_both_languages(http: Any, citizen: Citizen) -> None:
    http.refused("POST", "/api/v1/checkin", "kiosk-A1", {"code": "ZZZZZZ"}, 404, "unknown_code")
    mine = take(http, citizen).get_json()
    assert checkin(http, mine["code"]).status_code == 201
    http.refused("POST", "/api/v1/checkin", "kiosk-A1", {"code": mine["code"]}, 409,
                 "already_checked_in")
    assert checkin(http, mine["code"], None).status_code == 401  # anonymous: no
    assert http.call("POST", "/api/v1/checkin", "board-lobby", {"code": "X"}).status_code in (403, 404)


def test_remote_numbers_share_the_daily_limit_with_bookings(http: Any, citizen: Citizen) -> None:
    assert take(http, citizen).status_code == 201
    assert take(http, citizen, request_id="r-2").status_code == 201
    again = take(http, citizen, request_id="r-2")  # a retry answers the same ticket
    assert again.status_code == 200
    refused = take(http, citizen)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "limit_reached"
    r = take(http, citizen, service="TP-QT")  # appointments only
    assert r.status_code == 400


def test_an_appointment_checked_in_gets_a_ticket_called_ahead_of_walk_ins(
        app: Any, http: Any, citizen: Citizen) -> None:
    ctx = app.extensions["xephang"]
    now = now_local()
    # a slot of tomorrow's morning, checked in 10 minutes before it starts
    day = (now + timedelta(days=1)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    booking = citizen.book("TP-LLTP", day.isoformat(), "08:00").get_json()
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    ctx.clock = lambda: start - timedelta(minutes=40)
    http.refused("POST", "/api/v1/checkin", "kiosk-A1", {"code": booking["code"]}, 409, "too_early")
    ctx.clock = lambda: start - timedelta(minutes=10)
    walk_ins = [http.issue("TP-LLTP") for _ in range(4)]
    t = checkin(http, booking["code"]).get_json()
    assert t["status"] == "waiting" and t["channel"] == "appointment"
    # before its slot it waits while others do; from its start it goes ahead of the walk-ins
    http._tokens.pop("canbo18", None)  # log in again at the moved clock
    assert called_number(http) == walk_ins[0]["number"]
    ctx.clock = lambda: start + timedelta(minutes=1)
    assert [called_number(http) for _ in range(2)] == [t["number"], walk_ins[1]["number"]]
    # one checked in early with nobody else left for the counter is called at once
    from server.services.context import stamp as stamp_
    from server.store import citizens as rows
    with ctx.db.write() as conn:
        rows.add_booking(conn, {"kind": "appointment", "code": "EARLY7", "token": "tok-early7",
                                "service": "TP-LLTP", "day": day.isoformat(), "start": "08:30",
                                "end": "09:00", "phone_hash": None, "status": "booked",
                                "created_at": stamp_(start), "changed_at": stamp_(start)})
    early = checkin(http, "EARLY7").get_json()
    assert [called_number(http) for _ in range(3)] == [walk_ins[2]["number"],
                                                       walk_ins[3]["number"], early["number"]]
    assert http.call("DELETE", f"/api/v1/public/bookings/{booking['token']}").status_code == 409
    ctx.clock = lambda: start + timedelta(days=1)  # the day closes: checked in, not a no-show
    from server.services import tickets
    tickets.close_day(ctx)
    assert http.ok("GET", f"/api/v1/public/bookings/{booking['token']}")["status"] == "booked"


def test_staff_see_channels_away_numbers_and_todays_appointments(
        app: Any, http: Any, citizen: Citizen) -> None:
    ctx = app.extensions["xephang"]
    mine = take(http, citizen).get_json()
    http.issue("TP-LLTP")
    detail = http.ok("GET", "/api/v1/counters/18", "canbo18")
    assert detail["away"] == {"TP-LLTP": 1}
    assert [t["channel"] for t in detail["waiting"]] == ["kiosk"]
    assert checkin(http, mine["code"]).status_code == 201
    detail = http.ok("GET", "/api/v1/counters/18", "canbo18")
    assert detail["away"] == {} and [t["channel"] for t in detail["waiting"]] == ["remote", "kiosk"]
    assert "away" not in str(http.ok("GET", "/api/v1/counters/18", "counter-18")["away"])
    # an appointment of today whose late window has passed, never checked in: a no-show
    from server.services.context import stamp
    from server.store import citizens as rows
    now = ctx.clock()
    with ctx.db.write() as conn:
        rows.add_booking(conn, {"kind": "appointment", "code": "NOSHOW", "token": "tok-noshow",
                                "service": "TP-LLTP", "day": now.date().isoformat(),
                                "start": "00:00", "end": "00:30", "phone_hash": None,
                                "status": "booked", "created_at": stamp(now),
                                "changed_at": stamp(now)})
    board = http.ok("GET", "/api/v1/appointments/today", "giamsat")
    assert board["appointments"] == [{"service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
                                      "service_name_en": board["appointments"][0]["service_name_en"],
                                      "start": "00:00", "end": "00:30", "booked": 1,
                                      "checked_in": 0, "no_show": 1}]
    assert board["channels"]["remote"] == {"issued": 1, "checked_in": 1, "expired": 0}
    assert board["channels"]["kiosk"]["issued"] == 1
    assert "NOSHOW" not in str(board)
    assert http.call("GET", "/api/v1/appointments/today", "canbo18").status_code == 403


def test_reports_filter_by_the_remote_and_appointment_channels(http: Any, citizen: Citizen) -> None:
    from server.services.context import service_day
    mine = take(http, citizen).get_json()
    http.issue("TP-LLTP")
    assert checkin(http, mine["code"]).status_code == 201
    assert called_number(http) == mine["number"]
    called_number(http)  # completes the remote one, calls the kiosk one
    day = service_day(now_local())
    q = f"/api/v1/reports?from={day}&to={day}&group=service"
    remote = http.ok("GET", q + "&channel=remote", "giamsat")
    kiosk = http.ok("GET", q + "&channel=kiosk", "giamsat")
    row = next(r for r in remote["rows"] if r["key"] == "TP-LLTP")
    assert (row["issued"], row["served"]) == (1, 1), row
    assert next(r for r in kiosk["rows"] if r["key"] == "TP-LLTP")["issued"] == 1
    http.refused("GET", q + "&channel=phone", "giamsat", None, 400, "report_bad_channel")


def test_a_retried_checkin_answers_the_same_ticket(http: Any, citizen: Citizen) -> None:
    mine = take(http, citizen).get_json()
    first = http.call("POST", "/api/v1/checkin", "kiosk-A1", {"code": mine["code"], "request_id": "k-1"})
    again = http.call("POST", "/api/v1/checkin", "kiosk-A1", {"code": mine["code"], "request_id": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["number"] == again.get_json()["number"] == mine["number"]
    assert http.waiting("TP-LLTP") == 1


def test_a_later_priority_ticket_called_first_does_not_pass_its_turn(
        http: Any, citizen: Citizen) -> None:
    mine = take(http, citizen).get_json()
    prio = http.issue("TP-LLTP", priority="elderly")
    assert called_number(http) == prio["number"]
    assert http.ticket(mine["token"])["remote"]["state"] == "away"
    http.issue("TP-LLTP")
    called_number(http)
    assert http.ticket(mine["token"])["remote"]["state"] == "held"
