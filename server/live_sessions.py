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

from .services import sessions
from .services.auth import Actor
from .services.context import Context

log = logging.getLogger(__name__)

Identity = tuple[str, int, int]  # kind ("user"/"device"), id, session generation


class LiveSessions:
    """Which actor holds each socket, and the watch that closes revoked ones."""

    POLL_EVERY = 1.0  # seconds between two reads of the latest revocation id (one tiny query)

    def __init__(self, ctx: Context, disconnect: Callable[[str], None],
                 connected: Callable[[str], bool],
                 start_task: Callable[[Callable[[], None]], object],
                 sleep: Callable[[float], None]) -> None:
        self.ctx = ctx
        self._disconnect = disconnect
        self._connected = connected  # False while the socket's handshake is still under way
        self._start_task = start_task
        self._sleep = sleep
        self._sids: dict[str, Identity] = {}
        self._waits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._running = False
        self._stopped = False
        self._failures = 0  # failed rounds in a row (the first one is logged)
        self._cursor = self.latest()

    def latest(self) -> int:
        """The id of the latest revocation in the database."""
        return sessions.last_revocation(self.ctx)

    def register(self, sid: str, actor: Actor, seen: int) -> bool:
        """Remember who holds `sid` (`seen`: the latest revocation read before authenticating).

        False when a revocation committed meanwhile ended the actor's session: refuse the socket.
        """
        who = (actor.kind, actor.id, actor.gen)
        with self._lock:
            self._sids[sid] = who
            start = not self._running and not self._stopped
            self._running = True
        if start:
            self._start_task(self._watch)
        if self.latest() != seen and self._stale({sid: who}):
            self.forget(sid)
            return False
        return True

    def forget(self, sid: str) -> None:
        """The socket is gone."""
        with self._lock:
            self._sids.pop(sid, None)
            self._waits.pop(sid, None)

    def _stale(self, held: dict[str, Identity]) -> list[str]:
        """Those of `held` whose person or device was revoked (generation moved on, or removed)."""
        users = [i for kind, i, _ in held.values() if kind == "user"]
        devices = [i for kind, i, _ in held.values() if kind == "device"]
        user_gens, device_gens = sessions.current_generations(self.ctx, users, devices)
        return [sid for sid, (kind, ident, gen) in held.items()
                if (user_gens if kind == "user" else device_gens).get(ident) != gen]

    def check(self) -> bool:
        """Disconnect every revoked socket; False when one was still connecting (look again)."""
        with self._lock:
            held = dict(self._sids)
        done = True
        for sid in self._stale(held):
            if self._connected(sid):
                log.info("closing socket %s of revoked %s:%s", sid, held[sid][0], held[sid][1])
                self.forget(sid)
                self._disconnect(sid)
                continue
            # Mid-handshake: a disconnect now would be undone when the handshake completes.
            with self._lock:
                self._waits[sid] = self._waits.get(sid, 0) + 1
                gone = self._waits[sid] > 10  # never completed: it left without a goodbye
            if gone:
                self.forget(sid)
            else:
                done = False
        return done

    def stop(self) -> None:
        """End the watch (at its next round) and start none again: the app is being closed."""
        with self._lock:
            self._stopped = True

    def _watch(self) -> None:
        """Runs while sockets are held; a new revocation id means: check every socket."""
        while True:
            self._sleep(self.POLL_EVERY)
            with self._lock:
                if not self._sids or self._stopped:
                    self._running = False
                    return
            try:
                latest = self.latest()
                # Every socket registered before `latest` was read is checked; the cursor moves
                # on only once none of them was still connecting.
                if latest != self._cursor and self.check():
                    self._cursor = latest
            except Exception as exc:  # a busy database: the next round tries again
                self._failed(exc)
            else:
                if self._failures:
                    log.info("checking revocations works again after %d failed rounds",
                             self._failures)
                    self._failures = 0

    def _failed(self, exc: Exception) -> None:
        """One line for the first failed round of a run of them (a stopped database would
        otherwise log a traceback every second)."""
        self._failures += 1
        if self._failures == 1:
            first_line = (str(exc).splitlines() or [""])[0]
            log.warning("checking revocations failed (tried again every %.0f s): %s: %s",
                        self.POLL_EVERY, type(exc).__name__, first_line)
        else:
            log.debug("checking revocations failed again: %s", exc)
