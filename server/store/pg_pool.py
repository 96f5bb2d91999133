"""A bounded pool of database connections for one process (PostgreSQL: issue 9, city morning).

At most `cap` connections are open; a transaction that finds none free waits (its own thread or
greenlet only: the condition is gevent's when the process is patched) until one is released or its
deadline passes, then answers `busy`, the same error as a held write lock. Connections idle longer
than `idle_s` are closed down to `floor`, so a burst at start does not pin connections for the day.

A thread (or greenlet) that already holds a connection of this pool and asks for another is never
made to wait for the cap: it could be waiting for itself (N holders each waiting for a second
connection would all time out). Such nested uses may go above the cap by their depth, and the
connection they used is closed on release rather than kept; `nested` counts them.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from .db import Busy

C = TypeVar("C")

# 16 per process: PostgreSQL allows 100 connections (3 kept for superusers), so 5 processes fit
# with room for pg_dump, psql and migrations; one site's writers are serial anyway (its lock) and
# 2 cores run few queries at once, so more connections would only queue inside PostgreSQL.
DEFAULT_CAP = 16
DEFAULT_FLOOR = 2  # kept open however long idle: the relay and leases tick every few seconds
DEFAULT_IDLE_S = 60.0


def cap_from_env() -> int:
    """The per-process cap: XEPHANG_PG_POOL (a positive integer), else DEFAULT_CAP."""
    raw = os.environ.get("XEPHANG_PG_POOL", "").strip()
    if not raw:
        return DEFAULT_CAP
    try:
        cap = int(raw)
    except ValueError:
        raise ValueError(f"XEPHANG_PG_POOL must be a positive integer, not {raw!r}") from None
    if cap < 1:
        raise ValueError(f"XEPHANG_PG_POOL must be a positive integer, not {raw!r}")
    return cap


class BoundedPool(Generic[C]):
    """Connections made by `connect`, at most `cap` open, idle ones above `floor` closed."""

    def __init__(self, connect: Callable[[], C], close: Callable[[C], None], cap: int,
                 floor: int = DEFAULT_FLOOR, idle_s: float = DEFAULT_IDLE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._connect, self._close, self._clock = connect, close, clock
        self.cap, self.floor, self.idle_s = cap, min(floor, cap), idle_s
        self._cond = threading.Condition()  # created after gevent's patch: waits per greenlet
        self._idle: list[tuple[C, float]] = []  # (connection, released at): last released on top
        self._open = 0  # idle + held (+ being opened)
        self._held = threading.local()  # per thread/greenlet: how many it holds now
        self.nested = 0  # acquisitions by a holder (not made to wait: see module doc)
        self.waited = 0  # acquisitions that had to wait for a release
        self.waiting = 0  # transactions waiting for a connection now

    @property
    def open(self) -> int:
        """Connections open now (idle or held)."""
        return self._open

    @property
    def idle(self) -> int:
        """Connections open and free now."""
        return len(self._idle)

    def acquire(self, deadline: float) -> C:
        """A free connection, a new one below the cap, or one released before `deadline`
        (time.monotonic()); Busy when none is."""
        depth = getattr(self._held, "n", 0)
        conn: C | None = None
        with self._cond:
            self.nested += bool(depth)
            stale = self._take_stale()
            waited = False
            while True:
                if self._idle:
                    conn = self._idle.pop()[0]
                    break
                if self._open < self.cap or depth:
                    self._open += 1  # a slot for the connection opened below, outside the lock
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    self._close_all(stale)
                    raise Busy(f"all {self.cap} database connections of this process are in use")
                waited = True
                self.waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self.waiting -= 1
            self.waited += waited
        self._close_all(stale)
        if conn is None:
            try:
                conn = self._connect()
            except BaseException:
                self._free_slot()
                raise
        self._held.n = depth + 1
        return conn

    def release(self, conn: C) -> None:
        """Give a held, usable connection back (closed instead above the cap: nested use)."""
        self._held.n = max(0, getattr(self._held, "n", 1) - 1)
        with self._cond:
            if self._open <= self.cap:
                self._idle.append((conn, self._clock()))
                self._cond.notify()
                stale = self._take_stale()
                conn = None  # type: ignore[assignment]
            else:
                self._open -= 1
                stale = []
        self._close_all(stale + ([conn] if conn is not None else []))

    def discard(self) -> None:
        """A held connection was closed (broken, or could not be cleaned): free its slot."""
        self._held.n = max(0, getattr(self._held, "n", 1) - 1)
        self._free_slot()

    def shrink(self) -> int:
        """Close the connections idle longer than idle_s, above the floor; how many were closed."""
        with self._cond:
            stale = self._take_stale()
        self._close_all(stale)
        return len(stale)

    def close(self) -> None:
        """Close every idle connection (held ones are closed when released to a closed pool)."""
        with self._cond:
            idle, self._idle = [c for c, _ in self._idle], []
            self._open -= len(idle)
            self._cond.notify_all()
        self._close_all(idle)

    def _take_stale(self) -> list[C]:
        """Under the lock: remove the idle connections to close (the oldest are at the bottom)."""
        cutoff = self._clock() - self.idle_s
        stale: list[C] = []
        while self._idle and self._open > self.floor and self._idle[0][1] <= cutoff:
            stale.append(self._idle.pop(0)[0])
            self._open -= 1
        if stale:
            self._cond.notify_all()  # slots were freed
        return stale

    def _free_slot(self) -> None:
        with self._cond:
            self._open -= 1
            self._cond.notify()

    def _close_all(self, conns: list[C]) -> None:
        for conn in conns:
            try:
                self._close(conn)
            except Exception:  # noqa: BLE001 - a connection that fails to close is gone anyway
                pass
