"""Worker functions of the check-in race tests and bench (importable by spawn): remote numbers
and appointments made in the store's own way, then check-ins and calls from threads."""
from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from server.services import counters, remote
from server.services.auth import Actor
from server.services.context import TZ, Context, stamp
from server.services.errors import UseCaseError
from server.store import Database, StoreError
from server.store import citizens as rows
from tests.booking_race_workers import make_citizens

KIOSK = Actor("device", 990, "kiosk-race", "kiosk")
GUIDE = Actor("user", 990, "guide", "supervisor")


def make_codes(db_path: str, remote_n: int, appointment_n: int,
               service: str = "TP-LLTP") -> list[str]:
    """remote_n numbers taken from home and appointment_n appointments due now; their codes."""
    tokens = make_citizens(db_path, remote_n)
    ctx = Context.open(Database(db_path))
    codes = [remote.take_remote(ctx, t, {"service": service}, f"10.1.{i // 250}.{i % 250}",
                                "http://x")[0]["code"] for i, t in enumerate(tokens)]
    now = ctx.clock().astimezone(TZ)
    with ctx.db.write() as conn:
        for _ in range(appointment_n):
            code = secrets.token_hex(3).upper()
            rows.add_booking(conn, {"kind": "appointment", "code": code,
                                    "token": secrets.token_urlsafe(18), "service": service,
                                    "day": now.date().isoformat(), "start": now.strftime("%H:%M"),
                                    "end": now.strftime("%H:%M"), "phone_hash": None,
                                    "status": "booked", "created_at": stamp(now),
                                    "changed_at": stamp(now)})
            codes.append(code)
    ctx.db.close()
    return codes


def _outcome(fn: Any) -> tuple[str, float]:
    t0 = time.perf_counter()
    try:
        fn()
        outcome = "ok"
    except (UseCaseError, StoreError) as exc:
        outcome = exc.code
    return outcome, time.perf_counter() - t0


def check_in_all(db_path: str, codes: list[str], threads: int, barrier: Any = None,
                 calls: dict[int, int] | None = None) -> list[tuple[str, float]]:
    """Check each code in, alternately as a kiosk and as a guide, from `threads` threads; with
    `calls` ({counter: how many}) other threads call-next at those counters meanwhile. Returns
    (outcome, seconds) per check-in (calls are not returned)."""
    ctx = Context.open(Database(db_path))
    jobs: list[Any] = [("checkin", i, c) for i, c in enumerate(codes)]
    for number, n in (calls or {}).items():
        jobs += [("call", number, None)] * n
    jobs = jobs[::2] + jobs[1::2]

    def one(job: Any) -> tuple[str, float] | None:
        kind, i, code = job
        if kind == "call":
            _outcome(lambda: counters.counter_action(ctx, GUIDE, i, "call-next", {}))
            return None
        actor = KIOSK if i % 2 else GUIDE
        return _outcome(lambda: remote.check_in(ctx, actor, code))

    if barrier is not None:
        barrier.wait()
    with ThreadPoolExecutor(threads) as pool:
        out = [r for r in pool.map(one, jobs) if r is not None]
    ctx.db.close()
    return out


def take_all(db_path: str, jobs: list[dict[str, Any]], threads: int,
             barrier: Any = None) -> list[tuple[str, float]]:
    """Take a number from home for each job {token, service} from `threads` threads."""
    ctx = Context.open(Database(db_path))

    def one(job: dict[str, Any]) -> tuple[str, float]:
        return _outcome(lambda: remote.take_remote(ctx, job["token"], job, "10.2.0.1", "http://x"))

    if barrier is not None:
        barrier.wait()
    with ThreadPoolExecutor(threads) as pool:
        out = list(pool.map(one, jobs))
    ctx.db.close()
    return out
