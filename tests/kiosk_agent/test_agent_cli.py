"""The agent's command line refuses what it cannot run with, before connecting anywhere."""
from __future__ import annotations

import pytest

from kiosk.agent import parse_args


def test_the_command_line_is_read() -> None:
    args = parse_args(["--server", "http://127.0.0.1:5000", "--token", "T", "--printer",
                       "usb://04b8:0202", "--paper", "58mm", "--poll", "10"])
    assert (args.server, args.token, args.printer, args.paper, args.poll) == \
        ("http://127.0.0.1:5000", "T", "usb://04b8:0202", "58mm", 10.0)
    assert parse_args(["--server", "s", "--token", "T", "--printer", "virtual:///tmp/x"]).paper is None


@pytest.mark.parametrize("argv", [
    ["--server", "s", "--token", "T", "--printer", "bogus://x"],
    ["--server", "s", "--token", "T", "--printer", "usb://not-an-id"],
    ["--server", "s", "--token", "T", "--printer", "tcp://h:9100", "--paper", "70mm"],
    ["--server", "s", "--token", "T", "--printer", "tcp://h:9100", "--poll", "0"],
])
def test_what_cannot_work_is_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(argv)
    assert stop.value.code == 2


def test_the_token_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XEPHANG_DEVICE_TOKEN", raising=False)
    with pytest.raises(SystemExit):
        parse_args(["--server", "s", "--printer", "tcp://h:9100"])
    monkeypatch.setenv("XEPHANG_DEVICE_TOKEN", "from-env")
    assert parse_args(["--server", "s", "--printer", "tcp://h:9100"]).token == "from-env"
