"""Validation messages the other admin-page tests did not meet, in a real chromium against the real
server: a year out of range, an admin demoting herself, and the refusals an admin meets when
another admin changed something under the form she is filling in (a record retired, an hours
profile retired) — the live lists show the change, the form keeps what she typed, and saving
tells her why, next to the field at fault."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from server.i18n import message
from tests.browser.test_admin_live import open_admin  # noqa: F401 - the fixture
from tests.browser.test_admin_site import NEW, fill


def vi(code: str, **params: Any) -> str:
    return message(code, "vi", **params)


def test_a_year_out_of_range_is_refused_in_the_page(open_admin: Any) -> None:  # noqa: F811
    page = open_admin("/admin/calendar")
    page.locator("#y-year").fill("1999")
    page.locator("#year-form [type=submit]").click()
    expect(page.locator("#error-box")).to_have_text(vi("year_invalid"))
    expect(page.locator("#y-year")).to_have_attribute("aria-invalid", "true")


def test_an_admin_cannot_demote_herself(open_admin: Any) -> None:  # noqa: F811
    page = open_admin("/admin/users")
    page.locator('#users-body tr[data-username="quantri"] button').first.click()
    page.locator("#u-role").select_option("supervisor")
    page.locator("#user-form button[type=submit]").click()
    expect(page.locator('#user-form .field-error[data-for="role"]')).to_have_text(vi("cannot_demote_self"))
    expect(page.locator("#u-role")).to_have_attribute("aria-invalid", "true")


def test_saving_a_service_another_admin_retired_says_so(open_admin: Any, live_server: Any) -> None:  # noqa: F811
    page = open_admin("/admin/site/services")
    page.locator('.sc-list[data-kind="service"] tr[data-key="TP-QT"] [data-act="edit"]').click()
    page.locator('#sc-form [name="name"]').fill("Quốc tịch (sửa)")
    r = live_server.api("POST", "/api/v1/admin/site/service/TP-QT/retire", who="quantri", json={})
    assert r.status_code == 200, r.text
    row = page.locator('.sc-list[data-kind="service"] tr[data-key="TP-QT"]')
    expect(row.locator('[data-act="restore"]')).to_be_visible()  # the list shows it retired
    expect(page.locator('#sc-form [name="name"]')).to_have_value("Quốc tịch (sửa)")
    page.locator("#sc-form [type=submit]").click()
    expect(page.locator("#error-box")).to_have_text(vi("config_retired", value="TP-QT"))


def test_a_new_service_on_an_hours_profile_just_retired_is_refused_on_that_field(
        open_admin: Any, live_server: Any) -> None:  # noqa: F811
    r = live_server.api("POST", "/api/v1/admin/site/hours", who="quantri",
                        json={"code": "evening", "days": {"mon": "17:00-19:00"}})
    assert r.status_code == 201, r.text
    page = open_admin("/admin/site/services")
    page.locator('.sc-list[data-kind="service"] [data-act="add"]').click()
    fill(page, {**NEW, "unit": "TP", "zone": "A1", "hours_profile": "evening", "counters": [18]})
    r = live_server.api("POST", "/api/v1/admin/site/hours/evening/retire", who="quantri", json={})
    assert r.status_code == 200, r.text
    page.locator("#sc-form [type=submit]").click()
    field = page.locator('#sc-form .field-error[data-for="hours_profile"]')
    expect(field).to_have_text(vi("retired_reference", value="evening"))
    expect(page.locator('#sc-form [name="hours_profile"]')).to_have_attribute("aria-invalid", "true")
