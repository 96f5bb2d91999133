"""A backup restored on a new machine and the phone key kept outside the database (issue 10):
`xephang backup` says where the key is, to keep it apart; restored without the key (or with
another machine's), the server says so in one log line, on /readyz and on the floor's panel,
makes no new key over the sealed phones, refuses phone services with their own code, and still
issues, checks in and calls; with the key put back everything works, SMS included. Real
servers, real files."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.booking_race_workers import make_citizens
from tests.browser.helpers import layout_problems, shot
from tests.browser.test_remote_staff import _signed_in
from tests.conftest import LiveServer

MISSING = "THE PHONE KEY"  # the English half of the one log line


def started(folder: Path, template: LiveServer) -> tuple[LiveServer, int]:
    """A server on the folder's database; where its start begins in the (shared) log file."""
    server = LiveServer(folder)
    server.env = template.env  # type: ignore[method-assign]
    at = server.log.stat().st_size if server.log.exists() else 0
    server.start()
    return server, at


def log_since(server: LiveServer, at: int) -> str:
    with open(server.log, "rb") as f:
        f.seek(at)
        return f.read().decode("utf-8", errors="replace")


def sms_sent_in(server: LiveServer, text: str, timeout: float = 20) -> bool:
    """Whether the console SMS gateway logged a message containing `text` (polls the log file:
    the server process tells the test nothing else)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(line.startswith("SMS ") and text in line
               for line in server.log.read_text(encoding="utf-8", errors="replace").splitlines()):
            return True
        time.sleep(0.1)
    return False


def floor_says(browser: Browser, server: LiveServer, tmp_path: Path) -> None:
    """The floor view (1920×1080) warns that no SMS can be sent, in vi then en, nothing cut."""
    ctx, page = _signed_in(browser, server, "giamsat", {"width": 1920, "height": 1080})
    try:
        page.goto(f"{server.url}/floor")
        warning = page.locator("#sms-problem")
        expect(warning).to_have_text("Không gửi được SMS: thiếu khóa số điện thoại trên máy chủ "
                                     "(xem nhật ký máy chủ)")
        page.click("#lang-toggle")
        expect(warning).to_have_text("SMS cannot be sent: the server's phone key is missing "
                                     "(see the server log)")
        page.locator("#appointments-panel").scroll_into_view_if_needed()
        assert layout_problems(page, vertical=False) == []
        shot(page, "floor-phone-key-missing", tmp_path)
    finally:
        ctx.close()


def test_restore_without_the_phone_key_is_told_and_issuing_goes_on(tmp_path: Path,
                                                                   browser: Browser) -> None:
    old = LiveServer(tmp_path / "old")
    (tmp_path / "old").mkdir()
    old.start()
    [citizen] = make_citizens(str(old.db), 1)
    r = old.api("POST", "/api/v1/public/remote-tickets", token=citizen, json={"service": "TP-LLTP"})
    assert r.status_code == 201, r.text
    away = r.json()["code"]
    key = old.db.with_name("xephang.phone_key")
    assert key.exists()
    out = old.cli("backup", "--to", str(tmp_path / "backup.db"))
    assert str(key.resolve()) in out and ("separate safe place" in out or "nơi an toàn" in out)
    old.stop()

    # The new machine: the backup restored, the demo's device list beside it; no phone key.
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    shutil.copy(tmp_path / "old" / "demo-devices.txt", new_dir / "demo-devices.txt")
    template = LiveServer(new_dir)
    template.cli("restore", "--from", str(tmp_path / "backup.db"))
    new, at = started(new_dir, template)
    try:
        log = log_since(new, at)
        told = [line for line in log.splitlines() if MISSING in line]
        assert len(told) == 1 and "IS MISSING" in told[0] and str(new_dir) in told[0], log
        assert not (new_dir / "xephang.phone_key").exists()  # no new key over sealed phones
        # The Web Push key was not carried either: a new one, told once (pushes are only lost).
        assert len([line for line in log.splitlines() if "the Web Push key" in line]) == 1, log
        ready = new.api("GET", "/readyz")
        assert ready.status_code == 200 and ready.json()["sms"] == "phone_key_missing"
        floor = new.api("GET", "/api/v1/appointments/today", who="giamsat", lang="en").json()
        assert floor["sms"] == "phone_key_missing"
        floor_says(browser, new, tmp_path)
        # Phone services refuse with their own code, in both languages.
        for lang, words in (("vi", "kiosk"), ("en", "take a number at a kiosk")):
            r = new.api("POST", "/api/v1/public/verify", json={"phone": "0912345678",
                                                               "consent": True}, lang=lang)
            assert r.status_code == 503 and r.json()["error"]["code"] == "phone_key_unavailable"
            assert words in r.json()["error"]["message"]
        # Walk-in issuing, check-in of a number from home and calls go on.
        walk_in = new.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
        assert walk_in.status_code == 201, walk_in.text
        r = new.api("POST", "/api/v1/checkin", who="kiosk-A1", json={"code": away})
        assert r.status_code == 201, r.text
        assert new.api("POST", "/api/v1/counters/18/open", who="canbo18").status_code == 200
        called = new.api("POST", "/api/v1/counters/18/call-next", who="canbo18")
        assert called.status_code == 200 and called.json()["ticket"]["number"] == r.json()["number"]
    finally:
        new.stop()

    # Another machine's key is no better: told as a mismatch, never used to seal.
    (new_dir / "xephang.phone_key").write_text("bm90IHRoZSBrZXkgb2YgdGhpcyBkYXRhYmFzZQ==\n")
    new, at = started(new_dir, template)
    try:
        assert new.api("GET", "/readyz").json()["sms"] == "phone_key_mismatch"
        assert "DOES NOT MATCH" in log_since(new, at)
    finally:
        new.stop()

    # The key put back from its safe place: phones read, SMS sent.
    shutil.copy(key, new_dir / "xephang.phone_key")
    new, at = started(new_dir, template)
    try:
        assert new.api("GET", "/readyz").json()["sms"] == "ok"
        assert "THE PHONE KEY" not in log_since(new, at)
        assert "the Web Push key" not in log_since(new, at)  # the same one now
        r = new.api("POST", "/api/v1/public/remote-tickets", token=citizen,
                    json={"service": "TP-LLTP"})
        assert r.status_code == 201, r.text
        assert sms_sent_in(new, f"Số thứ tự {r.json()['number']}")
        assert new.api("POST", "/api/v1/public/verify", json={"phone": "0912345678",
                                                              "consent": True}).status_code == 202
    finally:
        new.stop()
