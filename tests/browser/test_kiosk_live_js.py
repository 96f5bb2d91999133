"""The shared browser layer in a real chromium: shared.js (the sequence rule and the helpers every
page shares), live.js and i18n.js."""
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

COMMON = Path(__file__).resolve().parents[2] / "server" / "web" / "static" / "common"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A blank page with shared.js, live.js and i18n.js loaded (no server, no socket)."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.set_content("<!doctype html><html><body><p id='p' data-i18n='hello'></p>"
                   "<input id='q' data-i18n-placeholder='search'></body></html>")
    pg.add_script_tag(content=(COMMON / "shared.js").read_text(encoding="utf-8"))
    pg.add_script_tag(content=(COMMON / "live.js").read_text(encoding="utf-8"))
    pg.add_script_tag(content=(COMMON / "i18n.js").read_text(encoding="utf-8"))
    yield pg
    ctx.close()


def run_gate(page: Page, steps: list[list]) -> list:
    """Feed a SeqGate steps ['snap', seq] / ['ev', name, seq] / ['reset'] and return what passed."""
    return page.evaluate("""(steps) => {
        const g = new XephangShared.SeqGate();
        const out = [];
        for (const s of steps) {
            if (s[0] === 'reset') { g.reset(); continue; }
            if (s[0] === 'snap') { out.push('snapshot@' + s[1]);
                for (const [n, p] of g.snapshot({seq: s[1]})) out.push(n + '@' + p.seq);
                continue; }
            for (const [n, p] of g.delta(s[1], {seq: s[2]})) out.push(n + '@' + p.seq);
        }
        return out;
    }""", steps)


def test_deltas_before_the_snapshot_wait_and_only_newer_ones_pass(page: Page) -> None:
    passed = run_gate(page, [["ev", "queue.changed", 11], ["ev", "ticket.called", 9],
                             ["ev", "counter.changed", 10], ["snap", 10],
                             ["ev", "queue.changed", 12]])
    assert passed == ["snapshot@10", "queue.changed@11", "queue.changed@12"]


def test_duplicates_and_older_events_are_dropped(page: Page) -> None:
    passed = run_gate(page, [["snap", 5], ["ev", "queue.changed", 6], ["ev", "queue.changed", 6],
                             ["ev", "ticket.called", 4], ["ev", "ticket.called", 7],
                             ["ev", "ticket.called", 7]])
    assert passed == ["snapshot@5", "queue.changed@6", "ticket.called@7"]


def test_a_seq_is_applied_once_whatever_the_event(page: Page) -> None:
    # The server never gives two messages of one client the same seq unless the second carries
    # nothing new (server/services/screens/sequence.py): a stats.changed re-read, a no-op change.
    passed = run_gate(page, [["snap", 1], ["ev", "ticket.called", 2], ["ev", "stats.changed", 2],
                             ["ev", "ticket.changed", 3], ["ev", "counter.changed", 1]])
    assert passed == ["snapshot@1", "ticket.called@2", "ticket.changed@3"]


def test_a_call_is_new_once_and_a_replaced_log_starts_over(page: Page) -> None:
    got = page.evaluate("""() => {
        const log = new XephangShared.CallLog(), out = [];
        for (const seq of [5, 5, 3, 8]) out.push(log.note({seq}));      // first snapshot + live
        out.push(log.isNew({seq: 8}), log.isNew({seq: 9}));
        log.snapshot(20); out.push(log.isNew({seq: 7}));                // a newer log: still seen
        log.snapshot(4); out.push(log.isNew({seq: 2}), log.note({seq: 2}), log.note({seq: 2}));
        out.push(log.note({number: "1001"}));                           // no seq: cannot be ordered
        return out;
    }""")
    assert got == [True, False, False, True, False, True, False, True, True, False, True]


