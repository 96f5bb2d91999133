"""/admin/users and /admin/devices in a real chromium at the console size (1366×768): an admin walks
every form, meets every validation error next to its field, sees a generated password and a pairing
QR code once; a supervisor sees the same pages read-only."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import assert_fits, shot, sign_in

CONSOLE = {"width": 1366, "height": 768}


def signed_in(browser: Browser, live_server: Any, who: str, path: str) -> Page:
    page = browser.new_context(viewport=CONSOLE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.on("dialog", lambda d: d.accept())  # "Disable lan?" and the like: yes
    sign_in(page, live_server, who)
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#admin-main")).to_be_visible()
    return page


@pytest.fixture
def admin_users(browser: Browser, live_server: Any) -> Iterator[Page]:
    page = signed_in(browser, live_server, "quantri", "/admin/users")
    expect(page.locator('#users-body tr[data-username="canbo17"]')).to_be_visible()
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def field_error(page: Page, form: str, field: str, text: str) -> None:
    """Submit the form and see `text` next to `field`, which is marked invalid."""
    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator(f'#{form} .field-error[data-for="{field}"]')).to_have_text(text)
    expect(page.locator(f'#{form} [name="{field}"]')).to_have_attribute("aria-invalid", "true")


def login_works(live_server: Any, username: str, password: str) -> bool:
    r = requests.post(f"{live_server.url}/api/v1/auth/login", timeout=10,
                      json={"username": username, "password": password})
    return r.status_code == 200


def test_an_admin_creates_edits_disables_and_resets_a_user(admin_users: Page, live_server: Any,
                                                           tmp_path: Any) -> None:
    page = admin_users
    assert_fits(page, shot(page, "admin-users", tmp_path))
    form = "user-form"
    page.fill("#u-username", "canbo17")
    page.fill("#u-display", "Lê Văn Lan")
    page.fill("#u-counters", "12")
    field_error(page, form, "username", "Tên đăng nhập canbo17 đã có người dùng.")
    page.fill("#u-username", "Lan Anh")
    field_error(page, form, "username", "Tên đăng nhập gồm 1–64 ký tự: chữ thường không dấu, số, "
                                        "dấu chấm, gạch.")
    page.fill("#u-username", "lan")
    page.fill("#u-counters", "99")
    field_error(page, form, "counters", "Không có quầy 99.")
    page.fill("#u-counters", "")
    field_error(page, form, "counters", "Cán bộ phải được giao ít nhất một quầy.")
    page.fill("#u-counters", "12, 13")
    page.fill("#u-password", "12345678")
    field_error(page, form, "password", "Mật khẩu quá yếu: cần ít nhất 8 ký tự, không chỉ gồm số, "
                                        "không chứa tên đăng nhập.")
    expect(page.locator("#error-box")).to_contain_text("Mật khẩu quá yếu")
    assert_fits(page, shot(page, "admin-users-error", tmp_path))
    page.fill("#u-password", "")  # empty: a generated one, shown once
    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator("#done-box")).to_have_text("Đã tạo người dùng lan.")
    expect(page.locator("#secret-box")).to_be_visible()
    password = page.locator("#secret-password").inner_text()
    assert len(password) == 12 and login_works(live_server, "lan", password)
    assert_fits(page, shot(page, "admin-users-password-once", tmp_path))
    page.click("#secret-close")
    expect(page.locator("#secret-box")).to_be_hidden()
    assert password not in page.content()  # gone from the page
    row = page.locator('#users-body tr[data-username="lan"]')
    expect(row).to_contain_text("Lê Văn Lan")
    expect(row).to_contain_text("12, 13")

    # A supervisor scoped to a unit that does not exist, then to Sở Tư pháp.
    page.locator('#users-body tr[data-username="giamsat"] button', has_text="Sửa").click()
    expect(page.locator("#user-form-title")).to_have_text("Sửa người dùng giamsat")
    expect(page.locator("#u-units-row")).to_be_visible()
    page.locator("#u-units").select_option(["TP"])
    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator("#done-box")).to_have_text("Đã lưu người dùng giamsat.")
    expect(page.locator('#users-body tr[data-username="giamsat"]')).to_contain_text("TP")
    page.locator('#users-body tr[data-username="giamsat"] button', has_text="Sửa").click()
    page.evaluate("""() => { const s = document.getElementById('u-units'); const o = document.createElement('option');
        o.value = 'NOPE'; o.textContent = 'NOPE'; o.selected = true; s.appendChild(o); }""")
    field_error(page, form, "units", "Không có đơn vị NOPE.")
    page.click("#user-cancel")

    # Disable (sessions end), enable, and the admin cannot disable herself.
    page.locator('#users-body tr[data-username="lan"] button', has_text="Khóa").click()
    expect(page.locator("#done-box")).to_have_text("Đã khóa lan: mọi phiên đăng nhập đã kết thúc.")
    expect(page.locator('#users-body tr[data-username="lan"] .state')).to_have_text("Đã khóa")
    assert not login_works(live_server, "lan", password)
    page.locator('#users-body tr[data-username="lan"] button', has_text="Mở khóa").click()
    expect(page.locator('#users-body tr[data-username="lan"] .state')).to_have_text("Đang dùng")
    page.locator('#users-body tr[data-username="quantri"] button', has_text="Khóa").click()
    expect(page.locator("#error-box")).to_have_text("Bạn không thể tự khóa tài khoản của mình.")
    page.locator('#users-body tr[data-username="lan"] button', has_text="Đặt lại mật khẩu").click()
    expect(page.locator("#secret-box")).to_be_visible()
    fresh = page.locator("#secret-password").inner_text()
    assert fresh != password and login_works(live_server, "lan", fresh)
    assert not login_works(live_server, "lan", password)

    page.click("#lang-toggle")  # English second
    expect(page.locator('#users-body tr[data-username="lan"] .state')).to_have_text("Active")
    page.click("#user-new")
    page.fill("#u-username", "lan")
    page.fill("#u-counters", "12")
    field_error(page, form, "username", "The username lan is already taken.")
    assert_fits(page, shot(page, "admin-users-en", tmp_path))


def test_an_admin_adds_a_device_and_sees_its_pairing_qr_once(browser: Browser, live_server: Any,
                                                            tmp_path: Any) -> None:
    page = signed_in(browser, live_server, "quantri", "/admin/devices")
    expect(page.locator('#devices-body tr[data-device="kiosk-A1"]')).to_be_visible()
    assert_fits(page, shot(page, "admin-devices", tmp_path))
    form = "device-form"
    page.fill("#d-name", "kiosk-A1")
    field_error(page, form, "name", "Đã có thiết bị tên kiosk-A1.")
    page.fill("#d-name", "bad name")
    field_error(page, form, "name", "Tên thiết bị gồm 1–64 ký tự: chữ không dấu, số, dấu chấm, gạch.")
    page.fill("#d-name", "quay-20b")
    page.select_option("#d-kind", "counter")
    expect(page.locator("#d-printer-row")).to_be_hidden()
    field_error(page, form, "counter", "Màn hình quầy phải gắn với một quầy.")
    page.fill("#d-counter", "99")
    field_error(page, form, "counter", "Không có quầy 99.")
    page.select_option("#d-kind", "kiosk")
    page.fill("#d-name", "kiosk-moi")
    page.fill("#d-printer", "ftp://may-in")
    field_error(page, form, "printer", "Địa chỉ máy in không hợp lệ (vd. tcp://10.10.2.21:9100, "
                                       "usb://04b8:0202, agent, virtual).")
    page.fill("#d-printer", "virtual")
    page.select_option("#d-zone", "A1")
    page.evaluate("""() => { const s = document.getElementById('d-zone'); const o = document.createElement('option');
        o.value = 'Z9'; s.appendChild(o); s.value = 'Z9'; }""")
    field_error(page, form, "zone", "Không có khu Z9.")
    page.select_option("#d-zone", "A1")
    page.evaluate("""() => { const s = document.getElementById('d-paper'); const o = document.createElement('option');
        o.value = 'A4'; s.appendChild(o); s.value = 'A4'; }""")
    field_error(page, form, "paper", "Khổ giấy phải là 80mm hoặc 58mm.")
    page.select_option("#d-paper", "80mm")
    page.evaluate("""() => { const s = document.getElementById('d-kind'); const o = document.createElement('option');
        o.value = 'toaster'; s.appendChild(o); s.value = 'toaster'; }""")
    field_error(page, form, "kind", "Loại thiết bị phải là kiosk, display hoặc counter.")
    page.select_option("#d-kind", "kiosk")
    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator("#done-box")).to_have_text("Đã thêm thiết bị kiosk-moi.")
    expect(page.locator("#pair-box")).to_be_visible()
    link = page.locator("#pair-url").inner_text()
    assert "/pair?token=" in link
    qr = page.locator("#pair-qr")
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # the QR really renders
    assert_fits(page, shot(page, "admin-devices-pair-qr", tmp_path))
    token = link.split("token=", 1)[1]
    assert requests.get(f"{live_server.url}/api/v1/me", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.click("#pair-close")
    expect(page.locator("#pair-box")).to_be_hidden()
    assert token not in page.content()
    row = page.locator('#devices-body tr[data-device="kiosk-moi"]')
    expect(row.locator(".health")).to_have_attribute("data-state", "never")
    expect(row).to_contain_text("Chưa kết nối")

    # The device pairs and comes online: the row follows live.
    ctx = browser.new_context(viewport={"width": 1080, "height": 1920})
    kiosk = ctx.new_page()
    kiosk.goto(link)
    expect(row.locator(".health")).to_have_attribute("data-state", "online")
    expect(row).to_contain_text("Trực tuyến")
    # Pair again: the old token stops; revoke: the kiosk is cut off.
    row.locator("button", has_text="Ghép lại").click()
    expect(page.locator("#pair-box")).to_be_visible()
    assert requests.get(f"{live_server.url}/api/v1/me", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page.click("#pair-close")
    row.locator("button", has_text="Thu hồi").click()
    expect(page.locator("#done-box")).to_have_text("Đã thu hồi kiosk-moi: thiết bị đã bị ngắt.")
    expect(row.locator(".health")).to_have_attribute("data-state", "revoked")
    ctx.close()
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


@pytest.mark.parametrize("path,row", [("/admin/users", '#users-body tr[data-username="canbo17"]'),
                                      ("/admin/devices", '#devices-body tr[data-device="kiosk-A1"]')])
def test_a_supervisor_sees_them_read_only(browser: Browser, live_server: Any, tmp_path: Any,
                                          path: str, row: str) -> None:
    page = signed_in(browser, live_server, "giamsat", path)
    expect(page.locator(row)).to_be_visible()
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator(".people-side")).to_be_hidden()
    expect(page.locator(f"{row} .row-actions")).to_be_hidden()
    expect(page.locator(".people-head button")).to_be_hidden()
    assert_fits(page, shot(page, "admin" + path.replace("/", "-") + "-readonly", tmp_path))
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()
