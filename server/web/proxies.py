"""The client's address behind a reverse proxy (nginx): per-address limits need the citizen's
address, not the proxy's. `XEPHANG_TRUSTED_PROXIES` (or the app's TRUSTED_PROXIES) lists the
proxies' addresses or networks, e.g. `127.0.0.1,10.0.0.0/8`. Only when the peer is one of them is
X-Forwarded-For read, from the right: the right-most hop that is not a trusted proxy is the
client (a client can write anything to the left of what its proxy appends, never to the right).
Without the setting, or from any other peer, the peer is the client and the header is ignored.
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

TRUSTED_PROXIES_ENV = "XEPHANG_TRUSTED_PROXIES"
PEER_KEY = "xephang.peer"  # the connection's own address, kept in the WSGI environ

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(text: str | None) -> tuple[Network, ...]:
    """The networks of `a.b.c.d, a.b.c.0/24, ::1, …`; ValueError naming a bad entry."""
    nets = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(part) from None
    return tuple(nets)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(addr, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    return mapped or addr


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
             nets: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr.version == n.version and addr in n for n in nets)


def client_address(peer: str, forwarded_for: str | None, nets: tuple[Network, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the right-most
    X-Forwarded-For hop that is not a trusted proxy (the left-most hop when all are). A hop that
    is not an address stops the walk: the last trusted hop before it is the client."""
    if not nets or not _trusted(_address(peer), nets):
        return peer
    client = peer
    for hop in reversed([h.strip() for h in (forwarded_for or "").split(",") if h.strip()]):
        addr = _address(hop)
        if addr is None:
            break
        client = str(addr)
        if not _trusted(addr, nets):
            break
    return client


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR becomes the client's address (`client_address`), the peer is
    kept under PEER_KEY. Outermost, so Socket.IO's connections see the same address."""

    def __init__(self, app: Callable[..., Iterable[bytes]], nets: tuple[Network, ...]) -> None:
        self.app, self.nets = app, nets

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR") or ""
        environ[PEER_KEY] = peer
        environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.nets)
        return self.app(environ, start_response)


def configured(config: dict[str, Any]) -> tuple[Network, ...]:
    """The trusted proxies of the app's config (TRUSTED_PROXIES) or the environment."""
    text = config.get("TRUSTED_PROXIES")
    return trusted_networks(os.environ.get(TRUSTED_PROXIES_ENV) if text is None else text)
