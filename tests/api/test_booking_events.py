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


def booking_of(http: Any, ticket_token: str) -> dict[str, Any]:
    """The booking row behind a number from home (its status is not shown to anyone)."""
    from server.store import queue as q
    from server.store import remote as store
    with http.app.extensions["xephang"].db.read() as conn:
        t = q.ticket_by_token(conn, ticket_token)
        return dict(store.booking_of_ticket(conn, int(t["id"])))


def test_a_citizen_cancels_her_number_from_home(app: Any, http: Any, gateway: Any,
                                                listeners: Any) -> None:  # noqa: F811
    staff, board = listeners
    citizen = Citizen(app, http, gateway, "0912345678")
    walk_in = http.issue("TP-LLTP")
    mine = take(http, citizen).get_json()
    cancel = f"/api/v1/public/remote-tickets/{mine['token']}/cancel"
    gone = http.ok("POST", cancel)
    assert gone["status"] == "cancelled" and gone["number"] == mine["number"]
    assert "id" not in gone and "phone" not in str(gone)
    page = http.ticket(mine["token"])
    assert page["status"] == "cancelled" and page["remote"] == {"checked_in": False,
                                                                "state": "cancelled"}
    assert http.ok("POST", cancel)["status"] == "cancelled"  # a retry changes nothing
    assert booking_of(http, mine["token"])["status"] == "cancelled"
    assert [e["change"] for e in booking_events(staff)] == ["created", "cancelled"]
    changed = [m["args"][0] for m in board.get_received() if m["name"] == "queue.changed"]
    assert changed  # the boards' counts follow
    # The number is gone from the line: the walk-in, then no one; the code no longer checks in.
    http.act(18, "open", "canbo18")
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == walk_in["number"]
    assert http.act(18, "call-next", "canbo18")["ticket"] is None
    assert checkin(http, mine["code"]).status_code == 409
    # A cancelled number does not count against the daily limit (2): two more can be taken.
    assert take(http, citizen).status_code == 201 and take(http, citizen).status_code == 201
    # Only numbers from home: a walk-in's token cannot cancel it, nor can an unknown one.
    http.refused("POST", f"/api/v1/public/remote-tickets/{walk_in['token']}/cancel", None, None,
                 404, "ticket_not_found")
    http.refused("POST", "/api/v1/public/remote-tickets/nope/cancel", None, None,
                 404, "ticket_not_found")


def test_the_booking_page_cancels_a_number_from_home_by_its_booking_token(
        app: Any, http: Any, gateway: Any) -> None:  # noqa: F811
    citizen = Citizen(app, http, gateway, "0912345678")
    mine = take(http, citizen).get_json()
    b = booking_of(http, mine["token"])
    assert http.ok("DELETE", f"{BOOK}/{b['token']}")["status"] == "cancelled"
    assert http.ticket(mine["token"])["status"] == "cancelled"
    assert http.ok("DELETE", f"{BOOK}/{b['token']}")["status"] == "cancelled"  # a retry


def test_staff_cancel_an_away_number_with_an_audit_entry(app: Any, http: Any, gateway: Any,
                                                         listeners: Any) -> None:  # noqa: F811
    from tests.api.test_audit import trail
    staff, _board = listeners
    citizen = Citizen(app, http, gateway, "0912345678")
    mine = take(http, citizen).get_json()
    assert mine["status"] == "away"
    gone = http.ok("POST", f"/api/v1/tickets/{mine['token']}/cancel", "giamsat")
    assert gone["status"] == "cancelled"
    assert booking_of(http, mine["token"])["status"] == "cancelled"
    entry = trail(http, "ticket.cancel")[0]
    assert (entry["target"], entry["before"], entry["after"]) == (
        f"ticket:{mine['number']}", {"status": "away"}, {"status": "cancelled"})
    heard = booking_events(staff)
    assert [e["change"] for e in heard] == ["created", "cancelled"]
    assert heard[1]["booking"]["kind"] == "remote"
    # The owner's page says so; her own cancel now answers the cancelled ticket.
    assert http.ticket(mine["token"])["status"] == "cancelled"
    assert http.ok("POST", f"/api/v1/public/remote-tickets/{mine['token']}/cancel")["status"] \
        == "cancelled"
