"""The phone key's check (m340) on a database from before it: its sealed phones tell whether the
key is the right one; a missing key is never replaced by a new one while phones are sealed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.services import phone_vault
from server.store import Database
from server.store import citizens as rows
from server.store import key_checks


@pytest.fixture
def fresh_vaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(phone_vault.KEY_ENV, raising=False)
    monkeypatch.setattr(phone_vault, "_vaults", {})


def sealed_before_m340(demo: Any, db_path: Path) -> tuple[Database, str]:
    """A database holding one sealed phone and no check value; the key's text."""
    db = Database(db_path)
    vault = phone_vault.PhoneVault.for_db(db)  # makes the key file (nothing sealed yet)
    assert vault.problem is None
    with db.write() as conn:
        rows.save_phone(conn, vault.lookup("+84912345678"), vault.seal("+84912345678"), "2026-01-01")
        assert key_checks.check_value(conn, "phone") is None
    return db, phone_vault.key_path(db).read_text()


def test_the_right_key_is_recognised_by_its_phones_and_recorded(
        demo: Any, db_path: Path, fresh_vaults: None) -> None:
    db, _key = sealed_before_m340(demo, db_path)
    assert phone_vault.check_at_start(db, "2026-01-02T08:00:00+07:00") is None
    with db.read() as conn:
        assert key_checks.check_value(conn, "phone") == phone_vault.vault_for(db).check


def test_another_key_or_none_locks_the_vault(demo: Any, db_path: Path, fresh_vaults: None,
                                              caplog: pytest.LogCaptureFixture) -> None:
    db, _key = sealed_before_m340(demo, db_path)
    path = phone_vault.key_path(db)
    path.write_text("YW5vdGhlciBtYWNoaW5lJ3Mga2V5\n")
    assert phone_vault.check_at_start(db, "2026-01-02T08:00:00+07:00") == "phone_key_mismatch"
    assert [r.getMessage() for r in caplog.records if "DOES NOT MATCH" in r.getMessage()]
    path.unlink()
    phone_vault._vaults.clear()
    assert phone_vault.vault_for(db).problem == "phone_key_missing"
    assert not path.exists()  # no new key made over the sealed phone
    with pytest.raises(phone_vault.UseCaseError) as refused:
        phone_vault.vault_for(db).seal("+84912345678")
    assert (refused.value.code, refused.value.status) == ("phone_key_unavailable", 503)
