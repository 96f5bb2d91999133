"""What every use case needs: the database, the site, the clock, and where events and prints go."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from ..site import Site
from ..store import Busy, Database
from ..store.db import BUSY_WAIT_S
from ..store import site as site_rows
from ..store import outbox as outbox_rows
from ..store.scope import site_of

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_local() -> datetime:
    """The current time in Hồ Chí Minh City."""
    return datetime.now(TZ)


def stamp(dt: datetime) -> str:
    """A stored timestamp: fixed width, +07:00, so text order is time order."""
    return dt.astimezone(TZ).isoformat(timespec="microseconds")


_ZONES: dict[object, tzinfo] = {}


def parse_stamp(text: str) -> datetime:
    """A stored timestamp as a datetime whose tzinfo is shared by every stamp of its offset.

    `fromisoformat` gives each stamp its own timezone object, and comparing datetimes whose tzinfo
    differ asks both for their offsets: ten times slower, and the call order compares a lot.
    """
    dt = datetime.fromisoformat(text)
    tz = dt.tzinfo
    if tz is None:
        return dt
    shared = _ZONES.setdefault(dt.utcoffset(), tz)
    return dt if shared is tz else dt.replace(tzinfo=shared)


def service_day(dt: datetime) -> str:
    """The service day a moment belongs to (local date)."""
    return dt.astimezone(TZ).date().isoformat()


@dataclass(frozen=True)
class Message:
    """A Socket.IO event to send to some rooms after the change is committed."""

    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]
    site_id: int = 1  # whose rooms (issue 9: rooms are qualified by site on the bus)


@dataclass
class Outbox:
    """Messages gathered during one transaction, published once it commits."""

    messages: list[Message] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    site_id: int = 1

    def add(self, name: str, payload: dict[str, Any], rooms: list[str] | tuple[str, ...]) -> None:
        """Queue a message for these rooms."""
        self.messages.append(Message(name, payload, tuple(dict.fromkeys(rooms)), self.site_id))


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
    site_version: int = 0  # the `site_version` setting `site` was read at
    announced_version: int = -1  # the last version screens were told about (site.changed)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _site_lock: threading.Lock = field(default_factory=threading.Lock)
    _site_checked: float = 0.0
    # With a message queue (issue 9): numbered messages are logged in the transaction (the outbox
    # table) and sent by the outbox relay; `logged` wakes the relay once such a change commits.
    log_messages: bool = False
    logged: Callable[[], None] = lambda: None

    site_id: int = 1  # issue 9: the site this context works for (its db marks every transaction)
    _sites: dict[int, "Context"] = field(default_factory=dict)  # site 1's context holds the others
    # Called with each site's context opened after start (a site added while the server runs):
    # the outbox relay starts that site's relay (realtime.start_relay).
    site_opened: Callable[["Context"], None] | None = None

    SITE_CHECK_EVERY = 2.0  # seconds: how soon a change made by another process is seen

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a field; the publisher and the printer set on site 1's context reach the sites
        it opened already (jobs started before them open every site: the relay, the printer
        poll), whose tickets would otherwise print nowhere and be told to no one."""
        object.__setattr__(self, name, value)
        if name in ("publish", "printer"):
            for site in getattr(self, "_sites", {}).values():
                setattr(site, name, value)

    @classmethod
    def open(cls, db: Database, **kwargs: Any) -> "Context":
        """Load the site from the database (a SiteDatabase's site: see store/scope.py)."""
        kwargs.setdefault("site_id", getattr(db, "site_id", 1))
        with db.read() as conn:
            site = Site.from_rows(site_rows.load_site_rows(conn))
            version = int(site_rows.get_setting(conn, "site_version", 0) or 0)
        return cls(db=db, site=site, site_version=version, announced_version=version,
                   **kwargs)

    def adopt_site(self, site: Site, version: int) -> bool:
        """Use a site read at `version` unless a newer one is already in use; True if adopted."""
        with self._site_lock:
            if version <= self.site_version:
                return False
            self.site, self.site_version = site, version
            return True

    def refresh_site(self, force: bool = False) -> bool:
        """Reload the site if another process changed it (one tiny read at most every
        SITE_CHECK_EVERY seconds); True when a new site was adopted (the caller announces it)."""
        now = time.monotonic()
        if not force and now - self._site_checked < self.SITE_CHECK_EVERY:
            return False
        self._site_checked = now
        with self.db.read() as conn:
            return self.site_from(conn)

    def site_from(self, conn: Any) -> bool:
        """Reload the site through this connection if its version is not the one in use (inside
        a write transaction: what a change is about to rely on); True when reloaded."""
        version = site_rows.versions(conn)["site_version"]
        if version == self.site_version:
            return False
        site = Site.from_rows(site_rows.load_site_rows(conn))
        with self._site_lock:  # the file is the truth, even at a lower version (a restore)
            self.site, self.site_version = site, version
        return True

    @contextmanager
    def transaction(self) -> Iterator[tuple[Any, Outbox]]:
        """A write transaction whose messages are published in commit order once it commits.

        The process lock only orders publishing; exclusion between writers (threads or other
        processes) comes from SQLite's BEGIN IMMEDIATE.
        """
        outbox = Outbox(site_id=self.site_id)
        # One deadline for both waits: for this process's turn, then for SQLite's write lock, so a
        # request queued behind a held lock answers `busy` after BUSY_WAIT_S, not a multiple of it.
        deadline = time.monotonic() + BUSY_WAIT_S
        if not self._lock.acquire(timeout=BUSY_WAIT_S):
            raise Busy("waiting for this process's writer")
        try:
            direct = outbox.messages
            with self.db.write(deadline) as conn:
                yield conn, outbox
                direct = outbox.messages
                if self.log_messages and outbox.messages:
                    direct = log_numbered(conn, outbox.messages)
            if direct:
                self.publish(direct)
        finally:
            self._lock.release()
        if direct is not outbox.messages:  # outside the lock: it may be a Redis round trip
            self.logged()
        for task in outbox.after_commit:
            task()


