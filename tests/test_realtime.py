"""Socket.IO: each role gets exactly its rooms, screens cannot command, a reconnect gets a snapshot."""
from __future__ import annotations

from typing import Any

import pytest

from server.realtime import socketio


def connect(app: Any, auth: Any = None, flask_client: Any = None) -> Any:
    return socketio.test_client(app, auth=auth, flask_test_client=flask_client)


def snapshot_of(client: Any) -> dict[str, Any]:
    received = client.get_received()
    assert received and received[0]["name"] == "snapshot", received
    return received[0]["args"][0]


def names(client: Any) -> list[str]:
    return [m["name"] for m in client.get_received()]


@pytest.mark.parametrize("device,rooms", [
    ("board-A1", ["zone:A1"]),
    ("counter-17", ["counter:17"]),
])
def test_devices_get_exactly_their_rooms(app: Any, demo: Any, device: str, rooms: list[str]) -> None:
    c = connect(app, {"token": demo.token(device)})
    assert c.is_connected()
    assert snapshot_of(c)["rooms"] == rooms


def test_kiosk_gets_its_device_room_and_the_lobby_board_the_whole_site(app: Any, demo: Any) -> None:
    kiosk = snapshot_of(connect(app, {"token": demo.token("kiosk-A1")}))
    assert kiosk["rooms"][0] == "zone:A1" and kiosk["rooms"][1].startswith("device:")
    lobby = snapshot_of(connect(app, {"token": demo.token("board-lobby")}))
    assert lobby["rooms"] == ["lobby"]
    assert {c["zone"] for c in lobby["counters"]} == {"A", "A1", "A2", "B", "B1", "B2"}


def test_officer_session_gets_staff_and_own_counters(app: Any, demo: Any) -> None:
    web = app.test_client()
    assert web.post("/api/v1/auth/login", json={"username": "canbo17",
                                                "password": demo.password}).status_code == 200
    snap = snapshot_of(connect(app, None, web))
    assert snap["rooms"] == ["staff", "staff:counter:17", "staff:counter:18"]
    assert "stats" in snap and "printers" in snap


def test_unknown_token_and_no_auth_are_refused(app: Any) -> None:
    assert not connect(app, {"token": "nope"}).is_connected()
    assert not connect(app, None).is_connected()
    assert not connect(app, {"ticket": "nope"}).is_connected()


