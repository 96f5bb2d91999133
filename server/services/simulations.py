"""Simulations from the supervisors' page (issue 12): a scenario checked here, field by field, then
run as a job by the same command a person would type (`xephang simulate --scenario FILE --json`) in
its own low-priority process, so the server's event loop and GIL stay free; the page polls the job.

Caps keep a supervisor from stalling the building's server: at most MAX_RUNNING jobs at once (one
core fewer than the machine has), at the lowest CPU priority (nice 19), each
at most MAX_SECONDS, MAX_REPLICATIONS replications, MAX_DAYS days and MAX_DAILY_TOTAL citizens.
A department head (a supervisor scoped to units) plans only her units and sees only their rows."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import message
from ..simulate.scenario import ScenarioError, parse_scenario
from ..simulate.scenario_file import to_toml
from ..store import simulate as history_rows
from .auth import Actor, require_admin_read
from .context import Context
from .errors import UseCaseError

MAX_RUNNING = max(1, (os.cpu_count() or 2) - 1)  # leave a core to the queue itself
MAX_SECONDS = 300.0  # also enforced by `timeout` around the process, polled or not
MAX_REPLICATIONS = 30
MAX_DAYS = 5
MAX_DAILY_TOTAL = 20_000
MAX_PER_HOUR = 3_000.0  # all services together
MAX_MORE_COUNTERS = 30
KEPT_JOBS = 30
KINDS = ("simulate", "plan")
# keys the page may send besides the scenario itself
EXTRA = {"kind", "unit", "within", "compare", "more_counters", "lang"}
ROOT = Path(__file__).resolve().parents[2]


def _field(key: str) -> str:
    """A scenario key as the page names its input: `shifts[1].hours` -> shifts, a service's
    `arrivals."X".per_hour` -> arrivals (the page's per-service lines), `replications` as is."""
    key = key.replace('"', "").split(",")[0].strip()
    head = key.split("[")[0].split(".")[0]
    if head in ("shifts", "breaks", "transfers", "targets"):
        return head
    if head == "arrivals" and key not in ("arrivals.daily_total", "arrivals.replay_day",
                                          "arrivals.from_history"):
        return "arrivals"
    return key


def _refuse(exc: ScenarioError, prefix: str = "") -> UseCaseError:
    key = str(exc.params.get("key") or exc.params.get("where") or "")
    return UseCaseError(exc.code, 400, field=prefix + _field(key) if key else prefix + "scenario",
                        **exc.params)


def _too_big(name: str, limit: float) -> UseCaseError:
    return UseCaseError("simulation_too_big", 400, field=name, key=name, limit=f"{limit:g}")


def check_scenario(ctx: Context, data: Any, prefix: str = "") -> dict[str, Any]:
    """The scenario part of a request, checked against the scenario rules, the caps and the live
    site; returns it as the scenario file will hold it (no `site`: always the live database)."""
    if not isinstance(data, dict):
        raise UseCaseError("scenario_bad_table", 400, field=prefix + "scenario", key="scenario")
    sc = {k: v for k, v in data.items() if k not in EXTRA}
    if "site" in sc:  # a file on the server is not the page's business: the live site only
        raise UseCaseError("scenario_unknown_key", 400, field=prefix + "site", key="site")
    try:
        parsed = parse_scenario(sc)
    except ScenarioError as exc:
        raise _refuse(exc, prefix) from None
    if parsed.replications > MAX_REPLICATIONS:
        raise _too_big(prefix + "replications", MAX_REPLICATIONS)
    if parsed.days > MAX_DAYS:
        raise _too_big(prefix + "days", MAX_DAYS)
    if (parsed.daily_total or 0) > MAX_DAILY_TOTAL:
        raise _too_big(prefix + "arrivals.daily_total", MAX_DAILY_TOTAL)
    if sum(parsed.per_hour.values()) > MAX_PER_HOUR:
        raise _too_big(prefix + "arrivals", MAX_PER_HOUR)
    site = ctx.site
    for name, numbers in (("counters", parsed.counters or ()),
                          ("shifts", [n for _h, ns in parsed.shifts for n in ns]),
                          ("breaks", [n for _h, ns in parsed.breaks for n in ns])):
        unknown = [n for n in numbers if n not in site.counters]
        if unknown:
            raise UseCaseError("scenario_unknown_counter", 400, field=prefix + name,
                               counters=", ".join(map(str, unknown)))
    codes = [c for c in (*parsed.per_hour, *parsed.service_time) if c not in site.services]
    if codes:
        raise UseCaseError("scenario_unknown_service", 400, field=prefix + "arrivals",
                           services=", ".join(codes))
    if not (parsed.per_hour or parsed.daily_total or parsed.from_history or parsed.replay_day):
        raise UseCaseError("scenario_missing", 400, field=prefix + "arrivals.daily_total",
                           key="arrivals.daily_total")
    return sc


def _more_counters(ctx: Context, sc: dict[str, Any], n: int) -> None:
    """Replay "what if N more counters": the day's counters plus the N counters that were closed
    and serve the most of that day's services (ties: lowest number)."""
    day = str(sc["arrivals"]["replay_day"])
    with ctx.db.read() as conn:
        rows = history_rows.recorded_day(conn, day)
    if not rows:
        raise UseCaseError("scenario_no_recorded_day", 400, field="arrivals.replay_day",
                           site=ctx.db.path.name, day=day)
    worked = set(sc.get("counters") or {int(str(r["counter"])) for r in rows if r.get("counter") is not None})
    wanted: dict[str, int] = {}
    for r in rows:
        wanted[str(r["service"])] = wanted.get(str(r["service"]), 0) + 1
    spare = sorted((c for c in ctx.site.counters.values() if c.number not in worked),
                   key=lambda c: (-sum(wanted.get(s, 0) for s in c.services), c.number))
    sc["counters"] = sorted(worked | {c.number for c in spare[:n]})


@dataclass
class Job:
    """One run: its process, its folder, who asked, and what it answered."""

    id: str
    owner: str
    kind: str
    units: tuple[str, ...]  # the caller's scope (() = every unit)
    unit: str | None
    folder: Path
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    status: str = "running"
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    def stop(self) -> None:
        """Kill the job's whole process group (`timeout`, `nice` and the command under them)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def refresh(self, lang: str) -> None:
        """Look whether the process has ended (and stop it past MAX_SECONDS)."""
        if self.status != "running":
            return
        if self.proc.poll() is None or self.proc.returncode in (137, -9):
            if self.proc.returncode is None and time.monotonic() - self.started <= MAX_SECONDS:
                return
            if self.proc.returncode is None:
                self.stop()
            self.status = "failed"
            self.error = {"code": "simulation_timeout", "message":
                          message("simulation_timeout", lang, seconds=f"{MAX_SECONDS:g}")}
            return
        out = (self.folder / "out.json").read_text(encoding="utf-8", errors="replace")
        err = (self.folder / "err.txt").read_text(encoding="utf-8", errors="replace").strip()
        try:
            data = json.loads(out) if self.proc.returncode == 0 else None
        except ValueError:
            data = None
        if data is None:
            self.status = "failed"
            code = "simulation_refused" if self.proc.returncode == 2 else "simulation_failed"
            self.error = {"code": code, "message": err.splitlines()[-1] if err and code ==
                          "simulation_refused" else message("simulation_failed", lang)}
            return
        self.status, self.result = "done", data


class Jobs:
    """The jobs of this server process (kept in memory: a restart forgets them)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, ctx: Context, actor: Actor, kind: str, unit: str | None, files: dict[str, str],
              args: list[str], lang: str) -> Job:
        """Start `xephang simulate` on the written scenario files; refuse past MAX_RUNNING."""
        with self._lock:
            for job in self._jobs.values():
                job.refresh(lang)
            if sum(j.status == "running" for j in self._jobs.values()) >= MAX_RUNNING:
                raise UseCaseError("simulation_busy", 429, retry_after=10, running=MAX_RUNNING)
            folder = Path(tempfile.mkdtemp(prefix="xephang-simjob-"))
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
            cmd = [sys.executable, "-m", "server.cli", "simulate", "--db", str(ctx.db.path),
                   "--scenario", str(folder / "a.toml"), "--json",
                   *(str(folder / a) if a in files else a for a in args)]
            if shutil.which("nice"):
                cmd = ["nice", "-n", "19", *cmd]
            if shutil.which("timeout"):  # a job nobody polls any more still ends
                cmd = ["timeout", "-s", "KILL", f"{MAX_SECONDS + 10:g}", *cmd]
            env = {**os.environ, "LANG": "en_US.UTF-8" if lang == "en" else "vi_VN.UTF-8",
                   "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
            with open(folder / "out.json", "wb") as out, open(folder / "err.txt", "wb") as err:
                proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                        cwd=str(ROOT), env=env, start_new_session=True)
            job = Job(secrets.token_urlsafe(9), actor.key, kind, () if actor.is_admin else actor.units,
                      unit, folder, proc)
            self._jobs[job.id] = job
            for old in list(self._jobs.values())[:-KEPT_JOBS]:
                if old.status != "running":
                    shutil.rmtree(old.folder, ignore_errors=True)
                    del self._jobs[old.id]
            return job

    def get(self, actor: Actor, job_id: str, lang: str) -> Job:
        """A job of this caller (admins: any), refreshed."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or (job.owner != actor.key and not actor.is_admin):
                raise UseCaseError("simulation_unknown", 404)
            job.refresh(lang)
            return job


    def cancel(self, actor: Actor, job_id: str, lang: str) -> Job:
        """Stop a running job of this caller (admins: any); a finished one stays as it is."""
        job = self.get(actor, job_id, lang)
        with self._lock:
            if job.status == "running":
                job.stop()
                job.status = "failed"
                job.error = {"code": "simulation_cancelled",
                             "message": message("simulation_cancelled", lang)}
            return job


JOBS = Jobs()


def start(ctx: Context, actor: Actor, body: dict[str, Any], lang: str) -> Job:
    """Check a request from the page and start its job (a simulation, a comparison or a plan)."""
    require_admin_read(actor)
    kind = body.get("kind", "simulate")
    if kind not in KINDS:
        raise UseCaseError("scenario_bad_dist", 400, field="kind", key="kind", value=str(kind),
                           known=", ".join(KINDS))
    sc = check_scenario(ctx, body)
    more = body.get("more_counters", 0) or 0
    if not isinstance(more, int) or isinstance(more, bool) or not 0 <= more <= MAX_MORE_COUNTERS:
        raise UseCaseError("scenario_bad_number", 400, field="more_counters", key="more_counters",
                           value=repr(more))
    if more:
        if not isinstance(sc.get("arrivals"), dict) or not sc["arrivals"].get("replay_day"):
            raise UseCaseError("scenario_missing", 400, field="arrivals.replay_day",
                               key="arrivals.replay_day")
        _more_counters(ctx, sc, more)
    files = {"a.toml": to_toml(sc)}
    args: list[str] = []
    unit = None
    if kind == "plan":
        unit = body.get("unit")
        if not isinstance(unit, str) or unit not in ctx.site.units:
            raise UseCaseError("report_unknown_unit", 400, field="unit")
        if not actor.sees_unit(unit):
            raise UseCaseError("out_of_scope", 403, field="unit")
        within = body.get("within", 0.9)
        if not isinstance(within, (int, float)) or isinstance(within, bool) or not 0 < within <= 1:
            raise UseCaseError("scenario_bad_number", 400, field="within", key="within",
                               value=repr(within))
        args = ["--plan", unit, "--within", repr(float(within))]
    elif body.get("compare") is not None:
        files["b.toml"] = to_toml(check_scenario(ctx, body["compare"], "compare."))
        args = ["--compare", "b.toml"]
    return JOBS.start(ctx, actor, kind, unit, files, args, lang)


def _scoped(result: dict[str, Any], units: tuple[str, ...]) -> dict[str, Any]:
    """A result with only the caller's units and their services (() = all)."""
    if not units:
        return result
    out = dict(result)
    out["units"] = {u: r for u, r in result["units"].items() if u in units}
    out["services"] = {c: r for c, r in result["services"].items() if r["unit"] in units}
    out["services_without_counters"] = [c for c in result.get("services_without_counters", [])
                                        if c in out["services"]]
    out["refused_per_day"] = {c: n for c, n in result.get("refused_per_day", {}).items()
                              if c in out["services"]}
    return out


