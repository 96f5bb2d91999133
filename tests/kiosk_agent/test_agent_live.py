"""The kiosk agent against the real server, with a fake network printer standing in for the
kiosk's USB printer: tickets print, failures reach the staff, nothing is lost or printed twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from kiosk.agent import KioskAgent
from tests.support.escpos_decoder import DecodeError, decode
from tests.support.fake_printer import FakePrinter

from .conftest import await_http, await_print_status, issue

ROOT = Path(__file__).resolve().parents[2]


def complete(printer: FakePrinter) -> list[bytes]:
    """The print jobs received in full (a job's bytes arrive over time: wait for its cut)."""
    done = []
    for data in printer.printed():
        try:
            if decode(data).cuts:
                done.append(data)
        except DecodeError:
            pass  # still arriving
    return done


def await_printed(printer: FakePrinter, count: int, timeout: float = 20.0) -> list[bytes]:
    """Block until `count` complete jobs arrived; return them."""
    printer.wait_until(lambda p: len(complete(p)) >= count, timeout)
    return complete(printer)


def assert_printed(data: bytes, ticket: dict[str, Any]) -> None:
    """The paper shows the ticket's number and a QR code with its status URL."""
    paper = decode(data)
    number = paper.text(ticket["number"])
    assert number is not None and number.bold
    assert [q.payload for q in paper.qr_codes] == [ticket["status_url"]]
    assert len(paper.cuts) == 1


def test_a_ticket_issued_at_the_kiosk_prints_on_its_printer(
        live_server: Any, agent_token: str, fake_printer: FakePrinter,
        start_agent: Callable[..., KioskAgent]) -> None:
    agent = start_agent(fake_printer.url)
    assert agent.jobs.wait_for(lambda j: j.snapshots >= 1, 15)
    ticket = issue(live_server, agent_token)
    assert ticket["print"]["status"] == "pending"
    jobs = await_printed(fake_printer, 1)
    assert len(jobs) == 1
    assert_printed(jobs[0], ticket)
    assert await_print_status(live_server, ticket, "printed") == "printed"


def test_paper_out_shows_the_ticket_on_screen_and_alerts_the_staff(
        live_server: Any, agent_token: str, start_agent: Callable[..., KioskAgent]) -> None:
    with FakePrinter("out") as printer:
        agent = start_agent(printer.url)
        assert agent.jobs.wait_for(lambda j: j.snapshots >= 1, 15)
        ticket = issue(live_server, agent_token)
        assert await_print_status(live_server, ticket, "on_screen") == "on_screen"
        assert printer.printed() == []

    def mine() -> dict[str, Any]:
        r = live_server.api("GET", "/api/v1/printers", who="giamsat")
        assert r.status_code == 200, r.text
        return next(p for p in r.json()["printers"] if p["device_name"] == "kiosk-agent")

    shown = await_http(mine, lambda p: p["status"] == "out")
    assert shown["status"] == "out"
    assert shown["detail"] == "Máy in hết giấy"


class AgentProcess:
    """`python -m kiosk.agent` in a subprocess, its log lines collected as they come."""

    def __init__(self, server: str, token: str, printer: str) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.agent", "--server", server, "--token", token,
             "--printer", printer, "--poll", "60"],
            cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, encoding="utf-8")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_log(self, fragment: str, timeout: float = 20.0) -> bool:
        """Block until a log line containing `fragment` appears."""
        with self.changed:
            return self.changed.wait_for(lambda: any(fragment in l for l in self.lines), timeout)

    def terminate(self) -> int:
        """SIGTERM, then the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def log(self) -> str:
        with self.changed:
            return "\n".join(self.lines)


@pytest.fixture
def agent_processes() -> Iterator[list[AgentProcess]]:
    procs: list[AgentProcess] = []
    yield procs
    for p in procs:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(10)


def test_tickets_issued_while_the_agent_was_away_print_once(
        live_server: Any, agent_token: str, fake_printer: FakePrinter,
        agent_processes: list[AgentProcess]) -> None:
    away = [issue(live_server, agent_token) for _ in range(2)]

    first = AgentProcess(live_server.url, agent_token, fake_printer.url)
    agent_processes.append(first)
    assert first.wait_log("snapshot: 2 unprinted job(s) offered, 2 new"), first.log()
    jobs = await_printed(fake_printer, 2)
    assert len(jobs) == 2, first.log()
    for ticket in away:
        assert await_print_status(live_server, ticket, "printed") == "printed"
    assert sorted(decode(d).qr_codes[0].payload for d in jobs) == sorted(t["status_url"] for t in away)
    assert first.terminate() == 0, first.log()
    assert "stopped" in first.log()

    again = AgentProcess(live_server.url, agent_token, fake_printer.url)
    agent_processes.append(again)
    assert again.wait_log("snapshot: 0 unprinted job(s) offered, 0 new"), again.log()
    after = issue(live_server, agent_token)
    jobs = await_printed(fake_printer, 3)
    assert len(jobs) == 3, again.log()
    assert_printed(jobs[2], after)
    assert await_print_status(live_server, after, "printed") == "printed"
    assert again.terminate() == 0, again.log()
    assert len(fake_printer.printed()) == 3


def test_the_agent_survives_a_server_restart(
        live_server: Any, agent_token: str, fake_printer: FakePrinter,
        start_agent: Callable[..., KioskAgent]) -> None:
    agent = start_agent(fake_printer.url)
    assert agent.jobs.wait_for(lambda j: j.snapshots >= 1, 15)
    before = issue(live_server, agent_token)
    assert len(await_printed(fake_printer, 1)) == 1
    assert await_print_status(live_server, before, "printed") == "printed"

    live_server.restart()
    assert agent.jobs.wait_for(lambda j: j.snapshots >= 2, 30)  # reconnected by itself
    after = issue(live_server, agent_token)
    jobs = await_printed(fake_printer, 2)
    assert len(jobs) == 2
    assert_printed(jobs[1], after)
    assert await_print_status(live_server, after, "printed") == "printed"


def test_an_outcome_made_while_the_server_is_down_arrives_later_and_prints_once(
        live_server: Any, agent_token: str, start_agent: Callable[..., KioskAgent]) -> None:
    # A printer that never answers status reads keeps the job busy for two read timeouts,
    # long enough to take the server down before the outcome is reported.
    with FakePrinter(answer=False) as printer:
        agent = start_agent(printer.url, print_timeout=3.0)
        assert agent.jobs.wait_for(lambda j: j.snapshots >= 1, 15)
        ticket = issue(live_server, agent_token)
        assert agent.jobs.wait_for(lambda j: len(j.taken) == 1, 15)
        live_server.stop()
        assert agent.jobs.wait_for(lambda j: len(j.printed) == 1, 20)
        assert agent.outbox.pending() >= 1  # the outcome waits for the server
        back_at = time.monotonic()
        live_server.start()
        assert await_print_status(live_server, ticket, "printed", timeout=30) == "printed"
        assert agent.jobs.wait_for(lambda j: j.snapshots >= 2, 30)
        # The reconnect snapshot may still list the ticket as pending: it is not printed again.
        assert agent.outbox.wait_idle(15)
        results = [r for r in agent.outbox.delivered if r.kind == "result"]
        assert [r.body["ticket_ref"] for r in results] == [ticket["token"]]
        assert results[0].created < back_at  # made while the server was down, sent after
        jobs = await_printed(printer, 1)
        assert len(jobs) == 1 and len(printer.printed()) == 1
        assert_printed(jobs[0], ticket)


def test_a_staff_reprint_at_the_agent_kiosk_prints_and_its_outcome_is_accepted(
        live_server: Any, agent_token: str, fake_printer: FakePrinter,
        start_agent: Callable[..., KioskAgent]) -> None:
    agent = start_agent(fake_printer.url)
    assert agent.jobs.wait_for(lambda j: j.snapshots >= 1, 15)
    ticket = issue(live_server, live_server.token("kiosk-A1"))  # printed there (virtual printer)
    r = live_server.api("POST", f"/api/v1/tickets/{ticket['token']}/reprint", who="giamsat",
                        json={"print_at": "kiosk-agent"})
    assert r.status_code == 200, r.text
    jobs = await_printed(fake_printer, 1)
    assert len(jobs) == 1
    assert_printed(jobs[0], ticket)
    assert agent.jobs.wait_for(lambda j: len(j.printed) == 1, 20)  # its outcome is queued
    assert agent.outbox.wait_idle(15)
    delivered = [rep.body["ticket_ref"] for rep in agent.outbox.delivered if rep.kind == "result"]
    assert delivered == [ticket["token"]]
