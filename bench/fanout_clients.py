"""The screens of bench_fanout.py: many Socket.IO clients in one asyncio process.

Driven over stdin/stdout, one JSON object a line (so the driver can await each fan-out):
  {"op": "connect", "target": T, "url": U, "token": K, "n": N}  -> {"ok": true, "clients": total}
  {"op": "expect", "target": T, "key": NUMBER, "settle": bool, "timeout_s": s}
      -> {"ok": true, "times": [...], "payload": {...}, "bytes": n}  once every client of T has
         `ticket.called` of the number NUMBER (and, with settle, the `counter.changed` that
         follows it). Screens get no ticket id (public views): a call is known by its number.
         `times` are time.monotonic() arrival stamps, one per client (system-wide on Linux, so the
         driver compares them with its own stamps).
  {"op": "quit"}
Each client connects with auth={"token": K}, websocket transport only, and so joins whatever rooms
the server picks. Two kinds (argv[1]):
  raw (default): Engine.IO v4 / Socket.IO v5 spoken directly over an aiohttp websocket: answers
      pings, stamps a message as it is read and parses only the two events it measures. Real screens
      each have their own CPU; here one process receives for all of them, so the leaner the client,
      the less its own work shows up as fan-out latency.
  sio: python-socketio's AsyncClient over aiohttp (the real client library; more work per message).
All clients share one aiohttp session.
"""
from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

# handshakes in flight at once: enough to be quick, few enough that none times out
CONNECT_CONCURRENCY = 25


@dataclass
class Target:
    """The clients of one server (xephang or the floor app) and what they received."""

    clients: list[Any] = field(default_factory=list)  # RawClient or socketio.AsyncClient
    # (event name, called number) -> arrival stamps, one per client that got it
    arrivals: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    seen: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    payloads: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)
    waiters: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)
    duplicates: int = 0
    disconnects: int = 0

    def keep_payload(self, key: str, payload: dict[str, Any]) -> None:
        """Keep the first copy of a call's payload and its size as JSON (UTF-8)."""
        if key not in self.payloads:
            self.payloads[key] = (payload, len(json.dumps(payload, ensure_ascii=False).encode()))

    def record(self, name: str, key: str, client: int, at: float) -> None:
        """Note that one client got one event; wake the waiter when all clients have it."""
        k = (name, key)
        seen = self.seen.setdefault(k, set())
        if client in seen:
            self.duplicates += 1  # the contract says a client gets each message once
            return
        seen.add(client)
        self.arrivals.setdefault(k, []).append(at)
        if len(seen) >= len(self.clients) and k in self.waiters:
            self.waiters[k].set()

    async def wait_all(self, name: str, key: str) -> None:
        """Return once every connected client has this event."""
        k = (name, key)
        if len(self.seen.get(k, ())) >= len(self.clients):
            return
        ev = self.waiters.setdefault(k, asyncio.Event())
        await ev.wait()

    def forget(self, key: str) -> None:
        """Drop what was kept for one call (memory stays flat over a long run)."""
        for name in ("ticket.called", "counter.changed"):
            self.arrivals.pop((name, key), None)
            self.seen.pop((name, key), None)
            self.waiters.pop((name, key), None)
        self.payloads.pop(key, None)


def _called_key(payload: Any) -> str | None:
    # a lobby screen's ticket.called carries the number called, no ticket id (public view)
    return payload.get("number") if isinstance(payload, dict) else None


def _counter_key(payload: Any) -> str | None:
    # counter.changed after a call carries the called ticket as the counter's current ticket
    if isinstance(payload, dict):
        ticket = (payload.get("counter") or {}).get("ticket")
        if isinstance(ticket, dict):
            return ticket.get("number")
    return None


