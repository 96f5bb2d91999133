"""The publisher's queue is bounded: a publisher that falls behind drops the waiting deltas and
sends the screens of the rooms they addressed a fresh snapshot, so boards end up current instead
of lagging seconds behind."""
from __future__ import annotations

import threading
from typing import Any

from server.realtime import Publisher, socketio


def connect(app: Any, auth: Any) -> Any:
    return socketio.test_client(app, auth=auth)


def screen_state(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What a screen shows after applying what it received with live.js's seq rule:
    a snapshot replaces everything; a delta applies only if newer than what was applied."""
    waiting: dict[str, int] = {}
    current: dict[int, str | None] = {}
    applied = -1
    snapshots = 0
    for m in messages:
        name, payload = m["name"], m["args"][0]
        if name == "snapshot":
            snapshots += 1
            applied = payload["seq"]
            waiting = {s["code"]: s["waiting"] for s in payload["services"]}
            current = {c["number"]: (c["ticket"] or {}).get("number") for c in payload["counters"]}
            if payload.get("counter"):
                c = payload["counter"]
                current[c["number"]] = (c["ticket"] or {}).get("number")
            continue
        if payload.get("seq", 0) < applied:
            continue
        applied = max(applied, payload.get("seq", 0))
        if name == "queue.changed":
            waiting.update({s["code"]: s["waiting"] for s in payload["services"]})
        if name == "counter.changed":
            c = payload["counter"]
            current[c["number"]] = (c["ticket"] or {}).get("number")
    return {"waiting": waiting, "current": current, "snapshots": snapshots}


def test_a_publisher_that_falls_behind_resyncs_the_screens(app: Any, api: Any, demo: Any) -> None:
    ctx = app.extensions["xephang"]
    release = threading.Event()
    emitted: list[str] = []

    class Stuck(Publisher):
        """A fan-out that cannot keep up: the first message hangs until the test lets it go."""

        MAX_BACKLOG = 5

        def emit(self, name: str, payload: Any, to: list[str]) -> None:
            assert release.wait(30)
            emitted.append(name)
            super().emit(name, payload, to)

    publisher = Stuck(ctx)
    ctx.publish = publisher
    board = connect(app, {"token": demo.token("board-A1")})
    tablet = connect(app, {"token": demo.token("counter-18")})
    other_zone = connect(app, {"token": demo.token("board-B")})
    for i in range(30):
        assert api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}).status_code == 201
    for _ in range(3):
        assert api.call("POST", "/api/v1/counters/18/call-next", "canbo17", {}).status_code == 200
    release.set()
    publisher.wait_idle()

    assert publisher.resyncs == 1
    assert emitted.count("queue.changed") < 30  # the backlog was dropped, not replayed
    board_sees = screen_state(board.get_received())
    tablet_sees = screen_state(tablet.get_received())
    assert board_sees["snapshots"] == 2 and tablet_sees["snapshots"] == 2
    assert board_sees["waiting"]["TP-LLTP"] == 27
    assert board_sees["current"][18] == tablet_sees["current"][18] == "1003"
    # A screen of a zone none of the dropped changes touched keeps its feed: no extra snapshot.
    assert screen_state(other_zone.get_received())["snapshots"] == 1

    # After the resync the feed goes on as usual.
    api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"})
    publisher.wait_idle()
    after = screen_state(board.get_received())
    assert after["snapshots"] == 0 and after["waiting"]["TP-LLTP"] == 28
