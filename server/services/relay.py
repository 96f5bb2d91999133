"""The outbox relay: with a message queue, one process of the deployment sends every committed
numbered message, in commit order, from the outbox table (issue 9).

Each change writes its numbered messages into `outbox` in its own transaction
(`Context.transaction`), so a process that commits and dies before sending loses nothing: the
holder of the lease `outbox-relay` reads `outbox WHERE id > position ORDER BY id`, emits the
messages through the message queue (every process's screens hear them) and then stores its new
position (at most every STORE_EVERY_S) in a write that checks it still holds the lease. A holder
that dies after emitting but before storing makes the next holder send those messages again:
clients drop a seq they have seen.

Latency: the committing process wakes its relay at once when it holds the lease; other processes
publish a wake-up on Redis (`Waker`), and the relay also looks every POLL_S in case one was lost.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from ..store import StoreError
from ..store import outbox as rows
from .context import Context, Message
from .leases import TTL_S as JOB_TTL_S
from .leases import Lease, Sleep

log = logging.getLogger(__name__)
NAME = "outbox-relay"
BATCH = 200  # changes read and sent per round
POLL_S = float(os.environ.get("XEPHANG_RELAY_POLL_S", "0.5"))  # fallback when a wake-up is lost
# The relay's lease is shorter than the other jobs': while nobody holds it no call reaches a
# screen, so a holder on a lost machine is replaced within TTL + TTL/3 = 4 s (one small write a
# second per process to keep trying).
TTL_S = float(os.environ.get("XEPHANG_RELAY_LEASE_S", min(JOB_TTL_S, 3.0)))
KEEP = 10_000  # changes kept in the outbox after they were sent (a short history for support)
PRUNE_EVERY = 1_000  # changes sent between two prunes
STORE_EVERY_S = float(os.environ.get("XEPHANG_RELAY_STORE_S", "0.25"))  # see run()


class OutboxRelay:
    """Sends the outbox on the lease holder; `wake()` after a commit sends it at once."""

    def __init__(self, ctx: Context, lease: Lease, send: Callable[[list[Message]], None],
                 idle: Callable[[], None] = lambda: None, site_id: int = 1,
                 failures: Callable[[], int] = lambda: 0) -> None:
        self.ctx, self.lease, self.send, self.idle, self.site_id = ctx, lease, send, idle, site_id
        self.failures = failures  # how many emits the message queue has dropped so far
        self._wake = threading.Event()  # gevent's under monkey patching
        self.sent = 0  # changes this process sent (tests, bench)
        self.stored = 0  # the position this process last stored or read as stored

    def wake(self) -> None:
        """A change was logged: send it now if this process holds the lease."""
        self._wake.set()

    def run(self, nap: Sleep) -> None:
        """The relay job (see run_singleton): `nap` returns only while this process holds the
        lease. Never ends."""
        position: int | None = None  # the last change sent (stored: self.stored)
        stored_at = 0.0
        pruned = 0
        while True:
            try:
                if not self.lease.held():
                    position = None
                    nap(0)  # waits until this process holds the lease again
                    continue
                if position is None:  # (again) the holder: start where the last holder stopped
                    position = self._stored()
                self._wake.clear()  # before reading: a wake-up after the read is not lost
                batch = self._read(position)
                if batch:
                    dropped = self.failures()
                    for _, messages in batch:
                        self.send([Message(m["name"], m["payload"], tuple(m["rooms"]),
                                           self.site_id) for m in messages])
                    if self.failures() != dropped:  # Redis did not take them: send them again
                        raise OSError("the message queue dropped messages; sending again")
                    position = batch[-1][0]
                    self.sent += len(batch)
                # The position is stored at most every STORE_EVERY_S (a write with fsync each):
                # a holder that dies makes the next one send that much again, which clients drop.
                due = stored_at + STORE_EVERY_S - time.monotonic()
                if position > self.stored and due <= 0:
                    if not self._advance(position):
                        log.warning("outbox relay: lease lost; position left to the new holder")
                        position = None
                        self.lease.forfeit()  # act as a non-holder until the lease is renewed
                        continue
                    stored_at = time.monotonic()
                    if self.sent - pruned >= PRUNE_EVERY:
                        pruned = self.sent
                        with self.ctx.db.write() as conn:
                            rows.prune(conn, position - KEEP, self.site_id)
                if not batch:
                    self.idle()
                    self._wake.wait(POLL_S if position <= self.stored else max(due, 0.001))
            except (StoreError, OSError) as exc:  # a busy database or a lost Redis: retry soon
                log.warning("outbox relay: %s", exc)
                position = None
                nap(POLL_S)
            except Exception:  # a bad row must not stop every screen's feed
                log.exception("outbox relay failed")
                position = None
                nap(POLL_S)

    def _stored(self) -> int:
        with self.ctx.db.read() as conn:
            self.stored = rows.position(conn, NAME, self.site_id)
        return self.stored

    def _read(self, position: int) -> list[tuple[int, list[dict[str, Any]]]]:
        with self.ctx.db.read() as conn:
            return rows.after(conn, position, BATCH, self.site_id)

    def _advance(self, to: int) -> bool:
        with self.ctx.db.write() as conn:
            done = rows.advance(conn, NAME, to, self.lease.holder, time.time(), self.site_id)
        if done:
            self.stored = to
        return done


class Waker:
    """Wake-ups between processes on Redis: a process that logged a change but does not hold the
    relay's lease publishes one; the holder's subscriber wakes its relay."""

    def __init__(self, url: str, relay: OutboxRelay, spawn: Callable[..., Any],
                 site_id: int = 1) -> None:
        import redis  # only with a message queue
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        # The subscriber waits for wake-ups without a read timeout (silence is normal there).
        self.listener = redis.Redis.from_url(url, socket_connect_timeout=2,
                                             health_check_interval=30)
        self.relay, self.spawn = relay, spawn
        self.channel = f"xephang:s{site_id}:outbox"

    def logged(self) -> None:
        """After a commit that logged messages: wake the relay, here or on its holder (in a
        background task: the request does not wait for Redis)."""
        if self.relay.lease.held():
            self.relay.wake()
        else:
            self.spawn(self._publish)

    def ping(self) -> bool:
        """Whether Redis answers now (readiness)."""
        try:
            return bool(self.redis.ping())
        except Exception:  # refused, timed out, restarting: not ready
            return False

    def _publish(self) -> None:
        try:
            self.redis.publish(self.channel, b"1")
        except Exception as exc:  # the holder still looks every POLL_S
            log.warning("outbox wake-up not sent: %s", exc)

    def listen(self, until: Callable[[], bool] = lambda: False) -> None:
        """Wake the relay on each wake-up published by another process (a background task; it
        ends, for tests, once `until()` is true when a wake-up or an error comes)."""
        while not until():
            try:
                pubsub = self.listener.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                for _ in pubsub.listen():
                    self.relay.wake()
                    if until():
                        return
            except Exception as exc:  # Redis restarted: subscribe again
                if until():
                    return
                log.warning("outbox wake-ups lost: %s", exc)
                time.sleep(1)
