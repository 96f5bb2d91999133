"""The simulator's inputs and options: service times from the database's history, the default
arrival curve, priority and no-show shares, the engine's call rule really used, and bad scenarios
refused with a clear message in vi and en."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server import cli
from server.services.context import TZ, Context
from server.services.counters import counter_action
from server.services.tickets import issue_ticket
from server.simulate import day as sim_day
from server.simulate.day import draw_arrivals
from server.simulate.inputs import default_curve, resolve
from server.simulate.runner import simulate
from server.simulate.scenario import parse_scenario
from server.simulate.site_source import from_file
from server.store import Database
from tests.race_workers import KIOSK, officer

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "config" / "site.toml"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["simulate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_service_times_come_from_the_live_databases_history(demo: Any, db_path: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """25 tickets served at counter 18 in exactly 12 minutes each: the simulation of the live
    database uses those 12 minutes, not the site's 6."""
    ctx = Context.open(Database(db_path))
    moment = MONDAY
    ctx.clock = lambda: moment
    counter_action(ctx, officer(18), 18, "open", {})
    for i in range(25):
        issue_ticket(ctx, KIOSK, "TP-LLTP", request_id=f"h{i}")
        counter_action(ctx, officer(18), 18, "call-next", {})
        moment += timedelta(minutes=12)
        counter_action(ctx, officer(18), 18, "complete", {})
    scenario = tmp_path / "live.toml"
    scenario.write_text('seed = 3\nreplications = 10\nhours = ["08:00-16:00"]\ncounters = [18]\n'
                        '[arrivals."TP-LLTP"]\nper_hour = 4\n', encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(scenario), "--db", str(db_path), "--json")
    assert code == 0
    r = json.loads(out)["services"]["TP-LLTP"]
    assert r["service_time"] == "history: 25 served, mean 12.0 min"
    # Every service takes 12 minutes: the counter is busy 12 minutes per ticket of the 8 hours
    # (less what spills past closing).
    busy = r["served"]["value"] * 12 / 480
    assert busy - 0.05 <= r["utilization"]["value"] <= busy
    # Arrivals as recorded: 25 tickets between 8:00 and 12:48 of the one recorded day.
    fitted = tmp_path / "fitted.toml"
    fitted.write_text('seed = 3\nreplications = 20\nhours = ["08:00-13:00"]\ncounters = [18]\n'
                      '[arrivals]\nfrom_history = true\n', encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(fitted), "--db", str(db_path), "--json")
    result = json.loads(out)
    assert list(result["services"]) == ["TP-LLTP"]
    assert result["services"]["TP-LLTP"]["issued"]["value"] == pytest.approx(25, abs=4)
    assert result["scenario"]["arrival_shares_from"].startswith("history: 1 recorded day(s)")
    fitted.write_text(fitted.read_text(encoding="utf-8") + "daily_total = 50\n", encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(fitted), "--db", str(db_path), "--json")
    assert json.loads(out)["services"]["TP-LLTP"]["issued"]["value"] == pytest.approx(50, abs=6)
    same = tmp_path / "site-file.toml"
    same.write_text(f'site = "{SITE}"\n' + scenario.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(same), "--json")
    assert json.loads(out)["services"]["TP-LLTP"]["service_time"] == "exponential mean 6 min (site)"


def test_the_default_curve_puts_60_percent_between_7_30_and_10_30() -> None:
    hours = ((450.0, 690.0), (780.0, 1020.0))
    curve = default_curve(hours, (450.0, 630.0, 0.6))
    assert sum((b - a) * d for a, b, d in curve) == pytest.approx(1.0)
    assert sum((b - a) * d for a, b, d in curve if b <= 630) == pytest.approx(0.6)
    src = from_file(SITE)
    plan = resolve(parse_scenario({"arrivals": {"daily_total": 5000}}), src)
    drawn = draw_arrivals(plan, random.Random(1))
    assert len(drawn) == pytest.approx(5000, rel=0.05)
    assert sum(1 for t, _ in drawn if 450 <= t < 630) / len(drawn) == pytest.approx(0.6, abs=0.02)
    assert all(450 <= t < 690 or 780 <= t < 1020 for t, _ in drawn)  # nothing over lunch
    assert len({code for _, code in drawn}) == len(src.site.services)  # every service has some


