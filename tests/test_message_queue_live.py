"""Several real servers (`xephang run --message-queue`) on one database — a SQLite file, then a
PostgreSQL database (issue 9) — and one real Redis: every screen hears every call, whichever process made it, in order and once; the process that
holds the outbox relay is frozen and killed with -9 mid-stream: a survivor takes the relay over,
nothing committed is lost or applied twice, the dead process's screens reconnect elsewhere and
resync from their snapshot."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from server.services.screens.sequence import STRIDE
from server.store import Database
from tests.conftest import ROOT, LiveServer, free_port
from tests.support.deployment import joined_servers
from tests.support.redis_server import redis_server

CALLS = ("ticket.called", "ticket.recalled", "ticket.unparked")
WAIT_S = 30  # upper bound for awaited events; a passing run waits for events, not for time


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LiveServer]]:
    """Three servers on one database (a SQLite file, then a fresh PostgreSQL database), joined
    by Redis (short leases: quick takeovers)."""
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")
    pg_url = (request.getfixturevalue("pg_cluster").create_database(migrated=False)
              if request.param == "postgresql" else None)
    with joined_servers(tmp_path, "abc", pg_url=pg_url) as servers:
        yield servers


def _rows(db: str | Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of one query on either engine, from a connection of this test's own."""
    store = Database(db)
    try:
        with store.read() as conn:
            return list(conn.execute(sql, params).fetchall())
    finally:
        store.close()


class Board:
    """A lobby board as the browser builds it (shared.js): the calls of its snapshot's
    `recent_calls`, then each `ticket.called` whose seq is greater than the last call shown; calls
    that arrive before the snapshot of a (re)connection are held until it (SeqGate). When its
    server goes away it connects to the next one (what the load balancer does)."""

    def __init__(self, urls: list[str], token: str) -> None:
        self.urls, self.token = urls, token
        self.calls: list[int] = []  # seqs of the calls shown, in the order shown
        self.repeats = 0  # calls received again (dropped, as a board does)
        self.repeated: list[int] = []
        self.snapshots = 0
        self.held: list[int] | None = None  # calls before the connection's snapshot
        self.server = ""
        self.seen = threading.Condition()
        self._connect(urls[0])

    def _connect(self, url: str) -> None:
        client = socketio.Client(reconnection=False)
        client.on("snapshot", self._snapshot)
        client.on("ticket.called", self._called)
        client.on("disconnect", lambda *_: threading.Thread(target=self._failover, daemon=True).start())
        with self.seen:
            self.server, self.client, self.held = url, client, []
        client.connect(url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)

    def _failover(self) -> None:
        for url in self.urls * 20:  # the first that answers (the dead one refuses at once)
            if url == self.server:
                continue
            try:
                self._connect(url)
                return
            except socketio.exceptions.ConnectionError:
                time.sleep(0.1)  # every other server refused: try the round again

    def _snapshot(self, snap: dict[str, Any]) -> None:
        with self.seen:
            for call in reversed(snap["recent_calls"]):
                self._show(call["seq"])
            for seq in sorted(self.held or ()):  # only those newer than the snapshot's are new
                self._show(seq)
            self.held = None
            self.snapshots += 1
            self.seen.notify_all()

    def _called(self, call: dict[str, Any]) -> None:
        with self.seen:
            if self.held is not None:
                self.held.append(call["seq"])
                return
            self._show(call["seq"])
            self.seen.notify_all()

    def _show(self, seq: int) -> None:
        if self.calls and seq <= self.calls[-1]:
            self.repeats += 1
            self.repeated.append(seq)
        else:
            self.calls.append(seq)

    def wait_for(self, seqs: list[int]) -> bool:
        """Wait until the last of `seqs` is shown (all of them, if shown in order)."""
        with self.seen:
            return self.seen.wait_for(lambda: bool(self.calls) and self.calls[-1] >= seqs[-1], WAIT_S)

    def close(self) -> None:
        self.client.on("disconnect", lambda *_: None)
        self.client.disconnect()


def _logged_calls(db: str | Path) -> list[tuple[int, int]]:
    """Every call in the event log: (the seq screens know it by, its counter)."""
    rows = _rows(db, f"SELECT id, counter FROM events WHERE type IN "
                     f"({','.join('?' * len(CALLS))}) ORDER BY id", CALLS)
    return [(i * STRIDE, counter) for i, counter in rows]


