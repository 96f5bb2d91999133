"""The site configuration as a file and across processes: `xephang site export` round-trips
through `xephang init --site`, a change made by one process reaches the screens of another
server on the same file within seconds, and concurrent changes never break the number rule."""
from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest
import socketio

from server.services.admin import site_config
from server.services.auth import CLI
from server.services.context import Context
from server.services.errors import UseCaseError
from server.setup import initialize
from server.store import Database
from tests.support.cli import xephang

ROOT = Path(__file__).resolve().parent.parent
NEW = {"code": "TP-CC", "name": "Chứng thực bản sao", "name_en": "Certified copies", "unit": "TP",
       "zone": "A1", "kind": "submit", "first_number": 9801, "last_number": 9900, "width": 4,
       "hours_profile": "weekdays", "daily_cap": 0, "wait_target_min": 20, "counters": [18]}


def export(db: Path) -> str:
    out = xephang("site", "export", "--db", str(db))
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_export_loads_back_to_the_same_state_after_admin_edits(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    initialize(Database(db), None, demo=False)
    first = export(db)
    fresh = tmp_path / "b.db"
    (tmp_path / "a.toml").write_text(first, encoding="utf-8")
    assert xephang("init", "--db", str(fresh), "--site", str(tmp_path / "a.toml"),
                   "--no-demo").returncode == 0
    assert export(fresh) == first
    # after edits of every kind, retirements, a service without priority and odd text
    ctx = Context.open(Database(db))
    site_config.create(ctx, CLI, "hours", {"code": "sang", "days": {"sat": "07:30-11:30"}})
    site_config.create(ctx, CLI, "service", {**NEW, "hours_profile": "sang", "accepts_priority": False,
                                              "name": 'Chứng thực "bản sao" \\ gốc'})
    site_config.create(ctx, CLI, "zone", {"code": "C", "name": "Khu C", "name_en": "Zone C", "floor": 3})
    site_config.create(ctx, CLI, "counter", {"number": 70, "zone": "A1", "services": ["TP-CC", "TP-QT"]})
    site_config.update(ctx, CLI, "unit", "TP", {"color": "#123456"})
    site_config.retire(ctx, CLI, "zone", "C")
    site_config.retire(ctx, CLI, "category", "child")
    site_config.retire(ctx, CLI, "reason", "wait")
    site_config.retire(ctx, CLI, "counter", 70)
    ctx.db.close()
    to = tmp_path / "edited.toml"
    out = xephang("site", "export", "--db", str(db), "--to", str(to))
    assert out.returncode == 0 and to.exists(), out.stderr
    edited = to.read_text(encoding="utf-8")
    assert edited != first and 'retired = true' in edited and "accepts_priority = false" in edited
    again = tmp_path / "c.db"
    assert xephang("init", "--db", str(again), "--site", str(to), "--no-demo").returncode == 0
    assert export(again) == edited
    # --reload of the file into the first copy gives the same state too
    assert xephang("init", "--db", str(fresh), "--site", str(to), "--reload").returncode == 0
    assert export(fresh) == edited
    loaded = Context.open(Database(again))
    assert "TP-CC" in loaded.site.services and not loaded.site.accepts_priority("TP-CC")
    assert 70 not in loaded.site.counters and loaded.site.counters[70].services == ("TP-CC", "TP-QT")
    assert "child" not in loaded.site.priority_categories
    loaded.db.close()


class Watcher:
    """A board's socket that records `site.changed` and the snapshots that follow it."""

    def __init__(self, url: str, token: str) -> None:
        self.changed = threading.Event()
        self.snaps: list[dict[str, Any]] = []
        self.fresh = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("snapshot", self._snap)
        self.client.on("site.changed", lambda p: self.changed.set())
        self.client.connect(url, auth={"token": token}, transports=["websocket"])

    def _snap(self, snap: dict[str, Any]) -> None:
        self.snaps.append(snap)
        if self.changed.is_set():
            self.fresh.set()


def test_a_change_by_another_process_reaches_a_running_servers_screens(live_server: Any) -> None:
    board = Watcher(live_server.url, live_server.token("board-A1"))
    try:
        assert not board.changed.is_set()
        # the CLI's process writes the change; the server notices the version on its own
        ctx = Context.open(Database(live_server.db))
        site_config.create(ctx, CLI, "service", NEW)
        ctx.db.close()
        assert board.changed.wait(15) and board.fresh.wait(15)
        assert "TP-CC" in {s["code"] for s in board.snaps[-1]["services"]}
        r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-CC"})
        assert r.status_code == 201 and r.json()["number"] == "9801"
    finally:
        board.client.disconnect()


def _create_in_process(db: str, code: str, first: int, out: Any) -> None:
    ctx = Context.open(Database(db))
    try:
        site_config.create(ctx, CLI, "service", {**NEW, "code": code, "first_number": first,
                                                  "last_number": first + 99, "counters": []})
        out.put((code, "ok"))
    except UseCaseError as exc:
        out.put((code, exc.code))
    finally:
        ctx.db.close()


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_concurrent_creations_never_share_numbers(tmp_path: Path, how: str) -> None:
    """Eight writers at once, each range overlapping its neighbour's: the ones that commit never
    overlap each other, and the losers are told why."""
    db = tmp_path / "x.db"
    initialize(Database(db), None, demo=False)
    firsts = [9801 + 50 * i for i in range(4)]  # each overlaps the next by half
    jobs = [(f"S{i}{j}", first) for i, first in enumerate(firsts) for j in range(2)]
    if how == "threads":
        import queue
        out: Any = queue.Queue()
        workers: list[Any] = [threading.Thread(target=_create_in_process, args=(str(db), c, f, out))
                              for c, f in jobs]
    else:
        mp = multiprocessing.get_context("spawn")
        out = mp.Queue()
        workers = [mp.Process(target=_create_in_process, args=(str(db), c, f, out)) for c, f in jobs]
    for w in workers:
        w.start()
    results = dict(out.get(timeout=60) for _ in jobs)
    for w in workers:
        w.join(60)
    assert set(results.values()) <= {"ok", "number_overlap", "busy"}
    ctx = Context.open(Database(db))
    made = sorted((s.number.first, s.number.end) for c, s in ctx.site.services.items() if c[0] == "S")
    assert [c for c, r in results.items() if r == "ok"] and len(made) == list(results.values()).count("ok")
    assert all(a_end < b_first for (_, a_end), (b_first, _) in zip(made, made[1:]))
    assert ctx.site_version == len(made)
    ctx.db.close()
