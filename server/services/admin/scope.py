"""What a department head (a supervisor scoped to some units) may read of the building's people
and devices: the staff and the screens of her units' services."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..auth import Actor
from ..context import Context


@dataclass(frozen=True)
class UnitScope:
    """Her units, their services, the counters calling them and the zones holding them."""

    user_id: int
    units: frozenset[str]
    counters: frozenset[int]
    zones: frozenset[str]
    services: frozenset[str] = frozenset()  # her units' services (whose bookings she hears)

    def sees_user(self, user: dict[str, Any]) -> bool:
        """Her own account; officers working at her counters; supervisors sharing a unit with her
        (never an administrator, nor a supervisor of the whole building)."""
        if user["id"] == self.user_id:
            return True
        if user["role"] == "admin":
            return False
        return bool(self.counters.intersection(user["counters"])
                    or self.units.intersection(user["units"]))

    def sees_device(self, dev: dict[str, Any]) -> bool:
        """The counter displays of her counters; kiosks and boards of a zone holding one of her
        services, or of no zone (those serve the whole building, her services included)."""
        if dev["kind"] == "counter":
            return dev["counter"] in self.counters
        return dev["zone"] is None or dev["zone"] in self.zones


def unit_scope(ctx: Context, actor: Actor) -> UnitScope | None:
    """The scope of a department head; None for admins and supervisors of every unit."""
    if actor.is_admin or not actor.units:
        return None
    site = ctx.site
    services = [code for code, s in site.services.items() if s.unit in actor.units]
    return UnitScope(
        user_id=int(actor.id), units=frozenset(actor.units),
        counters=frozenset(n for code in services for n in site.counters_of_service(code)),
        zones=frozenset(site.services[code].zone for code in services),
        services=frozenset(services))
