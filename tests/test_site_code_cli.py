"""`--site-code CODE` (issue 9): the commands that act on one site name it; by default the only
site; with several sites a command that needs one refuses to guess (vi first, then en)."""
from __future__ import annotations

from pathlib import Path

from tests.test_sites import xephang


def test_commands_act_on_the_site_their_site_code_names(tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    assert xephang("init", "--db", db, "--no-demo").returncode == 0
    # one site: no code needed, as before issue 9
    assert xephang("device", "add", "kiosk-A1", "--kind", "kiosk", "--zone", "A1",
                   "--db", db).returncode == 0
    assert xephang("site", "add", "ben-thanh", "--name", "Phường Bến Thành", "--db", db).returncode == 0

    refused = xephang("device", "list", "--db", db, lang="vi_VN.UTF-8")
    assert refused.returncode == 2
    assert "--site-code" in refused.stderr and "2 điểm phục vụ" in refused.stderr, refused.stderr
    unknown = xephang("device", "list", "--db", db, "--site-code", "nowhere")
    assert unknown.returncode == 2 and "nowhere" in unknown.stderr, unknown.stderr

    # the ward's own configuration (the same site file: the same zone codes), then its own kiosk
    made = xephang("init", "--db", db, "--no-demo", "--site-code", "ben-thanh")
    assert made.returncode == 0, made.stderr
    added = xephang("device", "add", "kiosk-A1", "--kind", "kiosk", "--zone", "A1", "--db", db,
                    "--site-code", "ben-thanh")
    assert added.returncode == 0, added.stderr  # the same name as the centre's: unique per site
    ward = xephang("device", "list", "--db", db, "--site-code", "ben-thanh").stdout.splitlines()
    centre = xephang("device", "list", "--db", db, "--site-code", "hcmc").stdout.splitlines()
    assert [line.split("\t")[0] for line in ward] == ["kiosk-A1"]
    assert [line.split("\t")[0] for line in centre] == ["kiosk-A1"]
    # removing the ward's kiosk leaves the centre's working
    assert xephang("device", "remove", "kiosk-A1", "--db", db, "--site-code", "ben-thanh").returncode == 0
    assert "active" in xephang("device", "list", "--db", db, "--site-code", "hcmc").stdout
    assert "removed" in xephang("device", "list", "--db", db, "--site-code", "ben-thanh").stdout
    # the audit trail of each site shows its own changes
    ward_audit = xephang("audit", "--db", db, "--site-code", "ben-thanh").stdout
    centre_audit = xephang("audit", "--db", db, "--site-code", "hcmc").stdout
    assert "device.revoke" in ward_audit or "revoke" in ward_audit, ward_audit
    assert "revoke" not in centre_audit, centre_audit
