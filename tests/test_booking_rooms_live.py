"""A department head hears the bookings of her units' services only (real server, real Socket.IO
clients), as she hears her units' devices: the head of Sở Tư pháp hears a number from home taken
for a TP service, not one for Sở Xây dựng's; the supervisor of the whole building and the
administrator hear both; an officer hears none."""
from __future__ import annotations

import threading
from typing import Any

import socketio

from tests.booking_race_workers import make_citizens
from tests.browser.test_remote_staff import _missed_appointment
from tests.conftest import DEMO_PASSWORD, LiveServer


class Bookings:
    """A staff member's real Socket.IO client: its rooms and every booking.changed, in order."""

    def __init__(self, url: str, token: str) -> None:
        self.heard: list[dict[str, Any]] = []
        self.rooms: list[str] = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("booking.changed", self._changed)
        self.client.on("snapshot", self._snapshot)
        self.client.connect(url, auth={"token": token}, transports=["websocket"])
        with self.cond:
            assert self.cond.wait_for(lambda: bool(self.rooms), 20)

    def _snapshot(self, snap: dict[str, Any]) -> None:
        with self.cond:
            self.rooms = snap["rooms"]
            self.cond.notify_all()

    def _changed(self, payload: dict[str, Any]) -> None:
        with self.cond:
            self.heard.append(payload["booking"])
            self.cond.notify_all()

    def wait_for(self, service: str) -> list[str]:
        """Until a booking of this service was heard; the services heard so far, in order."""
        with self.cond:
            assert self.cond.wait_for(lambda: any(b["service"] == service for b in self.heard),
                                      20), self.heard
            return [b["service"] for b in self.heard]


def test_a_department_head_hears_only_her_units_bookings(live_server: LiveServer) -> None:
    server = live_server
    r = server.api("POST", "/api/v1/admin/users", who="quantri",
                   json={"username": "hoa", "display_name": "Trưởng phòng Tư pháp",
                         "role": "supervisor", "units": ["TP"], "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    head, everyone, admin, officer = (Bookings(server.url, server.token(who))
                                      for who in ("hoa", "giamsat", "quantri", "canbo18"))
    assert "staff:bookings:service:TP-LLTP" in head.rooms
    assert "staff:bookings" not in head.rooms
    assert not [r for r in head.rooms if r.startswith("staff:bookings:service:XD")]
    assert "staff:bookings" in everyone.rooms and "staff:bookings" in admin.rooms
    assert not [r for r in officer.rooms if r.startswith("staff:bookings")]

    # Sở Xây dựng's number first, then Sở Tư pháp's: one socket delivers in order, so once the
    # head has heard TP's, XD's would be there too had it been sent to her.
    xd, tp = make_citizens(str(server.db), 2)
    for token, service in ((xd, "XD-GPXD"), (tp, "TP-LLTP")):
        r = server.api("POST", "/api/v1/public/remote-tickets", token=token,
                       json={"service": service})
        assert r.status_code == 201, r.text
    assert head.wait_for("TP-LLTP") == ["TP-LLTP"]
    assert everyone.wait_for("TP-LLTP") == ["XD-GPXD", "TP-LLTP"]
    assert admin.wait_for("TP-LLTP") == ["XD-GPXD", "TP-LLTP"]
    # What her panel then rereads is scoped the same way: her units' appointments and numbers.
    for service in ("XD-GPXD", "TP-LLTP"):
        _missed_appointment(server, service)
    mine = server.api("GET", "/api/v1/appointments/today", who="hoa").json()
    every = server.api("GET", "/api/v1/appointments/today", who="giamsat").json()
    assert [a["service"] for a in mine["appointments"]] == ["TP-LLTP"]
    assert sorted(a["service"] for a in every["appointments"]) == ["TP-LLTP", "XD-GPXD"]
    assert (mine["channels"]["remote"]["issued"], every["channels"]["remote"]["issued"]) == (1, 2)
    # The officer's socket is in `staff` too: what the others heard has reached it (a call
    # sent after both bookings arrives in order), and no booking came with it.
    called = threading.Event()
    officer.client.on("ticket.called", lambda _p: called.set())
    assert server.api("POST", "/api/v1/counters/18/open", who="canbo18", json={}).status_code == 200
    r = server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    assert r.status_code == 201, r.text
    r = server.api("POST", "/api/v1/counters/18/call-next", who="canbo18", json={})
    assert r.status_code == 200 and r.json()["ticket"], r.text
    assert called.wait(20)
    assert officer.heard == []
    for who in (head, everyone, admin, officer):
        who.client.disconnect()
