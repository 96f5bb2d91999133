"""CPU-heavy work (password hashing) in a real OS thread, so the gevent loop keeps serving."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def off_loop(fn: Callable[..., T], *args: object) -> T:
    """Call fn(*args) in gevent's native thread pool when the server runs under gevent.

    hashlib.scrypt releases the GIL, so the loop keeps answering while a login hashes (~140 ms);
    without gevent (tests, the threading server) the caller already is a thread: call it here.
    """
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return fn(*args)
    if not monkey.is_module_patched("threading"):
        return fn(*args)
    return get_hub().threadpool.apply(fn, args)  # type: ignore[no-any-return]
