"""Socket.IO room names, and the rooms each client joins.

Two audiences, never mixed: staff rooms (`staff`, `staff:counter:N`) get full views; every other
room is public — boards, kiosks, counter displays and ticket pages get public views only (no
token but a ticket page's own, no priority category, no staff name). A client joins the rooms of
one audience only, so it never receives both copies of one event.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..auth import Actor, require_login

if TYPE_CHECKING:
    from ..admin.scope import UnitScope

STAFF = "staff"
LOBBY = "lobby"


def zone(code: str) -> str:
    """Boards, kiosks and ticket pages of one zone."""
    return f"zone:{code}"


def counter(number: int) -> str:
    """The counter display (tablet or LED) of counter N: public."""
    return f"counter:{number}"


def staff_counter(number: int) -> str:
    """The officers working at counter N."""
    return f"{STAFF}:counter:{number}"


def ticket(token: str) -> str:
    """The public page of one ticket (the citizen's phone)."""
    return f"ticket:{token}"


def device(device_id: int) -> str:
    """One device, e.g. the kiosk that issued a ticket or owns a printer."""
    return f"device:{device_id}"


def is_staff(room: str) -> bool:
    """Whether a room is a staff room (full views) rather than a public one."""
    return room == STAFF or room.startswith(STAFF + ":")


def shared_snapshot(joined: frozenset[str]) -> bool:
    """Whether every client in exactly these rooms gets the same snapshot (boards of one zone);
    staff, a device's or a ticket page's snapshot is its own."""
    return not any(is_staff(r) or r.startswith((device(0)[:-1], ticket(""))) for r in joined)


def rooms_for(actor: Actor, scope: UnitScope | None = None) -> list[str]:
    """The rooms a logged-in user or paired device joins (docs/contract.md).

    `lobby` carries the whole site; a screen or kiosk with a zone hears only `zone:<code>`.
    `scope`: a department head's UnitScope (services/admin/scope.py), None for anyone else.
    """
    require_login(actor)
    if actor.kind == "device":
        if actor.role == "counter":
            return [counter(n) for n in actor.counters]
        rooms = [zone(actor.zone)] if actor.zone else [LOBBY]
        if actor.role == "kiosk":
            rooms.append(device(actor.id))
        return rooms
    if actor.is_supervisor:  # every event reaches `staff`, in full; device health, bookings by scope
        return [STAFF, *device_health_rooms(scope), *booking_rooms(scope)]
    return [STAFF, *(staff_counter(n) for n in actor.counters)]


def ticket_rooms(token: str, zone_code: str) -> list[str]:
    """The rooms of a ticket's public page: its own ticket and its zone."""
    return [ticket(token), zone(zone_code)]


# One message queue (Redis) carries the rooms of every site of a deployment (issue 9): on the bus
# each room name is qualified by its site. Clients and snapshots keep the short names above.
SITE_ID = 1  # the one site until queries are scoped by site (then: the actor's site)


def on_bus(room: str, site_id: int = SITE_ID) -> str:
    """A room's name in Socket.IO (and so on the message queue): qualified by its site."""
    return f"s{site_id}:{room}"


# --- device health (issue 8): who hears which device's `device.changed` ---
STAFF_DEVICES = "staff:devices"  # every device: supervisors of the whole building, admins


def device_watchers(dev: dict[str, Any]) -> list[str]:
    """The rooms that hear about one device's health: `staff:devices`, and the one room of the
    department heads whose units it serves — the same rule as the devices list she reads
    (UnitScope.sees_device): a counter display by its counter; a kiosk or board by its zone (it
    issues or calls every service of that zone, hers among them); one with no zone (the lobby's)
    serves the whole building, so every department head."""
    if dev.get("kind") == "counter":
        mine = f"{STAFF_DEVICES}:counter:{dev.get('counter')}"
    elif dev.get("zone"):
        mine = f"{STAFF_DEVICES}:zone:{dev['zone']}"
    else:
        mine = f"{STAFF_DEVICES}:building"
    return [STAFF_DEVICES, mine]


def device_health_rooms(scope: UnitScope | None) -> list[str]:
    """The device-health rooms a supervisor joins: every device (scope None), or a department
    head's: her counters' displays, her zones' kiosks and boards, and those of no zone."""
    if scope is None:
        return [STAFF_DEVICES]
    return [f"{STAFF_DEVICES}:building",
            *(f"{STAFF_DEVICES}:zone:{z}" for z in sorted(scope.zones)),
            *(f"{STAFF_DEVICES}:counter:{n}" for n in sorted(scope.counters))]


# --- bookings (issue 10): who hears which service's `booking.changed` ---
STAFF_BOOKINGS = "staff:bookings"  # every service's: supervisors of the whole building, admins


def booking_watchers(service: str) -> list[str]:
    """The rooms that hear a booking's change: `staff:bookings`, and the room of its service that
    the department heads of the service's unit join."""
    return [STAFF_BOOKINGS, f"{STAFF_BOOKINGS}:service:{service}"]


def booking_rooms(scope: UnitScope | None) -> list[str]:
    """The booking rooms a supervisor joins: every service's (scope None), or a department head's:
    her units' services only."""
    if scope is None:
        return [STAFF_BOOKINGS]
    return [f"{STAFF_BOOKINGS}:service:{code}" for code in sorted(scope.services)]
