"""The print worker against fake network printers: outcomes, retries, status changes, lanes."""

from __future__ import annotations

import queue
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest
import zxingcpp
from PIL import Image

from printers.status import PrinterStatus
from printers.ticket import TicketPrint
from printers.worker import PrintJob, PrintOutcome, PrintWorker
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter, refused_url

REPO = Path(__file__).resolve().parents[2]


class Recorder:
    """Collects on_result and on_status calls; tests await them through queues."""

    def __init__(self) -> None:
        self.results: queue.Queue[tuple[PrintJob, PrintOutcome]] = queue.Queue()
        self.statuses: queue.Queue[tuple[str, PrinterStatus, str]] = queue.Queue()

    def on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        self.results.put((job, outcome))

    def on_status(self, url: str, status: PrinterStatus, detail: str) -> None:
        self.statuses.put((url, status, detail))

    def next_result(self) -> tuple[PrintJob, PrintOutcome]:
        return self.results.get(timeout=15)

    def status_changes(self) -> list[tuple[str, PrinterStatus, str]]:
        changes = []
        while not self.statuses.empty():
            changes.append(self.statuses.get_nowait())
        return changes


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def worker(recorder: Recorder) -> Iterator[PrintWorker]:
    w = PrintWorker(recorder.on_result, recorder.on_status, retries=2, retry_delay=0.01, timeout=1.0)
    w.start()
    yield w
    w.stop()


def job(url: str, ticket: TicketPrint, job_id: str = "job-1", paper: str = "80mm") -> PrintJob:
    return PrintJob(job_id=job_id, ticket_id=17, printer_url=url, paper=paper, ticket=ticket)


def test_ticket_is_printed(worker: PrintWorker, recorder: Recorder, fake_printer: FakePrinter,
                           ticket: TicketPrint) -> None:
    worker.submit(job(fake_printer.url, ticket))
    done, outcome = recorder.next_result()
    assert done.job_id == "job-1"
    assert (outcome.status, outcome.printer_status, outcome.attempts) == ("printed", PrinterStatus.OK, 1)
    printed = decode(fake_printer.printed()[-1])
    assert printed.text("1023") is not None
    assert [q.payload for q in printed.qr_codes] == [ticket.status_url]
    assert len(printed.cuts) == 1


