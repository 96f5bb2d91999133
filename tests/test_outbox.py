"""The outbox and its relay on a real SQLite file: numbered messages are logged in the change's
transaction, the relay sends them in order and stores its position only while it holds the lease."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from server.services.context import Context, Message
from server.services.leases import Lease
from server.services.relay import NAME, OutboxRelay
from server.store import Database
from server.store import outbox as rows
from server.setup import initialize


def _ctx(tmp_path: Path) -> Context:
    db = Database(str(tmp_path / "x.db"))
    db.migrate()
    initialize(db, None, demo=False)
    return Context.open(db)


def _change(ctx: Context, seq: int) -> None:
    with ctx.transaction() as (conn, out):
        out.add("queue.changed", {"seq": seq, "services": []}, ["lobby"])
        out.add("admin.changed", {"area": "users"}, ["staff"])  # unnumbered: sent directly


def test_numbered_messages_are_logged_in_the_transaction_and_the_rest_sent_directly(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    direct: list[Message] = []
    woken: list[int] = []
    ctx.publish, ctx.log_messages, ctx.logged = direct.extend, True, lambda: woken.append(1)
    _change(ctx, 5)
    with ctx.db.read() as conn:
        logged = rows.after(conn, 0, 10)
    assert [m["name"] for _, ms in logged for m in ms] == ["queue.changed"]
    assert [m.name for m in direct] == ["admin.changed"]
    assert woken == [1]
    try:  # a change that fails logs nothing
        with ctx.transaction() as (conn, out):
            out.add("queue.changed", {"seq": 6, "services": []}, ["lobby"])
            raise RuntimeError("bad input")
    except RuntimeError:
        pass
    with ctx.db.read() as conn:
        assert rows.last_id(conn) == logged[-1][0]


def test_only_the_lease_holder_moves_the_position_and_never_back(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    a, b = Lease(ctx.db, NAME, holder="a", ttl=5), Lease(ctx.db, NAME, holder="b", ttl=5)
    assert a.try_take() and not b.try_take()
    with ctx.db.write() as conn:
        assert rows.advance(conn, NAME, 7, "a", time.time())
        assert not rows.advance(conn, NAME, 9, "b", time.time())  # not the holder
        assert not rows.advance(conn, NAME, 3, "a", time.time())  # back
        assert not rows.advance(conn, NAME, 9, "a", time.time() + 10)  # its lease has expired
        assert rows.position(conn, NAME) == 7


class _Stop(Exception):
    pass


def _relay_until(ctx: Context, holder: str, sent: list[int], count: int,
                 wait_stored: bool = True) -> int:
    """Run a relay as `holder` until `count` seqs were sent in all (and, if `wait_stored`, its
    position stored); the stored position after."""
    lease = Lease(ctx.db, NAME, holder=holder, ttl=5)
    assert lease.try_take()
    seen = threading.Condition()

    def send(messages: list[Message]) -> None:
        with seen:
            sent.extend(m.payload["seq"] for m in messages)
            seen.notify_all()

    def nap(seconds: float) -> None:  # the gated sleep: a holder that lost the lease stops
        if not lease.held():
            raise _Stop
        time.sleep(seconds)

    relay = OutboxRelay(ctx, lease, send)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            relay.run(nap)
        except _Stop:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    with seen:
        assert seen.wait_for(lambda: len(sent) >= count, 30), sent
    if wait_stored:
        deadline = time.monotonic() + 30
        while relay.stored < count and time.monotonic() < deadline:
            time.sleep(0.01)  # stored by the relay's thread right after sending: no event for it
    lease.forfeit()  # as when frozen past its TTL: it stops acting as the holder
    relay.wake()
    thread.join(30)
    assert not thread.is_alive() and not failed
    with ctx.db.write() as conn:  # its lease expires: the next one takes over at once
        conn.execute("UPDATE leases SET expires_at=0")
        return rows.position(conn, NAME)


def test_the_relay_sends_every_logged_change_once_in_order_and_resumes_after_a_takeover(
        tmp_path: Path, monkeypatch: Any) -> None:
    import server.services.relay as relay_module
    monkeypatch.setattr(relay_module, "BATCH", 3)  # several rounds
    monkeypatch.setattr(relay_module, "STORE_EVERY_S", 0)  # the position stored after each
    ctx = _ctx(tmp_path)
    ctx.log_messages = True
    for seq in range(1, 6):
        _change(ctx, seq)
    sent: list[int] = []
    first = _relay_until(ctx, "first", sent, 5)
    for seq in range(6, 9):
        _change(ctx, seq)
    second = _relay_until(ctx, "second", sent, 8)
    assert sent == list(range(1, 9))  # once each, in order, across the takeover
    with ctx.db.read() as conn:
        assert (first, second) == (5, rows.last_id(conn)) == (5, 8)


def test_without_a_message_queue_nothing_is_logged_and_redis_is_not_imported(tmp_path: Path) -> None:
    import subprocess
    import sys
    code = ("import sys; from server.cli import _import_socketio_server_only as imp; imp(); "
            "from server.app import create_app; "
            f"app = create_app({{'DB': {str(tmp_path / 'x.db')!r}, 'PRINTING': False}}); "
            "ctx = app.extensions['xephang']; "
            "print('redis' in sys.modules, ctx.log_messages, 'xephang.relay' in app.extensions)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "False"]


def test_the_relays_totals_stay_below_changes_it_has_not_sent(tmp_path: Path) -> None:
    from server.realtime import Publisher
    from server.services.screens.sequence import STRIDE
    from server.store import queue as q
    ctx = _ctx(tmp_path)
    with ctx.db.write() as conn:  # changes committed by other processes, not relayed yet
        for _ in range(3):
            q.append_event(conn, "2026-12-02T08:00:00+07:00", "2026-12-02", "test", "t", None,
                           None, None, {})
    emitted: list[tuple[str, Any, list[str]]] = []

    class Captured(Publisher):
        def emit(self, name: str, payload: Any, to: list[str]) -> None:
            emitted.append((name, payload, to))

    publisher = Captured(ctx, sync=True)
    publisher.message_queue = True
    publisher.relayed([Message("queue.changed", {"seq": STRIDE + 1, "services": []}, ("lobby",))])
    stats = [p for name, p, _ in emitted if name == "stats.changed"]
    assert [p["seq"] for p in stats] == [2 * STRIDE - 1]  # after seq 1·STRIDE+1, before 2·STRIDE
    assert emitted[0][2] == ["s1:lobby"]  # rooms are qualified by site on the bus


def test_every_command_that_opens_the_database_takes_the_message_queue(monkeypatch: Any) -> None:
    from server.cli import parser
    url = "redis://127.0.0.1:6379/0"
    for argv in (["run"], ["init"], ["day", "close"], ["user", "list"], ["device", "list"]):
        assert parser().parse_args([*argv, "--message-queue", url]).message_queue == url
    monkeypatch.setenv("XEPHANG_MESSAGE_QUEUE", url)
    assert parser().parse_args(["run"]).message_queue == url
    monkeypatch.setenv("XEPHANG_MESSAGE_QUEUE", "")
    assert parser().parse_args(["run"]).message_queue is None


def test_a_holder_that_stops_before_storing_its_position_is_repeated_by_the_next(
        tmp_path: Path, monkeypatch: Any) -> None:
    import server.services.relay as relay_module
    monkeypatch.setattr(relay_module, "BATCH", 3)
    monkeypatch.setattr(relay_module, "STORE_EVERY_S", 60)  # the first store, then none
    ctx = _ctx(tmp_path)
    ctx.log_messages = True
    for seq in range(1, 6):
        _change(ctx, seq)
    sent: list[int] = []
    assert _relay_until(ctx, "first", sent, 5, wait_stored=False) == 3
    assert _relay_until(ctx, "second", sent, 7, wait_stored=False) == 5
    assert sent == [1, 2, 3, 4, 5, 4, 5]  # sent again, never lost; clients drop seqs they hold


def test_a_process_without_the_relay_wakes_the_holder_through_redis(tmp_path: Path) -> None:
    import redis

    from server.services.relay import Waker
    from tests.support.redis_server import redis_server
    ctx = _ctx(tmp_path)
    holder, other = Lease(ctx.db, NAME, holder="a", ttl=30), Lease(ctx.db, NAME, holder="b", ttl=30)
    assert holder.try_take() and not other.try_take()
    relay_a, relay_b = OutboxRelay(ctx, holder, list), OutboxRelay(ctx, other, list)
    spawn = lambda fn, *a: threading.Thread(target=fn, args=a, daemon=True).start()  # noqa: E731
    stop = threading.Event()
    with redis_server(tmp_path) as url:
        waker_a, waker_b = Waker(url, relay_a, spawn), Waker(url, relay_b, spawn)
        listening = threading.Thread(target=waker_a.listen, args=(stop.is_set,), daemon=True)
        listening.start()
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while not client.pubsub_numsub(waker_a.channel)[0][1]:  # no event for "subscribed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        waker_b.logged()  # "b" logged a change but does not hold the relay
        assert relay_a._wake.wait(30)
        assert not relay_b._wake.is_set()
        relay_a._wake.clear()
        waker_a.logged()  # the holder itself: woken directly
        assert relay_a._wake.is_set()
        stop.set()
        client.close()
    listening.join(10)
    assert not listening.is_alive()


def test_messages_the_queue_dropped_are_sent_again_not_recorded_as_sent(
        tmp_path: Path, monkeypatch: Any) -> None:
    import server.services.relay as relay_module
    monkeypatch.setattr(relay_module, "STORE_EVERY_S", 0)
    monkeypatch.setattr(relay_module, "POLL_S", 0.01)  # the retry after a failure
    ctx = _ctx(tmp_path)
    ctx.log_messages = True
    for seq in (1, 2):
        _change(ctx, seq)
    lease = Lease(ctx.db, NAME, holder="a", ttl=30)
    assert lease.try_take()
    dropped = [0]
    sent: list[int] = []
    seen = threading.Condition()

    def send(messages: list[Message]) -> None:
        with seen:
            sent.extend(m.payload["seq"] for m in messages)
            if len(sent) == 1:
                dropped[0] += 1  # Redis was down: python-socketio gave this publish up
            seen.notify_all()

    def nap(seconds: float) -> None:
        if not lease.held():
            raise _Stop
        time.sleep(seconds)

    relay = OutboxRelay(ctx, lease, send, failures=lambda: dropped[0])
    thread = threading.Thread(target=lambda: _run_quietly(relay, nap), daemon=True)
    thread.start()
    with seen:
        assert seen.wait_for(lambda: len(sent) >= 4, 30), sent
    lease.forfeit()
    relay.wake()
    thread.join(10)
    assert sent[:4] == [1, 2, 1, 2]  # the round with a dropped message is sent again, whole
    with ctx.db.read() as conn:
        assert rows.position(conn, NAME) == 2


def _run_quietly(relay: OutboxRelay, nap: Any) -> None:
    try:
        relay.run(nap)
    except _Stop:
        pass


def test_with_a_queue_site_changed_stays_here_and_the_rest_goes_through_it(tmp_path: Path) -> None:
    from server.realtime import Publisher
    ctx = _ctx(tmp_path)
    through: list[str] = []
    here: list[str] = []

    class Captured(Publisher):
        def emit(self, name: str, payload: Any, to: list[str]) -> None:
            through.append(name)

        def emit_here(self, name: str, payload: Any, to: list[str]) -> None:
            here.append(name)

    publisher = Captured(ctx, sync=True)
    publisher.message_queue = True
    publisher([Message("site.changed", {"version": 2}, ("lobby",)),
               Message("admin.changed", {"area": "users"}, ("staff",)),
               Message("device.changed", {"device": {}}, ("staff",))])
    # Every process announces a site change to its own screens; the others reach every process.
    assert (here, through) == (["site.changed"], ["admin.changed", "device.changed"])
