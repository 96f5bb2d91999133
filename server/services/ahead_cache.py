"""People ahead from one replay of the call order, kept by this process between requests.

Replaying up to MAX_STEPS calls for every ticket shown held issuing at ~130 tickets/s (issue 11).
The replay (`engine.ahead.Replay`) does not depend on the ticket asked about, so it is kept with
the heads of the lines it read, at the `queue_version` they were read at (m200: moved by every
change that can reorder the queue). A ticket issued since is added to its line, undoing only the
steps after it would have been a head; any other change (a call, a transfer, a counter opening,
another process's issue) reads the lines afresh. Time is frozen in a replay: it is replayed again
once a ticket crosses the aging bound.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from ..engine.ahead import (APPOINTMENT_CLASS, CLASSES, MAX_STEPS, Caller, Heads, Line, Replay,
                            line_of)
from ..engine.model import Waiting
from ..site import Site
from ..store import Connection
from ..store import queue as q

MakeWaiting = Callable[[int, str, int, str], Waiting]  # (id, service, class, queued_at)


class Book:
    """The kept replays of one day's queue at one queue version, by the asking ticket's line."""

    def __init__(self, site: Site, day: str, version: int) -> None:
        self.site, self.day, self.version = site, day, version
        self.lines: dict[Line, Heads] = {}
        self.replays: dict[Line, tuple[Replay, int]] = {}  # (replay, counters that may call)

    def follows(self, version: tuple[int, int | None, int | None], me: Waiting) -> bool:
        """Whether the book holds the queue at `version`, adding `me` when its issue is the one
        change since the book's version."""
        if version[0] == self.version:
            return True
        if version[1] != self.version or version[2] != me.id:
            return False
        heads = self.lines.get(line_of(me))
        at = heads.insert(me) if heads is not None else None
        if at is not None and heads is not None and line_of(me)[1] == APPOINTMENT_CLASS \
                and len(heads.tickets) == 1:
            self.replays.clear()  # the replays left this line out while it was empty (below)
        elif at is not None:
            for replay, _ in self.replays.values():
                if replay.covers(line_of(me)):
                    replay.joined(line_of(me), at)
        self.version = version[0]
        return True

    def _read(self, conn: Connection, wanted: Sequence[Line], waiting: MakeWaiting) -> None:
        missing = [k for k in wanted if k not in self.lines]
        if not missing:
            return
        limit = MAX_STEPS + 1  # the replay pops at most MAX_STEPS of a line: one more is its head
        found = q.waiting_lines(conn, self.day, [q.LineRead(s, p, limit) for s, p in missing])
        for (s, p), rows in found.items():
            self.lines[(s, p)] = Heads([waiting(i, s, p, at) for i, at in rows], len(rows) < limit,
                                       limit)

    def ahead(self, conn: Connection, me: Waiting, now: datetime, callers: Callable[[], list[Caller]],
              before: Callable[[], int], waiting: MakeWaiting) -> tuple[int, int]:
        """(tickets called before `me`, counters that may call it); `before()` counts the tickets
        before it in its line (asked only for a ticket past the heads held)."""
        mine = line_of(me)
        kept = self.replays.get(mine)
        if kept is None or not kept[0].valid_at(now):
            who = callers()
            wanted = sorted({(s, p) for c in who for s in (*c.counter.services, *c.priority_services)
                             for p in CLASSES if c.may_call(s, p)} | {mine})
            self._read(conn, wanted, waiting)
            # An empty appointment line is left out of the replay (most services have none all
            # day: fewer lines for each of its steps to look at); one joining it drops the replays.
            held = {k: self.lines[k] for k in wanted
                    if k[1] != APPOINTMENT_CLASS or self.lines[k].tickets or k == mine}
            kept = self.replays[mine] = (Replay(who, held, self.site.policy, now, MAX_STEPS),
                                         len(who))
        replay, n = kept
        step = replay.called_at(me)
        if step is not None:
            return step, n
        place = replay.line_index(me)
        return replay.past_bound(me, before() if place is None else place), n


_lock = threading.Lock()  # one book per process, shared by every request's thread or greenlet
_book: Book | None = None


def people_ahead(conn: Connection, site: Site, day: str, me: Waiting, now: datetime,
                 callers: Callable[[], list[Caller]], before: Callable[[], int],
                 waiting: MakeWaiting) -> tuple[int, int] | None:
    """(tickets called before waiting ticket `me`, counters that may call it) from the kept
    replay, brought to this transaction's queue version; None when the database keeps no version."""
    global _book
    version = q.queue_version(conn)
    if version is None:
        return None
    with _lock:
        book = _book
        if book is None or book.site is not site or book.day != day or not book.follows(version, me):
            book = _book = Book(site, day, version[0])
        return book.ahead(conn, me, now, callers, before, waiting)
