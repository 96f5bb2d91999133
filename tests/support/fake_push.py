"""A fake Web Push service for tests: an HTTP server taking pushes (what a browser vendor's push
service does), and a subscriber's keys to decrypt what arrived (RFC 8291 aes128gcm)."""
from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakePushService:
    """`with FakePushService() as ps:`; `ps.subscription(name)` is what a browser hands its page."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service.changed:
                    service.received.append({"path": self.path, "headers": dict(self.headers),
                                             "body": body})
                    service.changed.notify_all()
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakePushService":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscription(self, name: str) -> dict[str, Any]:
        """A new subscriber `name`: its endpoint here and its public keys."""
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.keys[name] = (key, auth)
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{name}", "keys": {"p256dh": b64(public),
                                                                "auth": b64(auth)}}

    def messages(self, name: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The first `count` pushes to `name`, decrypted with its private key (waits for them)."""
        with self.changed:
            assert self.changed.wait_for(lambda: len(
                [m for m in self.received if m["path"] == f"/push/{name}"]) >= count, timeout), \
                self.received
            mine = [m for m in self.received if m["path"] == f"/push/{name}"]
        key, auth = self.keys[name]
        return [json.loads(http_ece.decrypt(m["body"], private_key=key, auth_secret=auth,
                                            version="aes128gcm")) for m in mine]

    def headers(self, name: str) -> list[dict[str, str]]:
        """The request headers of the pushes to `name` so far."""
        with self.changed:
            return [m["headers"] for m in self.received if m["path"] == f"/push/{name}"]
