"""Ticket size and layout time per paper width.

Run: cd /work/main && .venv/bin/python bench/bench_ticket.py [--runs 200]
Prints bytes per ticket (typical and worst case), seconds on a 9600 / 115200 baud serial line,
and ticket_bytes() layout time p50/p99: "cold" draws every line (the first ticket of a service in a
process), "warm" is a stream of tickets of one service whose number, time and people ahead change
(the drawn lines are reused). Measures only; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printers.ticket import PAPERS, TicketPrint, raster_lines, ticket_bytes  # noqa: E402

VN = timezone(timedelta(hours=7))
TYPICAL = TicketPrint(
    center_name="Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh", number="1023",
    unit_name="Sở Tư pháp", service_name="Lý lịch tư pháp", counters=(17, 18, 19),
    zone_name="Khu A1", floor=1, issued_at=datetime(2026, 11, 25, 8, 1, 2, tzinfo=VN), ahead=5,
    estimated_wait_min=(10, 25), status_url="http://10.0.0.5:5000/t/Zq3x9LkP0aBcDeFgHiJkLmNo",
    priority_name=None, instruction="Vui lòng chờ gọi số trên màn hình")
WORST = TicketPrint(
    center_name=TYPICAL.center_name, number="B12345", unit_name="Sở Nông nghiệp và Môi trường",
    service_name="Tài nguyên nước – khoáng sản", counters=(40, 42, 44, 46, 48, 50, 52, 54),
    zone_name="Khu B1", floor=2, issued_at=TYPICAL.issued_at, ahead=137,
    estimated_wait_min=(95, 140),
    status_url="https://xephang.hcmc.example.vn/t/Zq3x9LkP0aBcDeFgHiJkLmNoPqRsTuVw",
    priority_name="Người có công với cách mạng",
    instruction="Vui lòng chờ gọi số trên màn hình và đến đúng quầy")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) of `samples`, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"command: {' '.join([Path(sys.executable).name] + sys.argv)}")
    print(f"{'paper':6} {'ticket':8} {'bytes':>7} {'9600bd s':>9} {'115200bd s':>11} "
          f"{'cold p50':>9} {'p99 ms':>7} {'warm p50':>9} {'p99 ms':>7}")
    for paper in PAPERS:
        for label, ticket in (("typical", TYPICAL), ("worst", WORST)):
            ticket_bytes(ticket, paper)  # warm the font cache
            cold, warm = [], []
            for i in range(args.runs):
                raster_lines.cache_clear()
                start = time.perf_counter()
                data = ticket_bytes(ticket, paper)
                cold.append((time.perf_counter() - start) * 1000)
            for i in range(args.runs):
                next_one = replace(ticket, number=str(int("".join(c for c in ticket.number if c.isdigit())) + i),
                                   ahead=ticket.ahead + i % 30,
                                   issued_at=ticket.issued_at + timedelta(seconds=20 * i))
                start = time.perf_counter()
                ticket_bytes(next_one, paper)
                warm.append((time.perf_counter() - start) * 1000)
            size = len(data)
            print(f"{paper:6} {label:8} {size:7d} {size * 10 / 9600:9.1f} {size * 10 / 115200:11.2f} "
                  f"{statistics.median(cold):9.1f} {percentile(cold, 99):7.1f} "
                  f"{statistics.median(warm):9.1f} {percentile(warm, 99):7.1f}")

if __name__ == "__main__":
    main()
