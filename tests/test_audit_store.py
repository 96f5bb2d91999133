"""Reading the audit trail off its indexes (one branch per kind of a group, per target of a
scope) gives exactly what filtering every entry by hand gives, page after page."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from server.store import Database
from server.store import audit as audit_rows

KINDS = ["counter.call_next", "counter.open", "counter.close", "service.update", "auth.login"]
ACTORS = ["user:1", "user:2", "user:3", "cli:0"]
TARGETS = ["counter:1", "counter:2", "counter:3", "service:A", "service:B", "user:9"]


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """A trail of 600 entries, several in the same microsecond (the order then goes by id)."""
    database = Database(tmp_path / "a.db")
    database.migrate()
    rng = random.Random(11)
    with database.write() as conn:
        for i in range(600):
            at = f"2026-12-{1 + i // 100:02d}T08:00:{(i // 3) % 60:02d}.000000+07:00"
            audit_rows.append(conn, at, rng.choice(ACTORS), "x", "10.0.0.1", rng.choice(KINDS),
                              rng.choice(TARGETS), None, {"i": i})
    return database


def by_hand(rows: list[dict[str, Any]], actor: str | None, kind: str | None, since: str | None,
            until: str | None, scope: tuple[str, list[str]] | None) -> list[int]:
    keep = [r for r in rows
            if (not actor or r["actor"] == actor)
            and (not kind or (r["kind"].startswith(kind) if kind.endswith(".") else r["kind"] == kind))
            and (not since or r["at"] >= since) and (not until or r["at"] < until)
            and (scope is None or r["actor"] == scope[0] or r["target"] in scope[1])]
    return [r["id"] for r in sorted(keep, key=lambda r: (r["at"], r["id"]), reverse=True)]


@pytest.mark.parametrize("seed", range(12))
def test_pages_read_off_the_indexes_equal_the_trail_filtered_by_hand(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    actor = rng.choice([None, *ACTORS])
    kind = rng.choice([None, "counter.", "auth.", "service.update", "nothing."])
    since = rng.choice([None, "2026-12-02T00:00:00.000000+07:00"])
    until = rng.choice([None, "2026-12-05T00:00:00.000000+07:00"])
    scope = rng.choice([None, ("user:2", ["counter:1", "service:A"]), ("user:3", [])])
    with db.read() as conn:
        everything = audit_rows.entries(conn, limit=10_000)
        expected = by_hand(everything, actor, kind, since, until, scope)
        got: list[int] = []
        before = None
        while True:
            page = audit_rows.entries(conn, actor=actor, kind=kind, since=since, until=until,
                                      before_id=before, limit=17, scope=scope)
            got += [e["id"] for e in page]
            if len(page) < 17:
                break
            before = page[-1]["id"]
    assert got == expected
    assert len(everything) == 600


def test_a_scope_wider_than_the_branch_limit_still_answers_rightly(db: Database,
                                                                   monkeypatch: Any) -> None:
    monkeypatch.setattr(audit_rows, "MAX_BRANCHES", 2)
    scope = ("user:1", ["counter:2", "service:B", "user:9"])
    with db.read() as conn:
        everything = audit_rows.entries(conn, limit=10_000)
        got = [e["id"] for e in audit_rows.entries(conn, kind="counter.", scope=scope, limit=10_000)]
    assert got == by_hand(everything, None, "counter.", None, None, scope)
