"""Socket.IO room names, and the rooms each client joins.

Two audiences, never mixed: staff rooms (`staff`, `staff:counter:N`) get full views; every other
room is public — boards, kiosks, counter displays and ticket pages get public views only (no
token but a ticket page's own, no priority category, no staff name). A client joins the rooms of
one audience only, so it never receives both copies of one event.
"""
from __future__ import annotations

from ..auth import Actor, require_login

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


def rooms_for(actor: Actor) -> list[str]:
    """The rooms a logged-in user or paired device joins (docs/contract.md).

    `lobby` carries the whole site; a screen or kiosk with a zone hears only `zone:<code>`.
    """
    require_login(actor)
    if actor.kind == "device":
        if actor.role == "counter":
            return [counter(n) for n in actor.counters]
        rooms = [zone(actor.zone)] if actor.zone else [LOBBY]
        if actor.role == "kiosk":
            rooms.append(device(actor.id))
        return rooms
    if actor.is_supervisor:
        return [STAFF]  # every event reaches `staff`, in full
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