def test_a_call_reaches_its_zone_counter_and_ticket_but_not_other_zones(app: Any, api: Any,
                                                                         demo: Any) -> None:
    t = api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}).get_json()
    board_a1 = connect(app, {"token": demo.token("board-A1")})
    board_b = connect(app, {"token": demo.token("board-B")})
    tablet = connect(app, {"token": demo.token("counter-17")})
    phone = connect(app, {"ticket": t["token"]})
    for c in (board_a1, board_b, tablet, phone):
        c.get_received()
    r = api.call("POST", "/api/v1/counters/17/call-next", "canbo17", {})
    assert r.get_json()["ticket"]["number"] == t["number"]
    got = board_a1.get_received()
    called = [m["args"][0] for m in got if m["name"] == "ticket.called"]
    assert [(c["number"], c["counter"], c["zone"], c["recall"]) for c in called] == [
        (t["number"], 17, "A1", False)]
    assert "ticket.called" not in names(board_b)
    assert "ticket.called" in names(tablet)
    phone_msgs = phone.get_received()
    changed = [m["args"][0]["ticket"] for m in phone_msgs if m["name"] == "ticket.changed"]
    assert changed and changed[-1]["status"] == "called" and changed[-1]["counter"] == 17
    seqs = [m["args"][0]["seq"] for m in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_recall_is_announced_again(app: Any, api: Any, demo: Any) -> None:
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    board = connect(app, {"token": demo.token("board-A1")})
    board.get_received()
    api.call("POST", "/api/v1/counters/18/call-next", "canbo17", {})
    api.call("POST", "/api/v1/counters/18/recall", "canbo17", {})
    calls = [m["args"][0] for m in board.get_received() if m["name"] == "ticket.called"]
    assert [c["recall"] for c in calls] == [False, True]
    assert calls[0]["seq"] < calls[1]["seq"]


def test_a_screen_cannot_send_commands(app: Any, api: Any, demo: Any) -> None:
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    board = connect(app, {"token": demo.token("board-A1")})
    ack = board.emit("call-next", {"counter": 17}, callback=True)
    assert ack == {"error": {"code": "forbidden"}}
    queue = api.call("GET", "/api/v1/queue?zone=A1", "giamsat").get_json()
    assert next(s for s in queue["services"] if s["code"] == "TP-LLTP")["waiting"] == 1
    assert queue["recent_calls"] == []


def test_reconnect_gets_a_fresh_snapshot_with_what_happened_meanwhile(app: Any, api: Any,
                                                                      demo: Any) -> None:
    board = connect(app, {"token": demo.token("board-A1")})
    first = snapshot_of(board)
    board.disconnect()
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    api.call("POST", "/api/v1/counters/18/call-next", "canbo17", {})
    board.connect(auth={"token": demo.token("board-A1")})
    again = snapshot_of(board)
    assert again["seq"] > first["seq"]
    assert again["recent_calls"][0]["number"] == "1001"
    assert next(c for c in again["counters"] if c["number"] == 18)["ticket"]["number"] == "1001"


def test_a_call_has_the_same_seq_live_and_in_a_later_snapshot(app: Any, api: Any, demo: Any) -> None:
    """A board that announced a call live knows it again in the snapshot after a reconnect."""
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    api.call("POST", "/api/v1/counters/18/call-next", "canbo17", {})
    board = connect(app, {"token": demo.token("board-A1")})
    board.get_received()
    api.call("POST", "/api/v1/counters/18/call-next", "canbo17", {})  # completes 1001, calls 1002
    live = [m["args"][0] for m in board.get_received()]
    call = next(m for m in live if "recall" in m)
    assert call["number"] == "1002"
    assert [m["seq"] for m in live] == sorted(m["seq"] for m in live)  # still in order
    board.disconnect()
    board.connect(auth={"token": demo.token("board-A1")})
    snap = snapshot_of(board)
    assert [(c["number"], c["seq"]) for c in snap["recent_calls"][:1]] == [("1002", call["seq"])]
    assert snap["seq"] >= max(m["seq"] for m in live)


def test_a_day_close_of_many_tickets_gives_every_message_its_own_seq(app: Any, demo: Any) -> None:
    """More messages than ever fit one change under the old stride of 1,000: seqs still never repeat
    (server/services/screens/sequence.py), so a screen drops none of them."""
    from datetime import datetime

    from server.services.auth import device_actor
    from server.services.context import TZ
    from server.services.tickets import close_day, issue_ticket
    from server.store import accounts
    ctx = app.extensions["xephang"]
    with ctx.db.read() as conn:
        kiosk = device_actor(accounts.device_by_name(conn, "kiosk-A1"))
    ctx.clock = lambda: datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday morning
    from server.services.errors import UseCaseError
    issued = 0
    for code in [c for c, s in ctx.site.services.items() if s.zone == "A1"]:  # one range holds 800
        while issued < 1002:
            try:
                issue_ticket(ctx, kiosk, code)
            except UseCaseError:  # this service's numbers are used up: the next one
                break
            issued += 1
    assert issued == 1002
    ctx.clock = lambda: datetime(2026, 12, 2, 7, 45, tzinfo=TZ)  # the next morning
    staff = connect(app, {"token": _login(app, demo, "giamsat")})
    staff.get_received()
    assert close_day(ctx) == 1002
    seqs = [m["args"][0]["seq"] for m in staff.get_received()]
    assert len(seqs) >= 1002 and seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def _login(app: Any, demo: Any, username: str) -> str:
    r = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": demo.password})
    return str(r.get_json()["token"])
