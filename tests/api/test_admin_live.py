"""Open administration pages hear `admin.changed {area}` when a list they show changes: closures
(made, reopened, or ended by their reopening time), the calendar, devices and users. Public
screens never hear it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.realtime import socketio
from server.services import closures
from server.services.context import TZ
from tests.api.conftest import Http

CLOSURES = "/api/v1/admin/closures"


def heard(client: Any) -> list[dict[str, Any]]:
    """The `admin.changed` payloads a Socket.IO client received since last asked."""
    return [m["args"][0] for m in client.get_received() if m["name"] == "admin.changed"]


def test_each_admin_change_tells_staff_pages_its_area_and_no_public_screen(http: Http, app: Any) -> None:
    staff = socketio.test_client(app, auth={"token": http.token("giamsat")})
    kiosk = socketio.test_client(app, auth={"token": http.token("kiosk-A1")})
    staff.get_received(), kiosk.get_received()
    http.ok("POST", CLOSURES, "quantri", {"scope": "service", "code": "TP-LLTP", "reason": "mất điện"}, 201)
    assert heard(staff) == [{"area": "closures"}]
    http.ok("DELETE", f"{CLOSURES}/service/TP-LLTP", "quantri")
    assert heard(staff) == [{"area": "closures"}]
    http.ok("POST", "/api/v1/admin/calendar", "quantri",
            {"date": "2026-12-09", "kind": "closure", "name": "Bảo trì", "units": ["TP"]}, 201)
    assert heard(staff) == [{"area": "calendar"}]
    http.ok("POST", "/api/v1/admin/devices", "quantri", {"name": "kiosk-moi", "kind": "kiosk", "zone": "A1"}, 201)
    assert heard(staff) == [{"area": "devices"}]
    http.ok("POST", "/api/v1/admin/devices/kiosk-moi/revoke", "quantri", {})
    assert heard(staff) == [{"area": "devices"}]
    http.ok("POST", "/api/v1/admin/users", "quantri", {"username": "lan", "role": "officer", "counters": [12]}, 201)
    assert heard(staff) == [{"area": "users"}]
    # A refused change tells nobody.
    http.refused("POST", CLOSURES, "quantri", {"scope": "service", "code": "TP-LLTP"}, 400, "reason_required")
    assert heard(staff) == []
    assert heard(kiosk) == []


def test_a_closure_ending_by_itself_tells_admin_pages_once(http: Http, app: Any) -> None:
    ctx = app.extensions["xephang"]
    start = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    ctx.clock = lambda: start
    http = Http(app, http.demo)  # tokens made under the controlled clock
    http.ok("POST", CLOSURES, "quantri", {"scope": "unit", "code": "TP", "reason": "mất điện",
                                          "until": "2026-12-03T09:05"}, 201)
    http.ok("POST", CLOSURES, "quantri", {"scope": "service", "code": "NV-GPLD", "reason": "mất điện"}, 201)
    staff = socketio.test_client(app, auth={"token": http.token("giamsat")})
    staff.get_received()
    last = closures.publish_closure_changes(ctx, None)
    assert closures.publish_closure_changes(ctx, last) == last and heard(staff) == []  # nothing ended
    ctx.clock = lambda: start + timedelta(minutes=4, seconds=59)
    assert closures.publish_closure_changes(ctx, last) == last and heard(staff) == []
    ctx.clock = lambda: start + timedelta(minutes=5)
    now = closures.publish_closure_changes(ctx, last)
    assert heard(staff) == [{"area": "closures"}]
    assert {(scope, code) for scope, code, _ in now} == {("service", "NV-GPLD")}
    assert [c["code"] for c in http.ok("GET", CLOSURES, "quantri")["closures"]] == ["NV-GPLD"]
    assert closures.publish_closure_changes(ctx, now) == now and heard(staff) == []  # told once
