"""call-next at a priority counter with a checked-in appointment waiting (issue 10): the counter
exists for priority citizens, so an elderly citizen who came after the appointment's slot began
is called first; the appointment then goes ahead of the walk-ins who came earlier."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.services.context import TZ, now_local
from tests.api.test_bookings import Citizen, gateway  # noqa: F401 - the fixture is used by name
from tests.api.test_remote_tickets import called_number, checkin


def test_a_priority_counter_calls_the_elderly_before_an_appointment_then_the_appointment(
        app: Any, http: Any, gateway: Any) -> None:  # noqa: F811
    ctx = app.extensions["xephang"]
    citizen = Citizen(app, http, gateway, "0901234567")
    day = (now_local() + timedelta(days=1)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    booking = citizen.book("TP-LLTP", day.isoformat(), "08:00").get_json()
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    ctx.clock = lambda: start - timedelta(minutes=10)
    walk_ins = [http.issue("TP-LLTP") for _ in range(2)]
    mine = checkin(http, booking["code"]).get_json()
    assert mine["channel"] == "appointment"
    ctx.clock = lambda: start + timedelta(minutes=1)
    old = http.issue("TP-LLTP", priority="elderly")
    http._tokens.pop("canbo17", None)  # log in again at the moved clock
    http.act(17, "open", "canbo17")
    # What they are told follows the same rule: with the priority counter alone open, the
    # elderly citizen is next and the appointment second.
    assert [http.ticket(t["token"])["ahead"] for t in (old, mine, *walk_ins)] == [0, 1, 2, 3]
    order = [called_number(http, 17, "canbo17") for _ in range(4)]
    assert order == [old["number"], mine["number"], walk_ins[0]["number"], walk_ins[1]["number"]]


def test_a_priority_counter_leaves_another_services_appointment_to_its_counters(
        app: Any, http: Any, gateway: Any) -> None:  # noqa: F811
    # Counter 17, the zone's priority counter, now serves TP-QT only: TP-LLTP's priority citizens
    # are still its to call, TP-LLTP's appointments are counter 18's.
    http.ok("PUT", "/api/v1/admin/site/counter/17", "quantri", {"services": ["TP-QT"]})
    ctx = app.extensions["xephang"]
    citizen = Citizen(app, http, gateway, "0901234567")
    day = (now_local() + timedelta(days=1)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    booking = citizen.book("TP-LLTP", day.isoformat(), "08:00").get_json()
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    ctx.clock = lambda: start
    mine = checkin(http, booking["code"]).get_json()
    ctx.clock = lambda: start + timedelta(minutes=1)
    old = http.issue("TP-LLTP", priority="elderly")
    for who in ("canbo17", "canbo18"):
        http._tokens.pop(who, None)  # log in again at the moved clock
    assert called_number(http, 17, "canbo17") == old["number"]
    assert called_number(http, 17, "canbo17") is None  # the appointment is not its call
    http.refused("POST", "/api/v1/counters/17/call", "canbo17", {"number": mine["number"]},
                 409, "ticket_not_waiting")
    assert called_number(http, 18, "canbo18") == mine["number"]
