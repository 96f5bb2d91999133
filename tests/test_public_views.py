"""Public screens never see another citizen's token, a priority category or a staff name.

Real python-socketio clients of every public and device kind (lobby board, zone board, kiosk, agent
kiosk, counter display, the phone page of each ticket) listen to the real server through a day's
worth of work; every payload they receive is searched, recursively, for the real secrets.
"""
from __future__ import annotations

import threading
from typing import Any

import socketio

from server.services.screens.events import EVENTS

STAFF_ONLY = {"stats.changed", "rating.added", "storage.alert", "device.changed", "admin.changed",
              "booking.changed"}


class Listener:
    """A real Socket.IO client that records every event it receives, in order."""

    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.got: list[tuple[str, Any]] = []
        self.cond = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)
        self.wait(lambda: any(n == "snapshot" for n, _ in self.got))

    def _record(self, name: str, payload: Any = None) -> None:
        with self.cond:
            self.got.append((name, payload))
            self.cond.notify_all()

    def wait(self, check: Any, timeout: float = 20) -> None:
        """Block until check() holds for what was received (an event wait, no sleeping)."""
        with self.cond:
            assert self.cond.wait_for(check, timeout), [n for n, _ in self.got]

    def saw(self, name: str, test: Any = lambda p: True) -> bool:
        return any(n == name and test(p) for n, p in self.got)

    def close(self) -> None:
        self.sio.disconnect()


