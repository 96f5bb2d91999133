/* Officer console: work one counter — call, recall, start, complete, no-show, park, transfer, pause. */
(function () {
  "use strict";
  var X = window.XephangStaff;
  var COUNTER_KEY = "xephang.console.counter";
  var st = {
    me: null, counterNo: null, counter: null, waiting: [], services: [], siteServices: [], siteCounters: {},
    busy: false, everOnline: false, live: null, units: {},
    notes: {},        // ticket id → how it came by transfer (staff answers only; events never carry it)
    transferTo: null  // the service chosen in the transfer dialog
  };
  var TRANSFERS_KEY = "xephang.console.transfers";
  var NOTICE_MS = 10000;
  var noticeTimer = null;

  function $(id) { return document.getElementById(id); }

  X.initText();
  X.wireCommonButtons(function () { render(); renderPicker(); });

  function counterNumbers() {
    var user = (st.me && st.me.user) || {};
    if (user.role === "supervisor" || user.role === "admin") {
      // A supervisor may stand in at any counter.
      return Object.keys(st.siteCounters).map(Number).sort(function (a, b) { return a - b; });
    }
    var list = user.counters || [];
    return list.map(function (c) { return typeof c === "object" ? Number(c.number) : Number(c); });
  }

  // ---------- picking a counter ----------

  function renderPicker() {
    var nums = counterNumbers();
    var list = $("picker-list");
    list.textContent = "";
    nums.forEach(function (n) {
      var info = st.siteCounters[n];
      var b = X.el("button", "pick", info && info.name ? info.name : X.t("console.counter", {n: n}));
      b.type = "button";
      b.dataset.counter = n;
      b.addEventListener("click", function () { chooseCounter(n); });
      list.appendChild(b);
    });
    $("picker-empty").hidden = nums.length > 0;
  }

  function showPicker() {
    $("picker").hidden = false;
    $("work").hidden = true;
    renderPicker();
  }

  function chooseCounter(n) {
    st.counterNo = n;
    try { window.localStorage.setItem(COUNTER_KEY, String(n)); } catch (e) { /* fine */ }
    var url = new URL(window.location.href);
    url.searchParams.set("counter", n);
    window.history.replaceState(null, "", url.toString());
    $("picker").hidden = true;
    $("work").hidden = false;
    $("switch-counter").hidden = counterNumbers().length < 2;
    st.counter = null;
    render();
    refresh();
  }

  function initialCounter() {
    var nums = counterNumbers();
    var fromUrl = Number(new URL(window.location.href).searchParams.get("counter"));
    if (fromUrl && nums.indexOf(fromUrl) >= 0) return fromUrl;
    if (nums.length === 1) return nums[0];
    var saved = 0;
    try { saved = Number(window.localStorage.getItem(COUNTER_KEY)); } catch (e) { saved = 0; }
    return saved && nums.indexOf(saved) >= 0 ? saved : null;
  }

  // ---------- data ----------

  function refresh() {
    if (!st.counterNo) return Promise.resolve();
    return X.api("GET", "/api/v1/counters/" + st.counterNo).then(function (d) {
      st.counter = d.counter || st.counter;
      st.waiting = d.waiting || [];
      st.away = d.away || {};
      keepNotes([d.counter && d.counter.ticket].concat((d.counter && d.counter.parked) || [], st.waiting));
      st.services = d.services || st.services;
      render();
    }).catch(function (e) { X.showError(e.message); });
  }
  var refreshSoon = X.throttle(refresh, 1000);

  function mergeServices(list) {
    window.XephangShared.mergeServices(st.services, list);
  }

  // ---------- rendering ----------

  function currentTicket() {
    var t = st.counter && st.counter.ticket;
    return t && (t.status === "called" || t.status === "serving") ? t : null;
  }

  function render() {
    if (!st.counterNo) return;
    var c = st.counter || {};
    $("counter-title").textContent = c.name || X.t("console.counter", {n: st.counterNo});
    var badge = $("counter-state");
    badge.textContent = c.state ? X.t("state." + c.state) : "";
    badge.dataset.state = c.state || "";
    renderTicket();
    renderServices();
    renderNext();
    renderParked();
    renderButtons();
    // missed.js (no-show tickets to put back in line) follows the counter shown here.
    document.dispatchEvent(new CustomEvent("xephang:counter-rendered", {detail: {counter: st.counterNo}}));
  }

  function renderTicket() {
    var t = currentTicket();
    $("ticket-card").dataset.status = t ? t.status : "";
    $("ticket-number").textContent = t ? String(t.number) : "—";
    $("ticket-status").textContent = t ? X.t("status." + t.status) : X.t("console.no_ticket");
    $("ticket-service").textContent = t ? X.localName(t, "service_name") : "";
    var meta = [];
    if (t && t.priority) meta.push(X.localName(t, "priority_name") || t.priority);
    if (t && t.recalls) meta.push(X.t("console.recalls", {n: t.recalls}));
    $("ticket-meta").textContent = meta.join(" · ");
    var tr = t && transferOf(t);
    $("ticket-transfer").hidden = !tr;
    $("ticket-transfer-from").textContent = tr ? transferFromText(tr) : "";
    $("ticket-transfer-note").textContent = tr && tr.note ? X.t("console.transfer_note", {note: tr.note}) : "";
    $("ticket-transfer-note").hidden = !(tr && tr.note);
    tickTimer();
  }

  /** Remember where tickets came from by transfer: live events replace tickets without it. */
  function keepNotes(tickets) {
    tickets.forEach(function (t) { if (t && t.transfer) st.notes[t.id] = t.transfer; });
  }

  function transferOf(t) {
    return (t && (t.transfer || st.notes[t.id])) || null;
  }

  function transferFromText(tr) {
    return X.t("console.transfer_from", {counter: tr.from_counter,
      service: X.localName(tr, "from_service_name") || tr.from_service});
  }

  /** A short confirmation of what the last action did (the card alone just empties). */
  function showNotice(msg) {
    var box = $("notice-box");
    box.textContent = msg || "";
    box.hidden = !msg;
    if (noticeTimer) window.clearTimeout(noticeTimer);
    noticeTimer = msg ? window.setTimeout(function () { box.hidden = true; }, NOTICE_MS) : null;
  }

  function tickTimer() {
    var t = currentTicket();
    if (!t) { $("ticket-timer").textContent = ""; return; }
    if (t.status === "serving") {
      var since = t.started_at || t.served_at || t.called_at || (st.counter && st.counter.since);
      $("ticket-timer").textContent = X.t("console.served_for", {t: X.elapsed(since)});
    } else {
      $("ticket-timer").textContent = X.t("console.called_for", {t: X.elapsed(t.called_at)});
    }
  }

  function renderServices() {
    var body = $("services-body");
    body.textContent = "";
    st.services.forEach(function (s) {
      var tr = X.el("tr");
      var late = s.wait_target_min && s.longest_wait_min > s.wait_target_min;
      if (late) tr.className = "late";
      tr.dataset.service = s.code;
      tr.appendChild(X.el("td", "", X.localName(s, "name")));
      tr.appendChild(X.el("td", "num waiting", s.waiting || 0));
      tr.appendChild(X.el("td", "num", X.t("common.minutes", {m: Math.round(s.longest_wait_min || 0)})));
      body.appendChild(tr);
    });
  }

  function renderNext() {
    var list = $("next-list");
    list.textContent = "";
    // The list may predate the last call by a moment: never show the ticket at the window as next.
    var here = currentTicket();
    var waiting = st.waiting.filter(function (t) { return t.status === "waiting" && !(here && here.id === t.id); });
    waiting.slice(0, 8).forEach(function (t) {
      var li = X.el("li");
      li.appendChild(X.el("span", "num", t.number));
      li.appendChild(X.el("span", "svc", X.localName(t, "service_name")));
      if (t.priority && t.channel !== "appointment") li.appendChild(X.el("span", "prio", X.localName(t, "priority_name") || t.priority));
      if (t.channel === "remote" || t.channel === "appointment")  // issue 10: checked in, or not on this list
        li.appendChild(X.el("span", "channel channel-" + t.channel, X.t("channel." + t.channel + ".in")));
      li.appendChild(X.el("span", "waited", X.t("console.waited", {m: Math.round(X.minutesSince(t.issued_at))})));
      var tr = transferOf(t);
      if (tr) {
        var note = X.el("span", "note", transferFromText(tr) + (tr.note ? " — " + tr.note : ""));
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    $("next-empty").hidden = waiting.length > 0;
    var away = 0;
    Object.keys(st.away || {}).forEach(function (k) { away += st.away[k]; });
    $("next-away").hidden = !away;
    $("next-away").textContent = away ? X.t("console.away", {n: away}) : "";
  }

  function renderParked() {
    var list = $("parked-list");
    list.textContent = "";
    var parked = (st.counter && st.counter.parked) || [];
    parked.forEach(function (t) {
      var li = X.el("li");
      li.appendChild(X.el("span", "num", t.number));
      li.appendChild(X.el("span", "svc", X.localName(t, "service_name")));
      var b = X.el("button", "act small unpark", X.t("act.unpark"));
      b.type = "button";
      b.dataset.action = "unpark";
      b.dataset.number = t.number;
      b.addEventListener("click", function () { act("unpark", {number: t.number}); });
      li.appendChild(b);
      list.appendChild(li);
    });
    $("parked-empty").hidden = parked.length > 0;
  }

  /** Which actions make sense now; the server still decides, this only avoids pointless clicks. */
  function allowed(action) {
    var c = st.counter;
    if (!c) return false;
    var t = currentTicket();
    var open = c.state === "open";
    switch (action) {
      case "call-next": case "call": return open;
      case "recall": case "no-show": return open && !!t && t.status === "called";
      case "start": return open && !!t && t.status === "called";
      case "complete": case "park": case "transfer": return !!t;
      case "pause": return c.state !== "closed";
      case "open": return true;
      case "unpark": return open && !t;
      default: return false;
    }
  }

  function renderButtons() {
    var c = st.counter || {};
    $("pause-label").textContent = X.t(c.state === "paused" ? "act.resume" : "act.pause");
    // Calling the next number completes the one at the counter: the button says so.
    $("call-next-label").textContent = X.t(currentTicket() ? "act.finish_and_next" : "act.call_next");
    $("open-label").textContent = X.t(c.state === "closed" ? "act.open" : "act.close");
    document.querySelectorAll("#work button.act").forEach(function (b) {
      b.disabled = st.busy || !allowed(b.dataset.action);
    });
    document.body.classList.toggle("busy", st.busy);
  }

  // ---------- actions ----------

  /** POST one counter action; one request_id per click and every button off until the answer. */
  function act(action, extra) {
    if (st.busy || !st.counterNo) return Promise.resolve();
    var path = action;
    var c = st.counter || {};
    if (action === "pause" && c.state === "paused") path = "resume";
    if (action === "open" && c.state !== "closed") path = "close";
    var body = Object.assign({request_id: X.requestId()}, extra || {});
    var before = currentTicket();
    st.busy = true;
    renderButtons();
    X.showError("");
    showNotice("");
    return X.api("POST", "/api/v1/counters/" + st.counterNo + "/" + path, body).then(function (d) {
      if (d.counter) st.counter = d.counter;
      keepNotes([d.ticket, d.counter && d.counter.ticket].concat((d.counter && d.counter.parked) || []));
      showNotice(doneText(action, before, d, body));
      if (action === "call-next" && !d.ticket && !before) X.showError(X.t("console.nobody"));
    }).catch(function (e) {
      X.showError(e.message);
    }).then(function () {
      st.busy = false;
      render();
      refreshSoon();
    });
  }

  /** What to confirm after an action, naming the number (and the target of a transfer). */
  function doneText(action, before, d, body) {
    var n = before ? before.number : "";
    var next = d.ticket && (d.ticket.status === "called") ? d.ticket.number : "";
    switch (action) {
      case "call-next":
        if (before) return X.t(next ? "console.msg_done_next" : "console.msg_done_nobody", {number: n, next: next});
        return next ? X.t("console.msg_called", {number: next}) : "";
      case "call": case "unpark":
        return next ? X.t(action === "unpark" ? "console.msg_unpark" : "console.msg_called", {number: next}) : "";
      case "complete": return before ? X.t("console.done_ok", {number: n}) : "";
      case "no-show": return before ? X.t("console.msg_no_show", {number: n}) : "";
      case "park": return before ? X.t("console.msg_park", {number: n}) : "";
      case "transfer":
        return before ? X.t("console.msg_transfer", {number: n, service: serviceName(body.service)}) : "";
      default: return "";
    }
  }

  function serviceName(code) {
    var s = st.siteServices.filter(function (x) { return x.code === code; })[0];
    return s ? X.localName(s, "name") : code;
  }

  function openCallDialog() {
    if (st.busy || !allowed("call")) return;
    $("call-number").value = "";
    $("call-dialog").showModal();
    $("call-number").focus();
  }

  // ---------- transfer dialog: search without accents, recent targets first, nothing preselected ----------

  function recentTargets() {
    try { return JSON.parse(window.localStorage.getItem(TRANSFERS_KEY) || "[]"); } catch (e) { return []; }
  }

  function rememberTarget(code) {
    var list = [code].concat(recentTargets().filter(function (c) { return c !== code; })).slice(0, 5);
    try { window.localStorage.setItem(TRANSFERS_KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function openTransferDialog() {
    if (st.busy || !allowed("transfer")) return;
    var current = currentTicket();
    st.transferTo = null;
    $("transfer-ticket").textContent = current ? X.t("console.transfer_ticket",
      {number: current.number, service: X.localName(current, "service_name")}) : "";
    $("transfer-search").value = "";
    $("transfer-search").placeholder = X.t("console.search_service");
    $("transfer-note").value = "";
    renderTargets();
    $("transfer-dialog").showModal();
    $("transfer-search").focus();
  }

  function targetItem(s) {
    var label = X.el("label", "tgt");
    var radio = X.el("input");
    radio.type = "radio";
    radio.name = "transfer-to";
    radio.value = s.code;
    radio.checked = st.transferTo === s.code;
    radio.addEventListener("change", function () { st.transferTo = s.code; renderTransferSubmit(); });
    label.appendChild(radio);
    var body = X.el("span", "tgt-body");
    body.appendChild(X.el("span", "tgt-name", X.localName(s, "name")));
    var unit = st.units[s.unit];
    body.appendChild(X.el("span", "tgt-meta", [unit ? X.localName(unit, "name") : s.unit,
      X.t("console.zone", {zone: s.zone})].join(" · ")));
    label.appendChild(body);
    return label;
  }

  function renderTargets() {
    var list = $("transfer-list");
    list.textContent = "";
    var current = currentTicket();
    var q = window.XephangI18n.fold($("transfer-search").value.trim());
    var byCode = {};
    var shown = st.siteServices.filter(function (s) {
      if (current && s.code === current.service) return false;
      var unit = st.units[s.unit] || {};
      var hay = [s.name, s.name_en, s.code, unit.name, unit.name_en].join(" ");
      return !q || window.XephangI18n.fold(hay).indexOf(q) >= 0;
    });
    shown.forEach(function (s) { byCode[s.code] = s; });
    var recent = recentTargets().filter(function (c) { return byCode[c]; });
    if (recent.length) {
      list.appendChild(X.el("div", "tgt-head", X.t("console.recent_targets")));
      recent.forEach(function (c) { list.appendChild(targetItem(byCode[c])); });
      list.appendChild(X.el("div", "tgt-head", X.t("console.all_targets")));
    }
    shown.forEach(function (s) { if (recent.indexOf(s.code) < 0) list.appendChild(targetItem(s)); });
    $("transfer-nomatch").hidden = shown.length > 0;
    if (st.transferTo && !byCode[st.transferTo]) st.transferTo = null;
    renderTransferSubmit();
  }

  function renderTransferSubmit() {
    $("transfer-submit").disabled = !st.transferTo;
  }

  function runAction(action) {
    if (action === "call") openCallDialog();
    else if (action === "transfer") openTransferDialog();
    else if (allowed(action)) act(action);
  }

  document.querySelectorAll("#actions button.act").forEach(function (b) {
    b.addEventListener("click", function () { runAction(b.dataset.action); });
  });

  $("call-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var n = $("call-number").value.trim();
    if (!n) return;
    $("call-dialog").close();
    act("call", {number: n});
  });

  $("transfer-search").addEventListener("input", renderTargets);
  $("transfer-search").addEventListener("keydown", function (ev) {
    // Enter in the search box picks the only match, or moves to the list; it never submits unseen.
    if (ev.key !== "Enter" && ev.key !== "ArrowDown") return;
    ev.preventDefault();
    var radios = $("transfer-list").querySelectorAll("input[type=radio]");
    if (radios.length === 1) { radios[0].checked = true; st.transferTo = radios[0].value; renderTransferSubmit(); }
    if (radios.length) radios[0].focus();
  });

  $("transfer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var svc = st.transferTo;
    if (!svc) return;
    $("transfer-dialog").close();
    rememberTarget(svc);
    act("transfer", {service: svc, note: $("transfer-note").value.trim()});
  });

  document.querySelectorAll("dialog [data-close]").forEach(function (b) {
    b.addEventListener("click", function () { b.closest("dialog").close(); });
  });

  $("switch-counter").addEventListener("click", showPicker);

  // Shortcuts: one key per action, never while typing or with a dialog open.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (document.querySelector("dialog[open]") || $("work").hidden) return;
    var key = ev.key.toLowerCase();
    var btn = document.querySelector('#actions button.act[data-key="' + (key === "/" ? "/" : key) + '"]');
    if (!btn) return;
    ev.preventDefault();
    runAction(btn.dataset.action);
  });

  // ---------- live ----------

  function mine(n) { return String(n) === String(st.counterNo); }

  /** The service codes this counter serves: only their events change what the console shows. */
  function myServices() {
    var codes = {};
    ((st.counter && st.counter.services) || []).forEach(function (c) { codes[c] = true; });
    st.services.forEach(function (s) { codes[s.code] = true; });
    return codes;
  }

  function onEvent(name, p) {
    var mineSvc = myServices();
    if (name === "counter.changed" && p.counter && mine(p.counter.number)) {
      st.counter = p.counter;
      render();
      refreshSoon();
    } else if (name === "queue.changed") {
      var touched = (p.services || []).some(function (s) { return mineSvc[s.code]; });
      if (!touched) return;
      mergeServices(p.services);
      renderServices();
      refreshSoon();
    } else if (name === "ticket.called") {
      if (mine(p.counter) || mineSvc[p.service]) refreshSoon();
    } else if (name === "ticket.changed") {
      var t = p.ticket || {};
      if (mine(p.counter) || mine(t.counter) || mineSvc[t.service]) refreshSoon();
    } else if (name === "site.changed") {
      loadSite();
      refreshSoon();
    }
  }

  function connectLive() {
    st.live = XephangLive.connect({
      auth: null,
      onSnapshot: function (snap) {
        X.syncClock(snap.now);
        (snap.counters || []).forEach(function (c) { if (mine(c.number)) st.counter = c; });
        mergeServices(snap.services);
        render();
        refreshSoon();
      },
      onEvent: onEvent,
      onStatus: function (s) {
        if (s === "online") st.everOnline = true;
        X.trackConnection(s, st.everOnline);
      }
    });
  }

  /** Services, units and counters of the site (transfer list, picker): at start and after every
   *  site.changed. */
  function loadSite() {
    return X.api("GET", "/api/v1/site").then(function (site) {
      st.siteServices = site.services || [];
      st.units = {};
      (site.units || []).forEach(function (u) { st.units[u.code] = u; });
      st.siteCounters = {};
      (site.counters || []).forEach(function (c) { st.siteCounters[c.number] = c; });
      if (!$("picker").hidden) renderPicker();
    })
      .catch(function () { /* transfer list stays empty; the error shows when used */ });
  }

  function start() {
    X.loadMe().then(function (me) {
      st.me = me;
      var u = me.user || {};
      $("user-name").textContent = u.name || u.full_name || u.username || "";
      loadSite();
      var n = initialCounter();
      if (n) chooseCounter(n); else showPicker();
      connectLive();
      window.setInterval(tickTimer, 1000);
      // Waiting times grow without events: refresh the counter's figures every half minute.
      window.setInterval(refresh, 30000);
    }).catch(function (e) { X.showError(e.message); });
  }

  start();
})();
