"""Real Socket.IO clients against the real server: no event lost between snapshot and deltas,
and screens recover by themselves after a server restart."""
from __future__ import annotations

import threading
from typing import Any

import socketio


class Screen:
    """A client that keeps the waiting count per service the way a board does: snapshot, then the
    deltas newer than it (deltas that arrive before the snapshot are held until it comes)."""

    def __init__(self, url: str, token: str) -> None:
        self.waiting: dict[str, int] = {}
        self.snapshot_seq: int | None = None
        self.held: list[dict[str, Any]] = []
        self.snapshots = 0
        self.got_snapshot = threading.Event()
        self.seen = threading.Condition()
        self.calls: list[dict[str, Any]] = []
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                      reconnection_delay_max=1)
        self.client.on("snapshot", self._snapshot)
        self.client.on("queue.changed", self._queue_changed)
        self.client.on("ticket.called", self._called)
        self.client.connect(url, auth={"token": token}, transports=["websocket"])

    def _snapshot(self, snap: dict[str, Any]) -> None:
        with self.seen:
            self.waiting = {s["code"]: s["waiting"] for s in snap["services"]}
            self.snapshot_seq = snap["seq"]
            self.calls = list(reversed(snap["recent_calls"]))
            for delta in self.held:
                self._apply(delta)
            self.held = []
            self.snapshots += 1
            self.got_snapshot.set()
            self.seen.notify_all()

    def _apply(self, delta: dict[str, Any]) -> None:
        if self.snapshot_seq is not None and delta["seq"] > self.snapshot_seq:
            for s in delta["services"]:
                self.waiting[s["code"]] = s["waiting"]

    def _queue_changed(self, delta: dict[str, Any]) -> None:
        with self.seen:
            if self.snapshot_seq is None:
                self.held.append(delta)
            else:
                self._apply(delta)
            self.seen.notify_all()

    def _called(self, call: dict[str, Any]) -> None:
        with self.seen:
            if self.snapshot_seq is not None and call["seq"] > self.snapshot_seq:
                self.calls.append(call)
            self.seen.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 10) -> bool:
        with self.seen:
            return self.seen.wait_for(predicate, timeout)


def test_screens_connecting_while_tickets_are_issued_end_with_the_true_counts(live_server: Any) -> None:
    stop = threading.Event()
    token = live_server.token("kiosk-A1")
    import requests
    session = requests.Session()

    def kiosk() -> None:
        while not stop.is_set():
            session.post(f"{live_server.url}/api/v1/tickets", json={"service": "TP-LLTP"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)

    t = threading.Thread(target=kiosk)
    t.start()
    screens = []
    try:
        for _ in range(8):  # connect one after another while issuing goes on
            screens.append(Screen(live_server.url, live_server.token("board-A1")))
            assert screens[-1].got_snapshot.wait(30)
    finally:
        stop.set()
        t.join()
    # A last, known change: once every screen has it, it has everything before it too.
    last = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-QT"})
    assert last.status_code == 201
    truth = {s["code"]: s["waiting"] for s in
             live_server.api("GET", "/api/v1/queue?zone=A1", who="giamsat").json()["services"]}
    for screen in screens:
        assert screen.wait_for(lambda s=screen: s.waiting.get("TP-QT") == 1)
        assert screen.waiting == truth
        screen.client.disconnect()


def test_a_board_resynchronises_by_itself_after_a_server_restart(live_server: Any) -> None:
    board = Screen(live_server.url, live_server.token("board-A1"))
    assert board.got_snapshot.wait(30)
    live_server.restart(kill=True)
    live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    called = live_server.api("POST", "/api/v1/counters/18/call-next", who="canbo17").json()
    assert called["ticket"]["number"] == "1001"
    # Either it reconnected before the call (gets the event) or after (its snapshot has it).
    assert board.wait_for(lambda: board.snapshots >= 2, timeout=20)
    assert board.wait_for(lambda: [c["number"] for c in board.calls] == ["1001"], timeout=10)
    assert board.calls[0]["counter"] == 18
    board.client.disconnect()


def first_snapshot(url: str, auth: Any, headers: dict[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    """Connect a real client; return it with its first message, which must be the snapshot."""
    got: list[tuple[str, Any]] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("*")
    def any_event(name: str, data: Any) -> None:
        got.append((name, data))
        arrived.set()

    client.connect(url, auth=auth, headers=headers or {}, transports=["websocket"])
    assert arrived.wait(30)
    assert got[0][0] == "snapshot"
    return client, got[0][1]


def test_each_role_gets_exactly_its_rooms_over_the_network(live_server: Any) -> None:
    import requests
    expected = {"board-A1": ["zone:A1"], "board-lobby": ["lobby"], "counter-17": ["counter:17"]}
    for device, rooms in expected.items():
        client, snap = first_snapshot(live_server.url, {"token": live_server.token(device)})
        assert snap["rooms"] == rooms
        client.disconnect()
    kiosk, snap = first_snapshot(live_server.url, {"token": live_server.token("kiosk-A1")})
    assert snap["rooms"][0] == "zone:A1" and snap["rooms"][1].startswith("device:")
    kiosk.disconnect()
    # An officer connects with the browser session cookie of the console.
    web = requests.Session()
    assert web.post(f"{live_server.url}/api/v1/auth/login", timeout=10,
                    json={"username": "canbo17", "password": live_server.users["canbo17"]["password"]}).ok
    cookie = "; ".join(f"{c.name}={c.value}" for c in web.cookies)
    officer, snap = first_snapshot(live_server.url, None, {"Cookie": cookie})
    assert snap["rooms"] == ["staff", "staff:counter:17", "staff:counter:18"]
    officer.disconnect()
    refused = socketio.Client(reconnection=False)
    try:
        refused.connect(live_server.url, auth={"token": "not-a-token"}, transports=["websocket"])
        raise AssertionError("a wrong token was let in")
    except socketio.exceptions.ConnectionError:
        pass


def test_a_screen_sending_a_command_changes_nothing(live_server: Any) -> None:
    live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    board, _ = first_snapshot(live_server.url, {"token": live_server.token("board-A1")})
    answer = board.call("call-next", {"counter": 17}, timeout=10)
    assert answer == {"error": {"code": "forbidden"}}
    board.disconnect()
    queue = live_server.api("GET", "/api/v1/queue?zone=A1", who="giamsat").json()
    assert next(s for s in queue["services"] if s["code"] == "TP-LLTP")["waiting"] == 1
    assert queue["recent_calls"] == []