class RawClient:
    """One screen speaking Engine.IO 4 / Socket.IO 5 text frames directly."""

    def __init__(self, target: Target, index: int) -> None:
        self.target, self.index = target, index
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.task: asyncio.Task[None] | None = None

    async def connect(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        """Open the websocket, do the Socket.IO connect with the token, then read in a task."""
        ws_url = url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await session.ws_connect(ws_url, max_msg_size=0, autoping=True)
        opened = await self.ws.receive_str(timeout=60)
        if not opened.startswith("0"):
            raise RuntimeError(f"expected an Engine.IO open packet, got {opened[:80]!r}")
        await self.ws.send_str("40" + json.dumps({"token": token}))
        while True:  # the connect answer comes before any event for this client
            msg = await self.ws.receive_str(timeout=60)
            if msg.startswith("40"):
                break
            if msg.startswith("44"):
                raise RuntimeError(f"connect refused: {msg[:200]}")
            if msg == "2":
                await self.ws.send_str("3")
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            at = time.monotonic()
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data: str = msg.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith('42["ticket.called"'):
                payload = json.loads(data[2:])[1]
                key = _called_key(payload)
                if key is not None:
                    self.target.keep_payload(key, payload)
                    self.target.record("ticket.called", key, self.index, at)
            elif data.startswith('42["counter.changed"'):
                key = _counter_key(json.loads(data[2:])[1])
                if key is not None:
                    self.target.record("counter.changed", key, self.index, at)
        self.target.disconnects += 1

    async def disconnect(self) -> None:
        """Close the websocket."""
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def connect(target: Target, session: aiohttp.ClientSession, url: str, token: str,
                  n: int, kind: str) -> None:
    """Connect n more clients to url (websocket only), each with the same device token."""
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one_raw() -> None:
        client = RawClient(target, len(target.clients))
        target.clients.append(client)  # counted before connecting: a waiter needs all of them
        async with sem:
            await client.connect(session, url, token)

    async def one() -> None:
        index = len(target.clients)
        sio = socketio.AsyncClient(reconnection=False, http_session=session, handle_sigint=False)

        async def on_called(payload: Any) -> None:
            at = time.monotonic()
            key = _called_key(payload)
            if key is not None:
                target.keep_payload(key, payload)
                target.record("ticket.called", key, index, at)

        async def on_counter(payload: Any) -> None:
            at = time.monotonic()
            key = _counter_key(payload)
            if key is not None:
                target.record("counter.changed", key, index, at)

        async def on_disconnect(*_: Any) -> None:
            target.disconnects += 1

        sio.on("ticket.called", on_called)
        sio.on("counter.changed", on_counter)
        sio.on("disconnect", on_disconnect)
        target.clients.append(sio)  # counted before connecting: a waiter needs all of them
        async with sem:
            await sio.connect(url, auth={"token": token}, transports=["websocket"],
                              wait_timeout=60)

    await asyncio.gather(*((one_raw if kind == "raw" else one)() for _ in range(n)))


async def serve(kind: str) -> None:
    """Read commands from stdin and answer on stdout until quit or end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    # websockets stay open for minutes: no per-host or total limit on the shared pool
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    targets: dict[str, Target] = {}

    def reply(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    try:
        while line := await reader.readline():
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "quit":
                break
            target = targets.setdefault(cmd.get("target", ""), Target())
            try:
                if op == "connect":
                    t0 = time.monotonic()
                    await connect(target, session, cmd["url"], cmd["token"], int(cmd["n"]), kind)
                    # the clients' long-lived objects leave the collector's view, so a full
                    # collection in this process does not pause every screen mid-measurement
                    gc.collect()
                    gc.freeze()
                    reply({"ok": True, "clients": len(target.clients),
                           "seconds": time.monotonic() - t0})
                elif op == "expect":
                    key = str(cmd["key"])
                    names = ["ticket.called"] + (["counter.changed"] if cmd.get("settle") else [])
                    await asyncio.wait_for(
                        asyncio.gather(*(target.wait_all(n, key) for n in names)),
                        timeout=float(cmd.get("timeout_s", 25)))
                    payload, size = target.payloads[key]
                    reply({"ok": True, "times": target.arrivals[("ticket.called", key)],
                           "payload": payload, "bytes": size, "duplicates": target.duplicates,
                           "disconnects": target.disconnects})
                    target.forget(key)
                else:
                    reply({"ok": False, "error": f"unknown op {op}"})
            except Exception as exc:  # the driver reports it and stops; keep the process answering
                got = len(target.seen.get(("ticket.called", str(cmd.get("key", ""))), ()))
                reply({"ok": False, "error": f"{type(exc).__name__}: {exc}", "got": got,
                       "clients": len(target.clients), "disconnects": target.disconnects})
    finally:
        for target in targets.values():
            await asyncio.gather(*(c.disconnect() for c in target.clients),
                                 return_exceptions=True)
        await session.close()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1] if len(sys.argv) > 1 else "raw"))
