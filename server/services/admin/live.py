"""Telling open administration pages that a list they show changed (`admin.changed`)."""
from __future__ import annotations

from ..context import Outbox
from ..screens.events import AdminChanged

AREAS = ("closures", "calendar", "devices", "users")


def tell_admin_pages(out: Outbox, area: str) -> None:
    """Queue `admin.changed {area}` for staff rooms; sent once the transaction commits."""
    assert area in AREAS, area
    for m in AdminChanged(area).unnumbered():
        out.add(m.name, m.payload, m.rooms)
