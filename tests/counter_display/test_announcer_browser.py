"""announcer.js in real headless Chromium: order, no overlap, dedupe by seq, recall, autoplay unlock."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from counter_display.voicepack import load_manifest, segments_for_call

REPO = Path(__file__).resolve().parents[2]
PACK = "/config/voice/vi-south/"

# The board's own script, run by the page itself: Playwright's evaluate() counts as a user gesture
# and would unlock autoplay, so nothing may go through evaluate before autoplay is refused.
UNLOCK_PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8"><title>board</title><body>
<button id="sound" hidden>Chạm để bật âm thanh</button>
<script src="/server/web/static/common/shared.js"></script>
<script src="/counter_display/static/announcer.js"></script>
<script>
  window.log = {unlock: [], ended: [], errors: []};
  const ann = new XephangAnnouncer({packUrl: "/config/voice/vi-south/",
    onNeedsUnlock: (f) => {
      log.unlock.push(f);
      document.getElementById("sound").hidden = !f;
      console.log("xephang:needsUnlock " + f);
    },
    onError: (e) => log.errors.push(String(e))});
  const real = ann.player.play.bind(ann.player);          // the real HTMLAudioElement player
  ann.player.play = async (url, info) => { await real(url, info); log.ended.push(url.split("/").pop()); };
  document.getElementById("sound").onclick = () => ann.unlock();
  window.ann = ann;
  ann.load().then(() => ann.announce({seq: 41, number: "5", counter: 2, recall: false}));
</script></body></html>"""

FAKE_PLAYER = """
async (packUrl) => {
  // A player whose every play() stays pending until the test finishes it.
  window.rec = {plays: [], active: 0, overlaps: 0, pending: []};
  const player = {
    play(url) {
      rec.plays.push(url.split("/").pop());
      if (rec.active > 0) rec.overlaps += 1;
      rec.active += 1;
      return new Promise((resolve) => rec.pending.push(() => { rec.active -= 1; resolve(); }));
    },
  };
  window.finishCurrent = () => rec.pending.shift()();
  window.ann = new XephangAnnouncer({packUrl, player});
  await ann.load();
}
"""


@pytest.fixture()
def page(chromium: Any, static_url: str) -> Iterator[Any]:
    """A blank page on the static server with announcer.js (and the shared.js it needs) loaded."""
    context = chromium.new_context()
    pg = context.new_page()
    pg.goto(static_url + "/")
    pg.add_script_tag(url=static_url + "/server/web/static/common/shared.js")
    pg.add_script_tag(url=static_url + "/counter_display/static/announcer.js")
    yield pg
    context.close()


def files(number: str, counter: int, recall: bool = False) -> list[str]:
    """Expected segment files, from the Python twin of the assembly rules."""
    return segments_for_call(load_manifest(REPO / "config/voice/vi-south"), number, counter, recall)


def test_segment_list_for_ticket_1023_at_counter_12(page):
    got = page.evaluate("""async (packUrl) => {
        const manifest = await (await fetch(packUrl + "manifest.json")).json();
        return XephangAnnouncer.segmentFiles(manifest, {seq: 1, number: "1023", counter: 12});
    }""", PACK)
    assert got == ["chime.ogg", "call_intro.ogg", "digit_1.ogg", "digit_0.ogg", "digit_2.ogg",
                   "digit_3.ogg", "to_counter.ogg", "counter_12.ogg"]


@pytest.mark.parametrize("pack", ["vi-south", "en"])
def test_js_and_python_assemble_calls_alike(page, pack):
    calls = [("1023", 12, False), ("A0001", 1, True), ("đ-99", 99, False), ("B12345", 150, True),
             ("7", 67, False), ("", 5, False)]
    manifest = load_manifest(REPO / "config/voice" / pack)
    got = page.evaluate("""(args) => args.calls.map(([number, counter, recall]) =>
        XephangAnnouncer.segmentFiles(args.manifest, {seq: 1, number, counter, recall}))""",
                        {"manifest": manifest, "calls": calls})
    assert got == [segments_for_call(manifest, n, c, r) for n, c, r in calls]


def test_calls_play_in_order_one_segment_at_a_time_each_seq_once(page):
    page.evaluate(FAKE_PLAYER, PACK)
    accepted = page.evaluate("""() => [
        ann.announce({seq: 1, number: "1023", counter: 12, recall: false}),
        ann.announce({seq: 2, number: "2001", counter: 3, recall: false}),
        ann.announce({seq: 1, number: "1023", counter: 12, recall: false}),
        ann.announce({seq: 3, number: "1023", counter: 12, recall: true}),
    ]""")
    assert accepted == [True, True, False, True]
    expected = files("1023", 12) + files("2001", 3) + files("1023", 12, recall=True)
    for i in range(len(expected)):
        page.wait_for_function(f"() => rec.plays.length === {i + 1}")
        # the next segment has not started: only the one we are about to finish is playing
        assert page.evaluate("[rec.active, rec.pending.length]") == [1, 1]
        if i == 3:
            # a repeat of a seq already played (e.g. a replay after reconnect) is refused
            assert page.evaluate("ann.announce({seq: 2, number: '2001', counter: 3})") is False
        page.evaluate("finishCurrent()")
    page.evaluate("ann.idle()")
    assert page.evaluate("rec.plays") == expected
    assert page.evaluate("rec.overlaps") == 0
    assert page.evaluate("ann.announce({seq: 3, number: '1023', counter: 12, recall: true})") is False


