"""A fake SMS gateway: a real HTTP server on 127.0.0.1 that records every JSON body it gets
(and can be told to refuse the next few, to exercise retries)."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeSmsGateway:
    """Start with `with FakeSmsGateway() as gw:`; `gw.url` is what XEPHANG_SMS_URL takes."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_next = 0  # answer 503 to this many requests first
        self.changed = threading.Condition()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with gateway.changed:
                    if gateway.fail_next > 0:
                        gateway.fail_next -= 1
                        status = 503
                    else:
                        gateway.received.append(json.loads(body))
                        gateway.headers.append(dict(self.headers))
                        status = 200
                    gateway.changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSmsGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The messages received, once there are at least `count` (fails after `timeout`)."""
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.received) >= count, timeout), \
                self.received
            return list(self.received)

    def code_for(self, phone: str, timeout: float = 20.0) -> str:
        """The one-time code of the latest message sent to `phone` (waits for one)."""
        with self.changed:
            assert self.changed.wait_for(
                lambda: any(m["phone"] == phone for m in self.received), timeout), self.received
            text = [m["text"] for m in self.received if m["phone"] == phone][-1]
        found = re.search(r"\b(\d{6})\b", text)
        assert found, text
        return found.group(1)

    def texts_for(self, phone: str) -> list[str]:
        """Every text received for `phone` so far, oldest first."""
        with self.changed:
            return [m["text"] for m in self.received if m["phone"] == phone]

    def wait_text(self, phone: str, fragment: str, timeout: float = 30.0) -> str:
        """The first text for `phone` containing `fragment` (waits for it)."""
        def found() -> str | None:
            return next((m["text"] for m in self.received
                         if m["phone"] == phone and fragment in m["text"]), None)
        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout), self.received
            return str(found())