def _relay_holder(db: str | Path) -> int:
    rows = _rows(db, "SELECT holder FROM leases WHERE name='outbox-relay' AND expires_at>?",
                 (time.time(),))
    return int(rows[0][0].split(":")[1]) if rows else 0


def _freeze_outside_a_write(server: LiveServer) -> None:
    """SIGSTOP the server, at a moment it holds no SQLite write transaction (a process frozen
    inside one blocks every writer of the file until it dies: nothing a survivor can do about it,
    so the test freezes it between writes). On PostgreSQL the server ends a transaction left idle
    2 s, so any moment will do."""
    assert server.proc is not None
    if not isinstance(server.db, Path):
        server.proc.send_signal(signal.SIGSTOP)
        return
    import sqlite3
    for _ in range(50):
        server.proc.send_signal(signal.SIGSTOP)
        probe = sqlite3.connect(str(server.db), timeout=2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # free within 2 s: the frozen one holds no write
            probe.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:  # frozen inside a write: let it finish, try again
            server.proc.send_signal(signal.SIGCONT)
            time.sleep(0.05)  # a moment for it to commit (no event to await in a stopped process)
        finally:
            probe.close()
    raise AssertionError("the server never stopped outside a write transaction")


def _await_relay_holder(servers: list[LiveServer]) -> LiveServer:
    deadline = time.monotonic() + WAIT_S
    while True:  # the lease is taken by another process: no event to await
        pid = _relay_holder(servers[0].db)
        found = [s for s in servers if s.proc is not None and s.proc.pid == pid]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "nobody took the outbox relay"
        time.sleep(0.05)


def busy(r: requests.Response) -> bool:
    """The answer `busy` (503): the write lock was not had in time, nothing changed."""
    return r.status_code == 503 and r.json()["error"]["code"] == "busy"


class Kiosks:
    """Kiosks issuing at a steady pace through the given processes while another dies; a request
    left without an answer, or answered `busy`, is tried again (on the next process) with the same
    request_id, as the kiosk page does; `acked` holds every answer (request_id, number, token)."""

    def __init__(self, servers: list[LiveServer], kiosks: dict[str, str]) -> None:
        self.acked: list[tuple[str, str, str]] = []
        self.retries = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(servers, service, kiosk, i),
                                         daemon=True) for i, (service, kiosk) in enumerate(kiosks.items())]
        self.errors: list[str] = []
        self.tokens = {kiosk: servers[0].token(kiosk) for kiosk in kiosks.values()}
        for t in self.threads:
            t.start()

    def _run(self, servers: list[LiveServer], service: str, kiosk: str, k: int) -> None:
        session = requests.Session()
        i = 0
        while not self.stop.is_set():
            rid = f"{kiosk}-mq-{i:04d}"
            for attempt in range(30):
                server = servers[(i + k + attempt) % len(servers)]
                try:
                    r = session.post(f"{server.url}/api/v1/tickets",
                                     json={"service": service, "request_id": rid}, timeout=WAIT_S,
                                     headers={"Authorization": f"Bearer {self.tokens[kiosk]}"})
                except requests.RequestException:
                    self.retries += 1  # no answer: the ticket may exist; the same request_id again
                    session = requests.Session()
                    continue
                if busy(r):  # nothing changed: the kiosk tries again
                    self.retries += 1
                    continue
                if r.status_code not in (200, 201):
                    self.errors.append(f"{rid}: {r.status_code} {r.text}")
                    return
                with self.changed:
                    self.acked.append((rid, r.json()["number"], r.json()["token"]))
                    self.changed.notify_all()
                break
            else:
                self.errors.append(f"{rid}: no process answered")
                return
            i += 1
            self.stop.wait(0.05)  # a kiosk's pace: people do not press twice in 50 ms

    def wait_for_more(self, n: int) -> None:
        """Wait until n more tickets are acknowledged."""
        with self.changed:
            target = len(self.acked) + n
            assert self.changed.wait_for(lambda: len(self.acked) >= target or bool(self.errors),
                                         WAIT_S), "the kiosks stopped getting answers"
        assert not self.errors, self.errors

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(WAIT_S)
        assert not self.errors, self.errors