def test_shared_helpers(page: Page) -> None:
    got = page.evaluate("""() => {
        const S = XephangShared;
        XephangI18n.init({vi: {}, en: {}}, 'vi');
        const svc = {service_name: 'Lý lịch tư pháp', service_name_en: 'Judicial records'};
        const r = [S.localName(svc, 'service_name')];
        XephangI18n.setLang('en');
        r.push(S.localName(svc, 'service_name'), S.localName({name: 'Khu A1'}, 'name'), S.localName(null, 'x'));
        S.syncClock(new Date(Date.now() + 3600000).toISOString());
        r.push(Math.round((S.nowMs() - Date.now()) / 60000));
        const list = [{code: 'A', waiting: 1}];
        S.mergeServices(list, [{code: 'A', waiting: 4}, {code: 'B', waiting: 2, zone: 'B1'},
                               {code: 'C', waiting: 3, zone: 'A1'}], s => s.zone === 'A1');
        r.push(JSON.stringify(list));
        document.body.innerHTML = '<p id="conn-banner"></p>';
        S.trackConnection('offline', true, k => 'text:' + k);
        r.push(document.getElementById('conn-banner').textContent, document.body.classList.contains('stale'));
        S.trackConnection('online', true, k => 'text:' + k);
        r.push(document.getElementById('conn-banner').hidden, document.body.classList.contains('stale'));
        return r;
    }""")
    assert got == ["Lý lịch tư pháp", "Judicial records", "Khu A1", "", 60,
                   '[{"code":"A","waiting":4},{"code":"C","waiting":3,"zone":"A1"}]',
                   "text:common.offline", True, True, False]


def test_a_reconnect_snapshot_resets_the_state(page: Page) -> None:
    # After a server restart the log may be shorter: the fresh snapshot is the new truth.
    passed = run_gate(page, [["snap", 50], ["ev", "queue.changed", 51], ["reset"],
                             ["ev", "queue.changed", 3], ["snap", 2], ["ev", "queue.changed", 3],
                             ["ev", "ticket.called", 4]])
    assert passed == ["snapshot@50", "queue.changed@51", "snapshot@2", "queue.changed@3",
                      "ticket.called@4"]


def test_backoff_grows_and_is_capped(page: Page) -> None:
    delays = page.evaluate("[0,1,2,3,8,20].map(n => XephangLive.backoffDelay(n, 0.5))")
    assert delays == [1000, 2000, 4000, 8000, 30000, 30000]


def test_i18n_translates_fills_params_and_falls_back(page: Page) -> None:
    got = page.evaluate("""() => {
        XephangI18n.init({vi: {hello: 'Xin chào', ahead: '{n} người trước bạn', only_vi: 'Chỉ tiếng Việt',
                               search: 'Tìm dịch vụ'},
                          en: {hello: 'Hello', ahead: '{n} people ahead of you', search: 'Find a service'}}, 'vi');
        const r = [XephangI18n.t('hello'), XephangI18n.t('ahead', {n: 5})];
        XephangI18n.apply(document);
        r.push(document.getElementById('p').textContent, document.getElementById('q').placeholder,
               document.documentElement.lang);
        let heard = null; XephangI18n.onChange(l => heard = l);
        XephangI18n.setLang('en');
        r.push(document.getElementById('p').textContent, document.getElementById('q').placeholder,
               XephangI18n.t('ahead', {n: 0}), XephangI18n.t('only_vi'), XephangI18n.t('missing.key'),
               XephangI18n.lang(), heard, document.documentElement.lang,
               XephangI18n.name({service_name: 'Lý lịch tư pháp', service_name_en: 'Judicial records'},
                                'service_name'));
        return r;
    }""")
    assert got == ["Xin chào", "5 người trước bạn", "Xin chào", "Tìm dịch vụ", "vi",
                   "Hello", "Find a service", "0 people ahead of you", "Chỉ tiếng Việt", "missing.key",
                   "en", "en", "en", "Judicial records"]


# --- live.js against a real python-socketio server (the same stack as xephang), across a restart ---

