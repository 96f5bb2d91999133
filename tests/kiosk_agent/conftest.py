"""Fixtures for the kiosk agent tests: a kiosk whose printer is "agent", a fake printer standing
in for the one on its USB port, the agent itself, and small API helpers."""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest
import requests

from kiosk.agent import KioskAgent
from tests.support.fake_printer import FakePrinter


class Recorder:
    """Collects what a PrintAgent reports (stands in for the Outbox); settles results at once."""

    def __init__(self) -> None:
        import threading
        self.results: list[tuple[str, dict[str, Any]]] = []
        self.statuses: list[tuple[str, str]] = []
        self.changed = threading.Condition()

    def post_result(self, job_id: str, body: dict[str, Any], on_done: Any = None) -> None:
        with self.changed:
            self.results.append((job_id, body))
            self.changed.notify_all()
        if on_done is not None:
            on_done(True)

    def post_status(self, status: str, detail: str) -> None:
        with self.changed:
            self.statuses.append((status, detail))
            self.changed.notify_all()

    def wait_results(self, count: int, timeout: float = 10.0) -> list[tuple[str, dict[str, Any]]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.results) >= count, timeout)
            return list(self.results)


@pytest.fixture
def recorder() -> Recorder:
    """A stand-in for the Outbox that records results and statuses."""
    return Recorder()


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    """A fake ESC/POS printer on 127.0.0.1 (the kiosk's printer), reporting "ok"."""
    with FakePrinter() as printer:
        yield printer


@pytest.fixture
def agent_token(live_server: Any) -> str:
    """The token of a kiosk in zone A1 whose printer is driven by its agent."""
    out = live_server.cli("device", "add", "kiosk-agent", "--kind", "kiosk", "--zone", "A1",
                          "--printer", "agent")
    return out.strip().splitlines()[-1].strip()


@pytest.fixture
def start_agent(live_server: Any, agent_token: str) -> Iterator[Callable[..., KioskAgent]]:
    """Start an in-process kiosk agent on a printer URL; stopped at teardown."""
    agents: list[KioskAgent] = []

    def start(printer_url: str, **options: Any) -> KioskAgent:
        options = {"poll": 60.0, "reconnect_delay": 0.2, "reconnect_delay_max": 1.0,
                   "report_backoff_max": 1.0, "print_retries": 1, "print_timeout": 2.0} | options
        agent = KioskAgent(live_server.url, agent_token, printer_url, **options)
        agents.append(agent)
        agent.start()
        return agent

    yield start
    for agent in agents:
        agent.stop(flush_timeout=2.0)


def issue(live_server: Any, token: str, service: str = "TP-LLTP") -> dict[str, Any]:
    """Issue a ticket from the kiosk (as the kiosk screen does) and return it."""
    r = live_server.api("POST", "/api/v1/tickets", token=token, json={"service": service})
    assert r.status_code == 201, r.text
    return dict(r.json())


def ticket_state(live_server: Any, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as anyone sees it now (GET /api/v1/tickets/<token>)."""
    r = requests.get(f"{live_server.url}/api/v1/tickets/{ticket['token']}", timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def await_http(probe: Callable[[], Any], accept: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    """Poll an HTTP read until `accept` holds or the deadline passes; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if accept(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)  # HTTP state has no event to await; poll with a deadline


def await_print_status(live_server: Any, ticket: dict[str, Any], status: str,
                       timeout: float = 15.0) -> str:
    """Wait until the ticket's print.status is `status`; return the last one seen."""
    last = await_http(lambda: ticket_state(live_server, ticket),
                      lambda t: t["print"]["status"] == status, timeout)
    return str(last["print"]["status"])
