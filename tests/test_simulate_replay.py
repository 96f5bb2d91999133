"""Against history: a day recorded through the real use cases (kiosk issues, officers call next and
complete, on a controlled clock) is replayed by the simulator with the recorded configuration, and
gives back the recorded per-service waits; then the same citizens under another configuration."""
from __future__ import annotations

import heapq
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from server import cli
from server.services.context import TZ, Context
from server.services.counters import counter_action
from server.services.tickets import issue_ticket
from server.setup import initialize
from server.store import Database
from tests.race_workers import KIOSK, officer

SITE = """
[site]
name = "Replay"
[[zones]]
code = "Z"
name = "Khu Z"
floor = 1
[[units]]
code = "U"
name = "Đơn vị U"
[[services]]
code = "A"
unit = "U"
zone = "Z"
name = "Dịch vụ A"
first_number = 1
last_number = 999
width = 3
[[services]]
code = "B"
unit = "U"
zone = "Z"
name = "Dịch vụ B"
first_number = 1001
last_number = 1999
width = 4
[[counters]]
number = 1
zone = "Z"
services = ["A"]
[[counters]]
number = 2
zone = "Z"
services = ["A", "B"]
[[counters]]
number = 3
zone = "Z"
services = ["B"]
[[counters]]
number = 4
zone = "Z"
services = ["A", "B"]
"""
DAY = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)  # a Monday
HOURS = 8


def record_day(db_path: Path, site: Path, seed: int = 11) -> int:
    """Run a morning through the real use cases: counters 1-3 open (4 stays closed), citizens of A
    and B arrive at random, each officer calls the next as soon as they are free (call-next
    completes the current ticket first). Returns the number of tickets issued."""
    initialize(Database(db_path), site, demo=False)
    ctx = Context.open(Database(db_path))
    rng = random.Random(seed)
    clock = DAY
    ctx.clock = lambda: clock
    counters = (1, 2, 3)
    for n in counters:
        counter_action(ctx, officer(n), n, "open", {})
    events: list[tuple[datetime, int, str, int]] = []  # (when, order, what, counter)
    t, k = DAY, 0
    while True:
        t += timedelta(minutes=rng.expovariate(1 / 2.2))
        if t >= DAY + timedelta(hours=HOURS):
            break
        k += 1
        heapq.heappush(events, (t, k, "A" if rng.random() < 0.6 else "B", 0))
    issued = k
    busy: dict[int, bool] = {n: False for n in counters}
    idle_since: dict[int, datetime] = {n: DAY for n in counters}
    while events:
        clock, _k, what, n = heapq.heappop(events)
        if what in ("A", "B"):
            issue_ticket(ctx, KIOSK, what, request_id=f"r{_k}")
            # The officer free the longest presses first (the simulator's rule for who calls a
            # citizen when several counters are idle).
            free = sorted((c for c in counters if not busy[c]), key=lambda c: (idle_since[c], c))
        else:  # counter n finished its ticket
            busy[n] = False
            idle_since[n] = clock
            free = [n]
        for c in free:
            res = counter_action(ctx, officer(c), c, "call-next", {})
            if res.get("ticket") and res["ticket"].get("status") == "called":
                busy[c] = True
                k += 1
                heapq.heappush(events, (clock + timedelta(minutes=rng.expovariate(1 / 5.0)), k, "done", c))
    for n in counters:
        counter_action(ctx, officer(n), n, "call-next", {})  # completes the last ticket
    return issued


def test_a_replay_gives_back_the_recorded_waits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    db_path = tmp_path / "x.db"
    issued = record_day(db_path, site)
    assert issued > 60
    scenario = tmp_path / "replay.toml"
    scenario.write_text('replications = 2\nhours = ["08:00-16:00"]\n[arrivals]\nreplay_day = 2026-11-23\n',
                        encoding="utf-8")
    assert cli.main(["simulate", "--scenario", str(scenario), "--db", str(db_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["scenario"]["counters"] == 3  # the counters that called that day: 1, 2, 3
    assert result["scenario"]["arrival_shares_from"] == f"replay of 2026-11-23: {issued} recorded tickets"
    for code in ("A", "B"):
        r = result["services"][code]
        recorded = r["recorded"]
        assert recorded["wait_p50_min"] > 1  # a queue formed
        assert r["wait_p50_min"]["value"] == pytest.approx(recorded["wait_p50_min"], rel=0.15)
        assert r["wait_mean_min"]["value"] == pytest.approx(recorded["wait_mean_min"], rel=0.15)
    # "What if counter 4 had opened too?" — the same citizens wait less.
    more = tmp_path / "more.toml"
    more.write_text('replications = 2\nhours = ["08:00-16:00"]\ncounters = [1, 2, 3, 4]\n'
                    '[arrivals]\nreplay_day = 2026-11-23\n', encoding="utf-8")
    assert cli.main(["simulate", "--scenario", str(more), "--db", str(db_path), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    for code in ("A", "B"):
        assert after["services"][code]["issued"] == result["services"][code]["issued"]
        assert after["services"][code]["wait_mean_min"]["value"] < result["services"][code]["wait_mean_min"]["value"]


def test_the_replay_calls_every_recorded_citizen_when_the_server_did(tmp_path: Path) -> None:
    """Ticket by ticket: same arrivals, same service times, same counters, the engine's rules on
    both sides — the simulated call of each ticket is the recorded one (to the second)."""
    from server.simulate.day import simulate_day
    from server.simulate.inputs import resolve
    from server.simulate.scenario import parse_scenario
    from server.simulate.site_source import from_database
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    record_day(tmp_path / "x.db", site, seed=12)
    src = from_database(tmp_path / "x.db")
    plan = resolve(parse_scenario({"hours": ["08:00-16:00"], "arrivals": {"replay_day": "2026-11-23"}}), src)
    day = simulate_day(plan, src.site, random.Random(1))
    recorded = [r.waited for r in plan.replay]
    simulated = [c - i for c, i in zip(day.tickets.called, day.tickets.issued)]  # type: ignore[operator]
    assert len(simulated) == len(recorded) > 150
    assert max(abs(s - r) for s, r in zip(simulated, recorded)) < 1 / 60  # type: ignore[operator]
