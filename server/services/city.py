"""The city level (issue 9): accounts whose site is NULL see every site, act for a site they name,
and read city-wide reports.

The one rule for acting on another site: a request names it with `?site=CODE`. A city-level
account may name any site (its role still decides what it may do there); anyone else may name
only their own site (`site_not_yours`, 403: whether another site exists is not told). Without
`?site` everyone acts for their own site; a city-level account for site 1, the home site.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.reports import Tally, merged
from ..store import city as city_rows
from ..store import sites as site_rows
from . import audit, reports
from .auth import Actor, require_admin, require_login
from .context import Context, for_actor, for_site, service_day
from .errors import UseCaseError

CITY_ROLES = ("admin", "supervisor")
CITY_FORMATS = ("json", "csv")


def is_city(actor: Actor) -> bool:
    """A city-level staff account (its user row has no site)."""
    return actor.kind == "user" and actor.site_id is None


def require_city(actor: Actor) -> None:
    """Only city-level administrators and supervisors."""
    require_login(actor)
    if not (is_city(actor) and actor.role in CITY_ROLES):
        raise UseCaseError("city_only", 403)


def site_context(base: Context, actor: Actor, code: str) -> Context:
    """The context of the site a request names (`?site=CODE`), if the caller may act there."""
    require_login(actor)
    with base.db.read() as conn:
        site = site_rows.site_by_code(conn, code)
    if is_city(actor):
        if site is None:
            raise UseCaseError("site_code_unknown", 404, site=code)
        return for_site(base, int(site["id"]))
    if site is not None and int(site["id"]) == (actor.site_id or 1):
        return for_actor(base, actor)
    raise UseCaseError("site_not_yours", 403, site=code)


def list_sites(base: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every site with its counters, devices and users, and today's tickets (city level)."""
    require_city(actor)
    with base.db.read() as conn:
        sites = site_rows.list_sites(conn)
        counts = city_rows.site_counts(conn, service_day(base.clock()))
    empty = {"counters": 0, "devices": 0, "users": 0, "issued": 0, "waiting": 0, "served": 0}
    return [{"code": s["code"], "name": s["name"], "name_en": s["name_en"] or s["name"],
             **counts.get(int(s["id"]), empty)} for s in sites]


def make_city_account(ctx: Context, actor: Actor, username: str) -> None:
    """Make an existing account city-level (what `xephang user add --city` does); audited."""
    require_admin(actor)
    with ctx.transaction() as (conn, _):
        found, site_id = city_rows.site_of_user(conn, username)
        if not found:
            raise UseCaseError("user_not_found", 404)
        if city_rows.make_city_level(conn, username):
            audit.record(conn, ctx, actor, "user.city", audit.target("username", username),
                         {"site_id": site_id}, {"site_id": None})


def _wait_avg(t: Tally) -> float | None:
    """The mean wait in minutes (from the whole-minute histogram the report keeps)."""
    n = sum(t.wait_hist.values())
    return round(sum(m * k for m, k in t.wait_hist.items()) / n, 1) if n else None


def _figures(t: Tally) -> dict[str, Any]:
    return {**t.figures(), "wait_avg_min": _wait_avg(t)}


def parse_city_query(base: Context, actor: Actor, args: Mapping[str, Any],
                     lang: str = "vi") -> reports.Query:
    """A city report's period and format (`from`, `to`, `format` json/csv), checked."""
    require_city(actor)
    fmt = args.get("format") or "json"
    if fmt not in CITY_FORMATS:
        raise UseCaseError("report_bad_format", 400, field="format")
    return reports.parse_query(base, actor, {"from": args.get("from"), "to": args.get("to"),
                                             "format": fmt}, lang)


def city_report(base: Context, actor: Actor, q: reports.Query) -> dict[str, Any]:
    """Per site: tickets issued, served, no-show, not served, waits (average, p50, p90), within
    target, satisfaction; and the city's totals. Each site's figures are its own report's
    totals (services/reports.py: summaries for past days, today's rows), added up exactly."""
    require_city(actor)
    rows, tallies = [], []
    with base.db.read() as conn:
        sites = site_rows.list_sites(conn)
    for info in sites:
        tally = reports.totals_tally(for_site(base, int(info["id"])), actor, q)
        tallies.append(tally)
        rows.append({"key": info["code"], "label": info["name"],
                     "label_en": info["name_en"] or info["name"], **_figures(tally)})
    return {"from": q.first, "to": q.last, "group": "site", "rows": rows,
            "totals": _figures(merged(tallies))}


# (field of a city report row, i18n code of its heading)
CITY_COLUMNS = (("key", "city_col_code"), ("label", "city_col_site"),
                ("issued", "report_col_issued"), ("served", "report_col_served"),
                ("no_show", "report_col_no_show"), ("not_served", "report_col_not_served"),
                ("wait_avg_min", "city_col_wait_avg"), ("wait_p50_min", "report_col_wait_p50"),
                ("wait_p90_min", "report_col_wait_p90"),
                ("within_target", "report_col_within_target"),
                ("satisfaction", "report_col_satisfaction"))


def city_csv(report: dict[str, Any], lang: str = "vi") -> bytes:
    """The city report as CSV (UTF-8 with BOM, like the site reports), the city's totals last."""
    import csv
    import io

    from ..i18n import message
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([message(code, lang) for _, code in CITY_COLUMNS])
    label = "label_en" if lang == "en" else "label"
    total = {**report["totals"], "key": "", label: message("report_total", lang)}
    for row in [*report["rows"], total]:
        w.writerow(["" if v is None else v
                    for v in (row.get(label if f == "label" else f) for f, _ in CITY_COLUMNS)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
