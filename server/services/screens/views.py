"""Public views: what boards, kiosks, counter displays and ticket pages may see of the API objects
(services/views.py builds the full ones, which only staff receive).

Never in a public view: another citizen's ticket token, a priority category, a staff name.
"""
from __future__ import annotations

from typing import Any

# A ticket as a counter display, an LED agent or the issuing kiosk needs it: the number and where
# it stands (day, number and leg let the counter display offer the rating of the leg just finished).
# No database id: ids are sequential, so they would count the day's tickets.
PUBLIC_TICKET = ("number", "day", "service", "service_name", "service_name_en", "zone",
                 "floor", "status", "counter", "leg", "recalls", "called_at", "print")
PRIORITY = ("priority", "priority_name", "priority_name_en")


def public_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket without its token, priority or anything personal."""
    return {k: ticket[k] for k in PUBLIC_TICKET if k in ticket}


def public_call(call: dict[str, Any]) -> dict[str, Any]:
    """A call as boards, counter displays and ticket pages get it: without the ticket's database id."""
    return {k: v for k, v in call.items() if k != "ticket_id"}


def issued_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket as the kiosk that issued it gets it in its answer: all of it (token for the QR code,
    priority for the paper) but its database id."""
    return {k: v for k, v in ticket.items() if k != "id"}


def own_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket as its own page sees it: its own token and status link, but no priority category
    (the page shows none, and a phone screen is seen by others) and no database id (it would
    count the day's tickets)."""
    return {k: v for k, v in ticket.items() if k not in PRIORITY and k != "id"}


def public_counter(counter: dict[str, Any]) -> dict[str, Any]:
    """A counter without the officer's name, its tickets as public tickets."""
    out = {k: v for k, v in counter.items() if k not in ("officer", "ticket", "parked")}
    out["ticket"] = public_ticket(counter["ticket"]) if counter.get("ticket") else None
    out["parked"] = [public_ticket(t) for t in counter.get("parked") or []]
    return out
