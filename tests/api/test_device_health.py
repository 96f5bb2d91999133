"""Device health with a controlled clock: presence and heartbeats, the alert for a device silent
during opening hours only (never for one never heard from), its end when the device returns, and
last contacts written at most every 30 s per device."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from server.services.context import TZ
from server.services.device_health import FLUSH_EVERY_S, DeviceHealth
from server.store import accounts

SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=TZ).timestamp()
MONDAY_9AM = datetime(2026, 12, 7, 9, 0, tzinfo=TZ).timestamp()


class Clock:
    """A clock the test moves."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def changes(health: DeviceHealth) -> list[dict[str, Any]]:
    """The device.changed payloads a check sends to `staff:devices` (and its scoped room)."""
    out = []
    for m in health.check():
        assert m.name == "device.changed" and m.rooms[0] == "staff:devices" and "seq" not in m.payload
        out.append(m.payload["device"])
    return out


def device_id(app: Any, name: str) -> int:
    with app.extensions["xephang"].db.read() as conn:
        return int(accounts.device_by_name(conn, name)["id"])


def test_a_silent_device_alerts_only_during_opening_hours_and_clears_on_return(site_app: Any) -> None:
    app, _ = site_app({"open_all_hours = true": "open_all_hours = false"})
    ctx = app.extensions["xephang"]
    clock = Clock(SUNDAY_3AM - 100)
    health = DeviceHealth(ctx, clock=clock)
    board, never = device_id(app, "board-lobby"), device_id(app, "kiosk-A1")
    assert changes(health) == []  # nothing heard from anyone: nothing to say
    health.connected("sid-1", board)
    [seen] = changes(health)
    assert (seen["name"], seen["online"], seen["alert"]) == ("board-lobby", True, False)
    health.disconnected("sid-1")
    [gone] = changes(health)
    assert (gone["online"], gone["alert"]) == (False, False)
    clock.at = SUNDAY_3AM  # silent for 100 s, but the centre is closed on Sunday night
    assert changes(health) == []
    clock.at = MONDAY_9AM  # opening hours: the silent board raises the alert
    [alert] = changes(health)
    assert (alert["name"], alert["online"], alert["alert"]) == ("board-lobby", False, True)
    assert alert["seen_at"].startswith("2026-12-06T02:58")
    assert changes(health) == []  # said once
    assert never not in health.views()  # kiosk-A1 never reported in: no alert for it
    health.heartbeat(board, "/board", None)
    [back] = changes(health)
    assert (back["online"], back["alert"], back["page"]) == (True, False, "/board")


def test_the_threshold_is_the_sites_policy(site_app: Any) -> None:
    app, _ = site_app({"device_silent_s = 60": "device_silent_s = 5"})
    clock = Clock(MONDAY_9AM)
    health = DeviceHealth(app.extensions["xephang"], clock=clock)
    board = device_id(app, "board-lobby")
    health.connected("s", board)
    health.disconnected("s")
    changes(health)
    clock.at += 4.9
    assert not health.views()[board]["alert"]
    clock.at += 0.2
    assert [c["alert"] for c in changes(health)] == [True]


def test_last_contacts_are_written_in_batches_at_most_every_30_s(site_app: Any) -> None:
    app, _ = site_app({})
    ctx = app.extensions["xephang"]
    clock = Clock(MONDAY_9AM)
    health = DeviceHealth(ctx, clock=clock)
    kiosk, board = device_id(app, "kiosk-A1"), device_id(app, "board-lobby")
    health.connected("a", kiosk)
    health.heartbeat(kiosk, "/kiosk", None)
    health.connected("b", board)
    assert health.flush() == 2  # first contact (and a page): written at once, in one batch
    for step in range(1, 30):  # heartbeats and checks every second: no write for 29 s
        clock.at = MONDAY_9AM + step
        health.heartbeat(kiosk, "/kiosk", health.views()[kiosk]["version"])
        health.check()
        assert health.flush() == 0
    clock.at = MONDAY_9AM + FLUSH_EVERY_S
    health.check()
    assert health.flush() == 2
    with ctx.db.read() as conn:
        stored = accounts.device_health(conn)
    assert stored[kiosk]["page"] == "/kiosk" and stored[kiosk]["last_seen"].startswith("2026-12-07T09:00:30")
    # A new server reads the last contact back (the page shows it while the device is away).
    health.disconnected("a")
    health.flush()
    later = DeviceHealth(ctx, clock=Clock(MONDAY_9AM + 3600))
    view = later.views()[kiosk]
    assert (view["online"], view["seen_at"][:19], view["page"]) == (False, "2026-12-07T09:00:30", "/kiosk")


SATURDAY_2PM = datetime(2026, 12, 5, 14, 0, tzinfo=TZ).timestamp()


def silent_board_alerts(app: Any, at: float) -> bool:
    """Whether the lobby board, silent for 100 s at `at`, raises the alert then."""
    health = DeviceHealth(app.extensions["xephang"], clock=Clock(at - 100))
    board = device_id(app, "board-lobby")
    health.connected("s", board)
    health.disconnected("s")
    changes(health)
    health.clock.at = at
    return any(c["alert"] for c in changes(health))