def test_calls_announced_before_load_wait_for_the_manifest(page):
    page.evaluate("""() => {
        window.played = [];
        window.ann = new XephangAnnouncer({packUrl: "/config/voice/vi-south", player: {
            play(url) { played.push(url.split("/").pop()); return Promise.resolve(); }}});
        ann.announce({seq: 10, number: "42", counter: 7, recall: false});
    }""")
    assert page.evaluate("played") == []
    page.evaluate("ann.load().then(() => ann.idle())")
    assert page.evaluate("played") == files("42", 7)


@pytest.mark.parametrize("pack", ["vi-south", "en"])
def test_every_segment_decodes_in_chromium(page, pack):
    failures = page.evaluate("""async (packUrl) => {
        const manifest = await (await fetch(packUrl + "manifest.json")).json();
        const ctx = new OfflineAudioContext(1, 22050, 22050);
        const bad = [];
        for (const seg of Object.values(manifest.segments)) {
            const data = await (await fetch(packUrl + seg.file)).arrayBuffer();
            try {
                const buf = await ctx.decodeAudioData(data);
                if (Math.abs(buf.duration - seg.duration) > 0.05) bad.push(seg.file + " " + buf.duration);
            } catch (e) { bad.push(seg.file + " " + e); }
        }
        return bad;
    }""", f"/config/voice/{pack}/")
    assert failures == []


def test_blocked_autoplay_asks_for_a_tap_then_plays_the_held_call(chromium, chromium_args, static_url,
                                                                  static_pages):
    # A browser without --autoplay-policy=no-user-gesture-required: play() is refused until a tap.
    static_pages["/unlock-board"] = UNLOCK_PAGE.encode()
    strict = chromium.browser_type.launch(
        executable_path="/usr/bin/chromium",
        args=chromium_args + ["--autoplay-policy=document-user-activation-required"])
    try:
        pg = strict.new_page()
        # Wait on the console, not wait_for_function: its polling would count as a gesture.
        with pg.expect_console_message(lambda m: m.text == "xephang:needsUnlock true"):
            pg.goto(static_url + "/unlock-board")
        assert pg.evaluate("[ann.needsUnlock, log.ended]") == [True, []]
        pg.click("#sound")                                   # a real tap: user activation
        n = len(files("5", 2))
        pg.wait_for_function(f"() => log.ended.length === {n}")    # played through, in real time
        log = pg.evaluate("log")
        assert log["ended"] == files("5", 2)                 # the whole held call, from the chime
        assert log["unlock"] == [True, False] and log["errors"] == []
        assert pg.is_hidden("#sound")
    finally:
        strict.close()


def test_announcer_loads_the_pack_from_the_real_server(chromium, live_server):
    # the server serves announcer.js with the screens' static files and the pack at /voice/<pack>/
    context = chromium.new_context()
    try:
        pg = context.new_page()
        pg.goto(live_server.url + "/login")
        pg.add_script_tag(url=live_server.url + "/static/common/shared.js")
        pg.add_script_tag(url=live_server.url + "/static/screens/announcer.js")
        played = pg.evaluate("""async () => {
            const played = [];
            const ann = new XephangAnnouncer({packUrl: "/voice/vi-south/", player: {
                async play(url) {
                    const r = await fetch(url);                 // each segment is really served
                    played.push([url, r.status, r.headers.get("content-type")]);
                }}});
            await ann.load();
            ann.announce({seq: 1, number: "1023", counter: 12, recall: false});
            await ann.idle();
            return played;
        }""")
        assert [p[0] for p in played] == ["/voice/vi-south/" + f for f in files("1023", 12)]
        assert {(p[1], p[2]) for p in played} == {(200, "audio/ogg")}
    finally:
        context.close()


def test_a_site_with_two_voice_packs_reads_each_call_in_both_without_overlap(page):
    """[site] voice = ["vi-south", "en"]: one chime, the Vietnamese call, then the English one."""
    page.evaluate("""async () => {
      window.rec = {plays: [], active: 0, overlaps: 0, pending: []};
      const player = {
        play(url) {
          rec.plays.push(url.split("/").slice(-2).join("/"));
          if (rec.active > 0) rec.overlaps += 1;
          rec.active += 1;
          return new Promise((resolve) => rec.pending.push(() => { rec.active -= 1; resolve(); }));
        },
      };
      window.finishCurrent = () => rec.pending.shift()();
      window.ann = new XephangAnnouncer({packUrls: ["/config/voice/vi-south/", "/config/voice/en/"], player});
      await ann.load();
      ann.announce({seq: 7, number: "12", counter: 3});
    }""")
    vi = ["vi-south/" + f for f in files("12", 3)]
    en = ["en/" + f for f in segments_for_call(load_manifest(REPO / "config/voice/en"), "12", 3, False)
          if f != "chime.ogg"]
    for _ in range(len(vi) + len(en)):
        page.wait_for_function("() => rec.pending.length === 1")
        page.evaluate("finishCurrent()")
    assert page.evaluate("rec.plays") == vi + en
    assert page.evaluate("rec.overlaps") == 0
