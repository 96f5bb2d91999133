"""What the browser tests do through the API around the page under test."""
from __future__ import annotations

from typing import Any


def api_login(live_server: Any, username: str) -> str:
    """An API token for a demo user."""
    return str(live_server.token(username))


def issue(live_server: Any, service: str = "TP-LLTP", device: str = "kiosk-A1") -> dict[str, Any]:
    """Take a ticket at a kiosk (zone A1's by default)."""
    r = live_server.api("POST", "/api/v1/tickets", who=device, json={"service": service})
    assert r.status_code in (200, 201), r.text
    return dict(r.json())
