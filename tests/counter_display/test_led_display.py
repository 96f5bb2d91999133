"""LedDisplay on real pyserial ports: what reaches the wire, and recovery from a dead port."""
from __future__ import annotations

import serial

from counter_display.led import LedDisplay, decode_ascii, decode_modbus, open_port, split_ascii_frames


class FakeClock:
    """A monotonic clock the test moves by hand, so backoff needs no sleeping."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def read_back(display: LedDisplay, n: int) -> bytes:
    """Bytes a loop:// port echoes back (the port has a 1 s read timeout)."""
    assert display.port is not None
    return display.port.read(n)


def test_ascii_display_over_loop_writes_the_number_frame():
    display = LedDisplay("loop://", "ascii", address=5)
    assert display.show("1023")
    assert display.show(None)
    frames, rest = split_ascii_frames(read_back(display, 16))
    assert [decode_ascii(f) for f in frames] == [(5, "1023"), (5, "    ")]
    assert rest == b""
    display.close()


def test_modbus_display_over_loop_writes_register_0():
    display = LedDisplay("loop://", "modbus", address=1)
    assert display.show("23")
    assert read_back(display, 8) == bytes.fromhex("01 06 00 00 00 17 c9 c4")
    assert display.show("B0042")
    assert decode_modbus(read_back(display, 8)) == (1, 0, 42)
    display.close()


def test_serial_url_maps_to_device_and_settings(monkeypatch):
    opened: list[tuple[str, dict]] = []
    real = serial.serial_for_url

    def recording_serial_for_url(url, **kw):
        opened.append((url, kw))
        return real("loop://", **kw)      # no hardware here: hand back a loop port

    monkeypatch.setattr(serial, "serial_for_url", recording_serial_for_url)
    open_port("serial:///dev/ttyUSB0?baudrate=19200&parity=E").close()
    open_port("serial://COM3").close()
    open_port("socket://127.0.0.1:9").close()
    assert opened[0][0] == "/dev/ttyUSB0"
    assert opened[0][1]["baudrate"] == 19200 and opened[0][1]["parity"] == "E"
    assert opened[1][0] == "COM3" and opened[1][1]["baudrate"] == 9600
    assert opened[2][0] == "socket://127.0.0.1:9"     # other pyserial URLs pass through


def test_write_error_closes_and_reopens_after_backoff():
    clock = FakeClock()
    opens: list[str] = []

    def opener(url: str) -> serial.SerialBase:
        opens.append(url)
        return open_port(url)

    display = LedDisplay("loop://", "ascii", address=1, clock=clock, opener=opener)
    assert display.show("1")
    display.port.close()                    # the cable is pulled: the next write fails
    assert not display.show("2")
    assert display.port is None and "write" in display.last_error
    assert not display.show("3")            # within the backoff: no reopen attempt
    assert len(opens) == 1
    clock.now += display.retry_in
    assert display.show("4")                # reopened and written
    assert len(opens) == 2
    assert decode_ascii(read_back(display, 8)) == (1, "   4")
    display.close()


def test_missing_device_never_raises_and_backs_off_longer():
    clock = FakeClock()
    display = LedDisplay("serial:///dev/xephang-no-such-tty?baudrate=9600", "ascii", 1, clock=clock)
    delays = []
    for _ in range(4):
        assert not display.show("7")
        delays.append(display.retry_in)
        clock.now += display.retry_in
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert "xephang-no-such-tty" in display.last_error
