"""Device-health helpers of the live tests: a demo site whose devices fall silent quickly, a real
device's Socket.IO connection, and a staff member's real client that keeps every device.changed."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import socketio

from tests.conftest import ROOT, LiveServer


def quick_site(tmp_path: Path, silent_s: int) -> Path:
    """The demo site file with [policy] device_silent_s = `silent_s` (60 in the demo)."""
    site = tmp_path / "site.toml"
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    assert "device_silent_s = 60" in text
    site.write_text(text.replace("device_silent_s = 60", f"device_silent_s = {silent_s}"),
                    encoding="utf-8")
    return site


@contextmanager
def quick_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on the demo site, its devices silent after 1 s; stopped after."""
    server = LiveServer(tmp_path)
    server.extra_args = ["--site", str(quick_site(tmp_path, 1))]
    server.start()
    try:
        yield server
    finally:
        server.stop()


def connect_device(server: LiveServer, name: str) -> Any:
    """A demo device's real Socket.IO connection (it counts as online while connected)."""
    client = socketio.Client(reconnection=False)
    client.connect(server.url, auth={"token": server.token(name)}, transports=["websocket"])
    return client


class DeviceChanges:
    """A staff member's real Socket.IO client: every device.changed payload's device, in order
    (`seen`), and the rooms its snapshot named (`rooms`), guarded by `cond`."""

    def __init__(self, url: str, token: str) -> None:
        self.seen: list[dict[str, Any]] = []
        self.rooms: list[str] = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("device.changed", self._changed)
        self.client.on("snapshot", self._snapshot)
        self.client.connect(url, auth={"token": token}, transports=["websocket"])

    def _snapshot(self, snap: dict[str, Any]) -> None:
        with self.cond:
            self.rooms = snap.get("rooms", [])
            self.cond.notify_all()

    def _changed(self, payload: dict[str, Any]) -> None:
        with self.cond:
            self.seen.append(payload["device"])
            self.cond.notify_all()

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
