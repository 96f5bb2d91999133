"""The `xephang` command: run, init, users, devices, day close."""
from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

DEFAULT_DB = "./var/xephang.db"


def _db(path: str):  # noqa: ANN202 - imported lazily so `run` can patch gevent first
    from .store import Database
    db = Database(path)
    db.migrate()
    return db


def _print_setup(made, url: str, devices_file: Path) -> None:  # noqa: ANN001
    print("\n=== xephang: demo site loaded (first run) ===")
    print(f"Demo password for every demo account: {made.password}")
    print("  quantri  (admin)        giamsat  (supervisor)")
    print("  canbo1 … canbo67 (officer of that counter; canbo17 also has counter 18)")
    print("Device pairing links (open on the device once):")
    shown = 0
    for name, kind, zone, counter, token in made.devices:
        if kind in ("kiosk", "display") or name in ("counter-17", "counter-18"):
            print(f"  {name:<12} {kind:<8} {url}/pair?token={token}")
            shown += 1
    print(f"  ({len(made.devices) - shown} more counter displays: every token is in {devices_file})")
    print("=============================================\n", flush=True)


def _write_demo_file(db_path: str, made) -> Path:  # noqa: ANN001
    path = Path(db_path).parent / "demo-devices.txt"
    lines = [f"demo password: {made.password}"]
    lines += [f"{name}\t{kind}\t{zone or ''}\t{counter or ''}\t{token}"
              for name, kind, zone, counter, token in made.devices]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _reachable_url(db, host: str, port: int) -> str:  # noqa: ANN001
    """The address devices use in their pairing links: the site's public_url, else this host.

    Listening on 0.0.0.0 means every interface; a kiosk cannot open http://0.0.0.0/, so name the
    machine's own address instead.
    """
    import socket

    from .store import site as site_rows
    with db.read() as conn:
        public = (site_rows.get_setting(conn, "site") or {}).get("public_url")
    if public:
        return str(public).rstrip("/")
    if host in ("0.0.0.0", "::", ""):
        found: set[str] = set()
        try:
            found = {str(a[4][0]) for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        except OSError:
            pass
        outside = sorted(a for a in found if not a.startswith("127."))
        if not outside:
            print("note: pairing links use 127.0.0.1; set public_url in [site] of the site file to "
                  "the address kiosks and screens reach this server at", file=sys.stderr)
        host = outside[0] if outside else "127.0.0.1"
    return f"http://{host}:{port}"


def cmd_run(args: argparse.Namespace) -> int:
    """Start the server (first run on an empty database loads the demo site)."""
    if args.async_mode == "gevent":
        from gevent import monkey
        monkey.patch_all()
    from .app import create_app
    from .realtime import socketio
    from .services import tickets
    from .setup import initialize
    db = _db(args.db)
    made = initialize(db, args.site, demo=True,
                      demo_password=os.environ.get("XEPHANG_DEMO_PASSWORD"))
    url = _reachable_url(db, args.host, args.port)
    if made is not None and made.devices:
        _print_setup(made, url, _write_demo_file(args.db, made))
    app = create_app({"DB": args.db, "ASYNC_MODE": args.async_mode})
    ctx = app.extensions["xephang"]
    tickets.close_day(ctx)

    def close_days_forever() -> None:
        while True:
            socketio.sleep(300)
            try:
                tickets.close_day(ctx)
            except Exception as exc:  # keep serving; the next round tries again
                print(f"day close failed: {exc}", file=sys.stderr)

    socketio.start_background_task(close_days_forever)
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stall the event loop for tens of ms with many screens.
    import gc
    gc.collect()
    gc.freeze()
    print(f"xephang serving on {url} (database {args.db}, {args.async_mode})", flush=True)
    if args.async_mode == "gevent":
        serve_gevent(app, args.host, args.port, args.access_log)
    else:
        socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                     log_output=args.access_log)
    return 0


