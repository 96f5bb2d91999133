"""Issue 9: a site added while the server runs (with a message queue) gets its outbox relay
without a restart: its changes are logged in their transactions and reach its boards from the
relay, like the sites the server started with. A real server, a real Redis, a real board."""
from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

from tests.conftest import DEMO_PASSWORD, LiveServer
from tests.support.redis_server import redis_server
from tests.test_message_queue_live import Board
from tests.test_site_scoping import COUNTER, add_site_b
from tests.test_site_scoping_live import _issue_and_call, _login


def test_a_site_added_while_the_server_runs_gets_its_relay(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        server = LiveServer(tmp_path)
        server.extra_args = ["--message-queue", url]
        server.start()  # the demo site only
        board = None
        try:
            site_b = add_site_b(server.db, DEMO_PASSWORD)  # while it runs
            board = Board([server.url], site_b["board"])
            _issue_and_call(server.url, site_b["kiosk"], _login(server.url, f"b_canbo{COUNTER}"))
            with board.seen:
                assert board.seen.wait_for(lambda: len(board.calls) == 1, 30), board.calls
            # the new site's call left from the outbox, under its site (logged in the
            # transaction: kill -9 loses nothing), and the site's relay recorded it as sent
            conn = sqlite3.connect(server.db)
            logged = dict(conn.execute("SELECT site_id, MAX(id) FROM outbox GROUP BY site_id"))
            sent = dict(conn.execute("SELECT site_id, position FROM outbox_position"))
            conn.close()
            assert 2 in logged, logged
            deadline = time.monotonic() + 30  # the relay stores its position every few seconds
            while sent.get(2, 0) < logged[2]:
                assert time.monotonic() < deadline, (sent, logged)
                time.sleep(0.2)
                conn = sqlite3.connect(server.db)
                sent = dict(conn.execute("SELECT site_id, position FROM outbox_position"))
                conn.close()
        finally:
            if board is not None:
                board.close()
            if server.proc is not None and server.proc.poll() is None:
                server.proc.send_signal(signal.SIGCONT)
            server.stop()
