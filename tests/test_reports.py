"""Reports are exact: a known history built through the product's own use cases under a controlled
clock (issues at kiosks and by staff, priority, calls, no-shows and requeues, transfers, cancels,
ratings with reasons, the day close), then every figure of the report JSON, the CSV and the XLSX is
checked against the same figures computed here, independently, from what the test did.

Definitions checked (docs/contract.md, "Reports"): figures count visits (a ticket's visit to one
service; a transfer or a requeue starts a new one); waiting time = call − joining the line,
service time = finish − start (or call) of a served visit, both in whole minutes rounded down;
percentiles by nearest rank; within target = waited ≤ the service's wait target.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.services.auth import Actor
from server.services.context import TZ, Context
from server.services.counters import counter_action, rate
from server.services.requeue import requeue_ticket
from server.services.tickets import cancel_ticket, close_day, issue_ticket
from server.store import Database

KIOSK = Actor("device", 9001, "kiosk", "kiosk", (), None)
MON = datetime(2026, 11, 23, 0, 0, tzinfo=TZ)  # a Monday
DAYS = [MON, MON + timedelta(days=1), MON + timedelta(days=2), MON + timedelta(days=3)]
SCORES = ("1", "2", "3", "4")


def officer(n: int) -> Actor:
    return Actor("user", 9000 + n, f"Cán bộ {n}", "officer", (n,))


def tablet(n: int) -> Actor:
    return Actor("device", 8000 + n, f"tablet {n}", "counter", (n,))


class World:
    """Drives the use cases at chosen times and writes down, visit by visit, what happened."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.now = MON
        self.visits: list[dict[str, Any]] = []
        self.current: dict[int, dict[str, Any]] = {}  # ticket id → its open visit
        self.tokens: dict[int, str] = {}

    def at(self, day: int, hh: int, mm: int, ss: int = 0) -> "World":
        self.now = DAYS[day] + timedelta(hours=hh, minutes=mm, seconds=ss)
        self.ctx.clock = lambda: self.now
        return self

    def _visit(self, tid: int, service: str, start: datetime, first: bool, prio: str | None,
               channel: str) -> None:
        v = {"ticket": tid, "service": service, "start": start, "first": first, "priority": prio,
             "channel": channel, "called": None, "began": None, "finished": None,
             "outcome": None, "counter": None, "officer": None, "score": None, "reasons": [],
             "day": start.date().isoformat()}
        self.visits.append(v)
        self.current[tid] = v

    def issue(self, service: str, prio: str | None = None, by: Actor = KIOSK) -> int:
        t, _ = issue_ticket(self.ctx, by, service, priority=prio)
        self.tokens[t["id"]] = t["token"]
        self._visit(t["id"], service, self.now, True, prio,
                    "kiosk" if by.kind == "device" else "assisted")
        return int(t["id"])

    def act(self, n: int, action: str, **body: Any) -> dict[str, Any]:
        return counter_action(self.ctx, officer(n), n, action, body)

    def call(self, n: int) -> int:
        t = self.act(n, "call-next")["ticket"]
        v = self.current[t["id"]]
        v.update(called=self.now, counter=n, officer=officer(n).name)
        return int(t["id"])

    def start(self, n: int) -> None:
        t = self.act(n, "start")["ticket"]
        self.current[t["id"]]["began"] = self.now

    def finish(self, n: int, action: str, outcome: str, **body: Any) -> int:
        tid = self.act(n, action, **body)["ticket"]["id"]
        v = self.current.pop(tid)
        v.update(finished=self.now, outcome=outcome)
        if action == "transfer":
            old = v
            self._visit(tid, body["service"], self.now, False, old["priority"], old["channel"])
        return int(tid)

    def rate(self, n: int, tid: int, score: int, reasons: list[str]) -> None:
        rate(self.ctx, tablet(n), n, {"ticket_id": tid, "score": score, "reasons": reasons})
        v = [x for x in self.visits if x["ticket"] == tid and x["counter"] == n][-1]
        v.update(score=score, reasons=reasons)

    def requeue(self, tid: int) -> None:
        requeue_ticket(self.ctx, officer(18), self.tokens[tid])
        old = [x for x in self.visits if x["ticket"] == tid][-1]
        self._visit(tid, old["service"], self.now, False, old["priority"], old["channel"])

    def cancel(self, tid: int) -> None:
        cancel_ticket(self.ctx, officer(18), self.tokens[tid])
        v = self.current.pop(tid)
        v.update(finished=self.now, outcome="cancelled")

    def close(self, next_day: int, later: timedelta = timedelta(0)) -> None:
        """The next morning: the product's day close; what was open ends not served."""
        self.at(next_day, 6, 0)
        self.now += later
        close_day(self.ctx)
        for tid, v in list(self.current.items()):
            if v["day"] < self.now.date().isoformat():
                v["outcome"] = "not_served"
                del self.current[tid]


