"""What the city morning (bench/bench_city_morning.py, issue 9) found with 169 sites: a site's
lease is written under its own site's lock, and a process with a message queue subscribes to it
at start, before any screen connects."""
from __future__ import annotations

import time
from pathlib import Path

import psycopg
import redis

from server.services.leases import Lease
from server.store import Database
from tests.conftest import LiveServer
from tests.support.redis_server import redis_server


def test_a_wards_lease_is_renewed_while_site_1s_writers_hold_its_lock(pg_url: str) -> None:
    db = Database(pg_url)
    blocker = psycopg.connect(pg_url)  # site 1's writer, in the middle of a long transaction
    try:
        blocker.execute("SELECT pg_advisory_xact_lock(1)")
        ward = Lease(db, "outbox-relay", holder="host:1", ttl=3, site_id=2)
        started = time.monotonic()
        assert ward.try_take() and ward.held()  # not `busy` behind site 1
        assert time.monotonic() - started < 1.0  # its deadline (TTL/3) was not waited out
        city = Lease(db, "outbox-relay", holder="host:1", ttl=3, site_id=1)
        assert not city.try_take()  # site 1's own lease does wait for site 1's lock
    finally:
        blocker.rollback()
        blocker.close()
        db.close()


def test_a_process_subscribes_to_the_message_queue_before_any_screen_connects(
        tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    try:
        with redis_server(tmp_path) as url:
            server.extra_args = ["--message-queue", url]
            server.start()  # no Socket.IO client anywhere
            bus = redis.Redis.from_url(url)
            deadline = time.monotonic() + 10
            while bus.pubsub_numsub("flask-socketio")[0][1] == 0:  # its listener starting
                assert time.monotonic() < deadline, "the process never subscribed"
                time.sleep(0.05)
            # So a publish reaches a process (it used to reach none, and every relay sent again)
            assert bus.publish("flask-socketio", b"{}") == 1
    finally:
        server.stop()
