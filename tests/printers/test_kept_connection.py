"""A network printer's connection kept open between jobs: one connect for a busy stream of
tickets, a safe reconnect when the printer restarted, and the printer let go when idle."""

from __future__ import annotations

import queue
from dataclasses import replace
from typing import Iterator

import pytest

from printers.status import PrinterStatus
from printers.ticket import TicketPrint
from printers.worker import PrintJob, PrintOutcome, PrintWorker
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter


class Outcomes:
    """The worker's results, awaited through a queue."""

    def __init__(self) -> None:
        self.results: queue.Queue[tuple[PrintJob, PrintOutcome]] = queue.Queue()

    def on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        self.results.put((job, outcome))

    def next(self) -> tuple[PrintJob, PrintOutcome]:
        return self.results.get(timeout=15)


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


def make_worker(outcomes: Outcomes, keep_open: float = 30.0) -> PrintWorker:
    w = PrintWorker(outcomes.on_result, retries=2, retry_delay=0.01, timeout=1.0, keep_open=keep_open)
    w.start()
    return w


@pytest.fixture
def worker(outcomes: Outcomes) -> Iterator[PrintWorker]:
    w = make_worker(outcomes)
    yield w
    w.stop()


def numbered(ticket: TicketPrint, number: int) -> PrintJob:
    return PrintJob(f"job-{number}", number, "", "80mm", replace(ticket, number=str(number)))


def print_one(worker: PrintWorker, outcomes: Outcomes, printer: FakePrinter, ticket: TicketPrint,
              number: int) -> PrintOutcome:
    job = numbered(ticket, number)
    job.printer_url = printer.url
    worker.submit(job)
    done, outcome = outcomes.next()
    assert done.job_id == job.job_id
    return outcome


def numbers_on_paper(printer: FakePrinter) -> list[str]:
    found = []
    for data in printer.printed():
        paper = decode(data)
        assert len(paper.cuts) == 1
        found += [line.text for line in paper.texts if line.text.isdigit() and line.width >= 4]
    return found


def test_a_stream_of_tickets_goes_over_one_connection(worker: PrintWorker, outcomes: Outcomes,
                                                      fake_printer: FakePrinter,
                                                      ticket: TicketPrint) -> None:
    for number in range(1001, 1006):
        assert print_one(worker, outcomes, fake_printer, ticket, number).status == "printed"
    assert numbers_on_paper(fake_printer) == ["1001", "1002", "1003", "1004", "1005"]
    assert fake_printer.connections == 1


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "closed"])
def test_a_printer_restarted_between_two_jobs_prints_the_second_ticket_once(
        worker: PrintWorker, outcomes: Outcomes, fake_printer: FakePrinter, ticket: TicketPrint,
        reset: bool) -> None:
    assert print_one(worker, outcomes, fake_printer, ticket, 1001).status == "printed"
    fake_printer.restart(reset=reset)  # the kept connection is dead; the worker does not know yet
    outcome = print_one(worker, outcomes, fake_printer, ticket, 1002)
    assert (outcome.status, outcome.printer_status, outcome.attempts) == ("printed", PrinterStatus.OK, 1)
    assert numbers_on_paper(fake_printer) == ["1001", "1002"]
    assert fake_printer.connections == 2
    assert print_one(worker, outcomes, fake_printer, ticket, 1003).status == "printed"
    assert numbers_on_paper(fake_printer) == ["1001", "1002", "1003"]


def test_an_idle_printer_is_let_go_for_other_programs(outcomes: Outcomes, fake_printer: FakePrinter,
                                                      ticket: TicketPrint) -> None:
    worker = make_worker(outcomes, keep_open=0.2)
    try:
        assert print_one(worker, outcomes, fake_printer, ticket, 1001).status == "printed"
        assert fake_printer.wait_until(lambda p: p.live == 0)  # closed once idle
        assert print_one(worker, outcomes, fake_printer, ticket, 1002).status == "printed"
        assert numbers_on_paper(fake_printer) == ["1001", "1002"]
        assert fake_printer.connections == 2
    finally:
        worker.stop()
    assert fake_printer.wait_until(lambda p: p.live == 0)  # stop() closes a kept connection too


def test_a_status_check_uses_the_kept_connection(worker: PrintWorker, outcomes: Outcomes,
                                                 fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    # A port-9100 printer serves one connection at a time: a second one would wait, unanswered.
    assert print_one(worker, outcomes, fake_printer, ticket, 1001).status == "printed"
    fake_printer.set_status("near_end")
    assert worker.check(fake_printer.url) is PrinterStatus.NEAR_END
    assert fake_printer.connections == 1


def test_paper_out_on_the_kept_connection_fails_without_sending(
        worker: PrintWorker, outcomes: Outcomes, fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    assert print_one(worker, outcomes, fake_printer, ticket, 1001).status == "printed"
    fake_printer.set_status("out")
    outcome = print_one(worker, outcomes, fake_printer, ticket, 1002)
    assert (outcome.status, outcome.printer_status) == ("failed", PrinterStatus.OUT)
    fake_printer.set_status("ok")
    assert print_one(worker, outcomes, fake_printer, ticket, 1003).status == "printed"
    assert numbers_on_paper(fake_printer) == ["1001", "1003"]


def test_a_printer_that_never_answers_status_gets_a_connection_per_job(
        worker: PrintWorker, outcomes: Outcomes, ticket: TicketPrint) -> None:
    # Without an answer the worker could not tell a live kept connection from a dead one.
    with FakePrinter(answer=False) as silent:
        for number in (1001, 1002):
            assert print_one(worker, outcomes, silent, ticket, number).status == "printed"
        assert numbers_on_paper(silent) == ["1001", "1002"]
        assert silent.connections == 2
