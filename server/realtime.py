"""Socket.IO: connection auth, rooms, the snapshot on connect, and the one publish path."""
from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request, session
from flask_socketio import SocketIO, join_room

from .live_sessions import LiveSessions
from .services.device_health import SiteHealth
from .services.screens import rooms, snapshots
from .services.admin.site_config import announce_site
from .services.screens.events import EVENTS
from .services.screens.sequence import STRIDE
from .services.auth import Actor, actor_for_token, actor_for_user_id
from .services.context import Context, Message, for_actor, for_site, for_ticket
from .services.errors import UseCaseError
from .store import StoreError
from .web.input import MALFORMED

log = logging.getLogger(__name__)
socketio = SocketIO()

# Every Socket.IO event the server emits is a record in services/screens/events.py (EVENTS);
# tests/test_docs.py checks docs/contract.md's table against their docstrings.


def _ctx() -> Context:
    return current_app.extensions["xephang"]


def _base_url() -> str:
    configured = _ctx().site.info.get("public_url") or current_app.config.get("PUBLIC_URL")
    return str(configured or request.host_url).rstrip("/")


def _live() -> LiveSessions:
    return current_app.extensions["xephang.live"]


def _health() -> SiteHealth:
    return current_app.extensions["xephang.health"]


def _actor(auth: Any) -> Actor | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return actor_for_token(_ctx(), auth["token"])
    if "user_id" in session:
        return actor_for_user_id(_ctx(), session["user_id"], session.get("gen"))
    return None


