"""Password checks in a process of their own that the OS serves after the server (issue 11).

Under a login flood scrypt keeps one core busy (~140 ms a hash); on a 2-core machine the event
loop then shares the other core with everything else (bench_stall (c)). A lower-priority *thread*
made it worse: descheduled while holding the GIL, it stalled the loop. A process has no GIL to
hold: it runs at nice +10, so when the CPU is short the loop goes first and a login waits longer.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from typing import Any

NICE = 10

_lock = threading.Lock()
_idle: list["_Checker"] = []  # checking processes not asked anything now (one per login at once)


def _serve(conn: Any) -> None:
    """The checking process: lower its priority, then answer (number, fn, args) with (number, ok, value)."""
    import ctypes
    import signal
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # end with the server
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(0)
    os.nice(NICE)
    while True:
        try:
            number, fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send((number, True, fn(*args)))
        except Exception as exc:  # noqa: BLE001 - raised again in the server
            conn.send((number, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


class _Checker:
    def __init__(self) -> None:
        context = mp.get_context("spawn")
        self.conn, child = context.Pipe()
        os.set_blocking(self.conn.fileno(), True)  # gevent sockets: read only once readable
        os.set_blocking(child.fileno(), True)
        self.process = context.Process(target=_serve, args=(child,), name="password-checks",
                                       daemon=True)
        self.process.start()
        child.close()
        self.asked = 0

    def call(self, fn: Callable[..., Any], args: tuple[object, ...]) -> Any:
        from gevent.socket import wait_read
        self.asked += 1
        self.conn.send((self.asked, fn, args))
        while True:
            wait_read(self.conn.fileno())
            number, ok, value = self.conn.recv()  # EOFError when the process died
            if number == self.asked:  # an answer to an interrupted earlier question is not ours
                break
        if not ok:
            raise value
        return value


def check_low(fn: Callable[..., Any], *args: object) -> Any:
    """Call fn(*args) in the low-priority checking process when the server runs under gevent;
    otherwise (tests, the threading server) here. A dead process is replaced; meanwhile the
    check runs in gevent's thread pool."""
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return fn(*args)
    if not monkey.is_module_patched("threading"):
        return fn(*args)
    with _lock:
        checker = _idle.pop() if _idle else None
    try:
        if checker is None:
            checker = _Checker()
        answer = checker.call(fn, args)
    except (EOFError, OSError):  # it died: the next login starts another
        return get_hub().threadpool.apply(fn, args)
    except BaseException:
        if checker is not None:  # fn raised (or the asker was interrupted): it still serves
            with _lock:
                _idle.append(checker)
        raise
    with _lock:
        _idle.append(checker)
    return answer
