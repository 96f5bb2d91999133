"""Live Socket.IO sessions and their revocation: a removed user's or device's sockets close at once.

Logout, a new password and removal move the person's (or device's) session generation on and note a
revocation row in the same transaction, whichever process made it (the server, or `xephang user
remove` from a shell). Each server process watches the latest revocation id: when it moves, every
socket it holds is checked against the current generations and the stale ones are disconnected.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .services.auth import Actor
from .services.context import Context
from .store import accounts

log = logging.getLogger(__name__)

Identity = tuple[str, int, int]  # kind ("user"/"device"), id, session generation


class LiveSessions:
    """Which actor holds each socket, and the watch that closes revoked ones."""

    POLL_EVERY = 1.0  # seconds between two reads of the latest revocation id (one tiny query)

    def __init__(self, ctx: Context, disconnect: Callable[[str], None],
                 start_task: Callable[[Callable[[], None]], object],
                 sleep: Callable[[float], None]) -> None:
        self.ctx = ctx
        self._disconnect = disconnect
        self._start_task = start_task
        self._sleep = sleep
        self._sids: dict[str, Identity] = {}
        self._lock = threading.Lock()
        self._running = False
        self._cursor = self.latest()

    def latest(self) -> int:
        """The id of the latest revocation in the database."""
        with self.ctx.db.read() as conn:
            return accounts.last_revocation(conn)

    def register(self, sid: str, actor: Actor, seen: int) -> None:
        """Remember who holds `sid`; `seen` is the latest revocation read before authenticating."""
        with self._lock:
            self._sids[sid] = (actor.kind, actor.id, actor.gen)
            start = not self._running
            self._running = True
        if start:
            self._start_task(self._watch)
        # A revocation that committed between authenticating and registering: check this one now.
        if self.latest() != seen:
            self.check([sid])

    def forget(self, sid: str) -> None:
        """The socket is gone."""
        with self._lock:
            self._sids.pop(sid, None)

    def check(self, sids: list[str] | None = None) -> None:
        """Disconnect those of `sids` (default: all) whose person or device was revoked."""
        with self._lock:
            held = {sid: who for sid, who in self._sids.items() if sids is None or sid in sids}
        users = [i for kind, i, _ in held.values() if kind == "user"]
        devices = [i for kind, i, _ in held.values() if kind == "device"]
        with self.ctx.db.read() as conn:
            user_gens, device_gens = accounts.session_generations(conn, users, devices)
        for sid, (kind, ident, gen) in held.items():
            current = (user_gens if kind == "user" else device_gens).get(ident)
            if current != gen:
                log.info("closing socket %s of revoked %s:%s", sid, kind, ident)
                self.forget(sid)
                self._disconnect(sid)

    def _watch(self) -> None:
        """Runs while sockets are held; a new revocation id means: check every socket."""
        while True:
            self._sleep(self.POLL_EVERY)
            with self._lock:
                if not self._sids:
                    self._running = False
                    return
            try:
                latest = self.latest()
                if latest != self._cursor:
                    self.check()  # every socket registered before `latest` was read
                    self._cursor = latest
            except Exception:  # a busy database: the next round tries again
                log.exception("checking revocations failed")
