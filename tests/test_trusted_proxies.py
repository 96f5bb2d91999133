"""Per-address limits behind nginx (issue 10): with XEPHANG_TRUSTED_PROXIES the client's address
is read from X-Forwarded-For, the right-most hop that is not a trusted proxy, and only when the
connection comes from a trusted proxy; a spoofed header from anyone else changes nothing."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.web.proxies import client_address, trusted_networks
from tests.conftest import ROOT, LiveServer

NGINX = trusted_networks("127.0.0.1, 10.0.0.0/8")


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", NGINX) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"  # no setting
    assert client_address("127.0.0.1", None, NGINX) == "127.0.0.1"  # no header: the peer


def test_the_right_most_untrusted_hop_is_the_client() -> None:
    # nginx appends the address it saw; what the client wrote is to the left of it.
    assert client_address("127.0.0.1", "198.51.100.1", NGINX) == "198.51.100.1"
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.1", NGINX) == "198.51.100.1"
    # A load balancer of the LAN in front of nginx: skipped as trusted too.
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", NGINX) == "198.51.100.1"
    # Only proxies: the farthest one; garbage written by a client is never reached or taken.
    assert client_address("127.0.0.1", "10.0.0.7, 10.1.2.3", NGINX) == "10.0.0.7"
    assert client_address("127.0.0.1", "not-an-ip, 10.1.2.3", NGINX) == "10.1.2.3"
    assert client_address("::ffff:127.0.0.1", "2001:db8::5", NGINX) == "2001:db8::5"


def test_a_bad_entry_is_named() -> None:
    with pytest.raises(ValueError, match="10.0.0.0/33"):
        trusted_networks("127.0.0.1,10.0.0.0/33")


def test_a_server_with_a_bad_proxy_list_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    import os
    out = subprocess.run([sys.executable, "-m", "server.cli", "run", "--db",
                          str(tmp_path / "x.db"), "--port", "0"], cwd=ROOT, timeout=60,
                         env=dict(os.environ, XEPHANG_TRUSTED_PROXIES="127.0.0.1,nginx",
                                  LANG="en_US.UTF-8"), capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == ("xephang: XEPHANG_TRUSTED_PROXIES has an entry that is not an "
                                  "IP address or network: nginx (e.g. 127.0.0.1,10.0.0.0/8)")


@pytest.fixture
def behind_nginx(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server, trusting 127.0.0.1 as its proxy (nginx on the same machine)."""
    server = LiveServer(tmp_path)
    plain = server.env
    server.env = lambda: dict(plain(), XEPHANG_TRUSTED_PROXIES="127.0.0.1")  # type: ignore[method-assign]
    server.start()
    yield server
    server.stop()


def ask_code(server: LiveServer, n: int, source: str, forwarded_for: str | None) -> tuple[int, Any]:
    """POST /public/verify for phone number n over a connection from `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15,
                                      source_address=(source, 0))
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    conn.request("POST", "/api/v1/public/verify", headers=headers,
                 body=json.dumps({"phone": f"09{n:08d}", "consent": True}))
    r = conn.getresponse()
    answer = (r.status, json.loads(r.read()))
    conn.close()
    return answer


def test_each_citizen_behind_the_proxy_has_her_own_limit(behind_nginx: LiveServer) -> None:
    server = behind_nginx  # verify_per_address_hour = 20
    for n in range(20):
        assert ask_code(server, n, "127.0.0.1", "198.51.100.1")[0] == 202
    status, body = ask_code(server, 20, "127.0.0.1", "6.6.6.6, 198.51.100.1")
    assert (status, body["error"]["code"]) == (429, "limit_reached"), body
    assert "too many requests from this device" in body["error"]["message"]
    # Another citizen through the same proxy is not held back by her neighbour.
    assert ask_code(server, 21, "127.0.0.1", "198.51.100.2")[0] == 202


def test_a_spoofed_header_from_an_untrusted_peer_changes_nothing(behind_nginx: LiveServer) -> None:
    server = behind_nginx
    # 127.0.0.2 is not the proxy: a new X-Forwarded-For every time, still one address.
    for n in range(20):
        assert ask_code(server, n, "127.0.0.2", f"198.51.100.{n}")[0] == 202
    status, body = ask_code(server, 20, "127.0.0.2", "198.51.100.99")
    assert (status, body["error"]["code"]) == (429, "limit_reached"), body
    assert ask_code(server, 21, "127.0.0.1", "127.0.0.2")[0] == 429  # the same client, proxied
