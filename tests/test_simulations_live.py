"""The real server (`xephang run`, gevent) keeps issuing numbers while a supervisor's simulation of
the full demo day runs: the job is another process, and the loop only starts and polls it."""
from __future__ import annotations

import os
from typing import Any

from tests.conftest import LiveServer


def test_kiosks_are_served_while_a_simulation_job_runs(live_server: LiveServer) -> None:
    big = {"hours": ["07:30-11:30", "13:00-17:00"], "arrivals": {"daily_total": 5000},
           "replications": 30}
    r = live_server.api("POST", "/api/v1/simulations", who="giamsat", json=big)
    assert r.status_code == 202, r.text
    job: dict[str, Any] = r.json()
    more = []  # the cap: one job fewer than the machine has cores
    for _ in range(os.cpu_count() or 2):
        more.append(live_server.api("POST", "/api/v1/simulations", who="quantri", json=big))
        if more[-1].status_code != 202:
            break
    assert more[-1].status_code == 429 and more[-1].json()["error"]["code"] == "simulation_busy"
    for _ in range(10):
        t = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
        assert t.status_code == 201, t.text
    state = live_server.api("GET", f"/api/v1/simulations/{job['id']}", who="giamsat").json()
    assert state["status"] == "running"  # the ten tickets were issued while it ran (30 full days)
    assert live_server.api("GET", "/api/v1/queue", who="kiosk-A1").status_code == 200
    for started, who in [(job, "giamsat")] + [(m.json(), "quantri") for m in more[:-1]]:
        stopped = live_server.api("DELETE", f"/api/v1/simulations/{started['id']}", who=who).json()
        assert stopped["status"] == "failed" and stopped["error"]["code"] == "simulation_cancelled"
    again = live_server.api("POST", "/api/v1/simulations", who="giamsat", json={**big, "replications": 1})
    assert again.status_code == 202  # the stopped jobs no longer count against the cap
    live_server.api("DELETE", f"/api/v1/simulations/{again.json()['id']}", who="giamsat")
