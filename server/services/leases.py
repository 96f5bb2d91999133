"""Once-per-deployment jobs: a lease in the database names the one live process that runs each.

Every process that could run a job keeps trying to take its lease; the holder renews it every
TTL/3, so it holds on while alive. A holder that dies (kill -9, a machine lost) stops renewing and
another process takes over once the lease expires: within TTL + TTL/3 of the death (at its next
try when the dead holder was a process of the same machine, whose pid is seen gone).

A holder believes it holds only until TTL - MARGIN after the moment it *started* its last
successful renewal (a monotonic clock), which is before the stored expiry any other process waits
for: two processes never both believe they hold, even when a renewal is slow or fails.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..store import Database, StoreError
from ..store import leases as rows

log = logging.getLogger(__name__)
TTL_S = float(os.environ.get("XEPHANG_LEASE_S", "15"))  # tests start servers with a short one
MARGIN = 0.2  # of the TTL: a holder stops believing before the stored expiry by this much

Sleep = Callable[[float], Any]


def holder_name() -> str:
    """This process's name in the leases table: machine, pid and a random part (a restarted
    process with the same pid is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


HOLDER = holder_name()


def dead_here(holder: str) -> bool:
    """Whether `holder` was a process of this machine that no longer runs (its lease can be taken
    at once); False when unsure (another machine, or its pid is alive, perhaps reused)."""
    host, _, rest = holder.rpartition(":")[0].partition(":")
    if host != socket.gethostname() or not rest.isdigit():
        return False
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


class Lease:
    """One job's lease as seen by this process."""

    def __init__(self, db: Database, name: str, holder: str = HOLDER, ttl: float = TTL_S,
                 site_id: int = 1, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db, self.name, self.holder, self.ttl, self.site_id = db, name, holder, ttl, site_id
        self.clock, self.monotonic = clock, monotonic
        self.terms = 0  # how many times this process took the lease afresh (not renewals)
        self._until = 0.0  # monotonic time until which this process may act as the holder
        self._keeping = False

    def held(self) -> bool:
        """Whether this process holds the lease now (act as the job's one runner)."""
        return self.monotonic() < self._until

    def try_take(self) -> bool:
        """Take the lease or renew it, in one write transaction; whether this process holds it."""
        started = self.monotonic()
        was_held = self.held()
        try:
            # Never wait for the write lock past the point where the belief would have ended.
            with self._write(deadline=started + self.ttl / 3) as conn:
                now = self.clock()
                ok = rows.take(conn, self.name, self.holder, now, self.ttl, self.site_id)
                if not ok:  # held by a process of this machine that died: no need to wait
                    other = rows.holder_of(conn, self.name, self.site_id)
                    if other and dead_here(other):
                        ok = rows.take_from(conn, self.name, self.holder, other, now, self.ttl,
                                            self.site_id)
        except StoreError as exc:  # busy or failing storage: keep the belief only while it lasts
            log.warning("lease %s not renewed: %s", self.name, exc)
            return self.held()
        if ok:
            if not was_held:
                self.terms += 1
            self._until = started + self.ttl * (1 - MARGIN)
        else:
            self._until = 0.0
        return ok

    def forfeit(self) -> None:
        """Stop believing this process holds the lease (the database said otherwise); the next
        renewal finds out whether it can take it again."""
        self._until = 0.0

    def release(self) -> None:
        """Give the lease up now (a clean stop), so another process takes over at once."""
        self._until = 0.0
        with self._write() as conn:
            rows.release(conn, self.name, self.holder, self.site_id)

    def _write(self, deadline: float | None = None) -> Any:
        """A write transaction under the lease's own site's lock: on PostgreSQL the 169 sites'
        relay leases, renewed every TTL/3, do not all queue behind site 1's writers (and the city
        centre's issues behind them: bench/bench_city_morning.py)."""
        db = getattr(self.db, "db", self.db)  # a SiteDatabase's own database
        return db.write(deadline, site_id=self.site_id)

    def keep(self, sleep: Sleep) -> None:
        """Take or renew the lease every TTL/3, forever (a background task)."""
        while True:
            try:
                self.try_take()
            except Exception:  # keep trying: a later round may reach the database
                log.exception("lease %s: renewal failed", self.name)
            sleep(self.ttl / 3)

    def start(self, start_task: Callable[..., Any], sleep: Sleep) -> None:
        """Start keeping the lease (once)."""
        if not self._keeping:
            self._keeping = True
            start_task(self.keep, sleep)

    def wait(self, sleep: Sleep) -> None:
        """Return once this process holds the lease."""
        while not self.held():
            sleep(min(1.0, self.ttl / 6))

    def gated(self, sleep: Sleep) -> Sleep:
        """`sleep`, and then wait until this process holds the lease: a job's loop that sleeps
        through it runs its next round only on the holder."""
        def nap(seconds: float) -> None:
            sleep(seconds)
            self.wait(sleep)
        return nap


def run_singleton(lease: Lease, start_task: Callable[..., Any], sleep: Sleep,
                  job: Callable[[Sleep], Any]) -> None:
    """Run `job(sleep)` in a background task on the lease holder only: the job starts once this
    process holds the lease and each `sleep` of it pauses while another process holds it."""
    lease.start(start_task, sleep)

    def body() -> None:
        lease.wait(sleep)
        job(lease.gated(sleep))

    start_task(body)
