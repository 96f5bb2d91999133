"""Turn what one transaction changed into the Socket.IO messages of docs/contract.md."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..store import queue as q
from .context import Context, Outbox, service_day
from .views import call_view, counter_view, public_ticket, service_view, ticket_view

# Each message's seq is (the transaction's last event id × SEQ_STRIDE + its index), a call's is its
# own event id × SEQ_STRIDE; so the messages of one change carry strictly increasing seqs and a
# snapshot taken after the change (seq = last id × SEQ_STRIDE + SEQ_STRIDE - 1) is newer than all.
SEQ_STRIDE = 1000


def snapshot_seq(conn: sqlite3.Connection) -> int:
    """The seq a snapshot read now carries."""
    return q.last_seq(conn) * SEQ_STRIDE + SEQ_STRIDE - 1


@dataclass
class Changes:
    """What a transaction touched; `emit` turns it into messages once the rows are final."""

    tickets: list[int] = field(default_factory=list)
    counters: list[int] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)  # event ids of calls / recalls
    extra: list[tuple[str, dict[str, Any], list[str]]] = field(default_factory=list)

    def emit(self, ctx: Context, conn: sqlite3.Connection, out: Outbox, now: datetime,
             base_url: str) -> None:
        """Add the messages for these changes to the outbox, with their seqs."""
        site = ctx.site
        base = q.last_seq(conn) * SEQ_STRIDE
        index = 0

        def add(name: str, payload: dict[str, Any], rooms: list[str]) -> None:
            nonlocal index
            payload["seq"] = base + min(index, SEQ_STRIDE - 1)
            index += 1
            out.add(name, payload, rooms)

        for event_id in self.calls:
            # A call's seq is its own event's (× SEQ_STRIDE), the same as in a snapshot's
            # recent_calls, so a screen can tell a call it already announced. Calls come first and
            # their events are not after the transaction's last, so the order still holds.
            ev = dict(conn.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone())
            called = q.get_ticket(conn, ev["ticket_id"]) or {}
            call = call_view(site, ev, called.get("number", ""), event_id * SEQ_STRIDE)
            out.add("ticket.called", call, ["lobby", f"zone:{call['zone']}",
                                            f"counter:{call['counter']}", "staff",
                                            f"ticket:{called.get('token')}"])
            index += 1
        for ticket_id in dict.fromkeys(self.tickets):
            t = q.get_ticket(conn, ticket_id)
            if t is None:
                continue
            rooms = ["staff"]
            if t["counter"] is not None:
                rooms.append(f"counter:{t['counter']}")
            if t["device_id"] is not None:
                rooms.append(f"device:{t['device_id']}")
            view = ticket_view(conn, site, t, base_url, now)
            add("ticket.changed", {"ticket": view, "counter": t["counter"]}, rooms)
            # The citizen's own page: the same change, without the database id (same seq).
            out.add("ticket.changed", {"ticket": public_ticket(view), "counter": t["counter"],
                                       "seq": out.messages[-1].payload["seq"]},
                    [f"ticket:{t['token']}"])
        if self.services:
            codes = list(dict.fromkeys(self.services))
            counts = q.queue_counts(conn, service_day(now), codes)
            zones = {site.services[c].zone for c in codes}
            add("queue.changed", {"services": [service_view(conn, site, c, now, counts) for c in codes]},
                ["lobby", "staff", *(f"zone:{z}" for z in sorted(zones))])
        for number in dict.fromkeys(self.counters):
            view = counter_view(conn, site, number, base_url)
            add("counter.changed", {"counter": view},
                [f"counter:{number}", "staff", "lobby", f"zone:{view['zone']}"])
        for name, payload, rooms in self.extra:
            add(name, payload, rooms)