STATIC = COMMON.parent
FAKE_SERVER = r'''
import sys
from flask import Flask, request, send_from_directory
from flask_socketio import SocketIO, ConnectionRefusedError

static_dir, port, first_seq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
refuse = {"left": int(sys.argv[4]) if len(sys.argv) > 4 else 0}  # connections to refuse first
app = Flask(__name__, static_folder=static_dir, static_url_path="/static")
sio = SocketIO(app, async_mode="gevent")
state = {"seq": first_seq}
PAGE = """<!doctype html><script src="/static/vendor/socket.io.min.js"></script>
<script src="/static/common/shared.js"></script>
<script src="/static/common/live.js"></script><script>
window.log = []; window.statuses = [];
XephangLive.connect({auth: {token: "tok-1"},
  onSnapshot: s => log.push("snapshot@" + s.seq),
  onEvent: (n, p) => log.push(n + "@" + p.seq),
  onStatus: s => statuses.push(s)});
</script>"""

@app.get("/")
def page():
    return PAGE

@app.post("/emit")
def emit():
    sio.emit(request.args["name"], {"seq": int(request.args["seq"])})
    return "ok"

@sio.on("connect")
def connect(auth):
    if not auth or auth.get("token") != "tok-1" or refuse["left"] > 0:
        refuse["left"] -= 1
        raise ConnectionRefusedError("unauthorized")
    sio.emit("snapshot", {"seq": state["seq"]}, to=request.sid)

sio.run(app, host="127.0.0.1", port=port, log_output=False)
'''


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_fake(script: Path, port: int, first_seq: int, refuse: int = 0):
    """Start the fake server and wait until it answers HTTP."""
    import subprocess
    import sys
    import time

    import requests
    proc = subprocess.Popen([sys.executable, str(script), str(STATIC), str(port), str(first_seq),
                             str(refuse)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.1)  # polling for a subprocess to bind; there is no event to await
    proc.kill()
    raise RuntimeError("fake socket.io server did not start")


def test_live_js_follows_a_real_server_and_recovers_after_a_restart(browser: Browser, tmp_path: Path
                                                                    ) -> None:
    import requests
    script = tmp_path / "fake_sio.py"
    script.write_text(FAKE_SERVER, encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_fake(script, port, 40)
    ctx = browser.new_context()
    pg = ctx.new_page()
    try:
        pg.goto(base + "/")
        pg.wait_for_function("() => window.statuses && window.statuses.at(-1) === 'online'")
        for name, seq in [("queue.changed", 41), ("queue.changed", 41), ("ticket.called", 39),
                          ("ticket.called", 42)]:
            requests.post(f"{base}/emit", params={"name": name, "seq": seq}, timeout=5)
        pg.wait_for_function("() => window.log.includes('ticket.called@42')")
        assert pg.evaluate("window.log") == ["snapshot@40", "queue.changed@41", "ticket.called@42"]

        proc.terminate()
        proc.wait(10)
        pg.wait_for_function("() => window.statuses.at(-1) === 'offline'")
        proc = start_fake(script, port, 3)  # a restarted server with a shorter log
        pg.wait_for_function("() => window.log.includes('snapshot@3')", timeout=60_000)
        pg.wait_for_function("() => window.statuses.at(-1) === 'online'")
        requests.post(f"{base}/emit", params={"name": "queue.changed", "seq": 4}, timeout=5)
        pg.wait_for_function("() => window.log.includes('queue.changed@4')")
        assert pg.evaluate("window.log")[3:] == ["snapshot@3", "queue.changed@4"]
        assert pg.evaluate("window.statuses") == ["connecting", "online", "offline", "online"]
    finally:
        ctx.close()
        proc.kill()
        proc.wait(10)


def test_live_js_keeps_trying_after_the_server_refuses_it(browser: Browser, tmp_path: Path) -> None:
    # socket.io itself gives up on a refused connection; a kiosk must not.
    script = tmp_path / "fake_sio.py"
    script.write_text(FAKE_SERVER, encoding="utf-8")
    port = free_port()
    proc = start_fake(script, port, 7, refuse=2)
    ctx = browser.new_context()
    pg = ctx.new_page()
    try:
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_function("() => window.log.includes('snapshot@7')", timeout=30_000)
        assert pg.evaluate("window.statuses") == ["connecting", "offline", "online"]
    finally:
        ctx.close()
        proc.kill()
        proc.wait(10)
