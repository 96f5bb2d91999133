"""What one round of the open-state watch costs when it loops over every site (issue 9): N sites
loaded from the same site file, the watch's round (open states + closures of each site) timed
R times; prints median/p99 per round and per site, and the command. The round runs on the
lease holder's event loop between `sleep(0)`s, one site at a time (see closures.watch_forever).

    .venv/bin/python bench/bench_site_jobs.py [--sites 1,10,50] [--rounds 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.services import closures  # noqa: E402
from server.services.context import Context, every_site, now_local, stamp  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402
from server.store import sites as site_rows  # noqa: E402
from server.store.scope import SiteDatabase  # noqa: E402


class Stop(Exception):
    """Ends the watch after the rounds wanted."""


def rounds_of(n_sites: int, rounds: int) -> list[float]:
    """Seconds per watch round over n_sites sites."""
    path = Path(tempfile.mkdtemp()) / "sites.db"
    db = Database(path)
    assert initialize(db, None, demo=False) is not None
    for i in range(2, n_sites + 1):
        with db.write() as conn:
            sid = site_rows.add_site(conn, f"phuong-{i}", f"Phường {i}", f"Ward {i}",
                                     "Asia/Ho_Chi_Minh", stamp(now_local()))
        assert initialize(cast(Database, SiteDatabase(db, sid)), None, demo=False) is not None
    ctx = Context.open(db)
    assert len(every_site(ctx)) == n_sites
    times: list[float] = []
    started = [time.perf_counter()]

    def sleep(seconds: float) -> None:
        if seconds == 0:
            return  # the yield between two sites
        times.append(time.perf_counter() - started[0])
        if len(times) == rounds + 1:
            raise Stop
        started[0] = time.perf_counter()
    try:
        closures.watch_forever(ctx, sleep, print)
    except Stop:
        pass
    db.close()
    return times[1:]  # the first round stores the states (a write): not the steady cost


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", default="1,10,50")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    print(f"command: .venv/bin/python bench/bench_site_jobs.py --sites {args.sites} "
          f"--rounds {args.rounds}")
    for n in (int(x) for x in args.sites.split(",")):
        times = sorted(rounds_of(n, args.rounds))
        median = statistics.median(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"{n:4d} sites: round median {median * 1000:7.1f} ms, p99 {p99 * 1000:7.1f} ms; "
              f"per site {median / n * 1000:5.2f} ms")


if __name__ == "__main__":
    main()
