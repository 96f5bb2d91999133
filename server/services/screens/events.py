"""Every Socket.IO event the server sends, as a typed record: one dataclass per event.

An event holds the full facts; `messages(seq)` turns it into one Socket.IO message per audience
(staff rooms get full views, public rooms public views: see rooms.py). Each docstring documents
its event: the first paragraph says what happened, each `Rooms ← payload` line one message. The
table in docs/contract.md is generated from these docstrings (`python -m
server.services.screens.events`) and tests/test_docs.py checks that it is up to date.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..context import Message
from . import rooms
from .views import own_ticket, public_call, public_counter, public_ticket

Route = tuple[list[str], dict[str, Any]]


@dataclass(frozen=True)
class Event:
    """Base of every event: a name and the messages it becomes."""

    name: ClassVar[str]

    def routes(self) -> list[Route]:
        """(rooms, payload without seq) for each audience that hears this event."""
        raise NotImplementedError

    def messages(self, seq: int) -> list[Message]:
        """The Socket.IO messages of this event, each payload led by its seq."""
        return [Message(self.name, {"seq": seq, **payload}, tuple(dict.fromkeys(to)))
                for to, payload in self.routes() if to]


@dataclass(frozen=True)
class Snapshot(Event):
    """The state of everything the client's rooms show: the first event on every (re)connect.
    Deltas follow; a client applies only those with a greater seq. A staff snapshot has full
    views; any other has public views (a kiosk's `print_jobs` are its own tickets' paper). A
    snapshot can also come in the middle of a connection: when the publisher falls more than 100
    changes behind (overload) it drops the waiting deltas and sends each client of the rooms they
    addressed a fresh snapshot instead (print jobs are never dropped; calls dropped this way are
    not announced, they appear in `recent_calls`); clients treat it like the first one.

    the connecting client (staff) ← `{seq, day, now, role, rooms, services, counters, recent_calls, stats, printers, ratings}` (`ratings`: today's latest 12, newest first, as in `rating.added`)
    the connecting client (public) ← `{seq, day, now, role, rooms, services, counters: [PublicCounter], recent_calls, ticket?: OwnTicket, counter?: PublicCounter, device?, printer?, print_jobs?}` (`ticket`: a ticket page; `counter`: a counter device; `device`, `printer`, `print_jobs`: a kiosk; `recent_calls`: calls without `ticket_id`)
    """

    name: ClassVar[str] = "snapshot"
    seq: int
    state: dict[str, Any]

    def routes(self) -> list[Route]:
        return []  # sent to one client on connect, not to rooms

    def payload(self) -> dict[str, Any]:
        """The message sent to the connecting client."""
        return {"seq": self.seq, **self.state}


@dataclass(frozen=True)
class TicketCalled(Event):
    """A number is called (or recalled: `recall` true) to a counter: boards show and announce it,
    the ticket's page alerts the citizen. Its seq is the call's own (see sequence.py).

    `staff`, `staff:counter:N` ← `{seq, number, counter, counter_name, zone, floor, service, service_name, service_name_en, recall, at, ticket_id}`
    `lobby`, `zone:Z`, `counter:N`, `ticket:T` ← the same without `ticket_id`
    """

    name: ClassVar[str] = "ticket.called"
    call: dict[str, Any]
    token: str | None = field(default=None, repr=False)  # routes to the ticket's page; never sent

    def routes(self) -> list[Route]:
        n = self.call["counter"]
        public = [rooms.LOBBY, rooms.zone(self.call["zone"]), rooms.counter(n)]
        if self.token:
            public.append(rooms.ticket(self.token))
        return [([rooms.STAFF, rooms.staff_counter(n)], self.call), (public, public_call(self.call))]


@dataclass(frozen=True)
class TicketChanged(Event):
    """A ticket changed: called, started, finished, parked, transferred, printed or closed.

    `staff`, `staff:counter:N` (if at a counter) ← `{seq, ticket: Ticket, counter: N or null}`
    `ticket:T` ← `{seq, ticket: OwnTicket, counter}`
    `counter:N` (if at a counter), `device:<issuing kiosk>` ← `{seq, ticket: PublicTicket, counter}`
    """

    name: ClassVar[str] = "ticket.changed"
    ticket: dict[str, Any]
    counter: int | None
    device: int | None = None  # the kiosk that issued (and printed) it

    def routes(self) -> list[Route]:
        at = [] if self.counter is None else [self.counter]
        public = [rooms.counter(n) for n in at]
        if self.device is not None:
            public.append(rooms.device(self.device))
        return [([rooms.STAFF, *(rooms.staff_counter(n) for n in at)],
                 {"ticket": self.ticket, "counter": self.counter}),
                ([rooms.ticket(self.ticket["token"])],
                 {"ticket": own_ticket(self.ticket), "counter": self.counter}),
                (public, {"ticket": public_ticket(self.ticket), "counter": self.counter})]


@dataclass(frozen=True)
class QueueChanged(Event):
    """Waiting counts or waits of some services changed (only those services are listed).

    `staff`, `lobby`, `zone:Z` (each service's zone) ← `{seq, services: [Service]}`
    """

    name: ClassVar[str] = "queue.changed"
    services: list[dict[str, Any]]

    def routes(self) -> list[Route]:
        zones = sorted({s["zone"] for s in self.services})
        payload = {"services": self.services}
        return [([rooms.STAFF], payload), ([rooms.LOBBY, *map(rooms.zone, zones)], payload)]


@dataclass(frozen=True)
class CounterChanged(Event):
    """A counter opened, paused, resumed or closed, or its current or parked tickets changed.

    `staff`, `staff:counter:N` ← `{seq, counter: Counter}`
    `lobby`, `zone:Z`, `counter:N` ← `{seq, counter: PublicCounter}`
    """

    name: ClassVar[str] = "counter.changed"
    counter: dict[str, Any]

    def routes(self) -> list[Route]:
        n = self.counter["number"]
        return [([rooms.STAFF, rooms.staff_counter(n)], {"counter": self.counter}),
                ([rooms.LOBBY, rooms.zone(self.counter["zone"]), rooms.counter(n)],
                 {"counter": public_counter(self.counter)})]


@dataclass(frozen=True)
class PrinterChanged(Event):
    """A kiosk printer's status changed (paper near end, out, offline, back to ok).

    `staff`, `device:<kiosk>` ← `{seq, printer: Printer}`
    """

    name: ClassVar[str] = "printer.changed"
    printer: dict[str, Any]

    def routes(self) -> list[Route]:
        payload = {"printer": self.printer}
        return [([rooms.STAFF], payload), ([rooms.device(self.printer["device"])], payload)]


@dataclass(frozen=True)
class StatsChanged(Event):
    """Today's totals changed (sent at most every few seconds).

    `staff` ← `{seq, stats: Stats}`
    """

    name: ClassVar[str] = "stats.changed"
    stats: dict[str, Any]

    def routes(self) -> list[Route]:
        return [([rooms.STAFF], {"stats": self.stats})]


@dataclass(frozen=True)
class RatingAdded(Event):
    """A citizen rated the service just finished at a counter.

    `staff`, `staff:counter:N` ← `{seq, rating: {ticket_id, number, leg, counter, score, reasons, at}}`
    """

    name: ClassVar[str] = "rating.added"
    rating: dict[str, Any]

    def routes(self) -> list[Route]:
        return [([rooms.STAFF, rooms.staff_counter(self.rating["counter"])], {"rating": self.rating})]


@dataclass(frozen=True)
class PrintJob(Event):
    """A ticket for the kiosk agent to print (kiosks whose printer is `agent`). The one public
    message with a token and a priority: the paper of the ticket this kiosk has just issued carries
    its status link (QR code) and priority line. No database id: `job_id` is random and `ticket_ref`
(the ticket's token, as in its status link) names the ticket in the agent's result.

    `device:<kiosk>` ← `{seq, job_id, ticket_ref, paper, ticket: {center_name, number, unit_name, service_name, counters, zone_name, floor, issued_at, ahead, estimated_wait_min, status_url, priority_name, instruction, wait_text}}` (`wait_text`: the ticket's `estimated_wait_text.vi`)
    """

    name: ClassVar[str] = "print.job"
    job: dict[str, Any]
    device: int

    def routes(self) -> list[Route]:
        return [([rooms.device(self.device)], self.job)]


@dataclass(frozen=True)
class StorageAlert(Event):
    """The server cannot save (`storage_full`, `storage_readonly`, `storage_error`): at most once a
    minute per code; no `seq`, since nothing was logged (a message without one always passes); the
    floor shows it for 10 minutes.

    `staff` ← `{code, at}`
    """

    name: ClassVar[str] = "storage.alert"
    code: str
    at: float

    def routes(self) -> list[Route]:
        return [([rooms.STAFF], {"code": self.code, "at": self.at})]

    def unnumbered(self) -> list[Message]:
        """The messages, without a seq."""
        return [Message(self.name, payload, tuple(to)) for to, payload in self.routes()]


@dataclass(frozen=True)
class SiteChanged(Event):
    """The site configuration changed (an administrator edited a service, counter, zone, unit,
    hours, priority category or rating reason, or the site file was reloaded): every screen
    refetches what it shows (`/api/v1/site`, `/api/v1/services`), and each connected screen,
    kiosk and console is sent a fresh `snapshot` right after (ticket pages are not). No `seq`: it
    always passes. No personal data.

    `staff`, `lobby`, every `zone:Z`, every `counter:N` ← `{version}`
    """

    name: ClassVar[str] = "site.changed"
    version: int
    to: tuple[str, ...] = ()

    def routes(self) -> list[Route]:
        return [(list(self.to), {"version": self.version})]

    def unnumbered(self) -> list[Message]:
        """The messages, without a seq."""
        return [Message(self.name, payload, tuple(to)) for to, payload in self.routes()]


@dataclass(frozen=True)
class DeviceChanged(Event):
    """A kiosk, board or counter display came online, went offline, or fell silent for more than
    `[policy] device_silent_s` (60 s) while the centre is open by its hours and calendar — none on
    a holiday or a closed day of the whole centre, yes on a compensating working day — (`alert`
    true: the floor shows it until the device returns). No `seq`: presence is not in the event log (a message without one always
    passes); `GET /api/v1/admin/devices` gives the current state of every device.

    A department head (a supervisor scoped to some units) hears only the devices of her units,
    as she lists them: her counters' displays, kiosks and boards of her services' zones, and
    those of no zone (the whole building's); officers do not hear it.

    `staff:devices` (admins, supervisors of every unit), `staff:devices:counter:N` / `staff:devices:zone:Z` / `staff:devices:building` (department heads of its units) ← `{device: {id, name, kind, zone, counter, online, alert, seen_at, page, version}}`
    """

    name: ClassVar[str] = "device.changed"
    device: dict[str, Any]

    def routes(self) -> list[Route]:
        return [(rooms.device_watchers(self.device), {"device": self.device})]

    def unnumbered(self) -> list[Message]:
        """The messages, without a seq."""
        return [Message(self.name, payload, tuple(to)) for to, payload in self.routes()]


@dataclass(frozen=True)
class AdminChanged(Event):
    """Something an administration page lists changed: `area` is `closures` (closed or reopened
    by an administrator, or a closure's reopening time passed), `calendar`, `devices` (added,
    changed, revoked or paired again) or `users`. Open admin pages refetch that list from the API
    (which applies the reader's scope); the event itself names nothing else. No `seq`: it always
    passes.

    `staff` ← `{area}`
    """

    name: ClassVar[str] = "admin.changed"
    area: str

    def routes(self) -> list[Route]:
        return [([rooms.STAFF], {"area": self.area})]

    def unnumbered(self) -> list[Message]:
        """The messages, without a seq."""
        return [Message(self.name, payload, tuple(to)) for to, payload in self.routes()]


@dataclass(frozen=True)
class BookingChanged(Event):
    """An appointment was booked, cancelled, moved or checked in, or a number from home was taken,
    checked in or cancelled (`change`: `created`, `cancelled`, `moved`, `checked_in`): the floor
    view's "Today's appointments" panel rereads its counts. Staff only; no phone, no token, no
    check-in code.

    A department head (a supervisor scoped to some units) hears only her units' services'
    bookings, as her floor view lists them; officers do not hear it.

    `staff:bookings` (admins, supervisors of every unit), `staff:bookings:service:S` (department heads of S's unit) ← `{seq, change, booking: {kind, service, day, start, end, status, checked_in}}` (`kind`: `appointment` or `remote`)
    """

    name: ClassVar[str] = "booking.changed"
    change: str
    booking: dict[str, Any]

    def routes(self) -> list[Route]:
        return [(rooms.booking_watchers(self.booking["service"]),
                 {"change": self.change, "booking": self.booking})]


def site_changed_messages(site: Any, version: int) -> list[Message]:
    """The `site.changed` message for every room of this site (retired zones and counters too:
    their screens must hear it to drop what they show)."""
    zones = list(site.zones) + list(site.zones.retired)
    counters = list(site.counters) + list(site.counters.retired)
    to = (rooms.STAFF, rooms.LOBBY, *map(rooms.zone, zones), *map(rooms.counter, counters))
    return SiteChanged(version, to).unnumbered()


EVENT_TYPES: tuple[type[Event], ...] = (Snapshot, TicketCalled, TicketChanged, QueueChanged,
                                        CounterChanged, PrinterChanged, StatsChanged, RatingAdded,
                                        PrintJob, StorageAlert, SiteChanged, DeviceChanged,
                                        AdminChanged, BookingChanged)
EVENTS: tuple[str, ...] = tuple(e.name for e in EVENT_TYPES)


def contract_table() -> str:
    """The event table of docs/contract.md, generated from the docstrings above."""
    lines = ["| event | rooms | payload | what happened |", "|---|---|---|---|"]
    for cls in EVENT_TYPES:
        doc = inspect.getdoc(cls) or ""
        summary, _, rest = doc.partition("\n\n")
        what = " ".join(summary.split())
        for line in rest.splitlines():
            if " ← " not in line:
                continue
            to, payload = line.split(" ← ", 1)
            lines.append(f"| `{cls.name}` | {to.strip()} | {payload.strip()} | {what} |")
            what = "″"
    return "\n".join(lines)


if __name__ == "__main__":
    print(contract_table())