def bottlenecks(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Units where more than 10% wait longer than their target, worst first (as the command says)."""
    worst = sorted(((u["p_wait_over_target"]["value"] or 0, unit) for unit, u in result["units"].items()
                    if (u["p_wait_over_target"]["value"] or 0) > 0.1), reverse=True)
    return [{"unit": unit, "p_wait_over_target": share} for share, unit in worst]


def answer(ctx: Context, job: Job) -> dict[str, Any]:
    """What the page sees of a job: its state, and its result scoped to the caller's units."""
    out: dict[str, Any] = {"id": job.id, "kind": job.kind, "status": job.status,
                           "elapsed_s": round(time.monotonic() - job.started, 1)}
    if job.error:
        out["error"] = job.error
    if job.result is None:
        return out
    data = job.result
    if job.kind == "plan":
        plan = dict(data)
        effect = plan.get("borrowing", {}).get("effect")
        if effect and job.units:
            plan["borrowing"] = {**plan["borrowing"], "effect": {u: e for u, e in effect.items()
                                                                 if u in job.units}}
        out["plan"] = plan
        return out
    if "a" in data and "b" in data:
        out["result"] = _scoped(data["a"], job.units)
        out["compare"] = _scoped(data["b"], job.units)
        out["compare_bottlenecks"] = bottlenecks(out["compare"])
    else:
        out["result"] = _scoped(data, job.units)
    out["bottlenecks"] = bottlenecks(out["result"])
    return out


def _which(result: dict[str, Any], b: bool) -> dict[str, Any]:
    """Scenario A's result (or B's, of a comparison)."""
    if "a" not in result:
        return result
    return result["b"] if b else result["a"]  # type: ignore[no-any-return]


def download(ctx: Context, job: Job, fmt: str, lang: str, which_b: bool = False) -> tuple[bytes, str, str]:
    """A job's file: the scenario as TOML, the result as CSV, or the chart as SVG."""
    if fmt == "toml":
        name = "b.toml" if which_b and (job.folder / "b.toml").exists() else "a.toml"
        return (job.folder / name).read_bytes(), "application/toml; charset=utf-8", "kich-ban.toml"
    if job.status != "done":
        raise UseCaseError("simulation_not_done", 409)
    if fmt == "svg" and job.result is not None and job.kind == "simulate":
        from ..simulate.chart import queue_svg  # the command's chart, of the caller's units only
        colors = {c: str(u.get("color", "#555")) for c, u in ctx.site.units.items()}
        which = _which(job.result, which_b)
        text = queue_svg(_scoped(which, job.units), colors, message("simulation_chart_title", lang))
        return text.encode("utf-8"), "image/svg+xml", "hang-cho.svg"
    if fmt == "csv" and job.result is not None and job.kind == "simulate":
        import csv
        import io

        from ..simulate.report import csv_rows
        buf = io.StringIO()
        which = _which(job.result, which_b)
        csv.writer(buf, lineterminator="\r\n").writerows(csv_rows(_scoped(which, job.units)))
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", "mo-phong.csv"
    raise UseCaseError("report_bad_format", 400, field="format")