def _zone_a(priority_share: float, ratio: int, no_show: float = 0.0) -> dict[str, Any]:
    return {"seed": 5, "replications": 8, "hours": ["07:30-11:30"], "counters": [1, 2, 3, 4],
            "arrivals": {"XD-GPXD": {"per_hour": 30}},
            "service_time": {"XD-GPXD": {"dist": "lognormal", "mean_min": 8, "sd_min": 4}},
            "priority_share": priority_share, "no_show_share": no_show, "policy": {"priority_ratio": ratio}}


def test_priority_tickets_go_first_by_the_ratio() -> None:
    """A queue over capacity: priority tickets wait far less; a ratio of 3 instead of 1 makes the
    normal tickets wait longer still."""
    src = from_file(SITE)
    one = simulate(parse_scenario(_zone_a(0.3, 1)), src)["services"]["XD-GPXD"]
    three = simulate(parse_scenario(_zone_a(0.3, 3)), src)["services"]["XD-GPXD"]
    assert one["wait_mean_priority_min"]["value"] < one["wait_mean_normal_min"]["value"] / 2
    assert three["wait_mean_priority_min"]["value"] < one["wait_mean_priority_min"]["value"]
    assert three["wait_mean_normal_min"]["value"] > one["wait_mean_normal_min"]["value"]
    none = simulate(parse_scenario(_zone_a(0.0, 1)), src)["services"]["XD-GPXD"]
    assert none["wait_mean_priority_min"]["value"] is None


def test_no_shows_are_not_served_and_free_the_counter() -> None:
    src = from_file(SITE)
    base = simulate(parse_scenario(_zone_a(0.0, 2)), src)["services"]["XD-GPXD"]
    missed = simulate(parse_scenario(_zone_a(0.0, 2, no_show=0.2)), src)["services"]["XD-GPXD"]
    assert missed["no_show"]["value"] == pytest.approx(0.2 * missed["issued"]["value"], rel=0.2)
    assert missed["served"]["value"] + missed["no_show"]["value"] == pytest.approx(missed["issued"]["value"])
    assert missed["wait_mean_min"]["value"] < base["wait_mean_min"]["value"]


def test_a_shift_adds_a_counter_for_its_hours_only() -> None:
    """Counter 3 works 8:00-9:00 only: waits drop, and its utilisation is over its own hour."""
    src = from_file(SITE)
    alone = {"seed": 2, "replications": 8, "hours": ["08:00-11:00"], "counters": [2],
             "arrivals": {"XD-GPXD": {"per_hour": 7}}}
    helped = {**alone, "shifts": [{"hours": ["08:00-09:00"], "counters": [3]}]}
    a = simulate(parse_scenario(alone), src)
    b = simulate(parse_scenario(helped), src)
    assert set(b["counters"]) == {"2", "3"}
    assert b["services"]["XD-GPXD"]["wait_mean_min"]["value"] < a["services"]["XD-GPXD"]["wait_mean_min"]["value"]
    assert 0.3 < b["counters"]["3"]["value"] <= 1.0


