"""The documented systemd unit: a service user, restart on failure, many open files, a 0700 home."""
from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "xephang.service"


def test_the_service_unit_restarts_runs_as_its_user_and_allows_many_connections() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT)
    service = unit["Service"]
    assert service["User"] == "xephang" and service["Restart"] == "on-failure"
    assert int(service["LimitNOFILE"]) >= 8192
    assert service["StateDirectoryMode"] == "0700" and service["UMask"] == "0077"
    assert "xephang run" in service["ExecStart"]
    assert "deploy/xephang.service" in (UNIT.parent.parent / "README.md").read_text(encoding="utf-8")


def test_systemd_finds_nothing_wrong_with_the_unit_but_the_missing_install() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    out = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if line.strip() and "/opt/xephang/.venv/bin/xephang" not in line]
    assert problems == []