def build_history(ctx: Context) -> World:
    """Three closed days and a live one, in two units (TP at counters 18, 19, 22; NV at 24)."""
    w = World(ctx)
    for d in range(4):
        w.at(d, 7, 40)
        for n in (18, 19, 22, 24):
            w.act(n, "open")
        # Arrivals: kiosk and staff-issued, some with priority, in three services of two units.
        plan = [("TP-LLTP", None, KIOSK), ("TP-LLTP", "elderly", KIOSK), ("TP-QT", None, KIOSK),
                ("NV-GPLD", None, officer(24)), ("TP-LLTP", None, officer(18)),
                ("NV-GPLD", "elderly", KIOSK), ("TP-LLTP", None, KIOSK), ("TP-QT", None, KIOSK),
                ("NV-GPLD", None, KIOSK), ("TP-LLTP", None, KIOSK)][: 10 - d]
        ids = []
        for i, (svc, prio, by) in enumerate(plan):
            w.at(d, 7, 45 + 2 * i, 17 * i % 60)
            ids.append(w.issue(svc, prio, by))
        # Counter 18 (TP-LLTP): serve, no-show then requeue, transfer to TP-QT, rate with reasons.
        w.at(d, 8, 1, 30)
        a = w.call(18)
        w.at(d, 8, 3)
        w.start(18)
        w.at(d, 8, 9 + d, 45)
        w.finish(18, "complete", "done")
        w.at(d, 8, 10)
        w.rate(18, a, 1 + d % 4, ["wait", "attitude"] if d % 2 == 0 else [])
        w.at(d, 8, 12)
        b = w.call(18)
        w.at(d, 8, 14)
        w.finish(18, "no-show", "no_show")
        w.at(d, 8, 20)
        w.requeue(b)
        w.at(d, 8, 22)
        c = w.call(18)
        w.at(d, 8, 23)
        w.start(18)
        w.at(d, 8, 30, 5)
        w.finish(18, "transfer", "transferred", service="TP-QT", note="thiếu giấy tờ")
        w.at(d, 8, 31)
        w.rate(18, c, 4, [])
        # Counter 19 (TP-LLTP) picks up later: long waits.
        w.at(d, 9, 40 + d)
        e = w.call(19)
        w.at(d, 9, 41 + d)
        w.finish(19, "complete", "done")
        w.rate(19, e, 3, ["guidance"])
        # Counter 22 (TP-QT, TP-HT): serves the transfer and the TP-QT line.
        for k in range(2):
            w.at(d, 10, 5 + 20 * k)
            f = w.call(22)
            w.at(d, 10, 6 + 20 * k)
            w.start(22)
            w.at(d, 10, 15 + 20 * k + d)
            w.finish(22, "complete", "done")
            w.rate(22, f, 4 - k, [] if k == 0 else ["wait"])
        # Counter 24 (NV-GPLD): serves one, a priority one comes first; one cancelled if waiting.
        w.at(d, 8, 5)
        g = w.call(24)
        w.at(d, 8, 40)
        w.finish(24, "complete", "done")
        w.rate(24, g, 2, ["attitude"])
        if d < 3:
            waiting_nv = [v["ticket"] for v in w.current.values()
                          if v["service"] == "NV-GPLD" and v["called"] is None]
            w.at(d, 11, 0)
            w.cancel(waiting_nv[0])
        # The rest waits: closed as not served by the next morning's day close (live on day 3).
        if d < 3:
            w.close(d + 1)
    w.at(3, 14, 0)
    return w


# --- the expected figures, computed here from what the test did --------------------------------