def _acting_site(ctx: Context, actor: Actor, auth: Any) -> Context:
    """The actor's site, or the one an admin page acting for a site names (`auth.site`, the
    page's ?site=CODE: city-level accounts only, see services/city.py)."""
    named = auth.get("site") if isinstance(auth, dict) else None
    if isinstance(named, str) and named:
        from .services.city import site_context
        return site_context(ctx, actor, named)
    return for_actor(ctx, actor)


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Authenticate, join the rooms the server picks, then send the snapshot.

    The snapshot is read after joining, so a change is either in it or arrives as a delta after it
    (clients drop deltas whose seq is not newer than the snapshot's).
    """
    try:
        if isinstance(auth, dict) and isinstance(auth.get("ticket"), str):
            if not PUBLIC_SOCKETS.admit(request.sid, request.remote_addr or ""):  # type: ignore[attr-defined]
                return False
            token = auth["ticket"]
            site = for_ticket(_ctx(), token)  # issue 9: the ticket's site, its rooms on the bus
            zone = snapshots.ticket_zone(site, token)
            for room in rooms.ticket_rooms(token, zone):
                join_room(rooms.on_bus(room, site.site_id))
            snap = snapshots.ticket_snapshot(site, token, _base_url())
            site_id = site.site_id
        else:
            seen = _live().latest()  # before authenticating: a revocation after it is caught
            actor = _actor(auth)
            if actor is None:
                return False
            site = _acting_site(_ctx(), actor, auth)  # issue 9: its site, its rooms on the bus
            for room in snapshots.rooms_of(site, actor):
                join_room(rooms.on_bus(room, site.site_id))
            if not _live().register(request.sid, actor, seen):  # type: ignore[attr-defined]
                return False  # revoked while it was connecting
            if actor.kind == "device":  # presence for device health (issue 8)
                health = _health().of(actor.site_id)  # issue 9: its own site's watch
                health.connected(request.sid, actor.id)  # type: ignore[attr-defined]
                health.start(socketio.start_background_task, socketio.sleep)
            snap = snapshots.snapshot_for(site, actor, _base_url())
            site_id = site.site_id
    except (UseCaseError, StoreError, *MALFORMED):  # a wrong or malformed token: refused
        PUBLIC_SOCKETS.leave(request.sid)  # type: ignore[attr-defined]
        _live().forget(request.sid)  # type: ignore[attr-defined]
        return False
    # The client is this process's: with a message queue, the snapshot (tens of KB) need not go
    # through Redis to every process (deltas that come through it before are held by the client).
    local = {"ignore_queue": True} if current_app.config.get("MESSAGE_QUEUE") else {}
    socketio.emit("snapshot", snap, to=request.sid, **local)  # type: ignore[attr-defined]
    _remember(request.sid, snap["rooms"], auth, _base_url(), site_id)  # type: ignore[attr-defined]
    return True


class PublicSockets:
    """Anonymous (ticket page) sockets per client address: a few hundred phones behind the
    building's Wi-Fi share one address, one script opening thousands is refused."""

    PER_ADDRESS = 200

    def __init__(self) -> None:
        self._by_sid: dict[str, str] = {}
        self._count: dict[str, int] = {}

    def admit(self, sid: str, address: str) -> bool:
        """Count a new public socket; False when its address already has PER_ADDRESS."""
        if self._count.get(address, 0) >= self.PER_ADDRESS:
            return False
        self._by_sid[sid] = address
        self._count[address] = self._count.get(address, 0) + 1
        return True

    def leave(self, sid: str) -> None:
        """Forget a public socket (disconnected or refused)."""
        address = self._by_sid.pop(sid, None)
        if address is not None:
            left = self._count[address] - 1
            if left:
                self._count[address] = left
            else:
                del self._count[address]


PUBLIC_SOCKETS = PublicSockets()


def _publisher() -> Publisher | None:
    publish = _ctx().publish
    return publish if isinstance(publish, Publisher) else None


def _remember(sid: str, rooms: list[str], auth: Any, base_url: str, site_id: int = 1) -> None:
    ticket = auth.get("ticket") if isinstance(auth, dict) else None
    user_id, gen = session.get("user_id"), session.get("gen")

    def rebuild(ctx: Context) -> dict[str, Any] | None:
        """This client's snapshot read now (None if it may no longer have one)."""
        try:
            if isinstance(ticket, str):
                return snapshots.ticket_snapshot(for_ticket(ctx, ticket), ticket, base_url)
            actor = (actor_for_token(ctx, auth["token"]) if isinstance(auth, dict)
                     and isinstance(auth.get("token"), str) else
                     actor_for_user_id(ctx, user_id, gen) if user_id is not None else None)
            return None if actor is None else snapshots.snapshot_for(
                _acting_site(ctx, actor, auth), actor, base_url)
        except UseCaseError:
            return None

    rebuild.site_id = site_id  # type: ignore[attr-defined]  # whose rooms (issue 9)
    publisher = _publisher()
    if publisher is not None:
        publisher.remember(sid, rooms, rebuild)


@socketio.on("disconnect")
def on_disconnect(*_reason: Any) -> None:
    """Forget a client that left: who held it, its place in its address's count, its rooms."""
    _live().forget(request.sid)  # type: ignore[attr-defined]
    PUBLIC_SOCKETS.leave(request.sid)  # type: ignore[attr-defined]
    publisher = _publisher()
    if publisher is not None:
        publisher.forget(request.sid)  # type: ignore[attr-defined]
    _health().disconnected(request.sid)  # type: ignore[attr-defined]


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
    fan-out to hundreds of screens; tests may send synchronously. The queue is bounded: when more
    than MAX_BACKLOG changes wait (screens would lag seconds behind), the waiting deltas are
    dropped and every client of the rooms they addressed gets a fresh `snapshot` instead.
    """

    STATS_EVERY = 2.0  # seconds: today's totals follow new tickets without costing each request
    # ~100 changes is a few seconds of fan-out to 500 screens (bench/bench_fanout.py: ~20 ms per
    # message): past that, a fresh snapshot is cheaper and more current than replaying them.
    MAX_BACKLOG = 100

    def __init__(self, ctx: Context, sync: bool = False) -> None:
        self.ctx = ctx
        self.sync = sync
        self._queue: queue.Queue[list[Message] | None] = queue.Queue()
        self._started = False
        self._stats_due: set[int] = set()  # the sites whose totals changed (issue 9: per site)
        self._stats_sent: dict[int, float] = {}  # site → time.monotonic() of its last push
        self.resyncs = 0  # how many times the backlog was dropped for snapshots
        # Connected clients: sid → (rooms, how to rebuild its snapshot), so a screen this
        # publisher could not keep up with gets a fresh snapshot (MAX_BACKLOG).
        self._clients: dict[str, tuple[frozenset[str], Callable[[Context], Any]]] = {}
        # With a message queue every emit reaches every process; `site.changed` stays local
        # because each process announces a site change to its own screens (refresh_site).
        self.message_queue = False
        self._relayed_seq: dict[int, int] = {}  # site → greatest seq its relay sent from here

    def remember(self, sid: str, joined: list[str], rebuild: Callable[[Context], Any]) -> None:
        """Note a connected client's rooms and how to read its snapshot again."""
        self._clients[sid] = (frozenset(joined), rebuild)

    def forget(self, sid: str) -> None:
        """Forget a client that left."""
        self._clients.pop(sid, None)

    def __call__(self, messages: list[Message]) -> None:
        """Publish the messages of one committed change."""
        if self.sync:
            self._send(messages)
            return
        if not self._started:
            self._started = True
            socketio.start_background_task(self._run)
        self._queue.put(messages)

    def wait_idle(self) -> None:
        """Return once every change published so far has been sent (tests, shutdown)."""
        self._queue.join()

    def emit(self, name: str, payload: Any, to: list[str]) -> None:
        """Send one event to rooms or sids (the one place that calls socketio.emit)."""
        socketio.emit(name, payload, to=to)

    def emit_here(self, name: str, payload: Any, to: list[str]) -> None:
        """Send one event to this process's clients only, not through the message queue."""
        socketio.emit(name, payload, to=to, ignore_queue=True)

    def _send(self, messages: list[Message]) -> None:
        for m in messages:
            if m.name not in EVENTS:
                raise ValueError(f"undocumented event {m.name}")
            send = self.emit_here if self.message_queue and m.name == "site.changed" else self.emit
            send(m.name, m.payload, [rooms.on_bus(r, m.site_id) for r in m.rooms])
            if m.name == "site.changed":  # what every screen shows may have changed
                self._resnapshot(set(m.rooms), tickets=False, site_id=m.site_id)
            if not self.sync:
                # Let every screen's writer send this message before the next one is queued:
                # the call reaches the last of 1,000 screens ~35% sooner (bench/bench_fanout.py).
                socketio.sleep(0)

    def relayed(self, messages: list[Message]) -> None:
        """Send one logged change the outbox relay read (on the relay's holder), and today's
        totals when they are due."""
        self._send(messages)
        for m in messages:
            self._relayed_seq[m.site_id] = max(self._relayed_seq.get(m.site_id, 0),
                                               m.payload.get("seq", 0))
        self._mark_stats(messages)
        self.stats_tick()

    def _mark_stats(self, messages: list[Message]) -> None:
        """Note the sites whose totals these messages changed."""
        self._stats_due.update(m.site_id for m in messages if m.name in STATS_TRIGGERS)

    def stats_tick(self) -> None:
        """Send each site's totals to its own staff if a change made them due and STATS_EVERY
        has passed for that site (issue 9: a ward's push never reaches the city centre's floor)."""
        now = time.monotonic()
        for site_id in sorted(self._stats_due):
            if now - self._stats_sent.get(site_id, 0.0) < self.STATS_EVERY:
                continue
            self._stats_due.discard(site_id)
            self._stats_sent[site_id] = now
            seq = None
            if self.message_queue:  # after what was relayed, before what was not (sequence.py)
                seq = self._relayed_seq.get(site_id, 0) // STRIDE * STRIDE + STRIDE - 1
            site = for_site(self.ctx, site_id)
            self._send([snapshots.stats_message(site, seq)])

    def resync_all(self) -> None:
        """Send every client of this process a fresh snapshot (it may have missed messages)."""
        log.warning("resyncing this process's %d clients", len(self._clients))
        self._resnapshot({r for joined, _ in list(self._clients.values()) for r in joined})

    def _take_backlog(self, batch: list[Message]) -> list[list[Message]] | None:
        """If too many changes wait, take them all (with `batch`); None otherwise."""
        if self._queue.qsize() <= self.MAX_BACKLOG:
            return None
        taken = [batch]
        while True:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return taken
            if more is None:  # keep the stop signal for the loop
                self._queue.task_done()
                self._queue.put(None)
                return taken
            taken.append(more)
            self._queue.task_done()

    def _resync(self, dropped: list[list[Message]]) -> None:
        """Instead of the dropped deltas, send each affected client a fresh snapshot.

        Print jobs are kept (a kiosk agent prints each one); clients with the same snapshot
        (the screens of one zone) share one read of the database.
        """
        self.resyncs += 1
        addressed = {r for batch in dropped for m in batch if m.name != "print.job" for r in m.rooms}
        self._send([m for batch in dropped for m in batch if m.name == "print.job"])
        log.warning("publisher backlog of %d changes dropped; resyncing %d rooms",
                    len(dropped), len(addressed))  # room names hold ticket tokens: not logged
        self._resnapshot(addressed)

    def _resnapshot(self, addressed: set[str], tickets: bool = True,
                    site_id: int | None = None) -> None:
        """Send each client of these rooms (of this site; None: any) a fresh snapshot (ticket
        pages only if `tickets`)."""
        built: dict[tuple[int, frozenset[str]], dict[str, Any] | None] = {}
        for sid, (joined, rebuild) in list(self._clients.items()):
            site = getattr(rebuild, "site_id", 1)  # room names repeat across sites (issue 9)
            if not joined & addressed or site_id not in (None, site):
                continue
            if not tickets and any(r.startswith(rooms.ticket("")) for r in joined):
                continue
            snap = built.get((site, joined)) if rooms.shared_snapshot(joined) else None
            if snap is None:  # a client that may no longer have one (None) shares it with nobody
                snap = rebuild(self.ctx)
                if snap is not None:
                    built[(site, joined)] = snap
            if snap is not None:  # one of this process's clients: not through the queue
                self._rejoin(sid, joined, snap.get("rooms"), site)
                (self.emit_here if self.message_queue else self.emit)("snapshot", snap, [sid])
            socketio.sleep(0)

    def _rejoin(self, sid: str, joined: frozenset[str], now: list[str] | None,
                site_id: int = 1) -> None:
        """Move a client whose rooms changed with the site (a department head's counters and
        zones) to the rooms its fresh snapshot names, before that snapshot is sent."""
        if not now or frozenset(now) == joined or sid not in self._clients:
            return
        for room in joined - set(now):
            socketio.server.leave_room(sid, rooms.on_bus(room, site_id), namespace="/")
        for room in set(now) - joined:
            socketio.server.enter_room(sid, rooms.on_bus(room, site_id), namespace="/")
        self._clients[sid] = (frozenset(now), self._clients[sid][1])

    def _run(self) -> None:
        while True:
            got = False
            try:
                batch = self._queue.get(timeout=self.STATS_EVERY)
                got = True
            except queue.Empty:
                batch = []
            if batch is None:
                self._queue.task_done()
                return
            try:
                dropped = self._take_backlog(batch) if batch else None
                if dropped is not None:
                    self._resync(dropped)
                else:
                    self._send(batch)
                for b in (dropped or [batch]):
                    self._mark_stats(b)
                self.stats_tick()
            except Exception:  # a broken client must not stop the screens' feed
                log.exception("publish failed")
            finally:
                if got:
                    self._queue.task_done()


def refresh_site(ctx: Context, force: bool = False) -> None:
    """If another process changed the site, use it here too and tell this process's screens
    (every site this process has opened: issue 9)."""
    for site in [ctx, *list(ctx._sites.values())]:
        site.refresh_site(force)
        announce_site(site)


def _watch_site(ctx: Context) -> None:
    """Runs in the server: notices within seconds a site change made by another process (or the
    CLI), even when no request comes (boards only listen)."""
    while True:
        socketio.sleep(ctx.SITE_CHECK_EVERY)
        try:
            refresh_site(ctx)
        except Exception:  # a busy database: the next round tries again
            log.exception("checking the site version failed")


def init_app(app: Flask, ctx: Context, async_mode: str | None, sync: bool,
             message_queue: str | None = None) -> None:
    """Attach Socket.IO to the app and route the context's events through it (through Redis and
    the outbox relay when a message queue is given)."""
    ctx.publish = publisher = Publisher(ctx, sync=sync)
    if message_queue:
        def resync_later() -> None:  # this process's screens may have missed messages
            socketio.sleep(RESYNC_AFTER_S)
            publisher.resync_all()
        socketio.init_app(app, async_mode=async_mode, ping_interval=10, ping_timeout=10,
                          client_manager=_redis_manager(
                              message_queue, lambda: socketio.start_background_task(resync_later)))
    else:
        socketio.init_app(app, async_mode=async_mode, ping_interval=10, ping_timeout=10)
    if message_queue:
        start_relay(app, ctx, publisher, message_queue)
    if async_mode == "gevent":
        socketio.start_background_task(_watch_site, ctx)
    else:  # tests and the threading server: look on requests (at most every 2 s)
        app.before_request(lambda: refresh_site(ctx))
    app.extensions["xephang.live"] = LiveSessions(
        ctx, lambda sid: socketio.server.disconnect(sid, namespace="/"),
        lambda sid: bool(socketio.server.manager.is_connected(sid, "/")),
        socketio.start_background_task, socketio.sleep)
    app.extensions["xephang.health"] = SiteHealth(ctx, watch=not sync)


RESYNC_AFTER_S = 0.2  # after a resubscription to Redis: its first messages pass first
RETRY_LISTEN_S = 1.0  # between attempts to subscribe to Redis again


def _redis_manager(url: str, reconnected: Callable[[], None]) -> Any:
    """Flask-SocketIO's Redis manager, counting the publishes that reached no process (python-
    socketio logs and drops those it gives up on): the outbox relay must not record them as sent.
    Each resubscription after a failure calls `reconnected`: messages may have been missed."""
    from socketio import RedisManager

    class CountingRedisManager(RedisManager):  # type: ignore[misc]
        given_up = 0

        def _publish(self, data: Any) -> Any:
            sent = super()._publish(data)
            if not sent:  # both attempts failed (None), or no process subscribed (0)
                self.given_up += 1
            return sent

        def _redis_listen_with_retries(self) -> Any:
            """python-socketio's listening loop, with two changes: a resubscription after a
            failure calls `reconnected`, and the wait between attempts stays short (theirs
            doubles up to 60 s, as long as this process's screens would hear nothing)."""
            failed = False
            while True:
                try:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    if failed:
                        failed = False
                        reconnected()
                    yield from self.pubsub.listen()
                except Exception as exc:  # Redis went away: subscribe again
                    if not failed:
                        log.error("message queue: cannot receive (%s); retrying", exc)
                    failed = True
                    time.sleep(RETRY_LISTEN_S)

    return CountingRedisManager(url, channel="flask-socketio")


def start_relay(app: Flask, ctx: Context, publisher: Publisher, url: str) -> None:
    """Numbered messages leave from the outbox, sent by the one holder of `outbox-relay`."""
    from .services.leases import Lease, run_singleton
    from .services.relay import NAME, TTL_S, OutboxRelay, Waker
    publisher.message_queue = True
    publisher.MAX_BACKLOG = 10**9  # the relay reads in batches; a resync would reach only here
    # python-socketio subscribes to the queue at this process's first client; until then a
    # deployment whose screens are elsewhere (or not yet connected) publishes to no process, and
    # every site's relay counted that as dropped and sent its batch again, and again
    # (bench/bench_city_morning.py: 35,000 resends in 4 minutes). Subscribe at start.
    if not socketio.server.manager_initialized:
        socketio.server.manager_initialized = True
        socketio.server.manager.initialize()
    from .services.context import every_site

    def start_site(site: Context) -> None:
        relay = OutboxRelay(site, Lease(ctx.db, NAME, ttl=TTL_S, site_id=site.site_id),
                            publisher.relayed, publisher.stats_tick, site_id=site.site_id,
                            failures=lambda: int(socketio.server.manager.given_up))
        waker = Waker(url, relay, socketio.start_background_task, site_id=site.site_id)
        site.log_messages, site.logged = True, waker.logged
        if site is ctx:
            app.extensions["xephang.relay"], app.extensions["xephang.waker"] = relay, waker
        socketio.start_background_task(waker.listen)
        run_singleton(relay.lease, socketio.start_background_task, socketio.sleep, relay.run)

    for site in every_site(ctx):  # issue 9: one relay (lease, position, wake-ups) per site
        start_site(site)
    # A site added while this process runs (`xephang site add`) gets its relay when its context
    # is first opened here (a device or page of it, a job), and at the latest within
    # NEW_SITES_EVERY_S (the look below): its changes are logged from their first.
    ctx.site_opened = start_site
    socketio.start_background_task(_look_for_new_sites, ctx)


NEW_SITES_EVERY_S = 10.0


def _look_for_new_sites(ctx: Context) -> None:
    """Open every site of the deployment now and then (a new one starts its relay)."""
    from .services.context import every_site
    while True:
        socketio.sleep(NEW_SITES_EVERY_S)
        try:
            every_site(ctx)
        except Exception as exc:  # noqa: BLE001 - the database is away: look again later
            log.warning("looking for new sites failed: %s", exc)
