"""The in-process app with printing on (its print worker and printer poll running), every message
it publishes recorded: the tests of printing on a (fake) network printer."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.services.context import Message


class Published:
    """Every message the app publishes, with a way to await one."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.changed = threading.Condition()

    def add(self, messages: list[Message]) -> None:
        with self.changed:
            self.messages += messages
            self.changed.notify_all()

    def wait_for(self, match: Callable[[Message], bool], timeout: float = 20) -> Message:
        with self.changed:
            assert self.changed.wait_for(lambda: any(match(m) for m in self.messages), timeout)
            return next(m for m in self.messages if match(m))


@contextmanager
def printing_app(db_path: Path) -> Iterator[tuple[Any, Published]]:
    """The app on `db_path` with printing on, every published message recorded in `Published`;
    its printing stopped and the app closed after."""
    from server.app import close_app, create_app
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": True, "TESTING": True})
    ctx = app.extensions["xephang"]
    published, publish = Published(), ctx.publish

    def record(messages: list[Message]) -> None:
        publish(messages)
        published.add(messages)

    ctx.publish = record  # before any other site's context opens: they share the app's publisher
    try:
        yield app, published
    finally:
        ctx.printer.stop()
        close_app(app)
