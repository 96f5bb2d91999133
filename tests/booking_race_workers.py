"""Worker functions of the booking race tests and bench (importable by spawn): citizens made
straight in the store, and bookings made by threads inside one process."""
from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from server.services import bookings
from server.services.citizens import TOKEN_PREFIX, _token_hash
from server.services.context import Context, stamp
from server.services.errors import UseCaseError
from server.services.phone_vault import vault_for
from server.store import Database, StoreError
from server.store import citizens as rows


def make_citizens(db_path: str, n: int) -> list[str]:
    """n verified phones (+849000xxxxx) and a citizen token for each."""
    ctx = Context.open(Database(db_path))
    vault = vault_for(ctx.db)
    now = ctx.clock()
    tokens = []
    with ctx.db.write() as conn:
        for i in range(n):
            phone = f"+849{i:08d}"
            h = vault.lookup(phone)
            rows.save_phone(conn, h, vault.seal(phone), stamp(now))
            token = TOKEN_PREFIX + secrets.token_urlsafe(24)
            rows.add_token(conn, _token_hash(token), h, "9999-12-31")
            tokens.append(token)
    ctx.db.close()
    return tokens


def book_all(db_path: str, jobs: list[dict[str, Any]], threads: int,
             barrier: Any = None) -> list[tuple[str, float]]:
    """Book each job {token, service, date, start} from `threads` threads of this process;
    returns (outcome, seconds) per job: "ok" or the refusal's code."""
    ctx = Context.open(Database(db_path))

    def one(job: dict[str, Any]) -> tuple[str, float]:
        t0 = time.perf_counter()
        try:
            answer, _created = bookings.book(ctx, job["token"], job,
                                             "10.0.0.%d" % (hash(job["token"]) % 250), "http://x")
            outcome = "ok" if not job.get("request_id") else f"ok:{answer['code']}"
        except UseCaseError as exc:
            outcome = exc.code
        except StoreError as exc:
            outcome = exc.code
        return outcome, time.perf_counter() - t0

    if barrier is not None:
        barrier.wait()
    with ThreadPoolExecutor(threads) as pool:
        out = list(pool.map(one, jobs))
    ctx.db.close()
    return out
