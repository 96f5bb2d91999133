"""Issue 10 loose ends: bookings and check-ins are published live to staff (the floor view's
"Today's appointments" panel), never to public screens, and carry no phone, token or code."""
from __future__ import annotations

from typing import Any

import pytest
from server.realtime import socketio

from tests.api.test_bookings import BOOK, Citizen, gateway, working_days  # noqa: F401 - fixture
from tests.api.test_remote_tickets import checkin, take
from tests.test_public_views import strings


@pytest.fixture
def listeners(app: Any, http: Any) -> Any:
    staff = socketio.test_client(app, auth={"token": http.token("giamsat")})
    board = socketio.test_client(app, auth={"token": http.demo.token("board-lobby")})
    staff.get_received(), board.get_received()
    yield staff, board
    staff.disconnect(), board.disconnect()


def booking_events(client: Any) -> list[dict[str, Any]]:
    return [m["args"][0] for m in client.get_received() if m["name"] == "booking.changed"]


def test_bookings_and_checkins_reach_staff_only_without_personal_data(
        app: Any, http: Any, gateway: Any, listeners: Any) -> None:  # noqa: F811
    staff, board = listeners
    day, later = working_days(2)
    citizen = Citizen(app, http, gateway, "0912345678")
    b = citizen.book("TP-LLTP", day, "08:00").get_json()
    http.ok("POST", f"{BOOK}/{b['token']}/move", json={"date": later, "start": "09:30"})
    http.ok("DELETE", f"{BOOK}/{b['token']}")
    remote = take(http, citizen).get_json()
    assert checkin(http, remote["code"]).status_code == 201

    heard = booking_events(staff)
    assert [(e["change"], e["booking"]["kind"]) for e in heard] == [
        ("created", "appointment"), ("moved", "appointment"), ("cancelled", "appointment"),
        ("created", "remote"), ("checked_in", "remote")]
    assert heard[0]["booking"] == {"kind": "appointment", "service": "TP-LLTP", "day": day,
                                   "start": "08:00", "end": "08:30", "status": "booked",
                                   "checked_in": False}
    assert (heard[1]["booking"]["day"], heard[1]["booking"]["start"]) == (later, "09:30")
    assert heard[2]["booking"]["status"] == "cancelled" and heard[4]["booking"]["checked_in"]
    seqs = [e["seq"] for e in heard]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    secrets = {b["code"], b["token"], remote["code"], remote["token"], "912345678"}
    assert not [s for e in heard for text in strings(e) for s in secrets if s in text]
    assert booking_events(board) == []