def minutes(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds() // 60)


def rank(values: list[int], p: int) -> int | None:
    """Nearest rank: the value at position ceil(p·n/100) of the sorted values."""
    if not values:
        return None
    s = sorted(values)
    return s[-(-p * len(s) // 100) - 1]


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def expected(ctx: Context, visits: list[dict[str, Any]], group: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    def key(v: dict[str, Any]) -> str:
        svc = ctx.site.services[v["service"]]
        return {"unit": svc.unit, "service": v["service"],
                "counter": "" if v["counter"] is None else str(v["counter"]),
                "officer": v["officer"] or "", "hour": f"{v['start'].hour:02d}",
                "weekday": str(v["start"].isoweekday())}[group]

    def figures(vs: list[dict[str, Any]]) -> dict[str, Any]:
        waits = [minutes(v["start"], v["called"]) for v in vs if v["called"]]
        within = [v for v in vs if v["called"] and (v["called"] - v["start"]).total_seconds()
                  <= ctx.site.services[v["service"]].wait_target_min * 60]
        served = [minutes(v["began"] or v["called"], v["finished"]) for v in vs if v["outcome"] == "done"]
        rated = [v for v in vs if v["score"]]
        issued = [v for v in vs if v["first"]]
        reasons: dict[str, int] = {}
        for v in rated:
            for r in v["reasons"]:
                reasons[r] = reasons.get(r, 0) + 1
        return {"visits": len(vs), "issued": len(issued), "served": sum(v["outcome"] == "done" for v in vs),
                "no_show": sum(v["outcome"] == "no_show" for v in vs),
                "transferred": sum(v["outcome"] == "transferred" for v in vs),
                "cancelled": sum(v["outcome"] == "cancelled" for v in vs),
                "not_served": sum(v["outcome"] == "not_served" for v in vs),
                "priority_share": ratio(sum(1 for v in issued if v["priority"]), len(issued)),
                "waited": len(waits), "wait_p50_min": rank(waits, 50), "wait_p90_min": rank(waits, 90),
                "wait_max_min": max(waits) if waits else None,
                "service_p50_min": rank(served, 50), "service_p90_min": rank(served, 90),
                "within_target": ratio(len(within), len(waits)),
                "ratings": {s: sum(str(v["score"]) == s for v in rated) for s in SCORES},
                "ratings_n": len(rated),
                "satisfaction": ratio(sum(v["score"] >= 3 for v in rated), len(rated)),
                "reasons": dict(sorted(reasons.items()))}

    groups: dict[str, list[dict[str, Any]]] = {}
    for v in visits:
        groups.setdefault(key(v), []).append(v)
    return ([{"key": k, **figures(vs)} for k, vs in groups.items()], figures(visits))


def strip(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("label", "label_en")}


# --- the tests ---------------------------------------------------------------------------------

@pytest.fixture
def history(app: Any) -> tuple[Context, World]:
    ctx = app.extensions["xephang"]
    return ctx, build_history(ctx)


def get(api: Any, who: str, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.call("GET", f"/api/v1/reports?{query}", who)


GROUPS = ("unit", "service", "counter", "officer", "hour", "weekday")


@pytest.mark.parametrize("group", GROUPS)
def test_every_figure_of_the_report_matches_the_history(api: Any, history: Any, group: str) -> None:
    ctx, w = history
    r = get(api, "giamsat", **{"from": "2026-11-23", "to": "2026-11-26", "group": group})
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    rows, totals = expected(ctx, w.visits, group)
    assert sorted((strip(x) for x in got["rows"]), key=lambda x: x["key"]) == \
        sorted(rows, key=lambda x: x["key"])
    assert got["totals"] == totals
    assert totals["issued"] == 10 + 9 + 8 + 7 and totals["cancelled"] == 3
    assert totals["no_show"] == 4 and totals["transferred"] == 4 and totals["not_served"] > 0


def test_filters_and_single_days_are_exact_too(api: Any, history: Any) -> None:
    ctx, w = history
    cases: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
        ({"priority": "yes"}, lambda v: v["priority"] is not None),
        ({"priority": "no"}, lambda v: v["priority"] is None),
        ({"priority": "elderly"}, lambda v: v["priority"] == "elderly"),
        ({"channel": "assisted"}, lambda v: v["channel"] == "assisted"),
        ({"channel": "kiosk", "zone": "A1"}, lambda v: v["channel"] == "kiosk"),
        ({"unit": "NV"}, lambda v: v["service"].startswith("NV-")),
    ]
    for params, keep in cases:
        got = get(api, "quantri", **{"from": "2026-11-23", "to": "2026-11-26", "group": "service",
                                     **params}).get_json()
        rows, totals = expected(ctx, [v for v in w.visits if keep(v)], "service")
        assert [strip(x) for x in got["rows"]] == sorted(rows, key=lambda x: list(
            ctx.site.services).index(x["key"])), params
        assert got["totals"] == totals, params
    for d in ("2026-11-24", "2026-11-26"):  # a closed day from its summary; today live
        got = get(api, "quantri", **{"from": d, "to": d, "group": "counter"}).get_json()
        rows, totals = expected(ctx, [v for v in w.visits if v["day"] == d], "counter")
        assert sorted((strip(x) for x in got["rows"]), key=lambda x: x["key"]) == \
            sorted(rows, key=lambda x: x["key"])
        assert got["totals"] == totals


def test_past_days_are_read_from_their_summaries(api: Any, history: Any, db_path: Path) -> None:
    ctx, w = history
    before = get(api, "quantri", **{"from": "2026-11-23", "to": "2026-11-25"}).get_json()
    with ctx.db.read() as conn:
        done = [r[0] for r in conn.execute("SELECT day FROM report_days ORDER BY day")]
    assert done == ["2026-11-23", "2026-11-24", "2026-11-25"]
    raw = Database(db_path)  # the tickets of a summarized day are no longer read…
    with raw.write() as conn:
        conn.execute("DELETE FROM ratings WHERE day='2026-11-23'")
    with raw.write() as conn:
        marks = [tuple(r) for r in conn.execute("SELECT day FROM report_dirty_days")]
        assert marks == [("2026-11-23",)]  # …unless they change: the change marks its day
        conn.execute("DELETE FROM report_dirty_days")  # (a change made behind the product's back)
    raw.close()
    assert get(api, "quantri", **{"from": "2026-11-23", "to": "2026-11-25"}).get_json() == before


def test_the_csv_has_every_figure_with_vietnamese_headings(api: Any, history: Any) -> None:
    ctx, w = history
    r = get(api, "giamsat", **{"from": "2026-11-23", "to": "2026-11-26", "group": "unit",
                               "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Mã", "Nhóm", "Số phiếu cấp", "Đã phục vụ"]
    assert "Tỷ lệ hài lòng" in lines[0]
    rows, totals = expected(ctx, w.visits, "unit")
    by_key = {x["key"]: x for x in rows}
    assert len(lines) == 1 + len(rows) + 1
    for line in lines[1:-1]:
        check_line(line, by_key[line[0]])
    assert lines[-1][1] == "Tổng cộng"
    check_line(lines[-1], totals)
    assert ctx.site.units["TP"]["name"] in [x[1] for x in lines]


def cell(v: Any) -> str:
    return "" if v is None else str(v)


def check_line(line: list[Any], want: dict[str, Any], text: Callable[[Any], Any] = cell) -> None:
    """A CSV/XLSX line against the expected figures, column by column."""
    fields = ["issued", "served", "no_show", "transferred", "cancelled", "not_served",
              "priority_share", "wait_p50_min", "wait_p90_min", "wait_max_min", "service_p50_min",
              "service_p90_min", "within_target"]
    assert line[2:2 + len(fields)] == [text(want[f]) for f in fields]
    rest = line[2 + len(fields):]
    assert rest[:6] == [text(want["ratings"][s]) for s in ("4", "3", "2", "1")] + \
        [text(want["ratings_n"]), text(want["satisfaction"])]
    assert (rest[6] or "") == "; ".join(f"{k}: {v}" for k, v in want["reasons"].items())


def test_the_xlsx_has_a_sheet_per_grouping_with_every_figure(api: Any, history: Any) -> None:
    from openpyxl import load_workbook
    ctx, w = history
    r = get(api, "giamsat", **{"from": "2026-11-23", "to": "2026-11-26", "group": "service",
                               "format": "xlsx"})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Theo dịch vụ", "Theo đơn vị", "Theo quầy", "Theo cán bộ",
                             "Theo giờ", "Theo thứ"]
    for name, group in zip(wb.sheetnames, ("service", "unit", "counter", "officer", "hour",
                                           "weekday")):
        ws = wb[name]
        assert "2026-11-23" in ws["A1"].value and ws["A1"].font.bold
        head = [c.value for c in ws[4]]
        assert head[:3] == ["Mã", "Nhóm", "Số phiếu cấp"]
        rows, totals = expected(ctx, w.visits, group)
        by_key = {x["key"]: x for x in rows}
        lines = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
        assert len(lines) == len(rows) + 1
        for line in lines[:-1]:
            check_line(line, by_key[line[0] or ""], lambda v: v)
        assert lines[-1][1] == "Tổng cộng"
        check_line(lines[-1], totals, lambda v: v)
        assert ws.cell(row=5, column=head.index("Tỷ lệ hài lòng") + 1).number_format == "0.0%"
        assert ws.cell(row=5, column=3).number_format == "#,##0"


def test_a_scoped_supervisor_sees_and_exports_only_her_units(api: Any, history: Any,
                                                             db_path: Path) -> None:
    raw = Database(db_path)
    with raw.write() as conn:
        conn.execute("UPDATE users SET units='[\"TP\"]' WHERE username='giamsat'")
    raw.close()
    args = {"from": "2026-11-23", "to": "2026-11-26"}
    got = get(api, "giamsat", group="unit", **args).get_json()
    assert [x["key"] for x in got["rows"]] == ["TP"]
    by_service = get(api, "giamsat", group="service", **args).get_json()
    assert {x["key"] for x in by_service["rows"]} == {"TP-LLTP", "TP-QT"}
    assert by_service["totals"]["issued"] == sum(x["issued"] for x in by_service["rows"])
    denied = get(api, "giamsat", group="service", unit="NV", **args)
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "out_of_scope"
    assert get(api, "giamsat", group="service", unit="NV", format="csv", **args).status_code == 403
    csv_text = get(api, "giamsat", group="officer", format="csv", **args).data.decode("utf-8-sig")
    assert "Cán bộ 24" not in csv_text and "Cán bộ 18" in csv_text
    wb_bytes = get(api, "giamsat", group="unit", format="xlsx", **args).data
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(wb_bytes))
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert "NV" not in cells and "Sở Nội vụ" not in cells and "TP" in cells
    assert get(api, "quantri", group="unit", **args).get_json()["rows"][1]["key"] == "NV"


def test_officers_and_strangers_get_no_report(api: Any, history: Any) -> None:
    args = {"from": "2026-11-23", "to": "2026-11-26"}
    assert get(api, "canbo18", **args).status_code == 403
    assert api.call("GET", "/api/v1/reports?from=2026-11-23&to=2026-11-26").status_code in (401, 403)


@pytest.mark.parametrize("params,field,code", [
    ({"from": "2026-13-01", "to": "2026-12-01"}, "from", "report_bad_date"),
    ({"from": "2026-11-01"}, "to", "report_bad_date"),
    ({"from": "2026-12-01", "to": "2026-11-01"}, "to", "report_bad_range"),
    ({"from": "2024-01-01", "to": "2026-11-01"}, "to", "report_range_too_long"),
    ({"from": "2026-11-01", "to": "2026-11-02", "group": "color"}, "group", "report_bad_group"),
    ({"from": "2026-11-01", "to": "2026-11-02", "format": "pdf"}, "format", "report_bad_format"),
    ({"from": "2026-11-01", "to": "2026-11-02", "zone": "Z9"}, "zone", "unknown_zone"),
    ({"from": "2026-11-01", "to": "2026-11-02", "channel": "fax"}, "channel", "report_bad_channel"),
    ({"from": "2026-11-01", "to": "2026-11-02", "priority": "vip"}, "priority", "unknown_priority"),
])
def test_a_wrong_parameter_names_its_field(api: Any, params: dict[str, str], field: str,
                                           code: str) -> None:
    r = get(api, "quantri", **params)
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == code and err["field"] == field and err["message"]


def test_the_charts_add_up(api: Any, history: Any) -> None:
    ctx, w = history
    got = get(api, "quantri", **{"from": "2026-11-23", "to": "2026-11-26", "charts": "1"}).get_json()
    charts = got["charts"]
    assert charts["days"] == 4
    arrivals = {x["slot"]: x for x in charts["arrivals"]}
    want: dict[str, int] = {}
    for v in w.visits:
        if v["first"]:
            slot = f"{v['start'].hour:02d}:{v['start'].minute // 15 * 15:02d}"
            want[slot] = want.get(slot, 0) + 1
    assert {k: x["arrivals"] for k, x in arrivals.items() if x["arrivals"]} == \
        {k: round(n / 4, 2) for k, n in want.items()}
    assert arrivals["08:00"]["counters_open"] == 4  # 18, 19, 22, 24 opened at 7:40, every day
    days = {x["day"]: x for x in charts["satisfaction_by_day"]}
    for d in ("2026-11-23", "2026-11-26"):
        _, totals = expected(ctx, [v for v in w.visits if v["day"] == d], "unit")
        assert days[d]["satisfaction"] == totals["satisfaction"]
    hours = {x["hour"]: x for x in charts["wait_by_hour"]}
    rows, _ = expected(ctx, w.visits, "hour")
    assert {k: (v["wait_p50_min"], v["wait_p90_min"]) for k, v in hours.items()} == \
        {x["key"]: (x["wait_p50_min"], x["wait_p90_min"]) for x in rows if x["waited"]}


def test_cancel_withdraws_a_waiting_ticket_once(api: Any, demo: Any) -> None:
    t = api.call("POST", "/api/v1/tickets", "kiosk-A1", json={"service": "TP-LLTP"}).get_json()
    token = api.call("GET", "/api/v1/tickets?number=" + t["number"], "canbo18").get_json()[
        "tickets"][0]["token"]
    assert api.call("POST", f"/api/v1/tickets/{token}/cancel", "kiosk-A1").status_code == 403
    r = api.call("POST", f"/api/v1/tickets/{token}/cancel", "canbo18", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    again = api.call("POST", f"/api/v1/tickets/{token}/cancel", "canbo18", json={})
    assert again.status_code == 409


def test_a_past_month_is_read_from_its_roll_up_and_stays_exact(api: Any, history: Any) -> None:
    ctx, w = history
    w.close(3, timedelta(days=7))  # 3 December: November is over, its days roll up into a month
    with ctx.db.read() as conn:
        assert [r[0] for r in conn.execute("SELECT month FROM report_months")] == ["2026-11"]
    for group in GROUPS:
        rows, totals = expected(ctx, w.visits, group)
        for first, last in (("2026-11-01", "2026-11-30"), ("2026-10-15", "2026-12-03"),
                            ("2026-11-20", "2026-11-28")):
            got = get(api, "quantri", **{"from": first, "to": last, "group": group}).get_json()
            assert sorted((strip(x) for x in got["rows"]), key=lambda x: x["key"]) == \
                sorted(rows, key=lambda x: x["key"]), (group, first)
            assert got["totals"] == totals
    # Most of the month asked: the roll-up minus the days left out (23 November).
    got = get(api, "quantri", **{"from": "2026-11-24", "to": "2026-11-30", "group": "service"}).get_json()
    rows, totals = expected(ctx, [v for v in w.visits if v["day"] >= "2026-11-24"], "service")
    assert [strip(x) for x in got["rows"]] == sorted(rows, key=lambda x: list(
        ctx.site.services).index(x["key"]))
    assert got["totals"] == totals
    scoped = get(api, "quantri", **{"from": "2026-11-01", "to": "2026-11-30", "group": "hour",
                                    "unit": "NV", "channel": "kiosk"}).get_json()
    rows, totals = expected(ctx, [v for v in w.visits if v["service"].startswith("NV-")
                                  and v["channel"] == "kiosk"], "hour")
    assert [strip(x) for x in scoped["rows"]] == sorted(rows, key=lambda x: x["key"])


# --- a closed day that changes after its summary -----------------------------------------------

def _summary_of(ctx: Context, day: str) -> dict[str, int]:
    """What the stored summary of a day holds for every service (visits, not served, ratings)."""
    with ctx.db.read() as conn:
        row = conn.execute("SELECT SUM(visits), SUM(not_served), SUM(r1 + r2 + r3 + r4) FROM "
                           "report_cells WHERE day = ? AND dim = 'service'", (day,)).fetchone()
        dirty = conn.execute("SELECT COUNT(*) FROM report_dirty_days").fetchone()[0]
    return {"visits": row[0], "not_served": row[1], "ratings": row[2], "dirty": dirty}


def test_a_late_rating_of_a_closed_day_reaches_its_report_and_its_summary(api: Any, app: Any) -> None:
    ctx = app.extensions["xephang"]
    w = World(ctx)
    w.at(0, 7, 40).act(19, "open")
    w.at(0, 8, 0)
    tid = w.issue("TP-LLTP")
    w.at(0, 8, 5)
    w.call(19)
    w.at(0, 8, 9)
    w.finish(19, "complete", "done")
    w.close(1)  # the next morning: closed, summarized
    day = "2026-11-23"
    assert _summary_of(ctx, day) == {"visits": 1, "not_served": 0, "ratings": 0, "dirty": 0}
    w.at(1, 8, 0)  # the tablet was offline overnight: yesterday's rating arrives now
    with ctx.db.read() as conn:
        number = conn.execute("SELECT number FROM tickets WHERE id = ?", (tid,)).fetchone()[0]
    rate(ctx, tablet(19), 19, {"number": number, "day": day, "score": 2, "reasons": ["wait"]})
    w.visits[-1].update(score=2, reasons=["wait"])
    rows, totals = expected(ctx, w.visits, "service")
    got = get(api, "quantri", **{"from": day, "to": day, "group": "service"}).get_json()
    assert got["totals"] == totals and totals["ratings_n"] == 1  # at once, read from its rows
    assert _summary_of(ctx, day)["dirty"] == 1
    w.close(2)  # the next round re-summarizes the day
    assert _summary_of(ctx, day) == {"visits": 1, "not_served": 0, "ratings": 1, "dirty": 0}
    assert get_totals(ctx, day) == totals


def test_a_day_summarized_before_its_close_is_summarized_again(api: Any, app: Any) -> None:
    from server.services import reports
    ctx = app.extensions["xephang"]
    w = World(ctx)
    w.at(0, 7, 40).act(18, "open")
    w.at(0, 9, 0)
    w.issue("TP-LLTP")
    w.issue("TP-QT")
    w.at(1, 6, 0)  # a restart: the summaries ran before the day close did
    reports.summarize_closed_days(ctx)
    day = "2026-11-23"
    assert _summary_of(ctx, day) == {"visits": 2, "not_served": 0, "ratings": 0, "dirty": 0}
    w.close(1)  # the close settles both tickets as not served: the day changed
    assert _summary_of(ctx, day) == {"visits": 2, "not_served": 2, "ratings": 0, "dirty": 0}
    rows, totals = expected(ctx, w.visits, "unit")
    got = get(api, "quantri", **{"from": day, "to": day, "group": "unit"}).get_json()
    assert got["totals"] == totals and totals["not_served"] == 2


def test_a_rolled_up_month_with_a_changed_day_stays_exact(api: Any, history: Any) -> None:
    ctx, w = history
    w.close(3, timedelta(days=7))  # 3 December: November rolled up
    tid = next(v["ticket"] for v in w.visits if v["day"] == "2026-11-23" and v["counter"] == 24
               and v["outcome"] == "done")
    with ctx.db.write() as conn:  # the rating of that visit is withdrawn (e.g. by an admin)
        conn.execute("DELETE FROM ratings WHERE ticket_id = ?", (tid,))
    next(v for v in w.visits if v["ticket"] == tid and v["counter"] == 24).update(
        score=None, reasons=[])
    for first, last in (("2026-11-01", "2026-11-30"), ("2026-11-20", "2026-11-28")):
        rows, totals = expected(ctx, w.visits, "counter")
        got = get(api, "quantri", **{"from": first, "to": last, "group": "counter"}).get_json()
        assert sorted((strip(x) for x in got["rows"]), key=lambda x: x["key"]) == \
            sorted(rows, key=lambda x: x["key"])
        assert got["totals"] == totals
    from server.services import reports
    reports.summarize_closed_days(ctx)  # re-summarized, the month rolled up again
    with ctx.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM report_dirty_days").fetchone()[0] == 0
        rolled = conn.execute("SELECT computed_at FROM report_months").fetchone()[0]
        day_at = conn.execute("SELECT computed_at FROM report_days WHERE day = '2026-11-23'"
                              ).fetchone()[0]
    assert rolled >= day_at
    got = get(api, "quantri", **{"from": "2026-11-01", "to": "2026-11-30", "group": "counter"}
              ).get_json()
    assert got["totals"] == expected(ctx, w.visits, "counter")[1]


def test_a_change_during_a_summary_keeps_its_day_marked(app: Any, monkeypatch: Any) -> None:
    """The summary is computed from one snapshot: a change landing between that read and the
    write must leave the day marked, or the summary would silently miss it."""
    from server.services import reports
    ctx = app.extensions["xephang"]
    w = World(ctx)
    w.at(0, 7, 40).act(19, "open")
    w.at(0, 8, 0)
    ids = [w.issue("TP-LLTP") for _ in range(2)]
    for _ in ids:
        w.at(0, 8, 5)
        w.call(19)
        w.finish(19, "complete", "done")
    w.close(1)
    w.at(1, 8, 0)
    day = "2026-11-23"
    numbers = {}
    with ctx.db.read() as conn:
        for tid in ids:
            numbers[tid] = conn.execute("SELECT number FROM tickets WHERE id = ?", (tid,)).fetchone()[0]
    rate(ctx, tablet(19), 19, {"number": numbers[ids[0]], "day": day, "score": 4})
    compute = reports._compute_day

    def rated_meanwhile(*args: Any, **kw: Any) -> Any:
        out = compute(*args, **kw)
        rate(ctx, tablet(19), 19, {"number": numbers[ids[1]], "day": day, "score": 1})
        return out

    monkeypatch.setattr(reports, "_compute_day", rated_meanwhile)
    reports.summarize_day(ctx, day)  # written from a snapshot with one rating of two
    monkeypatch.setattr(reports, "_compute_day", compute)
    assert _summary_of(ctx, day)["ratings"] == 1 and _summary_of(ctx, day)["dirty"] == 1
    got = get_totals(ctx, day)
    assert got["ratings_n"] == 2  # the report reads the day from its rows meanwhile
    reports.summarize_closed_days(ctx)
    assert _summary_of(ctx, day)["ratings"] == 2 and _summary_of(ctx, day)["dirty"] == 0


def get_totals(ctx: Context, day: str) -> dict[str, Any]:
    from server.services import reports
    from server.services.auth import CLI
    q = reports.parse_query(ctx, CLI, {"from": day, "to": day, "group": "service"})
    return reports.report(ctx, CLI, q)["totals"]


def test_late_ratings_racing_the_summaries_all_reach_the_summary(app: Any, db_path: Path) -> None:
    """Threads on their own connections rate yesterday's tickets while another re-summarizes the
    day again and again: once the ratings stop, one more round leaves a summary with every one."""
    import threading

    from server.services import reports
    from server.store import Database
    ctx = app.extensions["xephang"]
    w = World(ctx)
    w.at(0, 7, 40).act(19, "open")
    ids = []
    for i in range(12):
        w.at(0, 8, i)
        ids.append(w.issue("TP-LLTP"))
        w.call(19)
        w.finish(19, "complete", "done")
    w.close(1)
    day = "2026-11-23"
    with ctx.db.read() as conn:
        numbers = [conn.execute("SELECT number FROM tickets WHERE id = ?", (t,)).fetchone()[0]
                   for t in ids]
    clock = DAYS[1] + timedelta(hours=8)
    raters = [Context.open(Database(db_path)) for _ in range(3)]
    summarizer = Context.open(Database(db_path))
    for c in (*raters, summarizer):
        c.clock = lambda: clock
    done = threading.Event()
    errors: list[BaseException] = []

    def rate_some(c: Context, mine: list[str]) -> None:
        try:
            for n in mine:
                rate(c, tablet(19), 19, {"number": n, "day": day, "score": 3})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def summarize_again() -> None:
        rounds = 0
        while not done.is_set() or rounds < 3:
            try:
                reports.summarize_day(summarizer, day)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            rounds += 1

    threads = [threading.Thread(target=rate_some, args=(c, numbers[i::3]))
               for i, c in enumerate(raters)]
    looping = threading.Thread(target=summarize_again)
    looping.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    looping.join()
    assert not errors
    reports.summarize_closed_days(summarizer)  # the next round
    assert _summary_of(ctx, day) == {"visits": 12, "not_served": 0, "ratings": 12, "dirty": 0}
    for c in (*raters, summarizer):
        c.db.close()
