"""Public holidays in the calendar without anyone doing anything: this year's and next year's
(fixed and lunar, engine/calendar.py) are added at init and at server start, and again as a new
year comes (the server looks every hour). Each year is added once: a holiday an admin removed or
moved is never brought back, and a date the calendar already has (a holiday or a working day an
admin entered) is left as it is."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ..engine.calendar import vietnam_holidays
from ..store import calendar as rows
from ..store import queue as q
from . import audit
from .auth import SYSTEM, Actor
from .changes import Changes
from .context import Context, service_day, stamp

CHECK_EVERY_S = 3600.0


def years_ahead(today: date) -> list[int]:
    """The years whose holidays the calendar should hold on `today`: this one and the next."""
    return [today.year, today.year + 1]


def import_upcoming_holidays(ctx: Context, actor: Actor = SYSTEM) -> dict[int, list[str]]:
    """The job: add the public holidays of this year and next that were never added
    automatically; the dates added per year. Idempotent, and safe in two processes at once (the
    years are re-read inside the write transaction)."""
    now = ctx.clock()
    years = years_ahead(now.date())
    with ctx.db.read() as conn:
        if set(years) <= rows.holiday_years(conn):
            return {}  # the usual answer: one small read
    added: dict[int, list[str]] = {}
    with ctx.transaction() as (conn, out):
        done = rows.holiday_years(conn)
        for year in years:
            if year in done:
                continue
            removed = rows.removed_days(conn, year)
            added[year] = []
            for h in vietnam_holidays(year):
                day = h.day.isoformat()
                if day in removed or rows.rule_on(conn, day) is not None:
                    continue  # an admin's decision stands
                rows.add_calendar_day(conn, {"day": day, "kind": "holiday", "name": h.name,
                                             "name_en": h.name_en, "source": "computed"})
                added[year].append(f"{day} {h.name}")
            rows.mark_holiday_year(conn, year, stamp(now))
            audit.record(conn, ctx, actor, "calendar.auto_import", f"calendar:{year}", None,
                         {"added": added[year]})
        if any(added.values()):
            q.append_event(conn, stamp(now), service_day(now), "calendar.changed", actor.key,
                           None, None, None, {"years": sorted(added)})
            Changes(services=list(ctx.site.services)).emit(ctx, conn, out, now, "")
    return added


def import_once(ctx: Context, log: Callable[[str], Any]) -> None:
    """import_upcoming_holidays, a failure logged (the server serves on; the next round retries)."""
    try:
        import_upcoming_holidays(ctx)
    except Exception as exc:
        log(f"adding the public holidays failed: {exc}")


def import_every_site(ctx: Context, log: Callable[[str], Any]) -> None:
    """import_once for every site of the deployment (issue 9: each site has its own calendar; a
    site added while the server runs gets its holidays at the next round)."""
    from .context import every_site
    try:
        sites = every_site(ctx)
    except Exception as exc:
        log(f"adding the public holidays failed: {exc}")
        return
    for site_ctx in sites:
        import_once(site_ctx, log)


def watch_forever(ctx: Context, sleep: Callable[[float], Any], log: Callable[[str], Any]) -> None:
    """Every CHECK_EVERY_S, add the holidays of a year that came into range, in every site (a
    background task of the server, started after a first import_every_site; one small read per
    site when there is nothing to do)."""
    while True:
        sleep(CHECK_EVERY_S)
        import_every_site(ctx, log)
