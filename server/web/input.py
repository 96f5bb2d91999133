"""Malformed input: what the JSON parser, the database and the encoder cannot take is refused once,
at the door, as `400 bad_request`, and logged in one short line (at most a few a minute)."""
from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from typing import Any

from flask import Request

from ..services.errors import UseCaseError

log = logging.getLogger("xephang.input")

MAX_DEPTH = 16  # our bodies nest two levels; a deep one only costs stack and time
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1  # what SQLite can store

# Exceptions that a wrong value in a request raises deep in a use case (a list where a string
# belongs, a number too big for SQLite, a string that cannot be encoded): the caller's fault.
MALFORMED = (TypeError, ValueError, OverflowError, RecursionError, UnicodeError)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} when there is no body); refuses what cannot be stored."""
    # A JSON body is read as it is: `request.data` would first run the form parser (a tenth of
    # a small request's time), which a JSON body never needs. Other types keep Flask's way.
    raw = request.get_data(cache=True) if request.is_json else request.data
    if not raw:
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # valid JSON nested deeper than the parser goes
        raise UseCaseError("bad_request", 400) from None
    if not isinstance(data, dict):
        raise UseCaseError("bad_json", 400)
    check_value(data)
    return data


def check_value(value: Any, depth: int = 0) -> None:
    """Refuse deep nesting, lone surrogates, integers SQLite cannot hold and NaN/Infinity."""
    if depth > MAX_DEPTH:
        raise UseCaseError("bad_request", 400)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UseCaseError("bad_request", 400) from None
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise UseCaseError("bad_request", 400)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise UseCaseError("bad_request", 400)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, depth + 1)
            check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_value(item, depth + 1)


class QuietLog:
    """One short line per malformed request, at most `burst` a minute; the rest are counted."""

    def __init__(self, burst: int = 10, window: float = 60.0) -> None:
        self.burst, self.window = burst, window
        self._lock = threading.Lock()
        self._start = 0.0
        self._logged = 0
        self._dropped = 0

    def note(self, method: str, path: str, exc: BaseException) -> None:
        """Log a malformed request (no traceback: where it broke is enough)."""
        now = time.monotonic()
        with self._lock:
            if now - self._start >= self.window:
                if self._dropped:
                    log.warning("%d more malformed requests were not logged", self._dropped)
                self._start, self._logged, self._dropped = now, 0, 0
            if self._logged >= self.burst:
                self._dropped += 1
                return
            self._logged += 1
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
        log.warning("malformed request %s %s: %s: %.120s%s", method, path[:120],
                    type(exc).__name__, str(exc), at)


quiet_log = QuietLog()