def test_every_call_is_the_engines_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day asks `engine.ordering.choose_next` for every call and calls what it chose."""
    chosen: list[int] = []
    real = sim_day.choose_next

    def spy(*args: Any, **kwargs: Any) -> Any:
        choice = real(*args, **kwargs)
        if choice is not None:
            chosen.append(choice.ticket_id)
        return choice

    monkeypatch.setattr(sim_day, "choose_next", spy)
    src = from_file(SITE)
    plan = resolve(parse_scenario(_zone_a(0.3, 2)), src)
    day = sim_day.simulate_day(plan, src.site, random.Random(9))
    assert chosen == day.tickets.call_order and len(chosen) == len(day.tickets.service) > 50


@pytest.mark.parametrize("text, lang, expected", [
    ('hours = ["7:30-25:00"]', "en_US.UTF-8", "hours: bad hours 7:30-25:00 (write \"HH:MM-HH:MM\")"),
    ('counters = [1, 999]', "vi_VN.UTF-8", "Điểm phục vụ không có quầy: 999"),
    ('[arrivals."NOPE"]\nper_hour = 3', "en_US.UTF-8", "The site has no service(s) NOPE"),
    ('[service_time."XD-GPXD"]\ndist = "gamma"\nmean_min = 3', "en_US.UTF-8",
     'service_time."XD-GPXD": gamma is not one of exponential, lognormal, fixed, history'),
    ('replications = 0', "vi_VN.UTF-8", "replications: số không hợp lệ 0"),
    ('sede = 1', "en_US.UTF-8", "Unknown scenario key(s): sede"),
    ('[arrivals]\nfrom_history = true', "en_US.UTF-8",
     f"{SITE} has no recorded tickets: arrivals cannot come from history"),
])
def test_a_bad_scenario_is_refused_with_its_message(text: str, lang: str, expected: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", lang)
    path = tmp_path / "bad.toml"
    path.write_text(f'site = "{SITE}"\n{text}\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "--scenario", str(path))
    assert code == 2 and out == ""
    assert err.strip() == expected


def test_a_database_without_a_site_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en")
    path = tmp_path / "s.toml"
    path.write_text("seed = 1\n", encoding="utf-8")
    code, _out, err = run_cli(capsys, "--scenario", str(path), "--db", str(tmp_path / "none.db"))
    assert code == 2 and "has no site yet" in err
    assert not (tmp_path / "none.db").exists()  # nothing created


def test_the_readmes_scenario_runs() -> None:
    """The scenario format documented in the README is the one the command reads."""
    import tomllib
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Simulating a day"):]
    block = section[section.index("```toml") + len("```toml"):section.index("```\n", section.index("```toml") + 7)]
    data = tomllib.loads(block)
    assert data["site"] == "../site.toml"
    sc = parse_scenario({**data, "site": str(SITE), "replications": 2})
    assert sc.priority_share == 0.1 and sc.shifts == ((((480.0, 600.0),), (5, 6)),)
    r = simulate(sc, from_file(SITE))
    assert r["services"]["XD-GPXD"]["wait_target_min"] == 20
    assert r["scenario"]["policy"]["priority_ratio"] == 3
    assert "priority share = 0.1" in r["assumptions"]


def test_csv_and_a_side_by_side_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three counters against two for the same citizens (same seed): the CSV has a row per unit
    and service, and the comparison shows the third counter shortening the XD queue."""
    import csv
    base = (f'site = "{SITE}"\nseed = 8\nreplications = 6\nhours = ["08:00-11:00"]\n'
            '[arrivals."XD-GPXD"]\nper_hour = 18\n')
    two, three = tmp_path / "two.toml", tmp_path / "three.toml"
    two.write_text(base.replace("seed = 8", "seed = 8\ncounters = [2, 3]"), encoding="utf-8")
    three.write_text(base.replace("seed = 8", "seed = 8\ncounters = [2, 3, 4]"), encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(two), "--csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert code == 0 and [(r["level"], r["code"]) for r in rows] == [("unit", "XD"), ("service", "XD-GPXD")]
    code, out, _err = run_cli(capsys, "--scenario", str(two), "--compare", str(three), "--json")
    both = json.loads(out)
    a, b = both["a"]["units"]["XD"], both["b"]["units"]["XD"]
    assert a["issued"] == b["issued"]  # the same citizens
    assert b["wait_p90_min"]["value"] < a["wait_p90_min"]["value"]
    code, out, _err = run_cli(capsys, "--scenario", str(two), "--compare", str(three))
    line = next(x for x in out.splitlines() if x.startswith("XD "))
    assert line.split()[1:3] == [f"{a['p_wait_over_target']['value']:.0%}", f"{b['p_wait_over_target']['value']:.0%}"]


def test_the_chart_is_a_self_contained_svg_with_a_line_per_unit(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import xml.etree.ElementTree as ET
    path = tmp_path / "s.toml"
    path.write_text(f'site = "{SITE}"\nreplications = 2\nhours = ["08:00-10:00"]\ncounters = [2, 18]\n'
                    '[arrivals."XD-GPXD"]\nper_hour = 12\n[arrivals."TP-LLTP"]\nper_hour = 20\n',
                    encoding="utf-8")
    chart = tmp_path / "c.svg"
    assert cli.main(["simulate", "--scenario", str(path), "--chart", str(chart)]) == 0
    capsys.readouterr()
    svg = chart.read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2  # XD and TP
    labels = [t.text for t in root.findall(f"{ns}text")]
    assert "08:00" in labels and any(x and x.startswith("TP (") for x in labels)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_transfers_send_tickets_on_in_their_place() -> None:
    """Half the building permits go on to pay the fee (PHI-A): they are called again there, fees
    get busier, and with the fee counter shared by more work the permits' own waits do not change
    (their first call comes before the transfer)."""
    src = from_file(SITE)
    base = {"seed": 3, "replications": 6, "hours": ["08:00-11:00"], "counters": [2, 3, 4, 12],
            "arrivals": {"XD-GPXD": {"per_hour": 18}, "PHI-A": {"per_hour": 4}}}
    plain = simulate(parse_scenario(base), src)["services"]
    sent = simulate(parse_scenario({**base, "transfers": {"XD-GPXD": {"to": "PHI-A", "share": 0.5}}}),
                    src)["services"]
    assert plain["PHI-A"]["transferred_in"]["value"] == 0
    assert sent["PHI-A"]["transferred_in"]["value"] == pytest.approx(0.5 * sent["XD-GPXD"]["served"]["value"], rel=0.25)
    assert sent["PHI-A"]["wait_after_transfer_mean_min"]["value"] is not None
    assert sent["PHI-A"]["wait_mean_min"]["value"] > plain["PHI-A"]["wait_mean_min"]["value"]
    assert sent["XD-GPXD"]["wait_mean_min"] == plain["XD-GPXD"]["wait_mean_min"]


def test_recalls_cost_the_counter_time_and_breaks_take_counters_away() -> None:
    src = from_file(SITE)
    base = {"seed": 6, "replications": 6, "hours": ["08:00-11:00"], "counters": [2, 3, 4],
            "arrivals": {"XD-GPXD": {"per_hour": 16}}}
    plain = simulate(parse_scenario(base), src)
    recalled = simulate(parse_scenario({**base, "recall_share": 0.5, "recall_min": 3}), src)
    assert "recall share = 0.5" in recalled["assumptions"]
    p, r = plain["services"]["XD-GPXD"], recalled["services"]["XD-GPXD"]
    assert r["issued"] == p["issued"]  # the same citizens
    assert r["utilization"]["value"] > p["utilization"]["value"]
    assert r["wait_mean_min"]["value"] > p["wait_mean_min"]["value"]
    breaks = {**base, "breaks": [{"hours": ["09:00-09:30"], "counters": [2, 3]}]}
    plan = resolve(parse_scenario(breaks), src)
    periods = dict(zip((c.number for c in plan.counters), plan.counter_periods))
    assert periods == {2: ((480.0, 540.0), (570.0, 660.0)), 3: ((480.0, 540.0), (570.0, 660.0)),
                       4: ((480.0, 660.0),)}
    rested = simulate(parse_scenario(breaks), src)["services"]["XD-GPXD"]
    assert rested["wait_mean_min"]["value"] > p["wait_mean_min"]["value"]


def test_a_service_no_counter_serves_is_named_and_its_tickets_count_as_over_target(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'site = "{SITE}"\nreplications = 3\nhours = ["08:00-09:00"]\ncounters = [2]\n'
                    'after_hours = "close"\n[arrivals."XD-CCHN"]\nper_hour = 5\n'
                    '[arrivals."XD-GPXD"]\nper_hour = 20\n', encoding="utf-8")
    code, out, _err = run_cli(capsys, "--scenario", str(path), "--json")
    r = json.loads(out)
    assert r["services_without_counters"] == ["XD-CCHN"]
    cchn, gpxd = r["services"]["XD-CCHN"], r["services"]["XD-GPXD"]
    assert cchn["served"]["value"] == 0 and cchn["p_wait_over_target"]["value"] == 1.0
    # One counter, 20 an hour of 8 minutes, closed at 9:00: fewer served than issued.
    assert gpxd["served"]["value"] < gpxd["issued"]["value"]
    code, out, _err = run_cli(capsys, "--scenario", str(path))
    assert "no open counter serves (its tickets are never called): XD-CCHN" in out
    assert "bottlenecks (more than 10% wait longer than target), worst first: XD " in out