def test_every_screen_gets_every_call_in_order_across_processes_and_a_killed_relay(
        deployment: list[LiveServer]) -> None:
    servers = deployment
    urls = [s.url for s in servers]
    # 60 screens, 20 per process: the lobby's board and the boards of four zones (each shows its
    # zone's calls only); each fails over to the other servers when its own goes away.
    zones = {"board-lobby": None, "board-A": "A", "board-A1": "A1", "board-A2": "A2",
             "board-B": "B"}
    names = list(zones)
    boards = [Board(urls[i:] + urls[:i], servers[0].token(names[j % 5]))
              for i in range(len(servers)) for j in range(20)]
    zone_of = [zones[names[j % 5]] for _ in servers for j in range(20)]
    # Eight counters, two in each zone, and the four zones' kiosks, spread over the processes.
    counters = {2: "XD-GPXD", 3: "XD-GPXD", 18: "TP-LLTP", 19: "TP-LLTP", 32: "YT-CCHN",
                33: "YT-CCHN", 44: "NNMT-DD", 45: "NNMT-DD"}
    zone_counters = {"A": {2, 3}, "A1": {18, 19}, "A2": {32, 33}, "B": {44, 45}}
    kiosks = {"XD-GPXD": "kiosk-A", "TP-LLTP": "kiosk-A1", "YT-CCHN": "kiosk-A2",
              "NNMT-DD": "kiosk-B"}
    wanted = {"XD-GPXD": 10, "TP-LLTP": 9, "YT-CCHN": 9, "NNMT-DD": 9}  # > 4 rounds of calls
    officers = {n: servers[0].token(f"canbo{n}") for n in counters}
    for i, n in enumerate(counters):
        r = servers[i % 3].api("POST", f"/api/v1/counters/{n}/open", token=officers[n])
        assert r.status_code == 200, r.text
    issued = []
    services = [code for code, n in wanted.items() for _ in range(n)]
    for i, service in enumerate(services):  # kiosk requests spread over the processes
        r = servers[i % 3].api("POST", "/api/v1/tickets", who=kiosks[service],
                               json={"service": service})
        assert r.status_code == 201, r.text
        issued.append(r.json()["number"])
    assert len(set(issued)) == len(issued)

    def call(server: LiveServer, n: int) -> str:
        r = server.api("POST", f"/api/v1/counters/{n}/call-next", token=officers[n])
        deadline = time.monotonic() + WAIT_S
        while busy(r) and time.monotonic() < deadline:  # the site's writers queue up (kiosks
            r = server.api("POST", f"/api/v1/counters/{n}/call-next", token=officers[n])  # issuing)
        assert r.status_code == 200, r.text
        return str(r.json()["ticket"]["number"])

    called = [call(servers[i % 3], n) for i, n in enumerate(counters)]
    called += [call(servers[(i + 1) % 3], n) for i, n in enumerate(counters)]
    logged = _logged_calls(servers[0].db)
    assert len(logged) == 16
    for board, zone in zip(boards, zone_of):
        mine = [seq for seq, n in logged if zone is None or n in zone_counters[zone]]
        assert board.wait_for(mine), f"{board.server}: {board.calls} != {mine}"
        assert board.calls == mine  # every call of its zone, once, in order, from every process

    # The relay's holder freezes; calls are made (and acknowledged) on the other two meanwhile;
    # then the frozen holder is killed with -9: a survivor takes the relay and sends them.
    # The four kiosks keep issuing meanwhile, through the two other processes (a process frozen
    # inside a write transaction would hold the write lock of every process until it dies).
    holder = _await_relay_holder(servers)
    survivors = [s for s in servers if s is not holder]
    issuing = Kiosks(survivors, kiosks)
    issuing.wait_for_more(8)
    _freeze_outside_a_write(holder)
    called += [call(survivors[i % 2], n) for i, n in enumerate(counters)]
    holder.stop(kill=True)
    called += [call(survivors[(i + 1) % 2], n) for i, n in enumerate(counters)]
    assert _await_relay_holder(survivors) in survivors
    issuing.wait_for_more(8)  # answered by the survivors
    issuing.close()
    # No acknowledged ticket lost, none issued twice for one request, no number doubled, no gap.
    stored = {token: (number, service, seq) for token, number, service, seq in
              _rows(servers[0].db, "SELECT token, number, origin_service, seq FROM tickets")}
    assert all(stored.get(token, (None,))[0] == number for _, number, token in issuing.acked)
    assert len({rid for rid, _, _ in issuing.acked}) == len({t for _, _, t in issuing.acked})
    assert len(stored) == len(issued) + len({rid for rid, _, _ in issuing.acked})
    for service in wanted:
        seqs = sorted(seq for _, s, seq in stored.values() if s == service)
        assert seqs == list(range(1, len(seqs) + 1)), service  # each number once, none skipped
    print("kiosk requests retried:", issuing.retries)
    # A process that commits a call and dies before sending anything: the relay sends it.
    out = subprocess.run([sys.executable, "-m", "tests.outbox_workers", str(servers[0].db),
                          officers[2], "2"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    called.append(out.stdout.strip())
    logged = _logged_calls(servers[0].db)
    assert len(logged) == 33 and len(set(called)) == 33  # no ticket called twice
    for board, zone in zip(boards, zone_of):
        mine = [seq for seq, n in logged if zone is None or n in zone_counters[zone]]
        assert board.wait_for(mine), f"{board.server}: {board.calls} != {mine}"
        assert board.calls == mine, board.server  # nothing lost, nothing shown twice
        assert board.server != holder.url
    print("calls shown again (dropped by seq):", [b.repeats for b in boards])
    moved = [b for b in boards if b.snapshots > 1]
    assert len(moved) == 20  # the dead process's boards reconnected elsewhere and resynced
    for b in boards:
        b.close()


def test_a_message_queue_that_does_not_answer_stops_the_start_with_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    out = subprocess.run([sys.executable, "-m", "server.cli", "run", "--db", str(tmp_path / "x.db"),
                          "--port", str(free_port()), "--message-queue", f"redis://127.0.0.1:{port}/0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "LANG": "en_US.UTF-8"})
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0  # one line, no traceback
    assert "cannot reach the message queue" in out.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was created


def test_readiness_says_when_the_message_queue_is_gone(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    try:
        with redis_server(tmp_path) as url:
            server.extra_args = ["--message-queue", url]
            server.start()
            r = server.api("GET", "/readyz")
            assert r.status_code == 200 and r.json()["checks"]["message_queue"] == "ok", r.text
        # The redis-server is stopped: this process's screens would hear nothing.
        r = server.api("GET", "/readyz")
        assert r.status_code == 503 and r.json()["checks"]["message_queue"] == "unreachable"
    finally:
        server.stop()


def test_calls_made_while_redis_restarts_reach_every_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")
    port = free_port()
    servers = [LiveServer(tmp_path), LiveServer(tmp_path)]
    servers[1].log = tmp_path / "server-b.log"
    boards: list[Board] = []
    try:
        with redis_server(tmp_path, port) as url:
            for s in servers:
                s.extra_args = ["--message-queue", url]
                s.start()
            a, b = servers
            boards = [Board([s.url], a.token("board-lobby")) for s in servers for _ in range(2)]
            officer = a.token("canbo17")
            assert a.api("POST", "/api/v1/counters/17/open", token=officer).status_code == 200
            for i in range(4):
                r = servers[i % 2].api("POST", "/api/v1/tickets", who="kiosk-A1",
                                       json={"service": "TP-LLTP"})
                assert r.status_code == 201, r.text

            def call(server: LiveServer) -> None:
                r = server.api("POST", "/api/v1/counters/17/call-next", token=officer)
                assert r.status_code == 200 and r.json()["ticket"], r.text

            call(a)
            first = [seq for seq, _ in _logged_calls(a.db)]
            for board in boards:
                assert board.wait_for(first) and board.calls == first
        call(b)  # Redis is down: committed and answered, not yet sent
        call(a)
        with redis_server(tmp_path, port):  # back on the same address
            call(b)
            logged = [seq for seq, _ in _logged_calls(a.db)]
            assert len(logged) == 4
            for board in boards:
                assert board.wait_for(logged), f"{board.server}: {board.calls} != {logged}"
                assert board.calls == logged  # nothing lost while Redis was away, in order
            for board in boards:
                board.close()
    finally:
        for s in servers:
            s.stop()
