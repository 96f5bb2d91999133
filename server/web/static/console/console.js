/* Officer console: work one counter — call, recall, start, complete, no-show, park, transfer, pause. */
(function () {
  "use strict";
  var X = window.XephangStaff;
  var COUNTER_KEY = "xephang.console.counter";
  var st = {
    me: null, counterNo: null, counter: null, waiting: [], services: [], siteServices: [], siteCounters: {},
    busy: false, everOnline: false, live: null
  };

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
    tickTimer();
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
      if (t.priority) li.appendChild(X.el("span", "prio", X.localName(t, "priority_name") || t.priority));
      li.appendChild(X.el("span", "waited", X.t("console.waited", {m: Math.round(X.minutesSince(t.issued_at))})));
      list.appendChild(li);
    });
    $("next-empty").hidden = waiting.length > 0;
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
    st.busy = true;
    renderButtons();
    X.showError("");
    return X.api("POST", "/api/v1/counters/" + st.counterNo + "/" + path, body).then(function (d) {
      if (d.counter) st.counter = d.counter;
      if (action === "call-next" && !d.ticket) X.showError(X.t("console.nobody"));
    }).catch(function (e) {
      X.showError(e.message);
    }).then(function () {
      st.busy = false;
      render();
      refreshSoon();
    });
  }

  function openCallDialog() {
    if (st.busy || !allowed("call")) return;
    $("call-number").value = "";
    $("call-dialog").showModal();
    $("call-number").focus();
  }

  function openTransferDialog() {
    if (st.busy || !allowed("transfer")) return;
    var sel = $("transfer-service");
    var current = currentTicket();
    sel.textContent = "";
    st.siteServices.forEach(function (s) {
      if (current && s.code === current.service) return;
      var o = X.el("option", "", X.localName(s, "name") + (s.zone ? " — " + s.zone : ""));
      o.value = s.code;
      sel.appendChild(o);
    });
    $("transfer-note").value = "";
    $("transfer-dialog").showModal();
    sel.focus();
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

  $("transfer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var svc = $("transfer-service").value;
    if (!svc) return;
    $("transfer-dialog").close();
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

  function start() {
    X.loadMe().then(function (me) {
      st.me = me;
      var u = me.user || {};
      $("user-name").textContent = u.name || u.full_name || u.username || "";
      X.api("GET", "/api/v1/site").then(function (site) {
        st.siteServices = site.services || [];
        (site.counters || []).forEach(function (c) { st.siteCounters[c.number] = c; });
        if (!$("picker").hidden) renderPicker();
      })
        .catch(function () { /* transfer list stays empty; the error shows when used */ });
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
