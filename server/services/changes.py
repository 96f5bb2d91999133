"""Turn what one transaction changed into the events of docs/contract.md (screens/events.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..store import Connection
from ..store import queue as q
from .context import Context, Outbox, service_day
from .screens import sequence
from .screens.events import CounterChanged, Event, QueueChanged, TicketCalled, TicketChanged
from .views import call_view, counter_view, service_view, ticket_view


@dataclass
class Changes:
    """What a transaction touched; `emit` turns it into messages once the rows are final."""

    tickets: list[int] = field(default_factory=list)
    counters: list[int] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)  # event ids of calls / recalls
    extra: list[Event] = field(default_factory=list)

    def emit(self, ctx: Context, conn: Connection, out: Outbox, now: datetime,
             base_url: str) -> None:
        """Add the messages for these changes to the outbox, numbered by the sequence rule."""
        site = ctx.site
        numbering = sequence.Numbering(conn)

        def add(event: Event, seq: int | None = None) -> None:
            for m in event.messages(numbering.next() if seq is None else seq):
                out.add(m.name, m.payload, m.rooms)

        for event_id in self.calls:
            # Calls come first: their seqs are their own events', not after the change's last.
            ev = q.get_event(conn, event_id) or {}
            called = q.get_ticket(conn, ev["ticket_id"]) or {}
            seq = sequence.call_seq(event_id)
            add(TicketCalled(call_view(site, ev, called.get("number", ""), seq),
                             called.get("token")), seq)
        for ticket_id in dict.fromkeys(self.tickets):
            t = q.get_ticket(conn, ticket_id)
            if t is not None:
                add(TicketChanged(ticket_view(conn, site, t, base_url, now), t["counter"], t["device_id"]))
        if self.services:
            codes = list(dict.fromkeys(self.services))
            counts = q.queue_counts(conn, service_day(now), codes)
            add(QueueChanged([service_view(conn, site, c, now, counts) for c in codes]))
        for number in dict.fromkeys(self.counters):
            add(CounterChanged(counter_view(conn, site, number, base_url)))
        for event in self.extra:
            add(event)
