"""Revocation is immediate: real Socket.IO clients of a removed user or device, of a user who logged
out or whose password changed, are disconnected and get nothing more; their tokens and cookies 401."""
from __future__ import annotations

import threading
from typing import Any

import requests
import socketio

from tests.conftest import DEMO_PASSWORD


class Listener:
    """A real client that records every event and notices when the server closes it."""

    def __init__(self, url: str, auth: Any = None, headers: dict[str, str] | None = None) -> None:
        self.events: list[str] = []
        self.snapshot = threading.Event()
        self.closed = threading.Event()
        self.seen = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._any)
        self.client.on("disconnect", lambda *_: self.closed.set())
        self.client.connect(url, auth=auth, headers=headers or {}, transports=["websocket"])
        assert self.snapshot.wait(10)

    def _any(self, name: str, _data: Any) -> None:
        with self.seen:
            self.events.append(name)
            if name == "snapshot":
                self.snapshot.set()
            self.seen.notify_all()

    def wait_for(self, name: str, count: int = 1) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: self.events.count(name) >= count, 15)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def cookie_login(url: str, username: str, password: str = DEMO_PASSWORD) -> tuple[requests.Session, str]:
    """A browser-like session: the cookie and the bearer token of one login."""
    web = requests.Session()
    r = web.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password},
                 timeout=10)
    assert r.status_code == 200, r.text
    return web, r.json()["token"]


def cookie_header(web: requests.Session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in web.cookies)}


def me(url: str, token: str | None = None, cookies: dict[str, str] | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{url}/api/v1/me", headers=headers, cookies=cookies, timeout=10).status_code


def a_staff_event(live_server: Any, witness: Listener) -> None:
    """Make a change every staff socket hears, and wait until a socket still allowed got it."""
    before = witness.events.count("queue.changed")
    assert live_server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                           json={"service": "TP-LLTP"}).status_code == 201
    assert witness.wait_for("queue.changed", before + 1)


def test_removing_a_user_closes_their_sockets_and_ends_their_tokens_and_cookies(live_server: Any) -> None:
    url = live_server.url
    web, token = cookie_login(url, "canbo18")
    by_token = Listener(url, auth={"token": token})
    by_cookie = Listener(url, headers=cookie_header(web))
    witness = Listener(url, auth={"token": live_server.token("giamsat")})
    try:
        a_staff_event(live_server, witness)
        assert by_token.wait_for("queue.changed") and by_cookie.wait_for("queue.changed")
        live_server.cli("user", "remove", "canbo18")  # another process: the server learns it
        assert by_token.closed.wait(15) and by_cookie.closed.wait(15)
        heard = (list(by_token.events), list(by_cookie.events))
        a_staff_event(live_server, witness)
        assert (by_token.events, by_cookie.events) == heard, "a revoked socket got more events"
        assert me(url, token) == 401
        assert me(url, cookies=web.cookies.get_dict()) == 401
        refused = socketio.Client(reconnection=False)
        try:
            refused.connect(url, headers=cookie_header(web), transports=["websocket"])
            raise AssertionError("the removed user's cookie still opens a socket")
        except socketio.exceptions.ConnectionError:
            pass
        assert not witness.closed.is_set()
    finally:
        for c in (by_token, by_cookie, witness):
            c.close()


def test_removing_a_device_closes_its_socket(live_server: Any) -> None:
    url = live_server.url
    board = Listener(url, auth={"token": live_server.token("board-A1")})
    other = Listener(url, auth={"token": live_server.token("board-lobby")})
    witness = Listener(url, auth={"token": live_server.token("giamsat")})
    try:
        live_server.cli("device", "remove", "board-A1")
        assert board.closed.wait(15)
        heard = list(board.events)
        a_staff_event(live_server, witness)
        assert board.events == heard
        assert me(url, live_server.token("board-A1")) == 401
        assert not other.closed.is_set() and me(url, live_server.token("board-lobby")) == 200
    finally:
        for c in (board, other, witness):
            c.close()


def test_a_new_device_token_closes_the_socket_of_the_old_one(live_server: Any) -> None:
    url = live_server.url
    old_token = live_server.token("kiosk-A1")
    kiosk = Listener(url, auth={"token": old_token})
    try:
        new_token = live_server.cli("device", "add", "kiosk-A1", "--kind", "kiosk", "--zone", "A1",
                                    "--printer", "virtual").strip().splitlines()[-1]
        assert kiosk.closed.wait(15)
        assert me(url, old_token) == 401 and me(url, new_token) == 200
    finally:
        kiosk.close()


def test_logout_closes_the_sockets_and_the_old_cookie_no_longer_works(live_server: Any) -> None:
    url = live_server.url
    web, token = cookie_login(url, "canbo20")
    _, other_token = cookie_login(url, "canbo20")  # the same officer on a second device
    csrf = web.get(f"{url}/api/v1/me", timeout=10).json()["csrf_token"]
    stolen = web.cookies.get_dict()
    console = Listener(url, headers=cookie_header(web))
    tablet = Listener(url, auth={"token": other_token})
    witness = Listener(url, auth={"token": live_server.token("giamsat")})
    try:
        r = web.post(f"{url}/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}, timeout=10)
        assert r.status_code == 200
        assert console.closed.wait(15) and tablet.closed.wait(15)
        heard = (list(console.events), list(tablet.events))
        a_staff_event(live_server, witness)
        assert (console.events, tablet.events) == heard
        assert me(url, cookies=stolen) == 401, "a cookie copied before logout still works"
        assert me(url, token) == 401 and me(url, other_token) == 401
    finally:
        for c in (console, tablet, witness):
            c.close()


def test_a_password_change_ends_old_tokens_cookies_and_sockets(live_server: Any) -> None:
    url = live_server.url
    web, token = cookie_login(url, "canbo21")
    console = Listener(url, headers=cookie_header(web))
    try:
        live_server.cli("user", "add", "canbo21", "--role", "officer", "--counters", "21",
                        "--password-stdin", stdin="a-brand-new-password\n")
        assert console.closed.wait(15)
        assert me(url, token) == 401 and me(url, cookies=web.cookies.get_dict()) == 401
        _, fresh = cookie_login(url, "canbo21", "a-brand-new-password")
        assert me(url, fresh) == 200
    finally:
        console.close()


def test_sockets_connecting_while_their_users_are_removed_end_closed(live_server: Any) -> None:
    """Connects race removals (another process): no socket of a removed user stays open."""
    url = live_server.url
    names = [f"canbo{n}" for n in range(30, 36)]
    tokens = {name: cookie_login(url, name)[1] for name in names}
    clients: list[socketio.Client] = []
    closed: list[threading.Event] = []
    lock = threading.Lock()

    def connect_many(name: str) -> None:
        for _ in range(4):
            done = threading.Event()
            client = socketio.Client(reconnection=False)
            client.on("disconnect", lambda *_, done=done: done.set())
            try:
                client.connect(url, auth={"token": tokens[name]}, transports=["websocket"])
            except socketio.exceptions.ConnectionError:
                continue  # refused: the removal came first
            with lock:
                clients.append(client)
                closed.append(done)

    threads = [threading.Thread(target=connect_many, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for name in names:
        live_server.cli("user", "remove", name)
    for t in threads:
        t.join()
    try:
        assert all(done.wait(15) for done in closed), "a removed user's socket stayed open"
    finally:
        for c in clients:
            if c.connected:
                c.disconnect()
