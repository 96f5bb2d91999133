/* Lobby board: latest call, recent calls, waiting per unit, clock, notice, voice. */
(function () {
  "use strict";
  var S = window.XephangScreens;
  var RECENT_MAX = 9;
  var root = document.getElementById("board");
  var filter = {zone: root.dataset.zone || "", floor: root.dataset.floor || ""};
  var token = S.deviceToken();
  var state = {services: {}, counters: {}, recent: [], everOnline: false, hadSnapshot: false,
               calls: new window.XephangShared.CallLog()};  // the calls shown and announced so far
  var announcer = null;

  S.initText(document.body.dataset.lang || "vi");

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /** Does a call or service belong on this board (zone or floor filter)? */
  function inScope(item) {
    if (filter.zone) {
      var zone = item.zone;
      if (!zone && item.counter && state.counters[item.counter]) zone = state.counters[item.counter].zone;
      return zone === filter.zone;
    }
    if (filter.floor) return String(item.floor) === String(filter.floor);
    return true;
  }

  function callKey(c) { return String(c.number) + "@" + String(c.counter); }

  function sortCalls(calls) {
    return calls.slice().sort(function (a, b) {
      if (a.seq !== undefined && b.seq !== undefined) return b.seq - a.seq;
      return String(b.at || "").localeCompare(String(a.at || ""));
    });
  }

  /** Newest first, one line per number at a counter (a recall moves it back to the top). */
  function dedupe(calls) {
    var seen = {}, out = [];
    calls.forEach(function (c) {
      var k = callKey(c);
      if (!seen[k]) { seen[k] = true; out.push(c); }
    });
    return out.slice(0, RECENT_MAX);
  }

  function counterLabel(call) {
    return S.t("board.counter", {n: call.counter});
  }

  function zoneLabel(call) {
    var bits = [];
    if (call.zone) bits.push(S.t("board.zone", {zone: call.zone}));
    if (call.floor !== undefined && call.floor !== null && call.floor !== "") bits.push(S.t("board.floor", {floor: call.floor}));
    return bits.join(" · ");
  }

  /** Shrink the big number's font until it fits: a number is never cut ("10234" stays whole), and
   *  a long service name wrapping onto a second line never pushes the panel's lines out of it. */
  function fitNumber(node) {
    node.style.fontSize = "";
    var size = parseFloat(window.getComputedStyle(node).fontSize);
    var guard = 0;
    while ((node.scrollWidth > node.clientWidth || !panelFits($("now-calling"))) && size > 120 && guard < 60) {
      size = size * 0.94;
      node.style.fontSize = size + "px";
      guard += 1;
    }
  }

  /** Whether a flex column's visible children fit inside its padding box. */
  function panelFits(box) {
    var cs = window.getComputedStyle(box);
    var room = box.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    var used = 0;
    Array.prototype.forEach.call(box.children, function (c) { used += c.getBoundingClientRect().height; });
    return used <= room + 1;
  }

  function renderLatest(flash) {
    var c = state.recent[0];
    var box = $("now-calling");
    $("now-number").textContent = c ? String(c.number) : "—";
    $("now-counter").textContent = c ? counterLabel(c) : "";
    $("now-zone").textContent = c ? zoneLabel(c) : "";
    $("now-service").textContent = c ? S.localName(c, "service_name") : "";
    box.classList.toggle("empty", !c);
    fitNumber($("now-number"));
    if (flash) {
      box.classList.remove("flash");
      void box.offsetWidth;  // restart the animation for back-to-back calls
      box.classList.add("flash");
    }
  }

  function renderRecent(flash) {
    var body = $("recent-body");
    body.textContent = "";
    state.recent.forEach(function (c, i) {
      var tr = el("tr", i === 0 ? "latest" + (flash ? " flash" : "") : "");
      var num = el("td", "num", c.number);
      if (c.recall) num.appendChild(el("span", "recall-tag", S.t("board.recall")));
      tr.appendChild(num);
      tr.appendChild(el("td", "ctr", c.counter));
      tr.appendChild(el("td", "zn", c.zone || ""));
      body.appendChild(tr);
    });
    $("recent-empty").hidden = state.recent.length > 0;
    // Show only whole rows: a row cut in half at the panel's bottom cannot be read from 8 m.
    var bottom = bottomOf(body.closest("section"));
    while (body.lastChild && body.lastChild.getBoundingClientRect().bottom > bottom) body.removeChild(body.lastChild);
  }

  /** The bottom edge of a panel's content (inside its padding), in viewport pixels. */
  function bottomOf(box) {
    return box.getBoundingClientRect().bottom - parseFloat(window.getComputedStyle(box).paddingBottom);
  }

  /** Sum the waiting count of the snapshot's services by unit, within this board's scope. */
  function waitingByUnit() {
    var units = {}, order = [];
    Object.keys(state.services).forEach(function (code) {
      var s = state.services[code];
      if (!inScope(s)) return;
      var key = s.unit || code;
      if (!units[key]) {
        units[key] = {unit: key, unit_name: s.unit_name || key, unit_name_en: s.unit_name_en || "", waiting: 0,
                      suspended: true};
        order.push(key);
      }
      units[key].waiting += Number(s.waiting || 0);
      // Every service of the unit closed now by an admin: the board says so.
      units[key].suspended = units[key].suspended && !s.open && s.closed_reason === "service_suspended";
    });
    // Units with people waiting come first, so a short screen still shows where the queues are.
    return order.map(function (k) { return units[k]; }).sort(function (a, b) {
      return (b.waiting > 0) - (a.waiting > 0) ||
        S.localName(a, "unit_name").localeCompare(S.localName(b, "unit_name"), "vi");
    });
  }

  /** Units with people waiting, in pages of whole lines that fit the panel (long names wrap, never
   *  cut); a list longer than one page turns its pages every few seconds. */
  function renderWaiting() {
    var list = $("waiting-list");
    var rows = waitingByUnit().filter(function (u) { return u.waiting > 0 || u.suspended; });
    list.textContent = "";
    if (!rows.length) {
      list.appendChild(el("li", "none", S.t("board.no_waiting")));
      $("waiting-page").textContent = "";
      return;
    }
    var pages = waitingPages(list, rows);
    state.waitingPage = (state.waitingPage || 0) % pages.length;
    fillWaiting(list, pages[state.waitingPage]);
    $("waiting-page").textContent = pages.length > 1 ? (state.waitingPage + 1) + "/" + pages.length : "";
  }

  function fillWaiting(list, rows) {
    list.textContent = "";
    rows.forEach(function (u) {
      var li = el("li");
      li.dataset.unit = u.unit;
      li.appendChild(el("span", "unit", S.localName(u, "unit_name")));
      li.appendChild(el("span", "count", u.suspended && !u.waiting ? S.t("board.suspended")
        : S.t("board.waiting_count", {n: u.waiting})));
      if (u.suspended) li.className = "suspended";
      list.appendChild(li);
    });
  }

  /** Split the units into pages by laying them out: a page ends before the first line that
   *  would pass the panel's bottom. */
  function waitingPages(list, rows) {
    var pages = [], start = 0;
    $("waiting-page").textContent = "1/9";  // the heading as it will be, so the room is measured right
    while (start < rows.length) {
      fillWaiting(list, rows.slice(start));
      var bottom = bottomOf(list), fit = 0;
      while (fit < list.children.length && list.children[fit].getBoundingClientRect().bottom <= bottom + 1) fit += 1;
      fit = Math.max(1, fit);
      pages.push(rows.slice(start, start + fit));
      start += fit;
    }
    return pages;
  }

  function turnWaitingPage() {
    state.waitingPage = (state.waitingPage || 0) + 1;
    renderWaiting();
  }

  function renderScope() {
    var scope = filter.zone ? S.t("board.zone", {zone: filter.zone})
      : filter.floor ? S.t("board.floor", {floor: filter.floor}) : S.t("board.all_zones");
    $("board-scope").textContent = scope;
  }

  function renderAll() {
    renderScope();
    renderLatest(false);
    renderRecent(false);
    renderWaiting();
  }

  function tickClock() {
    var d = S.now();
    $("clock").textContent = S.fmtTime(d, true);
    $("date").textContent = S.fmtDate(d);
  }

  function announce(call) {
    if (!announcer) { state.calls.note(call); return; }
    try {
      // Queued even before the voice pack has loaded; the announcer plays only new calls.
      announcer.announce({seq: call.seq, number: call.number, counter: call.counter, recall: !!call.recall});
    } catch (e) { /* voice is best effort: the screen still shows the call */ }
    showUnlock(announcer.needsUnlock);
  }

  function showUnlock(flag) {
    $("sound-unlock").hidden = !flag;
  }

  function setupAnnouncer(packs) {
    if (!window.XephangAnnouncer || announcer) return;
    var urls = (packs && packs.length ? packs : ["vi-south"]).map(function (p) { return "/voice/" + p + "/"; });
    try {
      announcer = new window.XephangAnnouncer({packUrls: urls, onNeedsUnlock: showUnlock, calls: state.calls});
      Promise.resolve(announcer.load()).catch(function () { /* no voice pack: the board still shows calls */ });
    } catch (e) { announcer = null; return; }
    $("sound-unlock").addEventListener("click", function () {
      state.unlocked = true;
      try { announcer.unlock(); } catch (e) { /* nothing more we can do from here */ }
      $("sound-unlock").hidden = true;
    });
  }

  function onSnapshot(snap) {
    S.syncClock(snap.now);
    state.services = {};
    (snap.services || []).forEach(function (s) { state.services[s.code] = s; });
    state.counters = {};
    (snap.counters || []).forEach(function (c) { state.counters[c.number] = c; });
    var calls = sortCalls((snap.recent_calls || []).filter(inScope));
    // Calls made while we were disconnected: voice the fresh ones so nobody misses their turn.
    state.calls.snapshot(snap.seq);
    var nowMs = S.now().getTime();
    calls.slice().reverse().forEach(function (c) {
      if (!state.calls.isNew(c)) return;
      if (state.hadSnapshot && nowMs - Date.parse(c.at || "") < 60000) announce(c);
      else state.calls.note(c);
    });
    state.recent = dedupe(calls);
    state.hadSnapshot = true;
    renderAll();
    loadNotice();
  }

  function onCalled(call) {
    if (!inScope(call)) return;
    state.recent = dedupe([call].concat(state.recent));
    renderLatest(true);
    renderRecent(true);
    announce(call);
  }

  function onEvent(name, p) {
    if (name === "ticket.called") onCalled(p);
    else if (name === "queue.changed") {
      (p.services || []).forEach(function (s) { state.services[s.code] = s; });
      renderWaiting();
    } else if (name === "counter.changed" && p.counter) {
      state.counters[p.counter.number] = p.counter;
    }
  }

  function loadNotice() {
    S.getJson("/api/v1/site", token).then(function (data) {
      var site = data && data.site ? data.site : {};
      if (data) setupAnnouncer(site.voice);  // the site's voice packs, once
      if (site.name) $("site-name").textContent = S.localName(site, "name");
      else $("site-name").textContent = S.t("board.site");
      var notice = S.lang() === "en" && site.notice_en ? site.notice_en : site.notice;
      $("notice").hidden = !notice;
      if (notice && $("notice-text").textContent !== notice) {
        $("notice-text").textContent = notice;
        // Keep the scroll speed about constant whatever the text length.
        $("notice-text").style.animationDuration = Math.max(20, notice.length / 6) + "s";
      }
    });
  }

  function connect() {
    XephangLive.connect({
      auth: {token: token},
      onSnapshot: onSnapshot,
      onEvent: onEvent,
      onStatus: function (st) {
        if (st === "online") state.everOnline = true;
        S.trackConnection(st, state.everOnline);
      }
    });
  }

  function start() {
    tickClock();
    window.setInterval(tickClock, 1000);
    window.setInterval(turnWaitingPage, 8000);
    renderAll();
    $("site-name").textContent = S.t("board.site");
    if (!token) {
      document.getElementById("unpaired").hidden = false;
      S.trackConnection("offline", false);
      return;
    }
    S.trackConnection("connecting", false);
    var scoped = filter.zone || filter.floor;
    S.devicePaired(token).then(function (res) {
      if (!res.paired) { document.getElementById("unpaired").hidden = false; return; }
      var dev = res.me && res.me.device;
      // A board paired to a zone shows that zone unless the URL says otherwise.
      if (!scoped && dev && dev.zone) { filter.zone = dev.zone; renderScope(); }
      connect();
      window.XephangShared.heartbeat(token);
    });
  }

  window.addEventListener("resize", function () { renderAll(); });
  start();
})();
