"""The ticket's life: which step is allowed from which state, and the event each step records."""
from __future__ import annotations

from dataclasses import replace

from .model import AT_COUNTER, DomainEvent, Status, Ticket


class InvalidTransition(Exception):
    """The step is not allowed for the ticket's current state; `code` names the error."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _require(ticket: Ticket, allowed: frozenset[Status] | set[Status], action: str) -> None:
    if ticket.status not in allowed:
        raise InvalidTransition("invalid_transition", action=action, state=ticket.status.value,
                                number=ticket.number)


def _require_counter(ticket: Ticket, counter: int) -> None:
    if ticket.counter != counter:
        raise InvalidTransition("not_at_this_counter", number=ticket.number, counter=counter)


def call(ticket: Ticket, counter: int, reason: str = "next") -> tuple[Ticket, DomainEvent]:
    """A counter calls a waiting ticket."""
    _require(ticket, {Status.WAITING}, "call")
    new = replace(ticket, status=Status.CALLED, counter=counter)
    return new, DomainEvent("ticket.called", ticket.id, counter, ticket.service,
                            {"number": ticket.number, "reason": reason, "leg": ticket.leg})


def recall(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """Call the same ticket again (counted)."""
    _require(ticket, {Status.CALLED}, "recall")
    _require_counter(ticket, counter)
    new = replace(ticket, recalls=ticket.recalls + 1)
    return new, DomainEvent("ticket.recalled", ticket.id, counter, ticket.service,
                            {"number": ticket.number, "recalls": new.recalls})


def start(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """The citizen arrived at the counter: service starts."""
    _require(ticket, {Status.CALLED}, "start")
    _require_counter(ticket, counter)
    return replace(ticket, status=Status.SERVING), DomainEvent(
        "ticket.started", ticket.id, counter, ticket.service, {"number": ticket.number})


def complete(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """The job is done at this counter."""
    _require(ticket, AT_COUNTER, "complete")
    _require_counter(ticket, counter)
    return replace(ticket, status=Status.DONE), DomainEvent(
        "ticket.completed", ticket.id, counter, ticket.service,
        {"number": ticket.number, "leg": ticket.leg})


def no_show(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """The citizen did not come after being called."""
    _require(ticket, {Status.CALLED}, "no_show")
    _require_counter(ticket, counter)
    return replace(ticket, status=Status.NO_SHOW), DomainEvent(
        "ticket.no_show", ticket.id, counter, ticket.service,
        {"number": ticket.number, "recalls": ticket.recalls})


def park(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """Hold the ticket aside at this counter (e.g. the citizen fetches a missing paper)."""
    _require(ticket, AT_COUNTER, "park")
    _require_counter(ticket, counter)
    return replace(ticket, status=Status.PARKED), DomainEvent(
        "ticket.parked", ticket.id, counter, ticket.service, {"number": ticket.number})


def unpark(ticket: Ticket, counter: int) -> tuple[Ticket, DomainEvent]:
    """Bring a parked ticket back: it is called again at the counter that parked it."""
    _require(ticket, {Status.PARKED}, "unpark")
    _require_counter(ticket, counter)
    return replace(ticket, status=Status.CALLED), DomainEvent(
        "ticket.unparked", ticket.id, counter, ticket.service, {"number": ticket.number})


def transfer(ticket: Ticket, counter: int, to_service: str, note: str = "") -> tuple[Ticket, DomainEvent]:
    """Send the ticket on to another service; it keeps its number and its place by issue time."""
    _require(ticket, AT_COUNTER, "transfer")
    _require_counter(ticket, counter)
    if to_service == ticket.service:
        raise InvalidTransition("transfer_same_service", service=to_service)
    new = replace(ticket, status=Status.WAITING, service=to_service, counter=None,
                  leg=ticket.leg + 1, recalls=0)
    return new, DomainEvent("ticket.transferred", ticket.id, counter, ticket.service,
                            {"number": ticket.number, "to_service": to_service, "note": note,
                             "leg": ticket.leg})


def cancel(ticket: Ticket) -> tuple[Ticket, DomainEvent]:
    """Withdraw a waiting or parked ticket, or a number from home not checked in yet (`away`)."""
    _require(ticket, {Status.WAITING, Status.PARKED, Status.AWAY}, "cancel")
    return replace(ticket, status=Status.CANCELLED, counter=None), DomainEvent(
        "ticket.cancelled", ticket.id, ticket.counter, ticket.service, {"number": ticket.number})


def close_unserved(ticket: Ticket) -> tuple[Ticket, DomainEvent]:
    """At the end of the service day, a ticket still open is closed as not served."""
    _require(ticket, {Status.WAITING, Status.CALLED, Status.SERVING, Status.PARKED}, "close_day")
    return replace(ticket, status=Status.NOT_SERVED), DomainEvent(
        "ticket.not_served", ticket.id, ticket.counter, ticket.service,
        {"number": ticket.number, "was": ticket.status.value})


def requeue(ticket: Ticket, requeued_before: bool, by_citizen: bool, minutes_since_missed: float,
            window_minutes: float) -> tuple[Ticket, DomainEvent]:
    """Put a missed (no-show) ticket back in line, once, at its original place (its queue time).

    Staff may do it any time that day; the citizen (from the phone page) only within the window.
    """
    if requeued_before:  # checked first: "once per ticket" is the answer a second press needs
        raise InvalidTransition("already_requeued", number=ticket.number)
    if ticket.status != Status.NO_SHOW:
        raise InvalidTransition("ticket_not_missed", number=ticket.number)
    if by_citizen and minutes_since_missed > window_minutes:
        raise InvalidTransition("requeue_too_late", number=ticket.number,
                                minutes=int(window_minutes))
    new = replace(ticket, status=Status.WAITING, counter=None, leg=ticket.leg + 1, recalls=0)
    return new, DomainEvent("ticket.requeued", ticket.id, ticket.counter, ticket.service,
                            {"number": ticket.number, "leg": new.leg, "by": "citizen" if by_citizen else "staff"})
