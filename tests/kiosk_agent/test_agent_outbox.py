"""The outbox against a real HTTP server on 127.0.0.1: outcomes wait for an unreachable server
and arrive in order once it answers; a newer status replaces one not sent; refusals are dropped."""
from __future__ import annotations

import http.server
import json
import threading
from typing import Any, Callable, Iterator

import pytest

from kiosk.agent_outbox import Outbox
from tests.conftest import free_port


class FakeApi:
    """Records the POSTs it receives; answers `answer` (status code) to each."""

    def __init__(self, port: int) -> None:
        self.posts: list[tuple[str, dict[str, Any], str]] = []
        self.answer = 200
        self.changed = threading.Condition()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with api.changed:
                    api.posts.append((self.path, body, self.headers["Authorization"]))
                    api.changed.notify_all()
                payload = b"{}"
                self.send_response(api.answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def outbox(port: int) -> Iterator[Outbox]:
    box = Outbox(f"http://127.0.0.1:{port}", "tok", backoff=0.05, backoff_max=0.2, timeout=2.0)
    box.start()
    yield box
    box.close(0.5)


def test_outcomes_wait_for_the_server_and_arrive_in_order(outbox: Outbox, port: int) -> None:
    settled: list[tuple[int, bool]] = []

    def settle(n: int) -> Callable[[bool], None]:
        return lambda ok: settled.append((n, ok))

    for n in range(1, 4):
        outbox.post_result(f"{n}-x", {"ticket_id": n, "status": "printed"}, on_done=settle(n))
    outbox.post_status("near_end", "Máy in sắp hết giấy")
    outbox.post_status("out", "Máy in hết giấy")  # replaces near_end, still after the outcomes
    assert not outbox.wait_idle(0.3)  # nobody listens yet: kept, retried
    api = FakeApi(port)
    try:
        assert outbox.wait_idle(10)
    finally:
        api.close()
    assert [(p, b.get("ticket_id", b.get("status"))) for p, b, _ in api.posts] == [
        ("/api/v1/print-jobs/1-x/result", 1), ("/api/v1/print-jobs/2-x/result", 2),
        ("/api/v1/print-jobs/3-x/result", 3), ("/api/v1/printers/status", "out")]
    assert {auth for _, _, auth in api.posts} == {"Bearer tok"}
    assert settled == [(1, True), (2, True), (3, True)]


def test_server_errors_are_retried_and_refusals_dropped(outbox: Outbox, port: int) -> None:
    api = FakeApi(port)
    try:
        api.answer = 503
        outbox.post_result("1-x", {"ticket_id": 1})
        with api.changed:
            assert api.changed.wait_for(lambda: len(api.posts) >= 2, 10)  # tried again
        api.answer = 404
        assert outbox.wait_idle(10)  # a refusal will not change by asking again
        assert outbox.delivered == []
        api.answer = 200
        outbox.post_result("2-x", {"ticket_id": 2})
        assert outbox.wait_idle(10)
        assert [r.body["ticket_id"] for r in outbox.delivered] == [2]
    finally:
        api.close()


def test_close_reports_what_could_not_be_sent(port: int) -> None:
    box = Outbox(f"http://127.0.0.1:{port}", "tok", backoff=0.05, backoff_max=0.1, timeout=1.0)
    box.start()
    box.post_result("1-x", {"ticket_id": 1})
    left = box.close(0.3)
    assert [r.body for r in left] == [{"ticket_id": 1}]
