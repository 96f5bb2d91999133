"""The agent's job handling with a real PrintWorker and a fake network printer: each ticket is
printed once, whatever mix of snapshots and events offers it, and every outcome is reported."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from kiosk import agent_jobs
from kiosk.agent_jobs import BadJob, PrintAgent, ticket_from_job
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter

from .conftest import Recorder

VN = timezone(timedelta(hours=7))


def job(ticket_id: int, job_id: str | None = None, number: str = "1023", **ticket: Any) -> dict[str, Any]:
    """A print job as the server sends it (`print.job` / snapshot `print_jobs`)."""
    data: dict[str, Any] = {
        "center_name": "Trung tâm Phục vụ hành chính công TP. Hồ Chí Minh", "number": number,
        "unit_name": "Sở Tư pháp", "service_name": "Lý lịch tư pháp", "counters": [17, 18, 19],
        "zone_name": "Khu A1", "floor": 1, "issued_at": "2026-11-25T08:01:02+07:00", "ahead": 5,
        "estimated_wait_min": [10, 25], "status_url": f"http://127.0.0.1:5000/t/tok{ticket_id}",
        "priority_name": None, "instruction": "Vui lòng chờ gọi số trên màn hình"} | ticket
    # `ticket_ref`: the ticket's token, as in its QR link; no database id.
    return {"job_id": job_id or f"{ticket_id}-aaaa", "ticket_ref": f"tok{ticket_id}", "paper": "80mm",
            "ticket": data, "seq": 100 + ticket_id}


@pytest.fixture
def agent(fake_printer: FakePrinter, recorder: Recorder) -> Iterator[PrintAgent]:
    a = PrintAgent(fake_printer.url, recorder, retries=0, timeout=2.0)
    a.start()
    yield a
    a.stop()


def test_the_ticket_is_rebuilt_with_an_aware_time_and_tuples() -> None:
    t = ticket_from_job(job(7)["ticket"])
    assert t.issued_at == datetime(2026, 11, 25, 8, 1, 2, tzinfo=VN)
    assert t.counters == (17, 18, 19) and t.estimated_wait_min == (10, 25)
    naive = ticket_from_job(job(7, issued_at="2026-11-25T08:01:02")["ticket"])
    assert naive.issued_at.utcoffset() == timedelta(hours=7)
    with pytest.raises(BadJob):
        ticket_from_job({"number": "1"})


def test_an_event_prints_the_ticket_and_reports_it(agent: PrintAgent, recorder: Recorder,
                                                    fake_printer: FakePrinter) -> None:
    assert agent.on_print_job(job(1, number="1001"))
    (job_id, body), = recorder.wait_results(1)
    assert job_id == "1-aaaa"
    assert body | {"detail": ""} == {"ticket_ref": "tok1", "status": "printed", "printer_status": "ok",
                                     "detail": "", "attempts": 1, "request_id": "result-1-aaaa"}
    paper = decode(fake_printer.printed()[0])
    assert paper.text("1001") is not None
    assert [q.payload for q in paper.qr_codes] == ["http://127.0.0.1:5000/t/tok1"]
    assert recorder.statuses[0][0] == "ok"


def test_a_job_in_both_a_snapshot_and_an_event_prints_once(agent: PrintAgent, recorder: Recorder,
                                                           fake_printer: FakePrinter) -> None:
    # The event went out while the snapshot was being built: another job id, the same ticket.
    taken = agent.on_snapshot({"seq": 10, "print_jobs": [job(1, "1-snap"), job(2, "2-snap")]})
    assert taken == ["1-snap", "2-snap"]
    assert not agent.on_print_job(job(2, "2-event"))
    assert not agent.on_print_job(job(1, "1-snap"))
    # A reconnect while the outcome is on its way: the snapshot offers both again.
    assert agent.on_snapshot({"seq": 20, "print_jobs": [job(1, "1-again"), job(2, "2-again")]}) == []
    assert agent.on_print_job(job(3, "3-event"))
    results = recorder.wait_results(3)
    assert sorted(body["ticket_ref"] for _, body in results) == ["tok1", "tok2", "tok3"]
    assert len(fake_printer.printed()) == 3


def test_an_event_before_the_snapshot_prints_once(agent: PrintAgent, recorder: Recorder,
                                                  fake_printer: FakePrinter) -> None:
    assert agent.on_print_job(job(5, "5-event"))
    assert agent.on_snapshot({"seq": 10, "print_jobs": [job(5, "5-snap")]}) == []
    recorder.wait_results(1)
    assert len(fake_printer.printed()) == 1


def test_a_later_event_for_a_printed_ticket_is_a_reprint(agent: PrintAgent, recorder: Recorder,
                                                         fake_printer: FakePrinter,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert agent.on_print_job(job(4, "4-first"))
    recorder.wait_results(1)
    assert agent.on_print_job(job(4, "4-reprint"))
    recorder.wait_results(2)
    # Offered by a snapshot, then reprinted by staff once the overlap window has passed.
    monkeypatch.setattr(agent_jobs, "SNAPSHOT_OVERLAP", 0.0)
    assert agent.on_snapshot({"seq": 30, "print_jobs": [job(6, "6-snap")]}) == ["6-snap"]
    recorder.wait_results(3)
    assert agent.on_print_job(job(6, "6-reprint"))
    recorder.wait_results(4)
    assert len(fake_printer.printed()) == 4


def test_paper_out_is_reported_as_failed_with_the_printer_status(recorder: Recorder) -> None:
    with FakePrinter("out") as printer:
        a = PrintAgent(printer.url, recorder, retries=0, timeout=2.0)
        a.start()
        try:
            a.on_print_job(job(9))
            (_, body), = recorder.wait_results(1)
        finally:
            a.stop()
        assert printer.printed() == []
    assert body["status"] == "failed" and body["printer_status"] == "out"
    assert body["detail"] == "Máy in hết giấy"
    assert ("out", "Máy in hết giấy") in recorder.statuses


def test_a_job_that_cannot_be_read_is_reported_failed(agent: PrintAgent, recorder: Recorder,
                                                      fake_printer: FakePrinter) -> None:
    bad = job(8)
    del bad["ticket"]["number"]
    assert agent.on_print_job(bad)
    (_, body), = recorder.wait_results(1)
    assert body["status"] == "failed" and body["detail"].startswith("Lỗi khi in")
    assert fake_printer.printed() == []


def test_the_paper_comes_from_the_job_unless_the_agent_is_told(recorder: Recorder,
                                                               tmp_path: Any) -> None:
    def printed_width(paper: str | None) -> int:
        out = tmp_path / str(paper)
        a = PrintAgent(f"virtual://{out}", recorder, paper=paper)
        a.start()
        try:
            a.on_print_job(job(1, f"job-{paper}") | {"paper": "58mm"})
            a.wait_for(lambda x: len(x.printed) == 1, 10)
        finally:
            a.stop()
        widths = {r.size[0] for r in decode((out / f"job-{paper}.bin").read_bytes()).rasters}
        return max(widths)

    assert printed_width(None) <= 384 < printed_width("80mm")


def test_jobs_still_queued_at_exit_stay_pending(recorder: Recorder) -> None:
    # A slow printer: the second job is still queued when the agent stops.
    with FakePrinter(chunk_delay=0.01, chunk_size=64) as printer:
        a = PrintAgent(printer.url, recorder, retries=0, timeout=5.0)
        a.start()
        a.on_print_job(job(1))
        a.on_print_job(job(2))
        printer.wait_until(lambda p: len(p.printed()) >= 1)
        a.stop()
    reported = [body["ticket_ref"] for _, body in recorder.results]
    assert "tok2" not in reported


def test_a_job_from_an_older_server_with_a_ticket_id_is_reported_with_it(
        agent: PrintAgent, recorder: Recorder) -> None:
    old = {k: v for k, v in job(4).items() if k != "ticket_ref"} | {"ticket_id": 4}
    assert agent.on_print_job(old)
    (_, body), = recorder.wait_results(1)
    assert body["ticket_id"] == 4 and "ticket_ref" not in body