def strings(value: Any) -> list[str]:
    """Every string in a JSON value (keys and values), at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def leaks(payload: Any, secrets: set[str], codes: set[str]) -> set[str]:
    """The secrets found in a payload: as a substring of any string, or a category code as a value."""
    found = {s for text in strings(payload) for s in secrets if s in text}
    return found | {text for text in strings(payload) if text in codes}


def id_like(payload: Any, ids: set[int], path: str = "") -> list[str]:
    """Where a payload holds one of these ticket ids under an id-like key (`id`, `*_id`), as a number
    or as the head of a string id such as a job id `"<id>-…"`."""
    found: list[str] = []
    if isinstance(payload, dict):
        for k, v in payload.items():
            if k == "id" or k.endswith("_id"):
                head = v.split("-")[0] if isinstance(v, str) else None
                if (isinstance(v, int) and v in ids) or (head and head.isdigit() and int(head) in ids):
                    found.append(f"{path}.{k}={v}")
            found += id_like(v, ids, f"{path}.{k}")
    elif isinstance(payload, list):
        for i, v in enumerate(payload):
            found += id_like(v, ids, f"{path}[{i}]")
    return found


def ticket_ids_heard_by(staff: Listener) -> set[int]:
    """The database ids of tickets that staff (who may see them) heard of."""
    ids = {p["ticket"]["id"] for n, p in staff.got if n == "ticket.changed"}
    return ids | {p["ticket_id"] for n, p in staff.got if n == "ticket.called"}


def test_public_and_device_clients_receive_no_token_category_or_staff_name(live_server: Any) -> None:
    srv = live_server
    out = srv.cli("device", "add", "kiosk-agent", "--kind", "kiosk", "--zone", "A1", "--printer", "agent")
    srv.devices["kiosk-agent"] = {"token": out.strip().splitlines()[-1]}
    site = srv.api("GET", "/api/v1/site").json()
    categories = site["priority_categories"]
    codes = {p["code"] for p in categories}
    category_names = {p[k] for p in categories for k in ("name", "name_en")}
    people = [line.split("\t") for line in srv.cli("user", "list").splitlines()]
    staff_names = {p[0] for p in people} | {p[3] for p in people}

    def dev(name: str) -> Listener:
        return Listener(srv.url, {"token": srv.token(name)})

    public = {name: dev(name) for name in ("board-lobby", "board-A1", "kiosk-A1", "kiosk-agent",
                                           "counter-17")}
    staff = dev("giamsat")
    phones: dict[str, Listener] = {}
    tickets: list[dict[str, Any]] = []
    issuer: dict[str, str] = {}
    try:
        def ok(method: str, path: str, who: str, body: Any = None) -> Any:
            r = srv.api(method, path, who=who, json=body or {})
            assert r.status_code in (200, 201), (path, r.text)
            return r.json()

        def act(action: str, body: Any = None) -> Any:
            return ok("POST", f"/api/v1/counters/17/{action}", "canbo17", body)

        ok("POST", "/api/v1/counters/17/open", "canbo17")
        # One normal and one ticket per priority category, from the kiosks and from staff (/assist).
        tickets.append(ok("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}))
        for i, cat in enumerate(sorted(codes)):
            who = ("kiosk-A1", "kiosk-agent", "giamsat")[i % 3]
            tickets.append(ok("POST", "/api/v1/tickets", who, {"service": "TP-QT", "priority": cat}))
            issuer[tickets[-1]["token"]] = who
        for t in tickets:
            phones[t["token"]] = Listener(srv.url, {"ticket": t["token"]})
        by_number = {t["number"]: t for t in tickets}
        normal, prio = tickets[0], tickets[1:]

        act("call", {"number": prio[0]["number"], "service": "TP-QT"})
        act("recall")
        act("start")
        act("transfer", {"service": "TP-HT", "note": "thiếu bản sao"})
        act("call", {"number": normal["number"], "service": "TP-LLTP"})
        act("park")
        act("call", {"number": prio[1]["number"], "service": "TP-QT"})
        act("no-show")
        act("unpark", {"number": normal["number"]})
        act("start")
        act("complete")
        # The counter display names the ticket it rates by day and number, as it knows no id.
        rated = ok("POST", "/api/v1/counters/17/rating", "counter-17",
                   {"number": normal["number"], "day": normal["day"], "score": 2, "reasons": ["wait"]})
        called = act("call-next")["ticket"]
        assert called["number"] in by_number
        # The public HTTP answers, while a ticket is at the counter: a device's queue and counter,
        # each ticket's own page.
        answers = [rated, ok("GET", "/api/v1/queue", "board-A1"), ok("GET", "/api/v1/queue", "kiosk-A1"),
                   ok("GET", "/api/v1/counters/17", "counter-17"),
                   *(srv.api("GET", f"/api/v1/tickets/{t['token']}").json() for t in tickets)]
        assert answers[3]["counter"]["ticket"]["number"] == called["number"]
        staff_answer = ok("GET", "/api/v1/queue", "giamsat")
        # Each ticket's database id, as staff (who may see them) look it up.
        ids = {ok("GET", f"/api/v1/tickets?number={t['number']}",
                  "giamsat")["tickets"][0]["id"] for t in tickets}
        act("complete")
        # The agent kiosk prints its job and reports its printer running out of paper.
        agent = public["kiosk-agent"]
        agent.wait(lambda: agent.saw("print.job"))
        job = next(p for n, p in agent.got if n == "print.job")
        ok("POST", f"/api/v1/print-jobs/{job['job_id']}/result", "kiosk-agent",
           {"ticket_ref": job["ticket_ref"], "status": "printed", "printer_status": "ok"})
        ok("POST", "/api/v1/printers/status", "kiosk-agent", {"status": "near_end"})
        staff.wait(lambda: staff.saw("stats.changed") and staff.saw("rating.added"))
        # An administrator renames a service: every screen hears site.changed (and gets a snapshot).
        ok("PUT", "/api/v1/admin/site/service/TP-HT", "quantri", {"name": "Hộ tịch (mới)"})
        # Last change: every public client hears it, so everything before it has arrived.
        act("pause")

        def paused(p: Any) -> bool:
            return p["counter"]["number"] == 17 and p["counter"]["state"] == "paused"

        for c in [*public.values(), *phones.values(), staff]:
            c.wait(lambda c=c: c.saw("counter.changed", paused))
    finally:
        for c in [*public.values(), *phones.values(), staff]:
            c.close()

    tokens = {t["token"] for t in tickets}
    secrets = tokens | category_names | staff_names
    # The check can fail: staff hear every token, category and name that public screens must not.
    staff_found = set().union(*(leaks(p, secrets, codes) for _, p in staff.got))
    assert tokens & staff_found and "Cán bộ quầy 17" in staff_found and codes & staff_found

    # No public payload or answer holds a ticket's database id (sequential: it counts the day's
    # tickets); staff do hear them, so the check can fail.
    assert len(ids) == len(tickets) and id_like(staff_answer, ids)
    assert ticket_ids_heard_by(staff) <= ids and id_like([p for _, p in staff.got], ids)
    for name, c in [*public.items(), *phones.items()]:
        for event, payload in c.got:
            # A kiosk's snapshot names the kiosk itself (`device.id`, a device's id, not a ticket's).
            own = {k: v for k, v in payload.items() if k != "device"} if event == "snapshot" else payload
            assert id_like(own, ids) == [], (name, event, payload)
    for answer in answers:
        assert id_like(answer, ids) == [], answer

    heard: set[str] = set()
    for name, c in public.items():
        issued_here = {t for t, who in issuer.items() if who == name == "kiosk-agent"}
        for event, payload in c.got:
            heard.add(event)
            payload = dict(payload)
            if event == "print.job" or event == "snapshot":
                # An agent kiosk's print jobs: the paper of the ticket it issued carries its QR
                # link and priority line; nothing of anyone else's.
                jobs = [payload] if event == "print.job" else payload.pop("print_jobs", [])
                for job in jobs:
                    assert leaks(job, tokens, set()) <= issued_here, (name, job)
                if event == "print.job":
                    continue
            assert leaks(payload, secrets, codes) == set(), (name, event, payload)
    for token, c in phones.items():
        for event, payload in c.got:
            heard.add(event)
            assert leaks(payload, secrets - {token}, codes) == set(), (event, payload)
    assert heard == set(EVENTS) - STAFF_ONLY
    # Every public client's deltas come newer and newer: seqs never repeat (services/screens/sequence.py).
    for c in [*public.values(), *phones.values()]:
        seqs = [p["seq"] for n, p in c.got if n not in ("snapshot", "site.changed")]  # unnumbered
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