def serve_gevent(app, host: str, port: int, access_log: bool) -> None:  # noqa: ANN001
    """Serve HTTP and WebSocket under gevent on a listener with TCP_NODELAY.

    gevent's server writes a response's headers and body in separate sends; with Nagle's algorithm
    and delayed ACKs each request then stalled ~40 ms (measured here: 44 ms median for a GET).
    Accepted sockets inherit TCP_NODELAY from the listener on Linux.
    """
    import socket

    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(1024)
    pywsgi.WSGIServer(listener, app, handler_class=WebSocketHandler,
                      log="default" if access_log else None).serve_forever()


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and load a site (or reload the site config with --reload)."""
    from .setup import initialize, reload_site
    db = _db(args.db)
    if args.reload:
        reload_site(db, args.site)
        print(f"site reloaded from {args.site}")
        return 0
    made = initialize(db, args.site, demo=not args.no_demo,
                      demo_password=os.environ.get("XEPHANG_DEMO_PASSWORD"))
    if made is None:
        print(f"{args.db} already has a site (use --reload to replace its config)")
    elif made.devices:
        _print_setup(made, "http://127.0.0.1:5000", _write_demo_file(args.db, made))
    else:
        print(f"initialized {args.db}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create or update a user; the password comes from stdin."""
    from .services.auth import ROLES, hash_password
    from .services.context import now_local, stamp
    from .store import accounts
    if args.role not in ROLES:
        print(f"role must be one of {', '.join(ROLES)}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    if len(password) < 8:
        print("a password of at least 8 characters is required (--password-stdin)", file=sys.stderr)
        return 2
    counters = [int(c) for c in args.counters.split(",") if c.strip()] if args.counters else []
    db = _db(args.db)
    from .store import site as site_rows
    with db.write() as conn:
        known = site_rows.counter_numbers(conn)
        bad = [c for c in counters if c not in known]
        if bad:
            print(f"unknown counter(s): {bad}", file=sys.stderr)
            return 2
        accounts.add_user(conn, args.name, args.display_name or args.name, hash_password(password),
                          args.role, counters, stamp(now_local()))
    print(f"user {args.name} ({args.role}) saved")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """List users."""
    from .store import accounts
    with _db(args.db).read() as conn:
        for u in accounts.list_users(conn):
            state = "active" if u["active"] else "removed"
            print(f"{u['username']}\t{u['role']}\t{','.join(map(str, u['counters']))}\t"
                  f"{u['display_name']}\t{state}")
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    """Register a device; prints its pairing link and, on the last line, its token."""
    from .services.auth import DEVICE_KINDS
    from .services.context import now_local, stamp
    from .store import accounts
    if args.kind not in DEVICE_KINDS:
        print(f"kind must be one of {', '.join(DEVICE_KINDS)}", file=sys.stderr)
        return 2
    if args.kind == "counter" and args.counter is None:
        print("a counter device needs --counter N", file=sys.stderr)
        return 2
    db = _db(args.db)
    token = secrets.token_urlsafe(24)
    from .store import site as site_rows
    with db.write() as conn:
        if args.zone and not site_rows.zone_exists(conn, args.zone):
            print(f"unknown zone {args.zone}", file=sys.stderr)
            return 2
        if args.counter is not None and args.counter not in site_rows.counter_numbers(conn):
            print(f"unknown counter {args.counter}", file=sys.stderr)
            return 2
        accounts.add_device(conn, args.name, args.kind, args.zone, args.counter, args.printer,
                            args.paper, token, stamp(now_local()))
    print(f"device {args.name} ({args.kind}) saved")
    url = args.url or _reachable_url(db, "127.0.0.1", 5000)
    print(f"pairing link: {url.rstrip('/')}/pair?token={token}")
    print(token)
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    """List devices (tokens are stored hashed and cannot be shown)."""
    from .store import accounts
    with _db(args.db).read() as conn:
        for d in accounts.list_devices(conn):
            state = "active" if d["active"] else "removed"
            print(f"{d['name']}\t{d['kind']}\t{d['zone'] or ''}\t{d['counter'] or ''}\t"
                  f"{d['printer'] or ''}\t{state}")
    return 0


def _revoke(args: argparse.Namespace, kind: str, deactivate_name: str, done: str) -> int:
    """Deactivate a user or device by name, with an audit event; history is kept."""
    from .services.context import now_local, service_day, stamp
    from .store import accounts
    from .store import queue as q
    with _db(args.db).write() as conn:
        if not getattr(accounts, deactivate_name)(conn, args.name):
            print(f"no active {kind} {args.name}", file=sys.stderr)
            return 2
        now = now_local()
        q.append_event(conn, stamp(now), service_day(now), f"{kind}.removed", "cli", None, None,
                       None, {kind: args.name})
    print(done.format(name=args.name))
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    """Stop a user from logging in; their API tokens stop working at once."""
    return _revoke(args, "user", "deactivate_user", "user {name} can no longer log in")


def cmd_device_remove(args: argparse.Namespace) -> int:
    """Revoke a device's token; it must be paired again with a new one."""
    return _revoke(args, "device", "deactivate_device", "device {name} revoked")


def cmd_day_close(args: argparse.Namespace) -> int:
    """Close tickets of earlier service days still open, as not served."""
    from .services.context import Context
    from .services.tickets import close_day
    ctx = Context.open(_db(args.db))
    n = close_day(ctx, "cli")
    print(f"closed {n} ticket(s) of earlier days as not served")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="xephang", description="Queue system for the HCMC Public "
                                "Administrative Service Center")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", default=os.environ.get("XEPHANG_DB", DEFAULT_DB),
                        help=f"database file (default {DEFAULT_DB})")
        return sp

    run = with_db(sub.add_parser("run", help="start the server"))
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=5000)
    run.add_argument("--site", default=None, help="site file for a new database (default: demo)")
    run.add_argument("--async-mode", default="gevent", choices=("gevent", "threading"))
    run.add_argument("--access-log", action="store_true")
    run.set_defaults(func=cmd_run)

    init = with_db(sub.add_parser("init", help="create the database and load the site"))
    init.add_argument("--site", default=None)
    init.add_argument("--reload", action="store_true", help="replace the site config of an existing db")
    init.add_argument("--no-demo", action="store_true", help="no demo accounts and devices")
    init.set_defaults(func=cmd_init)

    user = sub.add_parser("user", help="officers, supervisors, admins").add_subparsers(
        dest="user_command", required=True)
    ua = with_db(user.add_parser("add"))
    ua.add_argument("name")
    ua.add_argument("--role", required=True)
    ua.add_argument("--counters", default="")
    ua.add_argument("--display-name", default="")
    ua.add_argument("--password-stdin", action="store_true")
    ua.set_defaults(func=cmd_user_add)
    with_db(user.add_parser("list")).set_defaults(func=cmd_user_list)
    ur = with_db(user.add_parser("remove", help="stop a user from logging in"))
    ur.add_argument("name")
    ur.set_defaults(func=cmd_user_remove)

    device = sub.add_parser("device", help="kiosks, screens, counter tablets").add_subparsers(
        dest="device_command", required=True)
    da = with_db(device.add_parser("add"))
    da.add_argument("name")
    da.add_argument("--kind", required=True)
    da.add_argument("--zone", default=None)
    da.add_argument("--counter", type=int, default=None)
    da.add_argument("--printer", default=None, help="tcp://host:9100, usb://VID:PID, serial://…, "
                    "file://…, virtual")
    da.add_argument("--paper", default="80mm", choices=("80mm", "58mm"))
    da.add_argument("--url", default=None,
                    help="server URL for the pairing link (default: the site's public_url)")
    da.set_defaults(func=cmd_device_add)
    with_db(device.add_parser("list")).set_defaults(func=cmd_device_list)
    dr = with_db(device.add_parser("remove", help="revoke a device's token"))
    dr.add_argument("name")
    dr.set_defaults(func=cmd_device_remove)

    day = sub.add_parser("day", help="service days").add_subparsers(dest="day_command", required=True)
    with_db(day.add_parser("close")).set_defaults(func=cmd_day_close)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    from .site import SiteConfigError
    try:
        return int(args.func(args))
    except SiteConfigError as exc:
        print(f"site config error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
