"""Errors are JSON with a code and a message in the caller's language (vi default, en)."""
from __future__ import annotations

import re
from typing import Any

import pytest

from server.i18n import MESSAGES

VI_LETTERS = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                        re.IGNORECASE)


@pytest.mark.parametrize("header, lang", [
    (None, "vi"), ("vi", "vi"), ("en", "en"), ("en-US,en;q=0.9", "en"), ("EN-GB", "en"),
    ("fr-FR", "vi"), ("fr-FR, en;q=0.8", "en"), ("vi-VN,vi;q=0.9,en;q=0.8", "vi"), ("", "vi")])
def test_accept_language_picks_the_message_language(http: Any, header: str | None, lang: str) -> None:
    headers = {} if header is None else {"Accept-Language": header}
    r = http.app.test_client().get("/api/v1/tickets/nope", headers=headers)
    assert r.status_code == 404
    vi, en = MESSAGES["ticket_not_found"]
    assert r.get_json() == {"error": {"code": "ticket_not_found",
                                      "message": vi if lang == "vi" else en}}


def test_every_message_has_a_vietnamese_and_an_english_text() -> None:
    for code, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip() and vi != en, code
        assert VI_LETTERS.search(vi), code  # written with diacritics
        assert not VI_LETTERS.search(en), code
        assert sorted(re.findall(r"{\w+}", vi)) == sorted(re.findall(r"{\w+}", en)), code


def test_unknown_bearer_token_is_unauthorized(http: Any) -> None:
    msgs = http.refused("GET", "/api/v1/queue", None, None, 401, "unauthorized",
                        headers={"Authorization": "Bearer forged"})
    assert msgs["vi"] == "Vui lòng đăng nhập hoặc dùng mã thiết bị hợp lệ."


def test_unknown_counter_action_is_a_json_404(http: Any) -> None:
    msgs = http.refused("POST", "/api/v1/counters/18/explode", "canbo18", None, 404, "unknown_action")
    assert msgs == {"vi": "Thao tác không tồn tại.", "en": "Unknown action."}


def test_unknown_api_path_is_a_json_404_in_both_languages(http: Any) -> None:
    msgs = http.refused("GET", "/api/v1/no/such/thing", None, None, 404, "not_found")
    assert msgs == {"vi": "Không tìm thấy trang hoặc tài nguyên.", "en": "Not found."}


def test_wrong_method_is_a_json_405(http: Any) -> None:
    http.refused("DELETE", "/api/v1/tickets", "kiosk-A1", None, 405, "method_not_allowed")


def test_non_api_pages_keep_their_own_404(http: Any) -> None:
    r = http.call("GET", "/no-such-page")
    assert r.status_code == 404


def test_unexpected_failure_is_a_json_500_internal_error(http: Any, monkeypatch: Any) -> None:
    from server.services import queries

    def broken(ctx: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(queries, "site_info", broken)
    http.app.testing = False  # answer like production instead of raising into the test
    msgs = http.refused("GET", "/api/v1/site", None, None, 500, "internal_error")
    assert msgs == {"vi": "Đã có lỗi hệ thống. Vui lòng thử lại.",
                    "en": "Something went wrong. Please try again."}
