"""The revocation watch of live sockets (server/live_sessions.py): a database that fails logs one
line for a run of failed rounds, not a traceback each second; stopped (the app is closed), the
watch ends and no new one starts."""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from server.live_sessions import LiveSessions
from server.services import sessions
from server.services.auth import Actor
from server.store import StoreError


class Rounds:
    """Drives the watch round by round: its `sleep` blocks until the test lets one round run."""

    def __init__(self) -> None:
        self.asleep: queue.Queue[int] = queue.Queue()  # one item each time the watch sleeps
        self.go = threading.Semaphore(0)
        self.threads: list[threading.Thread] = []

    def sleep(self, _seconds: float) -> None:
        self.asleep.put(1)
        assert self.go.acquire(timeout=30)

    def start(self, task: Callable[[], None]) -> None:
        t = threading.Thread(target=task, daemon=True)
        t.start()
        self.threads.append(t)

    def run_one(self) -> None:
        """Let the watch run one round, and wait until it is asleep again."""
        self.go.release()
        self.asleep.get(timeout=30)


def test_a_failing_check_logs_one_line_and_a_stopped_watch_ends(
        app: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG, logger="server.live_sessions")
    rounds = Rounds()
    live = LiveSessions(app.extensions["xephang"], lambda sid: None, lambda sid: True,
                        rounds.start, rounds.sleep)
    officer = Actor("user", 3, "canbo1", "officer", gen=0)
    assert live.register("sid-1", officer, live.latest())
    rounds.asleep.get(timeout=30)  # the watch started, asleep before its first round
    assert len(rounds.threads) == 1

    down = StoreError("connection is bad: no such socket\n\tIs the server running locally?")
    real = sessions.last_revocation

    def failing(ctx: Any) -> int:
        raise down
    monkeypatch.setattr(sessions, "last_revocation", failing)
    for _ in range(3):
        rounds.run_one()
    mine = [r for r in caplog.records if r.name == "server.live_sessions"]
    warned = [r for r in mine if r.levelno >= logging.WARNING]
    assert len(warned) == 1 and not warned[0].exc_info, [r.getMessage() for r in mine]
    assert warned[0].getMessage() == ("checking revocations failed (tried again every 1 s): "
                                      "StoreError: connection is bad: no such socket")
    assert len([r for r in mine if r.levelno == logging.DEBUG]) == 2

    monkeypatch.setattr(sessions, "last_revocation", real)
    rounds.run_one()
    assert "works again after 3 failed rounds" in caplog.records[-1].getMessage()

    live.stop()
    rounds.go.release()  # its next round sees the stop
    rounds.threads[0].join(timeout=30)
    assert not rounds.threads[0].is_alive()
    assert live.register("sid-2", officer, live.latest())
    assert len(rounds.threads) == 1  # a closed app's watch is not started again
