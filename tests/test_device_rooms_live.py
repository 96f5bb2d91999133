"""A department head on /floor hears the health of her units' devices only (real server, real
Socket.IO clients): her counters' displays, kiosks and boards of her services' zones, and those of
no zone; a supervisor of the whole building hears every device. When the site gives one of her
services to another counter, that counter's display becomes hers without her reconnecting."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, LiveServer
from tests.support.device_health import DeviceChanges, connect_device
from tests.support.device_health import quick_server as quick_server_of

# Sở Tư pháp (TP): services in zone A1, called at counters 17-23.
HERS = {"counter-18", "board-A1", "kiosk-A1", "board-lobby"}
NOT_HERS = {"counter-24", "board-B"}  # counter 24 is in A1 too, but calls Sở Nội vụ only


class Watch(DeviceChanges):
    """A staff member's real Socket.IO client: the rooms it was given and every device.changed."""

    def wait(self, names: set[str], online: bool) -> None:
        """Until each of these devices was last seen with this online state."""
        def done() -> bool:
            last = {d["name"]: d["online"] for d in self.seen}
            return all(last.get(n) is online for n in names)
        with self.cond:
            assert self.cond.wait_for(done, 20), (names, online, self.seen)

    def wait_rooms(self, room: str) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: room in self.rooms, 20), self.rooms

    def names(self) -> set[str]:
        with self.cond:
            return {d["name"] for d in self.seen}


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on the demo site, devices silent after 1 s (the check runs every 0.25 s)."""
    with quick_server_of(tmp_path) as server:
        yield server


def test_a_department_head_hears_only_her_units_devices(quick_server: LiveServer) -> None:
    server = quick_server
    r = server.api("POST", "/api/v1/admin/users", who="quantri",
                   json={"username": "hoa", "display_name": "Trưởng phòng Tư pháp",
                         "role": "supervisor", "units": ["TP"], "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    head, everyone = Watch(server.url, server.token("hoa")), Watch(server.url, server.token("giamsat"))
    head.wait_rooms("staff:devices:counter:18")
    assert [r for r in head.rooms if not r.startswith("staff:bookings")] == [
        "staff", "staff:devices:building", "staff:devices:zone:A1",
        *(f"staff:devices:counter:{n}" for n in range(17, 24))]
    assert everyone.rooms == ["staff", "staff:devices", "staff:bookings"]
    screens = {name: connect_device(server, name) for name in HERS | NOT_HERS}
    everyone.wait(HERS | NOT_HERS, online=True)
    head.wait(HERS, online=True)
    for screen in screens.values():
        screen.disconnect()
    everyone.wait(HERS | NOT_HERS, online=False)
    head.wait(HERS, online=False)  # same socket, in order: anything else sent before is here
    assert head.names() == HERS

    # Counter 24 now also calls a TP service: its display is hers from now on.
    r = server.api("PUT", "/api/v1/admin/site/counter/24", who="quantri",
                   json={"services": ["NV-GPLD", "TP-LLTP"]})
    assert r.status_code == 200, r.text
    head.wait_rooms("staff:devices:counter:24")
    again = connect_device(server, "counter-24")
    head.wait({"counter-24"}, online=True)
    again.disconnect()
    head.client.disconnect()
    everyone.client.disconnect()
