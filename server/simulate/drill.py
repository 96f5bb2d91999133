"""The drill: the scenario's citizens and officers against a *running* server, through its public
API (a kiosk's device token, the officers' tokens), in real or accelerated time — staff rehearse
with real boards, voice and printers, and it is a load test. The same citizens (same seed) are
simulated too, so the drill's per-service call order and waits can be set beside the simulation's.

Drilled: one period of hours, the scenario's counters all of it (serving who is left at the end),
priority and no-show shares; not drilled: shifts, breaks, transfers and recalls."""
from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from ..engine.model import Counter
from ..site import Site
from .day import draw_arrivals, simulate_day
from .inputs import Plan
from .scenario import ScenarioError
from .stats import quantile


@dataclass(frozen=True)
class Citizen:
    """One drawn citizen: when they come (simulated minutes), for what, and what happens at the counter."""

    at: float
    service: str
    priority: bool
    no_show: bool
    minutes: float


def citizens(plan: Plan, rng: random.Random) -> list[Citizen]:
    """The citizens the simulation's first day draws from this stream (same order of draws)."""
    out = []
    for at, code in draw_arrivals(plan, rng):
        prio = rng.random() < plan.priority_share[code]
        no_show = rng.random() < plan.no_show_share
        out.append(Citizen(at, code, prio, no_show, plan.samplers[code](rng)))
    return out


class Server:
    """The running server's public API as the kiosk and the officers use it."""

    def __init__(self, url: str, kiosk_token: str, officer_tokens: dict[int, str]) -> None:
        self.url = url.rstrip("/")
        self.kiosk = {"Authorization": f"Bearer {kiosk_token}"}
        self.officers = {n: {"Authorization": f"Bearer {t}"} for n, t in officer_tokens.items()}
        self.http = requests.Session()

    def _post(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post(self.url + path, json=body, headers={**headers, "Accept-Language": "en"},
                           timeout=30)
        if r.status_code >= 400:
            raise DrillError(f"{path}: {r.status_code} {r.text[:200]}")
        return dict(r.json())

    def issue(self, service: str, priority: str | None) -> str:
        """Take a number at the kiosk; returns the ticket's number."""
        body: dict[str, Any] = {"service": service}
        if priority:
            body["priority"] = priority
        got = self._post("/api/v1/tickets", self.kiosk, body)
        ticket = got.get("ticket", got)
        return str(ticket["number"])

    def act(self, counter: int, action: str) -> dict[str, Any] | None:
        """A counter action; returns the counter's ticket after it (None: nobody called)."""
        got = self._post(f"/api/v1/counters/{counter}/{action}", self.officers[counter], {})
        return got.get("ticket")


class DrillError(RuntimeError):
    """The server refused or failed a drill step."""


def drill(plan: Plan, site: Site, server: Server, seed: int, speed: float,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Drive the server with the scenario's first day, `speed` times faster than real time."""
    if len(plan.periods) != 1:
        raise ScenarioError("drill_one_period")
    missing = [c.number for c in plan.counters if c.number not in server.officers]
    if missing:
        raise ScenarioError("drill_no_officer", counters=", ".join(map(str, missing)))
    people = citizens(plan, random.Random(f"xephang-sim/{seed}/0"))
    category = next(iter(site.priority_categories), None)
    start, _end = plan.periods[0]
    w0 = clock()

    def now() -> float:  # the drill's clock in simulated minutes after midnight
        return start + (clock() - w0) * speed / 60

    def wait_until(at: float) -> None:
        delay = (at - start) * 60 / speed - (clock() - w0)
        if delay > 0:
            sleep(delay)  # pacing real time is the drill's job
    counters: list[Counter] = list(plan.counters)
    zone_of = {c.number: set(plan.zone_services.get(c.zone, ())) for c in counters if c.priority}
    busy: dict[int, str | None] = {c.number: None for c in counters}
    idle_since = {c.number: start for c in counters}
    by_number: dict[str, Citizen] = {}
    issued_at: dict[str, float] = {}
    called_at: dict[str, float] = {}
    order: dict[str, list[str]] = {}
    events: list[tuple[float, int, str, int]] = [(p.at, k, "arrive", k) for k, p in enumerate(people)]
    heapq.heapify(events)
    seq = len(people)
    for c in counters:
        server.act(c.number, "open")

    def call(n: int, at: float) -> None:
        """Counter n calls the next; its service ends on the scenario's schedule (`at` + its
        minutes), so the HTTP round trips do not pile up over the day."""
        nonlocal seq
        ticket = server.act(n, "call-next")
        if not ticket or ticket.get("status") != "called":
            busy[n] = None
            return
        number = str(ticket["number"])
        called_at.setdefault(number, now())
        order.setdefault(by_number[number].service, []).append(number)
        busy[n] = number
        who = by_number[number]
        seq += 1
        heapq.heappush(events, (at + (plan.no_show_min if who.no_show else who.minutes), seq, "finish", n))

    def may_call(c: Counter, p: Citizen) -> bool:
        return p.service in c.services or (p.priority and p.service in zone_of.get(c.number, set()))

    while events:
        at, _k, kind, data = heapq.heappop(events)
        wait_until(at)
        if kind == "arrive":
            p = people[data]
            number = server.issue(p.service, category if p.priority else None)
            by_number[number], issued_at[number] = p, now()
            idle = [c for c in counters if busy[c.number] is None and may_call(c, p)]
            for c in sorted(idle, key=lambda c: (idle_since[c.number], c.number))[:1]:
                call(c.number, at)
        else:
            current = busy[data]
            assert current is not None
            server.act(data, "no-show" if by_number[current].no_show else "complete")
            busy[data], idle_since[data] = None, at
            call(data, at)
    simulated = simulate_day(plan, site, random.Random(f"xephang-sim/{seed}/0"))
    t = simulated.tickets
    sim_order: dict[str, list[str]] = {}
    for tid in t.call_order:
        sim_order.setdefault(t.service[tid - 1], []).append(t.number[tid - 1])
    services: dict[str, Any] = {}
    for code in sorted(plan.services):
        waits = sorted(called_at[n] - issued_at[n] for n in order.get(code, []))
        sim_waits = sorted(c - i for c, i, s in zip(t.called, t.issued, t.service)
                           if s == code and c is not None)
        services[code] = {
            "issued": sum(1 for p in people if p.service == code), "called": len(waits),
            "wait_p50_min": {"drill": _r(quantile(waits, 0.5)), "simulated": _r(quantile(sim_waits, 0.5))},
            "wait_mean_min": {"drill": _r(sum(waits) / len(waits)) if waits else None,
                              "simulated": _r(sum(sim_waits) / len(sim_waits)) if sim_waits else None},
            "same_call_order": order.get(code, []) == sim_order.get(code, []),
        }
    return {"speed": speed, "seed": seed, "tickets": len(people), "wall_s": round(clock() - w0, 2),
            "services": services}


def _r(x: float) -> float | None:
    return None if x != x else round(x, 3)  # NaN (no tickets): None
