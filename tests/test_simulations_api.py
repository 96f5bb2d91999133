"""The simulator over the API (issue 12, the page's back end): a job runs `xephang simulate` in its
own process on the live site; bad input is refused field by field in vi/en and starts nothing; the
caps hold; a department head plans and sees only her units; CSV/TOML/SVG downloads."""
from __future__ import annotations

import tomllib
from typing import Any

import pytest

from server.services import simulations
from server.simulate.scenario import parse_scenario

MORNING = {"hours": ["07:30-11:30"], "arrivals": {"daily_total": 600}, "replications": 2, "seed": 3}


def finish(api: Any, who: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Wait for the job's process to end (no sleeping), then read the job as the page does."""
    simulations.JOBS._jobs[answer["id"]].proc.wait(timeout=240)
    r = api.call("GET", f"/api/v1/simulations/{answer['id']}", who)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["status"] == "done", out
    return dict(out)


def start(api: Any, who: str, body: dict[str, Any], lang: str = "vi") -> Any:
    return api.call("POST", "/api/v1/simulations", who, json=body, lang=lang)


def test_a_supervisor_runs_the_morning_and_downloads_csv_toml_and_chart(api: Any) -> None:
    r = start(api, "giamsat", MORNING)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "running"
    out = finish(api, "giamsat", r.get_json())
    units = out["result"]["units"]
    assert {"TP", "NV"} <= set(units)
    served = sum(u["served"]["value"] for u in units.values())
    assert 500 < served <= 700  # about 600 citizens, all served (after closing if need be)
    assert all(u["last_served_at"] for u in units.values() if u["served"]["value"])
    assert out["bottlenecks"] == sorted(out["bottlenecks"], key=lambda b: -b["p_wait_over_target"])
    base = f"/api/v1/simulations/{out['id']}"
    csv_text = api.call("GET", base + "?format=csv", "giamsat").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("level,") and "\nunit,TP," in csv_text.replace("\r", "")
    toml_text = api.call("GET", base + "?format=toml", "giamsat").get_data(as_text=True)
    assert parse_scenario(tomllib.loads(toml_text)).daily_total == 600  # the command reads it back
    svg = api.call("GET", base + "?format=svg", "giamsat")
    assert svg.mimetype == "image/svg+xml" and b"<polyline" in svg.data and b"<script" not in svg.data


def test_the_same_scenario_gives_what_the_command_gives(api: Any, db_path: Any) -> None:
    from server.simulate.runner import simulate
    from server.simulate.site_source import from_database
    out = finish(api, "quantri", start(api, "quantri", MORNING).get_json())
    direct = simulate(parse_scenario(MORNING), from_database(db_path))
    assert out["result"]["units"]["TP"]["wait_p90_min"] == direct["units"]["TP"]["wait_p90_min"]


@pytest.mark.parametrize("body,field,vi,en", [
    ({**MORNING, "replications": 500}, "replications", "tối đa 30", "at most 30"),
    ({**MORNING, "replications": "many"}, "replications", "số không hợp lệ", "not a valid number"),
    ({**MORNING, "hours": ["7h-9h"]}, "hours", "giờ không hợp lệ", "bad hours"),
    ({**MORNING, "shifts": [{"hours": ["08:00-10:00"], "counters": [999]}]}, "shifts",
     "không có quầy: 999", "no counter(s) 999"),
    ({**MORNING, "breaks": [{"hours": ["10-11"], "counters": [3]}]}, "breaks", "giờ không hợp lệ",
     "bad hours"),
    ({**MORNING, "arrivals": {"TP-LLTP": {"per_hour": -1}}}, "arrivals", "số không hợp lệ",
     "not a valid number"),
    ({**MORNING, "counters": [1, 999]}, "counters", "không có quầy: 999", "no counter(s) 999"),
    ({**MORNING, "arrivals": {"daily_total": 10 ** 6}}, "arrivals.daily_total", "tối đa 20000",
     "at most 20000"),
    ({**MORNING, "arrivals": {"NOPE": {"per_hour": 3}}}, "arrivals", "NOPE", "NOPE"),
    ({**MORNING, "site": "/etc/passwd"}, "site", "khóa không biết", "Unknown scenario key"),
    ({**MORNING, "kind": "plan", "unit": "ZZ"}, "unit", "Không có đơn vị", "No such unit"),
    ({**MORNING, "kind": "plan", "unit": "TP", "within": 2}, "within", "số không hợp lệ",
     "not a valid number"),
    ({**MORNING, "compare": {**MORNING, "seed": -1}}, "compare.seed", "số không hợp lệ",
     "not a valid number"),
])
def test_bad_input_names_its_field_in_vi_and_en_and_starts_nothing(
        api: Any, body: dict[str, Any], field: str, vi: str, en: str) -> None:
    before = len(simulations.JOBS._jobs)
    for lang, text in (("vi", vi), ("en", en)):
        r = start(api, "giamsat", body, lang)
        assert r.status_code == 400, r.get_json()
        err = r.get_json()["error"]
        assert err["field"] == field and text in err["message"], err
    assert len(simulations.JOBS._jobs) == before


def test_officers_cannot_simulate(api: Any) -> None:
    assert start(api, "canbo18", MORNING).status_code == 403


def test_no_more_than_the_cap_run_at_once(api: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(simulations, "MAX_RUNNING", 1)
    first = start(api, "giamsat", {**MORNING, "replications": 3})
    assert first.status_code == 202
    second = start(api, "quantri", MORNING, "en")
    assert second.status_code == 429 and second.headers["Retry-After"]
    assert "already running" in second.get_json()["error"]["message"]
    finish(api, "giamsat", first.get_json())
    third = start(api, "quantri", MORNING)
    assert third.status_code == 202  # free again once it ended
    finish(api, "quantri", third.get_json())


def test_a_department_head_plans_and_sees_only_her_unit(api: Any, app: Any) -> None:
    db = app.extensions["xephang"].db
    with db.write() as conn:
        conn.execute("UPDATE users SET units='[\"TP\"]' WHERE username='giamsat'")
    other = start(api, "giamsat", {**MORNING, "kind": "plan", "unit": "NV"})
    assert other.status_code == 403 and other.get_json()["error"]["field"] == "unit"
    out = finish(api, "giamsat", start(api, "giamsat", MORNING).get_json())
    assert set(out["result"]["units"]) == {"TP"}
    assert {s["unit"] for s in out["result"]["services"].values()} == {"TP"}
    svg = api.call("GET", f"/api/v1/simulations/{out['id']}?format=svg", "giamsat").data
    assert b"TP (" in svg and b"NV (" not in svg
    plan = finish(api, "giamsat", start(api, "giamsat", {**MORNING, "kind": "plan", "unit": "TP"})
                  .get_json())["plan"]
    assert plan["unit"] == "TP" and plan["hours"] and all(h["counters"] >= 0 for h in plan["hours"])
    # another supervisor's job is not hers to read
    assert api.call("GET", f"/api/v1/simulations/{out['id']}", "quantri").status_code == 200


def test_replay_today_with_two_more_counters_repeats_as_a_scenario_file(api: Any, app: Any) -> None:
    """A morning recorded through the real use cases, replayed "with 2 more counters": the
    scenario file names the day's counter and two closed ones serving its service."""
    from server.services.context import now_local, service_day
    for _ in range(4):
        assert api.call("POST", "/api/v1/tickets", "kiosk-A1", json={"service": "TP-LLTP"}).status_code == 201
    assert api.call("POST", "/api/v1/counters/18/open", "canbo18", json={}).status_code == 200
    for _ in range(2):
        for action in ("call-next", "start", "complete"):
            r = api.call("POST", f"/api/v1/counters/18/{action}", "canbo18", json={})
            assert r.status_code == 200, r.get_json()
    day = service_day(now_local())
    body = {"hours": ["00:00-23:59"], "replications": 1, "arrivals": {"replay_day": day},
            "more_counters": 2}
    out = finish(api, "giamsat", start(api, "giamsat", body).get_json())
    toml_text = api.call("GET", f"/api/v1/simulations/{out['id']}?format=toml", "giamsat").get_data(as_text=True)
    counters = tomllib.loads(toml_text)["counters"]
    site = app.extensions["xephang"].site
    assert 18 in counters and len(counters) == 3
    assert all("TP-LLTP" in site.counters[n].services for n in counters)
    assert out["result"]["services"]["TP-LLTP"]["issued"]["value"] == 4
    empty = start(api, "giamsat", {**body, "arrivals": {"replay_day": "2001-01-01"}}, "en")
    assert empty.status_code == 400 and empty.get_json()["error"]["field"] == "arrivals.replay_day"
    lone = start(api, "giamsat", {**MORNING, "more_counters": 2})
    assert lone.status_code == 400 and lone.get_json()["error"]["field"] == "arrivals.replay_day"


def test_per_service_rates_and_a_comparison(api: Any) -> None:
    a = {"hours": ["08:00-10:00"], "replications": 2, "counters": [18],
         "arrivals": {"TP-LLTP": {"per_hour": 6}}, "service_time": {"default": "site"}}
    b = {**a, "counters": [18, 19]}
    out = finish(api, "giamsat", start(api, "giamsat", {**a, "compare": b}).get_json())
    assert set(out["result"]["services"]) == {"TP-LLTP"} == set(out["compare"]["services"])
    one, two = (r["units"]["TP"]["wait_mean_min"]["value"] for r in (out["result"], out["compare"]))
    assert two < one  # the same citizens wait less with a second counter
    b_file = api.call("GET", f"/api/v1/simulations/{out['id']}?format=toml&scenario=b", "giamsat")
    assert tomllib.loads(b_file.get_data(as_text=True))["counters"] == [18, 19]


def test_a_scenario_the_command_refuses_fails_with_its_message(api: Any) -> None:
    """Arrivals from history on a database without any: the command's own refusal, in vi/en."""
    for lang, text in (("vi", "chưa có vé nào đã ghi"), ("en", "has no recorded tickets")):
        job = start(api, "giamsat", {**MORNING, "arrivals": {"from_history": True}}, lang).get_json()
        simulations.JOBS._jobs[job["id"]].proc.wait(timeout=240)
        out = api.call("GET", f"/api/v1/simulations/{job['id']}", "giamsat", lang=lang).get_json()
        assert out["status"] == "failed" and out["error"]["code"] == "simulation_refused", out
        assert text in out["error"]["message"]


def test_the_scenario_file_written_back_reads_as_the_same_scenario() -> None:
    """config/scenarios/demo-day.toml (tables, inline tables, [[shifts]], [[breaks]]) round-trips."""
    from pathlib import Path

    from server.simulate.scenario_file import to_toml
    path = Path(__file__).resolve().parent.parent / "config" / "scenarios" / "demo-day.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["arrivals"]["TP-LLTP"] = {"per_hour": 2.5}
    data["service_time"]["TP-LLTP"] = {"dist": "lognormal", "mean_min": 8, "sd_min": 4}
    assert tomllib.loads(to_toml(data)) == data
