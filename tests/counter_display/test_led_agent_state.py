"""The LED agent's event → display logic, fed with server messages, writing to loop://."""
from __future__ import annotations

from typing import Any

from counter_display.led import LedDisplay, decode_ascii, decode_modbus, split_ascii_frames
from counter_display.led_agent import CounterLedState, LedAgent

BLANK = "    "


def ticket(tid: int, number: str, status: str, counter: int | None = 17) -> dict[str, Any]:
    """A PublicTicket as in docs/contract.md (the fields the agent may read; no id)."""
    return {"number": number, "status": status, "counter": counter, "zone": "A1",
            "service": "TP-LLTP", "recalls": 0}


def counter(state: str = "open", current: dict[str, Any] | None = None, number: int = 17) -> dict:
    """A Counter object as in docs/contract.md."""
    return {"number": number, "name": f"Quầy {number}", "zone": "A1", "floor": 1, "state": state,
            "services": ["TP-LLTP"], "officer": "Nguyễn Thị Lan", "ticket": current, "parked": []}


def snapshot(seq: int, ctr: dict[str, Any]) -> dict[str, Any]:
    """The snapshot a counter device receives on connect."""
    return {"seq": seq, "day": "2026-11-25", "role": "counter", "rooms": ["counter:17"],
            "services": [], "counters": [ctr], "recent_calls": [], "counter": ctr}


def called(seq: int, tid: int, number: str, at: int = 17, recall: bool = False) -> dict[str, Any]:
    """A ticket.called payload."""
    return {"seq": seq, "number": number, "counter": at, "counter_name": f"Quầy {at}",
            "zone": "A1", "floor": 1, "service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
            "service_name_en": "Judicial records", "recall": recall, "at": ""}


def changed(seq: int, t: dict[str, Any]) -> dict[str, Any]:
    """A ticket.changed payload."""
    return {"seq": seq, "ticket": t, "counter": t["counter"]}


def frames_on(display: LedDisplay) -> list[str]:
    """Everything written to the loop:// port so far, as the texts the display shows."""
    port = display.port
    assert port is not None
    frames, rest = split_ascii_frames(port.read(port.in_waiting))
    assert rest == b""
    return [decode_ascii(f)[1] for f in frames]


def test_agent_writes_only_what_the_citizen_should_see():
    display = LedDisplay("loop://", "ascii", address=1)
    agent = LedAgent("http://127.0.0.1:9", "token", display, handle_sigint=False)
    feed = agent.apply

    feed("ticket.called", called(11, 1, "1023"))             # before the snapshot: held
    assert display.port is None                               # nothing written yet
    feed("snapshot", snapshot(10, counter("open")))           # then applied: 11 > 10
    feed("ticket.called", called(12, 1, "1023", recall=True)) # recall: same number, no rewrite
    feed("ticket.changed", changed(13, ticket(1, "1023", "serving")))
    feed("ticket.changed", changed(13, ticket(1, "1023", "done")))      # duplicate seq: ignored
    assert frames_on(display) == ["1023"]

    feed("ticket.changed", changed(14, ticket(1, "1023", "done")))      # completed → blank
    feed("ticket.called", called(15, 2, "1024"))
    feed("ticket.called", called(16, 3, "2001", at=18))                 # another counter
    feed("counter.changed", {"seq": 17, "counter": counter("paused", ticket(2, "1024", "serving"))})
    feed("counter.changed", {"seq": 19, "counter": counter("open", ticket(2, "1024", "serving"))})
    feed("ticket.changed", changed(18, ticket(2, "1024", "called")))    # late, older: ignored
    feed("ticket.called", called(5, 9, "0999"))                         # stale seq: ignored
    assert frames_on(display) == [BLANK, "1024", BLANK, "1024"]
    agent.stop()


def test_agent_drives_a_modbus_display():
    display = LedDisplay("loop://", "modbus", address=3)
    agent = LedAgent("http://127.0.0.1:9", "token", display, handle_sigint=False)
    agent.apply("snapshot", snapshot(1, counter("open", ticket(4, "A0042", "called"))))
    agent.apply("ticket.changed", changed(2, ticket(4, "A0042", "no_show")))
    port = display.port
    assert port is not None
    assert [decode_modbus(port.read(8)) for _ in range(2)] == [(3, 0, 42), (3, 0, 0)]
    agent.stop()


def test_snapshot_of_a_paused_or_closed_counter_is_blank():
    state = CounterLedState()
    assert state.apply_snapshot(snapshot(3, counter("paused", ticket(1, "1023", "serving")))) is None
    assert state.apply_snapshot(snapshot(3, counter("closed"))) is None
    assert state.apply_snapshot(snapshot(4, counter("open", ticket(1, "1023", "serving")))) == "1023"


def test_older_event_still_updates_the_fact_it_is_newest_for():
    # python-socketio runs each handler in its own thread, so seq 21 may be applied after 22
    state = CounterLedState()
    state.apply_snapshot(snapshot(20, counter("open", ticket(1, "1023", "serving"))))
    assert state.apply_event("ticket.changed", changed(22, ticket(1, "1023", "serving"))) == "1023"
    assert state.apply_event("counter.changed",
                             {"seq": 21, "counter": counter("paused", ticket(1, "1023", "called"))}) is None
    assert state.state == "paused" and state.number == "1023"


def test_reconnect_snapshot_replaces_state_even_with_a_lower_seq():
    # a server restored from a fresh database starts its log again
    state = CounterLedState()
    state.apply_snapshot(snapshot(500, counter("open", ticket(1, "1023", "called"))))
    state.disconnected()
    assert state.apply_event("ticket.called", called(7, 5, "1030")) == "1023"   # held
    assert state.apply_snapshot(snapshot(6, counter("open"))) == "1030"


def test_ticket_moved_to_another_counter_blanks_ours():
    state = CounterLedState()
    state.apply_snapshot(snapshot(1, counter("open", ticket(1, "1023", "serving"))))
    assert state.apply_event("ticket.changed", changed(2, ticket(1, "1023", "waiting", None))) is None


def test_agent_rewrites_the_current_number_once_the_port_is_back():
    clock = [100.0]
    display = LedDisplay("loop://", "ascii", address=1, clock=lambda: clock[0])
    agent = LedAgent("http://127.0.0.1:9", "token", display, handle_sigint=False)
    agent.apply("snapshot", snapshot(1, counter("open")))
    assert frames_on(display) == [BLANK]
    display.port.close()                                      # the display's cable is pulled
    agent.apply("ticket.called", called(2, 1, "1023"))
    assert agent.failed and display.port is None
    assert not agent.rewrite()                                # still inside the backoff
    clock[0] += display.retry_in
    assert agent.rewrite()                                    # reopened: the number is back
    assert frames_on(display) == ["1023"]
    agent.stop()
