"""A bounded pool of database connections for one process (PostgreSQL: issue 9, city morning).

At most `cap` connections are open; a transaction that finds none free waits (its own thread or
greenlet only: its lock is gevent's when the process is patched) until one is released or its
deadline passes, then answers `busy`, the same error as a held write lock. Connections idle longer
than `idle_s` are closed down to `floor`, so a burst at start does not pin connections for the day.

Waiters are served in arrival order: a release hands its connection to the first waiter directly.
(With a plain condition a newcomer takes the connection before the woken waiter runs again, and
under load a waiter can be passed over until its deadline: the city morning's lease renewals.)

A thread (or greenlet) that already holds a connection of this pool and asks for another is never
made to wait for the cap: it could be waiting for itself (N holders each waiting for a second
connection would all time out). Such nested uses may go above the cap by their depth, and the
connection they used is closed on release rather than kept; `nested` counts them.
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
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


class _Turn(Generic[C]):
    """A waiter's place in the queue: served with a connection, or None for a free slot."""

    def __init__(self, lock: threading.Lock) -> None:
        self.served = False
        self.conn: C | None = None
        self.wake = threading.Condition(lock)  # its own: a release wakes one waiter, not all


class BoundedPool(Generic[C]):
    """Connections made by `connect`, at most `cap` open, idle ones above `floor` closed."""

    def __init__(self, connect: Callable[[], C], close: Callable[[C], None], cap: int,
                 floor: int = DEFAULT_FLOOR, idle_s: float = DEFAULT_IDLE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._connect, self._close, self._clock = connect, close, clock
        self.cap, self.floor, self.idle_s = cap, min(floor, cap), idle_s
        self._lock = threading.Lock()  # created after gevent's patch: waits per greenlet
        self._idle: list[tuple[C, float]] = []  # (connection, released at): last released on top
        self._open = 0  # idle + held (+ being opened)
        self._held = threading.local()  # per thread/greenlet: how many it holds now
        self._queue: deque[_Turn[C]] = deque()  # waiters, first come first served
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
        (time.monotonic()), first come first served; Busy when none is."""
        depth = getattr(self._held, "n", 0)
        conn: C | None = None
        with self._lock:
            self.nested += bool(depth)
            stale = self._take_stale()
            if self._idle and (depth or not self._queue):
                conn = self._idle.pop()[0]
            elif depth or (self._open < self.cap and not self._queue):
                self._open += 1  # a slot for the connection opened below, outside the lock
            else:
                conn = self._wait(_Turn(self._lock), deadline, stale)
        self._close_all(stale)
        if conn is None:
            try:
                conn = self._connect()
            except BaseException:
                self._free_slot()
                raise
        self._held.n = depth + 1
        return conn

    def _wait(self, turn: _Turn[C], deadline: float, stale: list[C]) -> C | None:
        """Under the lock: queue until a release hands this turn a connection (or a free slot:
        None), in arrival order — a newcomer never takes what a waiter was woken for."""
        self._queue.append(turn)
        self.waited += 1
        while not turn.served:
            left = deadline - time.monotonic()
            if left <= 0:
                self._queue.remove(turn)
                self._close_all(stale)
                raise Busy(f"all {self.cap} database connections of this process are in use")
            self.waiting += 1
            try:
                turn.wake.wait(left)
            finally:
                self.waiting -= 1
        return turn.conn

    def release(self, conn: C) -> None:
        """Give a held, usable connection back: to the first waiter, else to the idle ones
        (closed instead above the cap: nested use)."""
        self._held.n = max(0, getattr(self._held, "n", 1) - 1)
        with self._lock:
            if self._open > self.cap:
                self._open -= 1
                stale = [conn]
            elif self._queue:
                self._serve(conn)
                stale = []
            else:
                self._idle.append((conn, self._clock()))
                stale = self._take_stale()
        self._close_all(stale)

    def discard(self) -> None:
        """A held connection was closed (broken, or could not be cleaned): free its slot."""
        self._held.n = max(0, getattr(self._held, "n", 1) - 1)
        self._free_slot()

    def shrink(self) -> int:
        """Close the connections idle longer than idle_s, above the floor; how many were closed."""
        with self._lock:
            stale = self._take_stale()
        self._close_all(stale)
        return len(stale)

    def close(self) -> None:
        """Close every idle connection (held ones are closed when released to a closed pool)."""
        with self._lock:
            idle, self._idle = [c for c, _ in self._idle], []
            self._open -= len(idle)
        self._close_all(idle)

    def _take_stale(self) -> list[C]:
        """Under the lock: remove the idle connections to close (the oldest are at the bottom)."""
        cutoff = self._clock() - self.idle_s
        stale: list[C] = []
        while self._idle and self._open > self.floor and self._idle[0][1] <= cutoff:
            stale.append(self._idle.pop(0)[0])
            self._open -= 1
        return stale

    def _free_slot(self) -> None:
        with self._lock:
            if self._queue and self._open <= self.cap:
                self._serve(None)  # the slot goes to the first waiter, who opens a connection
            else:
                self._open -= 1

    def _serve(self, conn: C | None) -> None:
        """Under the lock: hand a connection (or its slot) to the first waiter and wake it."""
        turn = self._queue.popleft()
        turn.conn, turn.served = conn, True
        turn.wake.notify()

    def _close_all(self, conns: list[C]) -> None:
        for conn in conns:
            try:
                self._close(conn)
            except Exception:  # noqa: BLE001 - a connection that fails to close is gone anyway
                pass
