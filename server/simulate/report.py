"""The simulation's answer as text: one line per unit and service, then the assumptions."""
from __future__ import annotations

from typing import Any


def _v(m: dict[str, Any], digits: int = 1) -> str:
    v = m["value"]
    return "-" if v is None else f"{v:.{digits}f}"


def _ci(m: dict[str, Any], digits: int = 1) -> str:
    lo, hi = m["ci95"]
    return "" if lo is None else f" [{lo:.{digits}f}–{hi:.{digits}f}]"


HEADER = (f"{'service / unit':<14}{'issued':>8}{'served':>8}{'wait mean [95% CI]':>22}"
          f"{'p50':>7}{'p90':>7}{'max':>7}{'>target':>9}{'util':>6}{'clears':>8}")


def _line(name: str, r: dict[str, Any], indent: str) -> str:
    over = r["p_wait_over_target"]["value"]
    util = r["utilization"]["value"]
    return (f"{indent + name:<14}{_v(r['issued'], 0):>8}{_v(r['served'], 0):>8}"
            f"{_v(r['wait_mean_min']) + _ci(r['wait_mean_min']):>22}{_v(r['wait_p50_min']):>7}"
            f"{_v(r['wait_p90_min']):>7}{_v(r['wait_max_min']):>7}"
            f"{'-' if over is None else f'{over:.0%}':>9}{'-' if util is None else f'{util:.0%}':>6}"
            f"{r['last_served_at'] or '-':>8}")


def text(result: dict[str, Any]) -> str:
    """A table a director can read: per unit, its services below it (minutes; clears = last served)."""
    sc = result["scenario"]
    lines = [f"site {sc['site']}: {sc['replications']} replications x {sc['days']} day(s), seed "
             f"{sc['seed']}, hours {', '.join(sc['hours'])}, {sc['counters']} counters, priority ratio "
             f"{sc['policy']['priority_ratio']}, aging {sc['policy']['aging_minutes']:g} min",
             "per day, waits in minutes (issue to first call); >target = share waiting longer than "
             "the wait target; util = busy share of the counters serving it", "", HEADER]
    for unit, u in result["units"].items():
        lines.append(_line(unit, u, ""))
        for code in u["services"]:
            lines.append(_line(code, result["services"][code], "  "))
    if result["refused_per_day"]:
        lines += ["", "numbers refused per day (range or cap used up): " +
                  ", ".join(f"{k} {v:g}" for k, v in result["refused_per_day"].items())]
    worst = sorted(((u["p_wait_over_target"]["value"], unit) for unit, u in result["units"].items()
                    if (u["p_wait_over_target"]["value"] or 0) > 0.1), reverse=True)
    if worst:
        lines += ["", "bottlenecks (more than 10% wait longer than target), worst first: " +
                  ", ".join(f"{unit} {share:.0%}" for share, unit in worst)]
    if result["services_without_counters"]:
        lines += ["", "no open counter serves (its tickets are never called): " +
                  ", ".join(result["services_without_counters"])]
    lines += ["", "assumed: " + "; ".join(result["assumptions"])]
    return "\n".join(lines)


def plan_text(plan: dict[str, Any]) -> str:
    """The planner's answer: counters per hour for the unit, then the borrowing and its cost."""
    lines = [f"unit {plan['unit']} ({', '.join(plan['services'])}): fewest counters per hour so that "
             f"{plan['within']:.0%} of each hour's tickets are called within target",
             f"own counters {', '.join(map(str, plan['own_counters'])) or '-'}; shared counters left "
             f"out of the search: {', '.join(map(str, plan['shared_counters_left_out'])) or '-'}; "
             f"{plan['simulations']} simulations", "",
             f"{'hour':<13}{'counters':>9}{'extra':>7}{'spare':>7}{'within':>8}"]
    for h in plan["hours"]:
        mark = "" if h["target_reachable"] else "  (not reachable)"
        lines.append(f"{h['from']}-{h['to']:<7}{h['counters']:>9}{h['extra']:>7}{h['spare']:>7}"
                     f"{h['within_target']:>8.0%}{mark}")
    moves = plan["borrowing"]["moves"]
    if not moves:
        return "\n".join(lines + ["", plan["borrowing"]["note"]])
    lines += ["", "borrowed (least busy counters of other units, never a service's last one):"]
    lines += [f"  counter {m['counter']} from {', '.join(m['from_unit'])}: {', '.join(m['hours'])}"
              for m in moves]
    lines += ["", "whole building, before -> after (share over target, p90 wait, clears):"]
    for unit, e in plan["borrowing"]["effect"].items():
        b, a = e["before"], e["after"]
        if b and a:
            lines.append(f"  {unit:<8}{b['p_wait_over_target']:>5.0%} -> {a['p_wait_over_target']:<5.0%}"
                         f"{b['wait_p90_min']:>7.0f} -> {a['wait_p90_min']:<6.0f} min"
                         f"{b['last_served_at']:>8} -> {a['last_served_at']}")
    return "\n".join(lines)


CSV_COLUMNS = ("level", "code", "unit", "issued", "served", "no_show", "wait_mean_min", "wait_mean_ci_low",
               "wait_mean_ci_high", "wait_p50_min", "wait_p90_min", "wait_max_min", "wait_target_min",
               "p_wait_over_target", "utilization", "last_served_at")


def csv_rows(result: dict[str, Any]) -> list[list[object]]:
    """One row per unit and per service (values are the means over replications)."""
    rows: list[list[object]] = [list(CSV_COLUMNS)]

    def row(level: str, code: str, unit: str, r: dict[str, Any]) -> list[object]:
        lo, hi = r["wait_mean_min"]["ci95"]
        return [level, code, unit, r["issued"]["value"], r["served"]["value"], r["no_show"]["value"],
                r["wait_mean_min"]["value"], lo, hi, r["wait_p50_min"]["value"],
                r["wait_p90_min"]["value"], r["wait_max_min"]["value"], r["wait_target_min"],
                r["p_wait_over_target"]["value"], r["utilization"]["value"], r["last_served_at"]]
    for unit, u in result["units"].items():
        rows.append(row("unit", unit, unit, u))
        rows += [row("service", code, unit, result["services"][code]) for code in u["services"]]
    return rows


def compare_text(a: dict[str, Any], b: dict[str, Any], name_a: str, name_b: str) -> str:
    """Two scenarios side by side, per unit: share over target, p90 wait and when the queue clears."""
    lines = [f"A = {name_a}", f"B = {name_b}", "",
             f"{'unit':<8}{'>target A':>10}{'B':>6}{'p90 A':>8}{'B':>7}{'clears A':>10}{'B':>7}"]
    for unit in sorted(set(a["units"]) | set(b["units"])):
        ra, rb = a["units"].get(unit), b["units"].get(unit)

        def pct(r: dict[str, Any] | None) -> str:
            v = None if r is None else r["p_wait_over_target"]["value"]
            return "-" if v is None else f"{v:.0%}"

        def p90(r: dict[str, Any] | None) -> str:
            return "-" if r is None else _v(r["wait_p90_min"], 0)

        def clears(r: dict[str, Any] | None) -> str:
            return "-" if r is None else (r["last_served_at"] or "-")
        lines.append(f"{unit:<8}{pct(ra):>10}{pct(rb):>6}{p90(ra):>8}{p90(rb):>7}{clears(ra):>10}"
                     f"{clears(rb):>7}")
    return "\n".join(lines)
