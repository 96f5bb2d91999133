"""Socket.IO: connection auth, rooms, the snapshot on connect, and the one publish path."""
from __future__ import annotations

import logging
import queue
import time
from typing import Any

from flask import Flask, current_app, request, session
from flask_socketio import SocketIO, join_room

from .services.screens import rooms, snapshots
from .services.screens.events import EVENTS
from .services.auth import Actor, actor_for_token, actor_for_user_id
from .services.context import Context, Message
from .services.errors import UseCaseError

log = logging.getLogger(__name__)
socketio = SocketIO()

# Every Socket.IO event the server emits is a record in services/screens/events.py (EVENTS);
# tests/test_docs.py checks docs/contract.md's table against their docstrings.


def _ctx() -> Context:
    return current_app.extensions["xephang"]


def _base_url() -> str:
    configured = _ctx().site.info.get("public_url") or current_app.config.get("PUBLIC_URL")
    return str(configured or request.host_url).rstrip("/")


def _actor(auth: Any) -> Actor | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return actor_for_token(_ctx(), auth["token"])
    if "user_id" in session:
        return actor_for_user_id(_ctx(), session["user_id"])
    return None


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Authenticate, join the rooms the server picks, then send the snapshot.

    The snapshot is read after joining, so a change is either in it or arrives as a delta after it
    (clients drop deltas whose seq is not newer than the snapshot's).
    """
    try:
        if isinstance(auth, dict) and isinstance(auth.get("ticket"), str):
            token = auth["ticket"]
            zone = snapshots.ticket_zone(_ctx(), token)
            for room in rooms.ticket_rooms(token, zone):
                join_room(room)
            snap = snapshots.ticket_snapshot(_ctx(), token, _base_url())
        else:
            actor = _actor(auth)
            if actor is None:
                return False
            for room in rooms.rooms_for(actor):
                join_room(room)
            snap = snapshots.snapshot_for(_ctx(), actor, _base_url())
    except UseCaseError:
        return False
    socketio.emit("snapshot", snap, to=request.sid)  # type: ignore[attr-defined]
    return True


@socketio.on("*")
def on_any(event: str, *args: Any) -> dict[str, Any]:
    """Clients only listen: anything they send is refused and changes nothing."""
    log.info("refused client event %r from %s", event, request.sid)  # type: ignore[attr-defined]
    return {"error": {"code": "forbidden"}}


# Messages after which today's totals have changed (sent at most every STATS_EVERY seconds).
STATS_TRIGGERS = {"queue.changed", "ticket.changed", "rating.added"}


class Publisher:
    """The one path every change takes to the screens: messages leave in commit order.

    In the server a background task sends them, so the officer's request does not wait for the
    fan-out to hundreds of screens; tests may send synchronously.
    """

    STATS_EVERY = 2.0  # seconds: today's totals follow new tickets without costing each request

    def __init__(self, ctx: Context, sync: bool = False) -> None:
        self.ctx = ctx
        self.sync = sync
        self._queue: queue.Queue[list[Message] | None] = queue.Queue()
        self._started = False
        self._stats_due = False
        self._stats_sent = 0.0

    def __call__(self, messages: list[Message]) -> None:
        """Publish the messages of one committed change."""
        if self.sync:
            self._send(messages)
            return
        if not self._started:
            self._started = True
            socketio.start_background_task(self._run)
        self._queue.put(messages)

    def _send(self, messages: list[Message]) -> None:
        for m in messages:
            if m.name not in EVENTS:
                raise ValueError(f"undocumented event {m.name}")
            socketio.emit(m.name, m.payload, to=list(m.rooms))
            if not self.sync:
                # Let every screen's writer send this message before the next one is queued:
                # the call reaches the last of 1,000 screens ~35% sooner (bench/bench_fanout.py).
                socketio.sleep(0)

    def _run(self) -> None:
        while True:
            try:
                batch = self._queue.get(timeout=self.STATS_EVERY)
            except queue.Empty:
                batch = []
            if batch is None:
                return
            try:
                self._send(batch)
                if any(m.name in STATS_TRIGGERS for m in batch):
                    self._stats_due = True
                now = time.monotonic()
                if self._stats_due and now - self._stats_sent >= self.STATS_EVERY:
                    self._stats_due, self._stats_sent = False, now
                    self._send([snapshots.stats_message(self.ctx)])
            except Exception:  # a broken client must not stop the screens' feed
                log.exception("publish failed")


def init_app(app: Flask, ctx: Context, async_mode: str | None, sync: bool) -> None:
    """Attach Socket.IO to the app and route the context's events through it."""
    socketio.init_app(app, async_mode=async_mode, ping_interval=10, ping_timeout=10)
    ctx.publish = Publisher(ctx, sync=sync)