def for_site(base: Context, site_id: int | None) -> Context:
    """The context of one site, opened on first use from site 1's (the app's) context, which keeps
    them; the other sites share its database, clock, publisher and printer. None (a city-level
    account) gets site 1's until city-wide views exist."""
    if site_id is None or int(site_id) == base.site_id:
        return base
    sid = int(site_id)
    found = base._sites.get(sid)
    if found is None:
        with base._site_lock:
            found = base._sites.get(sid)
            if found is None:
                from ..store.scope import SiteDatabase
                # numbered messages of other sites go out directly (the outbox relay is site 1's)
                site_db = cast(Database, SiteDatabase(base.db, sid))  # Database's surface
                found = Context.open(site_db, clock=lambda: base.clock(),  # tests move it
                                     publish=base.publish, printer=base.printer, site_id=sid)
                opened = base.site_opened
                if opened is not None:  # before anyone else uses it: its first change is logged
                    opened(found)
                base._sites[sid] = found
    return found


def every_site(base: Context) -> list[Context]:
    """The context of every site of the deployment (jobs that run once for all: the day close)."""
    from ..store import sites as site_rows
    with base.db.read() as conn:
        ids = [int(r["id"]) for r in site_rows.list_sites(conn)]
    return [for_site(base, site_id) for site_id in ids]


def for_actor(base: Context, actor: Any) -> Context:
    """The context of the site an actor belongs to."""
    return for_site(base, getattr(actor, "site_id", 1))


def for_ticket(base: Context, token: str) -> Context:
    """The context of the site a ticket's public token belongs to (site 1's if none)."""
    from ..store import queue as ticket_rows
    with base.db.read() as conn:
        return for_site(base, ticket_rows.site_of_ticket(conn, token))


def log_numbered(conn: Any, messages: list[Message]) -> list[Message]:
    """Write the numbered messages (those with a `seq`) to the outbox in this transaction, for the
    relay to send; returns the others (sent directly), or `messages` itself when none was logged."""
    numbered = [m for m in messages if "seq" in m.payload]
    if not numbered:
        return messages
    outbox_rows.append(conn, [{"name": m.name, "payload": m.payload, "rooms": list(m.rooms)}
                              for m in numbered], time.time(), site_of(conn))
    return [m for m in messages if "seq" not in m.payload]


def to_site(ctx: Context, messages: list[Message]) -> list[Message]:
    """Messages built without a site (`Event.unnumbered()`), addressed to this context's site's
    rooms (issue 9: background jobs publish for every site)."""
    return [m if m.site_id == ctx.site_id else replace(m, site_id=ctx.site_id) for m in messages]


def for_public(base: Context, site_code: str | None, token: str | None) -> Context:
    """The context of an anonymous caller (a citizen's phone, a public page): the site its
    `?site=CODE` names (an unknown code: 404 site_code_unknown), else the site of the ticket or
    booking its URL's token belongs to, else site 1 (the deployment's home site)."""
    from ..store import citizens as citizen_rows
    from ..store import queue as ticket_rows
    from ..store import sites as sites_rows
    from .errors import UseCaseError
    if site_code is None and not token:
        return base
    with base.db.read() as conn:
        if site_code is not None:
            found = sites_rows.site_id_of_code(conn, site_code)
            if found is None:
                raise UseCaseError("site_code_unknown", 404, site=site_code[:40])
            return for_site(base, found)
        found = ticket_rows.site_of_ticket(conn, token or "")
        if found is None:
            found = citizen_rows.site_of_booking(conn, token or "")
    return for_site(base, found)
