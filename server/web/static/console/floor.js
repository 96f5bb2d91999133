/* Supervisor's floor view: every counter, every service's wait, alerts, today's totals, ratings. */
(function () {
  "use strict";
  var X = window.XephangStaff;
  var pauseAlertMin = 15;  // replaced by the site's policy.pause_alert_min once loaded
  var RATINGS_MAX = 12;
  var st = {
    counters: {}, services: {}, printers: {}, stats: null, ratings: [], zones: [], reasons: {},
    zone: "", everOnline: false,
    storage: null,  // the last storage.alert {code, seen}: shown for STORAGE_ALERT_MS
    devices: {}  // device health by id: GET /api/v1/admin/devices, then device.changed
  };
  var STORAGE_ALERT_MS = 10 * 60 * 1000;

  function $(id) { return document.getElementById(id); }

  X.initText();
  X.wireCommonButtons(function () { renderZones(); renderAll(); });

  function inZone(item) { return !st.zone || item.zone === st.zone; }

  function sortedCounters() {
    return Object.keys(st.counters).map(function (k) { return st.counters[k]; })
      .filter(inZone).sort(function (a, b) {
        return String(a.zone).localeCompare(String(b.zone)) || a.number - b.number;
      });
  }

  function sortedServices() {
    return Object.keys(st.services).map(function (k) { return st.services[k]; }).filter(inZone)
      .sort(function (a, b) { return String(a.zone).localeCompare(String(b.zone)) || String(a.code).localeCompare(String(b.code)); });
  }

  function atCounter(c) {
    var t = c.ticket;
    return t && (t.status === "called" || t.status === "serving") ? t : null;
  }

  // ---------- rendering ----------

  function renderZones() {
    var sel = $("zone-filter");
    var keep = st.zone;
    while (sel.options.length > 1) sel.remove(1);
    sel.options[0].textContent = X.t("floor.all_zones");
    st.zones.forEach(function (z) {
      var o = X.el("option", "", X.localName(z, "name") || z.code);
      o.value = z.code;
      sel.appendChild(o);
    });
    sel.value = keep;
  }

  function renderStats() {
    var box = $("stats");
    box.textContent = "";
    var s = st.stats || {};
    var items = [
      ["issued", s.issued], ["waiting", s.waiting], ["served", s.served], ["no_show", s.no_show],
      ["avg_wait", s.avg_wait_min === undefined || s.avg_wait_min === null ? "—" : X.t("common.minutes", {m: round1(s.avg_wait_min)})],
      ["avg_service", s.avg_service_min === undefined || s.avg_service_min === null ? "—" : X.t("common.minutes", {m: round1(s.avg_service_min)})],
      ["ratings_count", s.ratings_count], ["avg_rating", s.avg_rating === undefined || s.avg_rating === null ? "—" : round1(s.avg_rating) + " / 4"]
    ];
    items.forEach(function (it) {
      var d = X.el("div", "stat");
      d.dataset.stat = it[0];
      d.appendChild(X.el("div", "stat-value", it[1] === undefined || it[1] === null ? "—" : it[1]));
      d.appendChild(X.el("div", "stat-label", X.t("stats." + it[0])));
      box.appendChild(d);
    });
  }

  function round1(x) { return Math.round(Number(x) * 10) / 10; }

  function renderCounters() {
    var grid = $("counter-grid");
    grid.textContent = "";
    var zone = null;
    sortedCounters().forEach(function (c) {
      if (c.zone !== zone) {
        // One heading per zone: a supervisor thinks of the floor by zone, not by counter number.
        zone = c.zone;
        var z = st.zones.filter(function (x) { return x.code === zone; })[0];
        grid.appendChild(X.el("div", "zone-head", z ? X.localName(z, "name") : zone));
      }
      var card = X.el("div", "counter-card state-" + (c.state || "closed"));
      card.dataset.counter = c.number;
      card.dataset.state = c.state || "";
      var head = X.el("div", "cc-head");
      head.appendChild(X.el("span", "cc-number", c.number));
      head.appendChild(X.el("span", "cc-state", c.state ? X.t("state." + c.state) : ""));
      card.appendChild(head);
      card.appendChild(X.el("div", "cc-officer", c.officer || X.t("floor.no_officer")));
      var t = atCounter(c);
      card.appendChild(X.el("div", "cc-ticket", t ? t.number : "—"));
      var since = t ? (t.started_at || t.called_at) : (c.state === "paused" ? c.since : null);
      var sinceEl = X.el("div", "cc-since", since ? X.elapsed(since) : "");
      sinceEl.dataset.since = since || "";
      card.appendChild(sinceEl);
      grid.appendChild(card);
    });
  }

  function renderServices() {
    var body = $("services-body");
    body.textContent = "";
    sortedServices().forEach(function (s) {
      var tr = X.el("tr");
      tr.dataset.service = s.code;
      if (isLate(s)) tr.className = "late";
      tr.appendChild(X.el("td", "", X.localName(s, "name")));
      tr.appendChild(X.el("td", "", s.zone || ""));
      tr.appendChild(X.el("td", "num", s.waiting || 0));
      tr.appendChild(X.el("td", "num", X.t("common.minutes", {m: Math.round(s.longest_wait_min || 0)})));
      tr.appendChild(X.el("td", "num", s.wait_target_min ? X.t("common.minutes", {m: s.wait_target_min}) : "—"));
      body.appendChild(tr);
    });
  }

  function isLate(s) {
    return !!s.wait_target_min && Number(s.longest_wait_min || 0) > Number(s.wait_target_min);
  }

  /** Printer paper, services past their wait target, counters paused too long. */
  function alerts() {
    var out = [];
    if (st.storage && Date.now() - st.storage.seen < STORAGE_ALERT_MS) {
      out.push({level: "red", kind: "storage", text: X.t("floor.alert_" + st.storage.code)});
    }
    Object.keys(st.printers).forEach(function (k) {
      var p = st.printers[k];
      if (!inZone(p)) return;
      var name = p.device_name || p.device;
      if (p.status === "out") out.push({level: "red", kind: "printer", text: X.t("floor.alert_printer_out", {name: name})});
      else if (p.status === "near_end") out.push({level: "amber", kind: "printer", text: X.t("floor.alert_printer_near_end", {name: name})});
      else if (p.status === "offline") out.push({level: "amber", kind: "printer", text: X.t("floor.alert_printer_offline", {name: name})});
    });
    sortedServices().forEach(function (s) {
      // Out of numbers for the day: citizens at the kiosk are turned away, supervisors decide.
      if (s.full && s.open) out.push({level: "red", kind: "full", text: X.t("floor.alert_full",
        {service: X.localName(s, "name"), waiting: s.waiting || 0})});
      // Closed by an admin or the calendar: the reason the kiosks show.
      if (!s.open && s.closed_text) out.push({level: "amber", kind: "suspended", text: X.t("floor.alert_suspended",
        {service: X.localName(s, "name"), reason: s.closed_text[X.lang()] || s.closed_text.vi})});
      if (isLate(s)) out.push({level: "red", kind: "wait", text: X.t("floor.alert_wait",
        {service: X.localName(s, "name"), m: Math.round(s.longest_wait_min), target: s.wait_target_min})});
    });
    Object.keys(st.devices).forEach(function (k) {
      var d = st.devices[k];
      // Silent past [policy] device_silent_s during opening hours (decided by the server).
      if (d.alert && inZone(d)) out.push({level: "red", kind: "device", text: X.t("floor.alert_device",
        {name: d.name, kind: X.t("device.kind_" + d.kind), since: d.seen_at ? String(d.seen_at).slice(11, 16) : "—"})});
    });
    sortedCounters().forEach(function (c) {
      var m = X.minutesSince(c.since);
      if (c.state === "paused" && m > pauseAlertMin) {
        out.push({level: "amber", kind: "paused", text: X.t("floor.alert_paused", {n: c.number, m: Math.floor(m)})});
      }
    });
    return out;
  }

  function renderAlerts() {
    var list = $("alerts");
    list.textContent = "";
    var items = alerts();
    items.forEach(function (a) {
      var li = X.el("li", "alert " + a.level, a.text);
      li.dataset.kind = a.kind;
      list.appendChild(li);
    });
    $("alerts-empty").hidden = items.length > 0;
    renderDevices();
  }

  /** One line under the alerts: how many devices are online and offline (details on /admin/devices). */
  function renderDevices() {
    var box = $("devices-summary");
    if (!box) return;
    var on = 0, off = 0;
    Object.keys(st.devices).forEach(function (k) {
      var d = st.devices[k];
      if (!inZone(d) && d.zone) return;
      if (d.online) on++; else off++;
    });
    box.textContent = X.t("floor.devices_line", {on: on, off: off});
    box.dataset.on = on;
    box.dataset.off = off;
  }

  function loadDevices() {
    return X.api("GET", "/api/v1/admin/devices").then(function (r) {
      st.devices = {};
      (r.devices || []).forEach(function (d) {
        if (d.active && d.health && d.health.seen_at) st.devices[d.id] = d.health;
      });
      renderAlerts();
    }).catch(function () { /* device.changed keeps what it brings */ });
  }

  function renderRatings() {
    var list = $("ratings");
    list.textContent = "";
    st.ratings.filter(function (r) {
      var c = st.counters[r.counter];
      return !st.zone || (c && c.zone === st.zone);
    }).forEach(function (r) {
      var reasons = (r.reasons || []).map(function (code) {
        return st.reasons[code] ? X.localName(st.reasons[code], "name") : code;
      }).join(", ");
      var li = X.el("li", "rating score-" + r.score, X.t(reasons ? "rating.line_reasons" : "rating.line",
        {number: r.number, counter: r.counter, score: X.t("rating.s" + r.score), reasons: reasons}));
      list.appendChild(li);
    });
    $("ratings-empty").hidden = list.children.length > 0;
  }

  function renderAll() {
    renderStats();
    renderAlerts();
    renderCounters();
    renderServices();
    renderRatings();
  }

  function tick() {
    $("clock").textContent = X.fmtClock(false);
    document.querySelectorAll(".cc-since").forEach(function (e) {
      e.textContent = e.dataset.since ? X.elapsed(e.dataset.since) : "";
    });
  }

  // ---------- data ----------

  function refreshStats() {
    return X.api("GET", "/api/v1/stats/today").then(function (s) { st.stats = s.stats || s; renderStats(); })
      .catch(function () { /* stats.changed will bring them */ });
  }
  var refreshStatsSoon = X.throttle(refreshStats, 3000);

  function refreshServices() {
    return X.api("GET", "/api/v1/services").then(function (d) {
      (d.services || []).forEach(function (s) { st.services[s.code] = Object.assign({}, st.services[s.code], s); });
      renderServices();
      renderAlerts();
    }).catch(function () { /* keep what the live feed gave */ });
  }

  function onTicket(t, counterNo) {
    var n = counterNo || t.counter;
    Object.keys(st.counters).forEach(function (k) {
      var c = st.counters[k];
      if (c.ticket && c.ticket.id === t.id && String(k) !== String(n)) c.ticket = null;
    });
    var c = n && st.counters[n];
    if (!c) return;
    if (t.status === "called" || t.status === "serving") c.ticket = t;
    else if (c.ticket && c.ticket.id === t.id) c.ticket = null;
  }

  function onEvent(name, p) {
    switch (name) {
      case "counter.changed":
        if (p.counter) st.counters[p.counter.number] = p.counter;
        renderCounters(); renderAlerts();
        break;
      case "ticket.changed":
        if (p.ticket) onTicket(p.ticket, p.counter);
        renderCounters();
        break;
      case "queue.changed":
        (p.services || []).forEach(function (s) { st.services[s.code] = Object.assign({}, st.services[s.code], s); });
        renderServices(); renderAlerts();
        // A new ticket changes today's totals but brings no stats.changed: fetch them, at most every 3 s.
        refreshStatsSoon();
        break;
      case "printer.changed":
        if (p.printer) st.printers[p.printer.device] = p.printer;
        renderAlerts();
        break;
      case "device.changed":
        if (p.device) st.devices[p.device.id] = p.device;
        renderAlerts();
        break;
      case "storage.alert":
        if (p.code) st.storage = {code: p.code, seen: Date.now()};
        renderAlerts();
        setTimeout(renderAlerts, STORAGE_ALERT_MS + 1000);
        break;
      case "stats.changed":
        if (p.stats) st.stats = p.stats;
        renderStats();
        break;
      case "site.changed":
        loadSite();
        break;
      case "booking.changed":
        // The appointments panel (floor-appointments.js) rereads today's counts.
        document.dispatchEvent(new CustomEvent("xephang:booking-changed", {detail: p}));
        break;
      case "rating.added":
        if (p.rating) st.ratings = [p.rating].concat(st.ratings).slice(0, RATINGS_MAX);
        renderRatings();
        refreshStatsSoon();
        break;
      default:
        break;
    }
  }

  function onSnapshot(snap) {
    X.syncClock(snap.now);
    st.counters = {};
    (snap.counters || []).forEach(function (c) { st.counters[c.number] = c; });
    st.services = {};
    (snap.services || []).forEach(function (s) { st.services[s.code] = s; });
    st.printers = {};
    (snap.printers || []).forEach(function (p) { st.printers[p.device] = p; });
    if (snap.stats) st.stats = snap.stats; else refreshStats();
    // Today's latest ratings come with the snapshot: a reload or reconnect keeps them.
    if (snap.ratings) st.ratings = snap.ratings.slice(0, RATINGS_MAX);
    renderAll();
    loadDevices();  // presence is not in the snapshot: read it after every (re)connect
  }

  /** Zones, policy and rating reasons: at start and after every site.changed (a fresh snapshot
   *  follows that event with the counters and services). */
  function loadSite() {
    return X.api("GET", "/api/v1/site").then(function (site) {
      if (site.policy && site.policy.pause_alert_min) pauseAlertMin = Number(site.policy.pause_alert_min);
      st.zones = (site.zones || []).map(function (z) { return typeof z === "string" ? {code: z, name: z} : z; });
      ((site.ratings && site.ratings.reasons) || []).forEach(function (r) { st.reasons[r.code] = r; });
      renderRatings();
      renderZones();
      renderCounters();
    }).catch(function () { /* the filter keeps "all zones" */ });
  }

  function start() {
    var sel = $("zone-filter");
    st.zone = sel.dataset.initial || "";
    sel.addEventListener("change", function () {
      st.zone = sel.value;
      var url = new URL(window.location.href);
      if (st.zone) url.searchParams.set("zone", st.zone); else url.searchParams.delete("zone");
      window.history.replaceState(null, "", url.toString());
      renderAll();
    });
    X.loadMe().then(function (me) {
      var u = me.user || {};
      $("user-name").textContent = u.name || u.full_name || u.username || "";
      if (u.role && u.role !== "supervisor" && u.role !== "admin") {
        $("forbidden").hidden = false;
        return;
      }
      $("floor").hidden = false;
      loadSite();
      renderAll();
      XephangLive.connect({
        auth: null, onSnapshot: onSnapshot, onEvent: onEvent,
        onStatus: function (s) {
          if (s === "online") st.everOnline = true;
          X.trackConnection(s, st.everOnline);
        }
      });
      window.setInterval(tick, 1000);
      // Longest waits and paused minutes grow between events.
      window.setInterval(function () { refreshServices(); renderAlerts(); }, 60000);
      tick();
    }).catch(function (e) { X.showError(e.message); });
  }

  start();
})();
