"""The simulator's page in a real chromium against the real server (issue 12): a supervisor runs
the default morning and sees the bottleneck units, the chart and the table the API answered; she
runs the planner for one unit and sees its counter plan; a wrong number is shown at its field; a
department head cannot plan another unit and sees only hers; nothing overflows at 1366×768."""
from __future__ import annotations

import sqlite3
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import layout_problems, shot, sign_in

SLOW = 180_000  # ms: a full building morning in a niced process on a loaded machine


def open_page(browser: Browser, live_server: Any, who: str, width: int = 1366,
              height: int = 768) -> tuple[Any, Page]:
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.csrf = sign_in(page, live_server, who)["csrf_token"]  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/reports/simulate")
    expect(page.locator("#s-unit option").first).to_be_attached()
    page.errors = errors  # type: ignore[attr-defined]
    return ctx, page


def test_a_supervisor_runs_the_morning_then_plans_a_unit(browser: Browser, live_server: Any,
                                                        tmp_path: Any) -> None:
    ctx, page = open_page(browser, live_server, "giamsat")
    assert page.locator("#s-counters").input_value().split(" / ")[0] == \
        page.locator("#s-counters").input_value().split(" / ")[1]  # every counter by default
    page.fill("#s-reps", "2")
    page.click("#s-run")
    expect(page.locator("#sim-result")).to_be_visible(timeout=SLOW)
    bottlenecks = page.locator("#sim-bottlenecks li").all_text_contents()
    assert bottlenecks, "5,000 people in a morning overload some units"
    assert all("chờ quá hạn" in b for b in bottlenecks)
    chart = page.locator("#sim-chart")
    expect(chart).to_be_visible()
    page.wait_for_function("() => document.getElementById('sim-chart').naturalWidth > 0")
    assert page.locator("#sim-table tbody tr.sim-unit-row").count() >= 10
    assert layout_problems(page, vertical=False) == []
    shot(page, "simulate-morning", tmp_path)
    page.screenshot(path=str(tmp_path / "simulate-morning-full.png"), full_page=True)
    with page.expect_download() as d:
        page.click("#s-toml")
    assert "daily_total = 5000" in open(d.value.path(), encoding="utf-8").read()
    with page.expect_download() as d:
        page.click("#s-csv")
    assert "\nunit," in open(d.value.path(), encoding="utf-8-sig").read()

    page.select_option("#s-unit", "TP")
    page.click("#s-plan")
    expect(page.locator("#sim-planned")).to_be_visible(timeout=SLOW)
    expect(page.locator("#sim-plan-title")).to_contain_text("Sở Tư pháp")
    rows = page.locator("#sim-plan-table tbody tr")
    expect(rows).to_have_count(8)  # 07:30-11:30, 13:00-17:00 by the hour
    assert rows.first.locator("td").first.text_content() == "07:30–08:30"
    assert int(rows.first.locator("td").nth(1).text_content() or "x") >= 1
    assert layout_problems(page, vertical=False) == []
    shot(page, "simulate-plan", tmp_path)
    page.screenshot(path=str(tmp_path / "simulate-plan-full.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()


def test_wrong_input_is_shown_at_its_field_then_shifts_and_breaks_run(browser: Browser, live_server: Any) -> None:
    ctx, page = open_page(browser, live_server, "quantri")
    page.fill("#s-reps", "500")
    page.click("#s-run")
    expect(page.locator(".field-error[data-for='replications']")).to_contain_text("tối đa 30")
    expect(page.locator("#s-reps")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sim-result")).to_be_hidden()
    page.fill("#s-reps", "2")
    page.fill("#s-shifts", "08:00-10:00: 5 999")
    page.click("#s-run")
    expect(page.locator(".field-error[data-for='shifts']")).to_contain_text("999")
    expect(page.locator("#s-shifts")).to_have_attribute("aria-invalid", "true")
    # the demo scenario's shifts and breaks, typed on the page, reach the scenario file
    page.fill("#s-shifts", "08:00-10:00: 5 6")
    page.fill("#s-breaks", "10:00-10:15: 3")
    page.click("#s-run")
    expect(page.locator("#sim-result")).to_be_visible(timeout=SLOW)
    with page.expect_download() as d:
        page.click("#s-toml")
    text = open(d.value.path(), encoding="utf-8").read()
    assert '[[shifts]]\nhours = ["08:00-10:00"]\ncounters = [5, 6]' in text
    assert '[[breaks]]\nhours = ["10:00-10:15"]\ncounters = [3]' in text
    page.fill("#s-reps", "30")  # a long run, stopped from the page
    page.click("#s-run")
    page.click("#s-stop")
    expect(page.locator("#error-box")).to_have_text("Đã dừng mô phỏng")
    expect(page.locator("#s-run")).to_be_enabled()
    expect(page.locator("#s-stop")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()


def test_a_department_head_cannot_simulate_another_unit(browser: Browser, live_server: Any,
                                                        tmp_path: Any) -> None:
    raw = sqlite3.connect(live_server.db)
    raw.execute("UPDATE users SET units='[\"TP\"]' WHERE username='giamsat'")
    raw.commit()
    raw.close()
    ctx, page = open_page(browser, live_server, "giamsat")
    assert page.locator("#s-unit option").all_text_contents() == ["Sở Tư pháp"]
    # the API refuses another unit's plan even if asked
    r = page.request.post(f"{live_server.url}/api/v1/simulations",
                          data={"kind": "plan", "unit": "NV", "arrivals": {"daily_total": 100}},
                          headers={"X-CSRF-Token": page.csrf})  # type: ignore[attr-defined]
    assert r.status == 403 and r.json()["error"]["field"] == "unit"
    page.fill("#s-total", "800")
    page.fill("#s-reps", "2")
    page.click("#s-run")
    expect(page.locator("#sim-result")).to_be_visible(timeout=SLOW)
    expect(page.locator("#sim-table tbody tr.sim-unit-row")).to_have_count(1)
    expect(page.locator("#sim-table tbody tr.sim-unit-row td").first).to_have_text("Sở Tư pháp")
    shot(page, "simulate-scoped", tmp_path)
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()



def test_two_scenarios_side_by_side_then_in_english(browser: Browser, live_server: Any,
                                                    tmp_path: Any) -> None:
    ctx, page = open_page(browser, live_server, "quantri", 1920, 1080)
    page.fill("#s-reps", "2")
    page.click("#s-run")
    expect(page.locator("#s-keep")).to_be_enabled(timeout=SLOW)
    page.click("#s-keep")
    expect(page.locator("#s-kept")).to_be_visible()
    page.fill("#s-total", "3500")  # "what if 30% take remote numbers or appointments?"
    page.click("#s-run")
    expect(page.locator("#sim-compare")).to_be_visible(timeout=SLOW)
    heads = page.locator("#sim-compare-table thead th").all_text_contents()
    assert heads[1:3] == ["Chờ p90 A", "Chờ p90 B"]
    rows = page.locator("#sim-compare-table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
    p90 = [(float(r[1].replace(".", "").replace(",", ".")), float(r[2].replace(".", "").replace(",", ".")))
           for r in rows if r[1] != "—" and r[2] != "—"]
    assert p90 and sum(b for _, b in p90) < sum(a for a, _ in p90)  # fewer people, shorter waits
    assert layout_problems(page, vertical=False) == []
    page.click("#lang-toggle")
    expect(page.locator(".sim-bottlenecks h2")).to_have_text("Bottleneck units")
    expect(page.locator("#sim-table thead th").first).to_have_text("Unit / service")
    expect(page.locator("#sim-compare-table thead th").nth(1)).to_have_text("Wait p90 A")
    expect(page.locator("#sim-status")).to_contain_text("Done in")
    expect(page.locator("#s-kept")).to_contain_text("Scenario A kept")
    shot(page, "simulate-compare-en", tmp_path)
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()


def test_replay_today_with_two_more_counters(browser: Browser, live_server: Any) -> None:
    """"What if we had opened 2 more counters?": a morning served at counter 18, replayed."""
    from server.services.context import now_local, service_day
    from tests.browser.helpers import api_login, issue
    for _ in range(6):
        issue(live_server, "TP-LLTP")
    token = api_login(live_server, "canbo18")
    assert live_server.api("POST", "/api/v1/counters/18/open", token=token, json={}).status_code == 200
    for _ in range(3):
        for action in ("call-next", "start", "complete"):
            r = live_server.api("POST", f"/api/v1/counters/18/{action}", token=token, json={})
            assert r.status_code == 200, r.text
    ctx, page = open_page(browser, live_server, "quantri")
    page.select_option("#s-source", "replay")
    expect(page.locator("#s-total")).to_be_hidden()
    page.fill("#s-hours", "00:00-23:59")
    page.fill("#s-day", service_day(now_local()))
    page.fill("#s-more", "2")
    page.fill("#s-reps", "1")
    page.click("#s-run")
    expect(page.locator("#sim-result")).to_be_visible(timeout=SLOW)
    tp = page.locator("#sim-table tbody tr.sim-unit-row", has_text="Sở Tư pháp")
    expect(tp.locator("td").nth(1)).to_have_text("6")  # the day's six citizens
    with page.expect_download() as d:
        page.click("#s-toml")
    text = open(d.value.path(), encoding="utf-8").read()
    counters = next(line for line in text.splitlines() if line.startswith("counters = "))
    assert "18" in counters and counters.count(",") == 2  # counter 18 and two more
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()
