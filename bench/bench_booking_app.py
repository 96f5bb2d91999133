"""What one refused booking costs the application itself: POST /api/v1/public/bookings for a
full slot, through the whole WSGI app (middleware, Flask, hooks, the use case, the JSON answer)
called in-process with no network, server or client, one request after another (median, p99).

The slot (capacity 8) is filled first; then 2,000 citizens ask for it. `--profile` prints the
top of cProfile's cumulative list for them.
Run: `.venv/bin/python bench/bench_booking_app.py [--profile]`
"""
from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_booking import SERVICE, START, make_citizens  # noqa: E402
from bench.bench_issue_call import pct  # noqa: E402

N = 2000


def main() -> None:
    from werkzeug.test import EnvironBuilder

    from server.app import create_app
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        site = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
        (tmp / "site.toml").write_text(site.replace(
            "daily_per_phone = 2", "daily_per_phone = 2\npublic_per_address_hour = 100000"),
            encoding="utf-8")
        app = create_app({"DB": str(tmp / "x.db"), "SITE": str(tmp / "site.toml"),
                          "ASYNC_MODE": "threading", "SYNC_PUBLISH": True, "PRINTING": False})
        day = date.today() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        tokens = make_citizens(tmp / "x.db", N + 20)
        body = json.dumps({"service": SERVICE, "date": day.isoformat(), "start": START}).encode()
        environs = [EnvironBuilder(path="/api/v1/public/bookings", method="POST", data=body,
                                   headers={"Authorization": f"Bearer {t}",
                                            "Content-Type": "application/json",
                                            "Host": "127.0.0.1:5000"}).get_environ()
                    for t in tokens]
        answers: dict[str, int] = {}

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            answers[status] = answers.get(status, 0) + 1

        def run(batch: list[dict[str, Any]]) -> list[float]:
            lat = []
            for environ in batch:
                t0 = time.perf_counter()
                b"".join(app(environ, start_response))
                lat.append((time.perf_counter() - t0) * 1000)
            return lat

        run(environs[:20])  # fills the slot (8 booked), warms the caches
        cpu0 = time.process_time()
        lat = run(environs[20:20 + N // 2])
        cpu = (time.process_time() - cpu0) * 1000 / len(lat)
        print("command: .venv/bin/python bench/bench_booking_app.py " + " ".join(sys.argv[1:]))
        print(f"answers: {answers}")
        print(f"one refused booking through the app, in-process: median "
              f"{statistics.median(lat):.3f} ms, p99 {pct(lat, 0.99):.3f} ms; CPU {cpu:.3f} ms a "
              f"request ({len(lat)} requests; load average {__import__('os').getloadavg()[0]:.1f})")
        if "--profile" in sys.argv:
            prof = cProfile.Profile()
            prof.enable()
            run(environs[20 + N // 2:])
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        app.extensions["xephang"].db.close()


if __name__ == "__main__":
    main()
