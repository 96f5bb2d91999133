"""What every use case needs: the database, the site, the clock, and where events and prints go."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..site import Site
from ..store import Busy, Database
from ..store.db import BUSY_WAIT_S
from ..store import site as site_rows

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_local() -> datetime:
    """The current time in Hồ Chí Minh City."""
    return datetime.now(TZ)


def stamp(dt: datetime) -> str:
    """A stored timestamp: fixed width, +07:00, so text order is time order."""
    return dt.astimezone(TZ).isoformat(timespec="microseconds")


def service_day(dt: datetime) -> str:
    """The service day a moment belongs to (local date)."""
    return dt.astimezone(TZ).date().isoformat()


@dataclass(frozen=True)
class Message:
    """A Socket.IO event to send to some rooms after the change is committed."""

    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]


@dataclass
class Outbox:
    """Messages gathered during one transaction, published once it commits."""

    messages: list[Message] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def add(self, name: str, payload: dict[str, Any], rooms: list[str] | tuple[str, ...]) -> None:
        """Queue a message for these rooms."""
        self.messages.append(Message(name, payload, tuple(dict.fromkeys(rooms))))


def _no_publish(messages: list[Message]) -> None:
    pass


@dataclass
class Context:
    """The queue system as the use cases see it."""

    db: Database
    site: Site
    clock: Callable[[], datetime] = now_local
    publish: Callable[[list[Message]], None] = _no_publish
    printer: Any = None  # server.services.printing.Printing, set by the app
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, db: Database, **kwargs: Any) -> "Context":
        """Load the site from the database."""
        with db.read() as conn:
            site = Site.from_rows(site_rows.load_site_rows(conn))
        return cls(db=db, site=site, **kwargs)

    @contextmanager
    def transaction(self) -> Iterator[tuple[Any, Outbox]]:
        """A write transaction whose messages are published in commit order once it commits.

        The process lock only orders publishing; exclusion between writers (threads or other
        processes) comes from SQLite's BEGIN IMMEDIATE.
        """
        outbox = Outbox()
        # One deadline for both waits: for this process's turn, then for SQLite's write lock, so a
        # request queued behind a held lock answers `busy` after BUSY_WAIT_S, not a multiple of it.
        deadline = time.monotonic() + BUSY_WAIT_S
        if not self._lock.acquire(timeout=BUSY_WAIT_S):
            raise Busy("waiting for this process's writer")
        try:
            with self.db.write(deadline) as conn:
                yield conn, outbox
            if outbox.messages:
                self.publish(outbox.messages)
        finally:
            self._lock.release()
        for task in outbox.after_commit:
            task()