def add_day(app: Any, **day: Any) -> None:
    from server.services import closures
    from server.services.auth import CLI
    closures.add_calendar_day(app.extensions["xephang"], CLI, {"name": "Ngày thử", **day})


def test_no_alert_on_a_public_holiday(site_app: Any) -> None:
    app, _ = site_app({"open_all_hours = true": "open_all_hours = false"})
    assert silent_board_alerts(app, MONDAY_9AM)  # an ordinary Monday morning: alert
    add_day(app, kind="holiday", date="2026-12-07")
    assert not silent_board_alerts(app, MONDAY_9AM)  # the boards are switched off on a holiday


def test_a_compensating_saturday_alerts_in_the_hours_of_the_weekday_it_replaces(site_app: Any) -> None:
    app, _ = site_app({"open_all_hours = true": "open_all_hours = false"})
    assert not silent_board_alerts(app, SATURDAY_2PM)  # Saturday hours end at 11:30
    add_day(app, kind="working", date="2026-12-05", as_weekday=0)  # works as a Monday
    assert silent_board_alerts(app, SATURDAY_2PM)


def test_a_day_the_whole_centre_is_closed_raises_no_alert_one_unit_closed_does(site_app: Any) -> None:
    app, _ = site_app({"open_all_hours = true": "open_all_hours = false"})
    some_unit = next(iter(app.extensions["xephang"].site.units))
    add_day(app, kind="closure", date="2026-12-07", units=[some_unit])
    assert silent_board_alerts(app, MONDAY_9AM)  # the other units take tickets
    add_day(app, kind="closure", date="2026-12-07")
    assert not silent_board_alerts(app, MONDAY_9AM)


def test_a_check_looks_only_at_devices_that_changed_or_reached_a_deadline(site_app: Any) -> None:
    app, _ = site_app({})
    ctx = app.extensions["xephang"]
    clock = Clock(MONDAY_9AM)
    health = DeviceHealth(ctx, clock=clock)
    with ctx.db.read() as conn:
        ids = [d["id"] for d in accounts.list_devices(conn)]
    for i, d in enumerate(ids):
        health.connected(f"s{i}", d)
    assert len(changes(health)) == len(ids)
    looked: list[int] = []
    state = health._state
    health._state = lambda i, *a: (looked.append(i), state(i, *a))[1]  # type: ignore[method-assign]
    clock.at += 5
    assert changes(health) == [] and looked == []  # nothing happened: nothing looked at
    health.disconnected("s0")
    clock.at += 1
    [gone] = changes(health)
    assert (gone["id"], gone["online"], looked) == (ids[0], False, [ids[0]])
    looked.clear()
    clock.at += 60  # the threshold passes for that one device only
    [alert] = changes(health)
    assert (alert["id"], alert["alert"], looked) == (ids[0], True, [ids[0]])
    looked.clear()
    clock.at += 60
    assert changes(health) == [] and looked == []  # said once; not looked at again


def test_a_second_process_hears_of_a_device_connected_to_the_first_and_alerts_only_when_it_is_silent(
        site_app: Any) -> None:
    from server.services.context import Context
    from server.store import Database
    app, _ = site_app({})
    first = app.extensions["xephang"]
    second = Context.open(Database(first.db.location))  # its own pool, like another process
    clock = Clock(MONDAY_9AM)
    here, there = DeviceHealth(first, clock=clock), DeviceHealth(second, clock=clock)
    board = device_id(app, "board-lobby")
    here.connected("s", board)
    seen: list[tuple[bool, bool]] = []
    for _ in range(12):  # two minutes, a round every 10 s: connected to the first process only
        clock.at += 10
        changes(here)
        here.flush()
        seen += [(c["online"], c["alert"]) for c in changes(there)]
    assert seen == [(True, False)]  # the second process says it is online, never raises an alert
    here.disconnected("s")
    for _ in range(8):
        clock.at += 10
        changes(here)
        here.flush()
        seen += [(c["online"], c["alert"]) for c in changes(there)]
    assert seen == [(True, False), (False, False), (False, True)]
    second.db.close()


def test_after_a_restart_a_device_silent_since_before_it_raises_the_alert(site_app: Any) -> None:
    app, _ = site_app({})
    ctx = app.extensions["xephang"]
    board, kiosk = device_id(app, "board-lobby"), device_id(app, "kiosk-A1")
    before = DeviceHealth(ctx, clock=Clock(MONDAY_9AM - 3600))
    before.connected("s", board)
    before.disconnected("s")
    before.flush()
    clock = Clock(MONDAY_9AM)
    after = DeviceHealth(ctx, clock=clock)  # the server restarted an hour later
    after.connected("k", kiosk)  # another device reports in (and is written) before any check
    after.flush()
    clock.at += 61  # devices get a minute to reconnect after a restart
    assert [(c["name"], c["alert"]) for c in changes(after) if c["alert"]] == [("board-lobby", True)]