def test_paper_out_fails_fast_without_sending(worker: PrintWorker, recorder: Recorder,
                                              fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    fake_printer.set_status("out")
    worker.submit(job(fake_printer.url, ticket))
    _, outcome = recorder.next_result()
    assert (outcome.status, outcome.printer_status, outcome.attempts) == ("failed", PrinterStatus.OUT, 1)
    assert outcome.detail == "Máy in hết giấy"
    decoded = decode(fake_printer.received)
    assert decoded.rasters == [] and decoded.qr_codes == [] and decoded.cuts == []
    assert recorder.status_changes()[-1][1] is PrinterStatus.OUT


def test_refused_printer_is_retried_then_failed(worker: PrintWorker, recorder: Recorder,
                                                ticket: TicketPrint) -> None:
    url = refused_url()
    worker.submit(job(url, ticket))
    _, outcome = recorder.next_result()
    assert outcome.status == "failed"
    assert outcome.printer_status is PrinterStatus.OFFLINE
    assert outcome.attempts == 3  # the first try and retries=2
    assert outcome.code == "unreachable"
    assert outcome.detail.startswith(f"Không kết nối được máy in 127.0.0.1:{url.rsplit(':', 1)[1]}")


def test_printer_back_online_prints_on_a_retry(recorder: Recorder, ticket: TicketPrint) -> None:
    url = refused_url()
    revived: list[FakePrinter] = []

    def on_status(u: str, status: PrinterStatus, detail: str) -> None:
        recorder.on_status(u, status, detail)
        # The first attempt found nobody listening: plug the printer in before the retry.
        if status is PrinterStatus.OFFLINE and not revived:
            revived.append(FakePrinter(port=int(url.rsplit(":", 1)[1])).start())

    w = PrintWorker(recorder.on_result, on_status, retries=3, retry_delay=0.01, timeout=1.0)
    w.start()
    try:
        w.submit(job(url, ticket))
        _, outcome = recorder.next_result()
    finally:
        w.stop()
        for printer in revived:
            printer.stop()
    assert (outcome.status, outcome.attempts, outcome.printer_status) == ("printed", 2, PrinterStatus.OK)
    assert [s for _, s, _ in recorder.status_changes()] == [PrinterStatus.OFFLINE, PrinterStatus.OK]
    assert decode(revived[0].printed()[-1]).text("1023") is not None


def test_slow_printer_still_prints(worker: PrintWorker, recorder: Recorder,
                                   ticket: TicketPrint) -> None:
    with FakePrinter(chunk_delay=0.002, chunk_size=512) as slow:
        worker.submit(job(slow.url, ticket))
        _, outcome = recorder.next_result()
        assert outcome.status == "printed"
        assert decode(slow.printed()[-1]).text("1023") is not None


def test_near_end_is_reported_through_on_status(worker: PrintWorker, recorder: Recorder,
                                                fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    worker.submit(job(fake_printer.url, ticket, "first"))
    assert recorder.next_result()[1].printer_status is PrinterStatus.OK
    fake_printer.set_status("near_end")
    worker.submit(job(fake_printer.url, ticket, "second"))
    _, outcome = recorder.next_result()
    assert (outcome.status, outcome.printer_status) == ("printed", PrinterStatus.NEAR_END)
    changes = recorder.status_changes()
    assert [(u, s) for u, s, _ in changes] == [(fake_printer.url, PrinterStatus.OK),
                                              (fake_printer.url, PrinterStatus.NEAR_END)]
    assert changes[-1][2] == "Máy in sắp hết giấy"


def test_two_printers_are_independent(worker: PrintWorker, recorder: Recorder,
                                      ticket: TicketPrint) -> None:
    # The first printer never answers status queries, so each of its jobs waits out the
    # timeout; the second printer's job must not queue behind it.
    with FakePrinter(answer=False) as stuck, FakePrinter() as healthy:
        worker.submit(job(stuck.url, ticket, "stuck"))
        worker.submit(job(healthy.url, ticket, "healthy"))
        first, first_outcome = recorder.next_result()
        second, second_outcome = recorder.next_result()
    assert (first.job_id, first_outcome.status) == ("healthy", "printed")
    assert (second.job_id, second_outcome.status) == ("stuck", "printed")
    assert second_outcome.printer_status is PrinterStatus.UNKNOWN


def test_check_reads_status_for_the_kiosk(worker: PrintWorker, recorder: Recorder,
                                          fake_printer: FakePrinter) -> None:
    assert worker.check(fake_printer.url) is PrinterStatus.OK
    fake_printer.set_status("out")
    assert worker.check(fake_printer.url) is PrinterStatus.OUT
    assert worker.check(refused_url()) is PrinterStatus.OFFLINE
    assert worker.check("virtual") is PrinterStatus.OK
    assert worker.check("nonsense://") is PrinterStatus.UNKNOWN
    assert [s for _, s, _ in recorder.status_changes()][:2] == [PrinterStatus.OK, PrinterStatus.OUT]


def test_callback_errors_do_not_stop_the_worker(fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    outcomes: queue.Queue[str] = queue.Queue()

    def on_result(j: PrintJob, outcome: PrintOutcome) -> None:
        outcomes.put(j.job_id)
        if j.job_id == "a":
            raise RuntimeError("listener bug")

    def on_status(url: str, status: PrinterStatus, detail: str) -> None:
        raise RuntimeError("listener bug")

    w = PrintWorker(on_result, on_status, timeout=1.0)
    w.start()
    w.submit(job(fake_printer.url, ticket, "a"))
    w.submit(job(fake_printer.url, ticket, "b"))
    assert [outcomes.get(timeout=15), outcomes.get(timeout=15)] == ["a", "b"]
    w.stop()


def test_virtual_printer_keeps_a_preview_at_the_jobs_paper_width(
        worker: PrintWorker, recorder: Recorder, tmp_path: Path, ticket: TicketPrint) -> None:
    worker.submit(job(f"virtual://{tmp_path}", ticket, "17-58", paper="58mm"))
    _, outcome = recorder.next_result()
    assert (outcome.status, outcome.printer_status) == ("printed", PrinterStatus.OK)
    preview = Image.open(tmp_path / "17-58.png")
    assert preview.width == 384
    assert [r.text for r in zxingcpp.read_barcodes(preview)] == [ticket.status_url]


def test_job_submitted_before_start_is_reported_on_stop(recorder: Recorder,
                                                        ticket: TicketPrint) -> None:
    w = PrintWorker(recorder.on_result)
    w.submit(job("virtual", ticket, "never-started"))
    w.stop()
    done, outcome = recorder.next_result()
    assert (done.job_id, outcome.status, outcome.code) == ("never-started", "failed", "stopped")


def test_bad_url_and_stop_report_every_job(recorder: Recorder, ticket: TicketPrint) -> None:
    w = PrintWorker(recorder.on_result, timeout=0.5)
    w.start()
    w.submit(job("lpt://nowhere", ticket, "bad"))
    _, outcome = recorder.next_result()
    assert (outcome.status, outcome.code) == ("failed", "url")
    with FakePrinter(answer=False) as silent:
        for n in range(3):
            w.submit(job(silent.url, ticket, f"q{n}"))
        w.stop()
        w.submit(job(silent.url, ticket, "late"))
        reported = sorted(recorder.next_result()[0].job_id for _ in range(4))
    assert reported == ["late", "q0", "q1", "q2"]


def test_worker_runs_under_gevent_monkey_patching(tmp_path: Path) -> None:
    script = tmp_path / "gevent_print.py"
    script.write_text(textwrap.dedent("""
        from gevent import monkey
        monkey.patch_all()
        import queue
        from datetime import datetime, timedelta, timezone
        from printers.ticket import TicketPrint
        from printers.worker import PrintJob, PrintWorker
        from tests.support.fake_printer import FakePrinter

        t = TicketPrint("Trung tâm", "7", "Sở Y tế", "Phòng khám", (5,), "Khu A", 1,
                        datetime(2026, 1, 5, 7, 30, tzinfo=timezone(timedelta(hours=7))),
                        0, (0, 5), "http://127.0.0.1/t/x", None, "Vui lòng chờ")
        results = queue.Queue()
        if __name__ == "__main__":  # tickets are drawn in a spawned process, which imports this
            with FakePrinter() as a, FakePrinter("near_end") as b:
                w = PrintWorker(lambda j, o: results.put((j.job_id, o.status, o.printer_status.value)),
                                timeout=2.0)
                w.start()
                w.submit(PrintJob("a", 1, a.url, "58mm", t))
                w.submit(PrintJob("b", 2, b.url, "80mm", t))
                got = sorted([results.get(timeout=20), results.get(timeout=20)])
                w.stop()
            print(got)
    """))
    run = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True,
                         timeout=60, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[('a', 'printed', 'ok'), ('b', 'printed', 'near_end')]"
