/*
 * The citizen kiosk: unit → service → priority → number. Three taps at most; a unit with one
 * service skips the service step. Query options (for a site's tuning and for tests):
 * ?idle=<s> (back to the start after no touch, default 30), ?result=<s> (result screen, default 20),
 * ?result_long=<s> (result screen when the ticket was not printed, default 60).
 */
(function () {
  "use strict";
  var T = window.XephangI18n;
  var K = window.XephangKiosk;
  var el = K.el;
  var TOKEN_KEY = "xephang.deviceToken";
  var BAD_PRINT = { failed: true, on_screen: true, none: true };
  var cfg = {
    idleMs: K.queryNumber("idle", 30) * 1000,
    resultMs: K.queryNumber("result", 20) * 1000,
    resultLongMs: K.queryNumber("result_long", 60) * 1000,
  };

  var state = {
    token: "",
    device: null,
    site: null,
    services: [],          // Service objects of this kiosk's zone, live-updated
    screen: null,
    unit: null,            // the unit being browsed
    service: null,         // the chosen service
    attempt: null,         // {requestId, service, priority, busy}: one per ticket attempt
    ticket: null,          // the ticket on the result screen
    liveStatus: null,
    live: null,
    loaded: false,
    printerOut: false,
    singleUnit: false,
  };
  var timers = { idle: null, result: null, retryLoad: null };
  var resultDeadline = 0;
  var loadRetries = 0;

  function $(id) { return document.getElementById(id); }

  function readToken() {
    try { return window.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  // ---- screens ------------------------------------------------------------------------------

  function show(name) {
    var sections = document.querySelectorAll("section[data-screen]");
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = sections[i].getAttribute("data-screen") !== name;
    }
    if (state.screen === "result" && name !== "result") stopResultTimer();
    state.screen = name;
    document.body.setAttribute("data-current", name);
    showPrinterNotice();
    resetIdle();
  }

  /** Warn before choosing that the number will only be on screen (printer out or offline). */
  function showPrinterNotice() {
    var s = state.screen;
    $("printer-notice").hidden = !(state.printerOut && (s === "units" || s === "services" || s === "priority"));
  }

  /** Back to the first screen, in Vietnamese (the next citizen starts fresh). */
  function goStart() {
    state.unit = null;
    state.service = null;
    state.attempt = null;
    state.ticket = null;
    if (T.lang() !== "vi") T.setLang("vi");
    if (!state.loaded) return;
    if (state.liveStatus === "offline") { show("unavailable"); return; }
    if (state.singleUnit) {
      state.unit = unitsOfZone()[0];
      renderServices();
      show("services");
    } else {
      renderUnits();
      show("units");
    }
  }

  function rerender() {
    renderHeader();
    if (state.screen === "units") renderUnits();
    else if (state.screen === "services") renderServices();
    else if (state.screen === "priority") renderPriority();
    else if (state.screen === "result") renderResult();
    else if (state.screen === "error") renderError();
  }

  // ---- idle ---------------------------------------------------------------------------------

  function resetIdle() {
    if (timers.idle !== null) window.clearTimeout(timers.idle);
    timers.idle = window.setTimeout(onIdle, cfg.idleMs);
  }

  function onIdle() {
    timers.idle = null;
    var s = state.screen;
    if (s === "services" || s === "priority" || s === "error") goStart();
    else if (s === "units" && T.lang() !== "vi") T.setLang("vi");
    else resetIdle();
  }

  // ---- data ---------------------------------------------------------------------------------

  function unitsOfZone() {
    var used = {};
    state.services.forEach(function (s) { used[s.unit] = true; });
    return ((state.site && state.site.units) || []).filter(function (u) { return used[u.code]; });
  }

  function servicesOf(unit) {
    return state.services.filter(function (s) { return s.unit === unit.code; });
  }

  function servicesPath() {
    var zone = state.device && state.device.zone;
    return "/api/v1/services" + (zone ? "?zone=" + encodeURIComponent(zone) : "");
  }

  function mergeServices(list) {
    var zone = state.device && state.device.zone;
    window.XephangShared.mergeServices(state.services, list, function (s) { return !zone || s.zone === zone; });
    if (state.service) {
      var cur = state.services.filter(function (x) { return x.code === state.service.code; })[0];
      if (cur) state.service = cur;
    }
  }

  function refreshServices() {
    return K.api("GET", servicesPath()).then(function (r) {
      if (r.ok && r.data) {
        state.services = r.data.services || [];
        state.singleUnit = unitsOfZone().length === 1;
        if (state.screen === "units") renderUnits();
        else if (state.screen === "services") renderServices();
      }
      return r;
    });
  }

  /** After site.changed: the site (units, zones, names, categories) and this zone's services
   *  again, then redraw the screen being shown (a fresh snapshot follows too). */
  function reloadSite() {
    return Promise.all([K.api("GET", "/api/v1/site"), K.api("GET", servicesPath())]).then(function (rs) {
      if (!rs[0].ok || !rs[1].ok) return;  // the snapshot that follows refreshes the services
      state.site = rs[0].data;
      state.services = (rs[1].data && rs[1].data.services) || [];
      state.singleUnit = unitsOfZone().length === 1;
      renderHeader();
      if (state.screen === "units") renderUnits();
      else if (state.screen === "services") {
        if (state.unit && servicesOf(state.unit).length) renderServices(); else goStart();
      }
    });
  }

  /** Load device, site and services; on failure show "temporarily unavailable" and retry. */
  function loadAll() {
    if (timers.retryLoad !== null) { window.clearTimeout(timers.retryLoad); timers.retryLoad = null; }
    return K.api("GET", "/api/v1/me", { token: state.token }).then(function (me) {
      if (me.status === 401 || me.status === 403) { showUnpaired(true); return; }
      if (!me.ok || !me.data || !me.data.device) { return failLoad(); }
      state.device = me.data.device;
      notePrinter(state.device.printer);
      return Promise.all([K.api("GET", "/api/v1/site"), K.api("GET", servicesPath())]).then(function (rs) {
        if (!rs[0].ok || !rs[1].ok) return failLoad();
        state.site = rs[0].data;
        state.services = (rs[1].data && rs[1].data.services) || [];
        state.singleUnit = unitsOfZone().length === 1;
        state.loaded = true;
        loadRetries = 0;
        renderHeader();
        startLive();
        var busy = state.screen === "result" || state.screen === "issuing" || state.screen === "error" ||
          state.screen === "priority" || state.screen === "services";
        if (!busy) goStart();
      });
    });
  }

  function failLoad() {
    if (state.screen !== "result" && state.screen !== "issuing") show("unavailable");
    timers.retryLoad = window.setTimeout(loadAll, window.XephangLive.backoffDelay(loadRetries++));
  }

  function notePrinter(p) {
    // `printer` may be a Printer object (with status) or only its URL; only a status tells us anything.
    if (p && typeof p === "object" && p.status) {
      state.printerOut = p.status === "out" || p.status === "offline";
    }
  }

  // ---- live ---------------------------------------------------------------------------------

  function startLive() {
    if (state.live) return;
    window.XephangShared.heartbeat(state.token);
    state.live = window.XephangLive.connect({
      auth: { token: state.token },
      onSnapshot: function (snap) {
        if (snap && snap.services) mergeServices(snap.services);
        if (!state.loaded) { loadAll(); return; }
        refreshServices().then(function () {
          if (state.screen === "unavailable") goStart();
        });
      },
      onEvent: function (name, p) {
        if (name === "site.changed") {
          reloadSite();
        } else if (name === "queue.changed") {
          mergeServices(p.services);
          if (state.screen === "units") renderUnits();
          else if (state.screen === "services") renderServices();
        } else if (name === "ticket.changed" && p.ticket && state.ticket &&
                   // a public ticket has no id or token: ours by day and number (unique in a day)
                   p.ticket.number === state.ticket.number && p.ticket.day === state.ticket.day) {
          state.ticket = Object.assign({}, state.ticket, p.ticket);  // a public ticket: keeps our token
          if (state.screen === "result") renderResult();
        } else if (name === "printer.changed" && p.printer) {
          notePrinter(p.printer);
          showPrinterNotice();
        }
      },
      onStatus: function (s) {
        state.liveStatus = s;
        $("offline-banner").hidden = s !== "offline" || state.screen !== "result";
        if (s === "offline" && state.loaded &&
            (state.screen === "units" || state.screen === "services" || state.screen === "priority")) {
          show("unavailable");
        }
      },
    });
  }

  // ---- rendering ----------------------------------------------------------------------------

  function renderHeader() {
    var site = state.site && state.site.site;
    $("site-name").textContent = site ? T.name(site, "name") : T.t("brand");
    var zone = state.device && state.device.zone;
    var z = zone && state.site ? (state.site.zones || []).filter(function (x) { return x.code === zone; })[0]
      : null;
    $("zone-name").textContent = z ? T.t("result.zone_floor", { zone: T.name(z, "name"), floor: z.floor }) : "";
    $("clock").textContent = K.clock();
  }

  function unitBadge(u, big) {
    return el("span", { class: "k-badge" + (big ? " k-badge-big" : ""), "aria-hidden": "true",
                        style: "--unit-color:" + (u.color || "#1d4ed8") },
              [u.short || u.code]);
  }

  function renderUnits() {
    var box = $("units");
    box.textContent = "";
    var units = unitsOfZone();
    $("units-empty").hidden = units.length > 0;
    units.forEach(function (u) {
      var svcs = servicesOf(u);
      var open = svcs.filter(K.canIssue).length;
      // Every service of the unit open but out of numbers: say "full", not "outside hours".
      var full = !open && svcs.length > 0 && svcs.every(function (s) { return s.open && s.full; });
      var waiting = svcs.reduce(function (n, s) { return n + (s.waiting || 0); }, 0);
      // The whole unit closed by an admin or the calendar: say why, and take no tap.
      var why = !open && svcs.length && svcs.every(function (s) { return K.adminReason(s) === K.adminReason(svcs[0]); })
        ? K.adminReason(svcs[0]) && K.unavailableText(svcs[0]) : "";
      box.appendChild(el("button", {
        type: "button", class: "k-tile k-unit" + (open ? "" : " k-closed") + (full ? " k-full" : ""),
        style: "--unit-color:" + (u.color || "#1d4ed8"), dataset: { unit: u.code },
        disabled: !!why, "aria-disabled": why ? "true" : null,
        onclick: function () { if (!why) pickUnit(u); },
      }, [
        unitBadge(u),
        el("span", { class: "k-tile-body" }, [
          el("span", { class: "k-tile-name", text: T.name(u, "name") }),
          why ? el("span", { class: "k-tile-sub k-reason", text: why })
          : el("span", { class: "k-tile-sub", text: full ? T.t("units.full") : !open ? T.t("units.closed")
            : svcs.length > 1 ? T.t("units.services", { n: svcs.length })
              // One service: name it, since tapping the unit goes straight to the priority question.
              : T.name(svcs[0], "name") + " · " + T.t("services.waiting", { n: waiting }) }),
        ]),
      ]));
    });
  }

  function renderServices() {
    var u = state.unit;
    if (!u) return;
    var head = $("services-unit");
    head.textContent = "";
    head.appendChild(unitBadge(u, true));
    head.appendChild(el("span", { class: "k-unit-name", text: T.name(u, "name") }));
    document.querySelector('[data-action="back-units"]').hidden = state.singleUnit;
    var box = $("services");
    box.textContent = "";
    servicesOf(u).forEach(function (s) {
      var can = K.canIssue(s);
      var wait = can ? K.serverWaitText(s) : "";
      box.appendChild(el("button", {
        type: "button", class: "k-tile k-service" + (can ? "" : " k-closed") + (s.full ? " k-full" : ""),
        disabled: !can, "aria-disabled": can ? null : "true", dataset: { service: s.code },
        onclick: function () { if (K.canIssue(s)) pickService(s); },
      }, [
        el("span", { class: "k-tile-body" }, [
          el("span", { class: "k-tile-name", text: T.name(s, "name") }),
          can
            ? el("span", { class: "k-tile-sub" }, [
              el("span", { class: "k-waiting", text: T.t("services.waiting", { n: s.waiting || 0 }) }),
              wait ? el("span", { class: "k-wait", text: " · " + wait }) : null,
            ])
            : el("span", { class: "k-tile-sub k-reason", text: K.unavailableText(s) }),
        ]),
      ]));
    });
  }

  function renderPriority() {
    var s = state.service;
    var chosen = $("priority-chosen");
    chosen.textContent = "";
    if (s) {
      var u = unitOf(s);
      if (u) chosen.appendChild(unitBadge(u));
      chosen.appendChild(el("span", { text: T.name(s, "name") }));
    }
    var box = $("priorities");
    box.textContent = "";
    ((state.site && state.site.priority_categories) || []).forEach(function (p) {
      box.appendChild(el("button", {
        type: "button", class: "k-tile k-priority", dataset: { priority: p.code },
        onclick: function () { choosePriority(p.code); },
      }, [el("span", { class: "k-tile-name", text: T.name(p, "name") })]));
    });
  }

  function unitOf(s) {
    return ((state.site && state.site.units) || []).filter(function (u) { return u.code === s.unit; })[0];
  }

  // ---- the flow -----------------------------------------------------------------------------

  function pickUnit(u) {
    var svcs = servicesOf(u);
    state.unit = u;
    if (svcs.length === 1) {
      if (!svcs[0].open) {
        showError(K.adminReason(svcs[0]) ? { code: svcs[0].closed_reason, message: K.unavailableText(svcs[0]) }
          : { code: "service_closed", opens_at: svcs[0].opens_at }, false);
        return;
      }
      if (svcs[0].full) { showError({ code: "daily_cap_reached" }, false); return; }
      pickService(svcs[0]);
      return;
    }
    renderServices();
    show("services");
  }

  function pickService(s) {
    state.service = s;
    state.attempt = { requestId: K.newRequestId(), service: s.code, priority: null, busy: false };
    // No priority question for a service that takes no priority tickets.
    if (s.accepts_priority === false || !((state.site && state.site.priority_categories) || []).length) {
      issue();
      return;
    }
    renderPriority();
    show("priority");
  }

  function choosePriority(code) {
    var a = state.attempt;
    if (!a || a.busy) return; // a second tap while the first is on its way changes nothing
    a.priority = code || null;
    issue();
  }

  /** POST the ticket; a retry sends the same request_id, so the server never makes two. */
  function issue() {
    var a = state.attempt;
    if (!a || a.busy) return;
    a.busy = true;
    show("issuing");
    var body = { service: a.service, request_id: a.requestId };
    if (a.priority) body.priority = a.priority;
    K.api("POST", "/api/v1/tickets", { token: state.token, body: body }).then(function (r) {
      a.busy = false;
      if (state.attempt !== a) return;
      if (r.ok && r.data) {
        state.ticket = r.data;
        renderResult();
        show("result");
        startResultTimer();
        refreshServices();
        return;
      }
      if (r.status === 401) { showUnpaired(true); return; }
      var retryable = r.status === 0 || r.status >= 500;
      showError(r.error, retryable);
      if (!retryable) refreshServices();
    });
  }

  var lastError = null;
  function showError(err, retryable) {
    lastError = { err: err, retryable: retryable };
    renderError();
    show("error");
  }

  function renderError() {
    if (!lastError) return;
    var code = lastError.err && lastError.err.code;
    $("error-msg").textContent = code === "network" ? T.t("err.network")
      : code === "server" ? T.t("err.server") : K.errorText(lastError.err);
    $("error-retry").hidden = !lastError.retryable;
  }

  function showUnpaired(rejected) {
    $("unpaired-body").setAttribute("data-i18n", rejected ? "unpaired.rejected" : "unpaired.body");
    T.apply(document);
    show("unpaired");
  }

  // ---- result -------------------------------------------------------------------------------

  function renderResult() {
    var t = state.ticket;
    if (!t) return;
    $("result-number").textContent = t.number;
    $("result-service").textContent = T.name(t, "service_name") + " — " + T.name(t, "unit_name");
    var pr = $("result-priority");
    pr.hidden = !t.priority;
    pr.textContent = t.priority ? T.t("result.priority", { name: T.name(t, "priority_name") || t.priority }) : "";
    var counters = t.counter ? [t.counter] : (t.counters || []);
    $("result-counters").textContent = counters.length ? K.countersText(counters) : "";
    var zone = K.zoneName(t.zone, state.site && state.site.zones, t.zone_name);
    $("result-place").textContent = T.t("result.zone_floor", { zone: zone, floor: t.floor });
    $("result-ahead").textContent = t.ahead > 0 ? T.t("result.ahead", { n: t.ahead }) : T.t("result.ahead.none");
    var wait = K.serverWaitText(t);
    $("result-wait").textContent = wait ? T.t("result.wait", { range: wait }) : "";
    var qr = $("result-qr");
    var src = "/t/" + encodeURIComponent(t.token) + "/qr.svg";
    if (qr.getAttribute("src") !== src) qr.setAttribute("src", src);
    var ps = (t.print && t.print.status) || "none";
    var box = $("result-print");
    box.textContent = T.t("print." + ps);
    box.className = "k-print k-print-" + ps + (BAD_PRINT[ps] ? " k-print-bad" : "");
    box.hidden = false;
    if (BAD_PRINT[ps]) {
      // Not printed: the screen is the ticket, so leave time to photograph it.
      resultDeadline = Math.max(resultDeadline, Date.now() + cfg.resultLongMs);
    }
    tickResult();
  }

  function startResultTimer() {
    stopResultTimer();
    var ps = state.ticket && state.ticket.print && state.ticket.print.status;
    resultDeadline = Date.now() + (BAD_PRINT[ps || "none"] ? cfg.resultLongMs : cfg.resultMs);
    timers.result = window.setInterval(tickResult, 250);
    tickResult();
  }

  function stopResultTimer() {
    if (timers.result !== null) window.clearInterval(timers.result);
    timers.result = null;
  }

  function tickResult() {
    if (state.screen !== "result" && timers.result === null) return;
    var left = Math.max(0, Math.ceil((resultDeadline - Date.now()) / 1000));
    $("result-countdown").textContent = T.t("result.countdown", { s: left });
    if (left <= 0 && timers.result !== null) { stopResultTimer(); goStart(); }
  }

  // ---- wiring -------------------------------------------------------------------------------

  function onAction(action) {
    if (action === "back-units") { state.unit = null; renderUnits(); show("units"); }
    else if (action === "back-services") {
      state.attempt = null;
      var u = state.unit;
      if (u && servicesOf(u).length > 1) { renderServices(); show("services"); } else goStart();
    }
    else if (action === "retry") { if (state.attempt) issue(); else goStart(); }
    else if (action === "home" || action === "done") goStart();
  }

  function boot() {
    T.init(window.XephangKioskText, "vi");
    T.apply(document);
    T.onChange(function () { T.apply(document); rerender(); });
    document.addEventListener("pointerdown", resetIdle, true);
    document.addEventListener("keydown", resetIdle, true);
    document.addEventListener("click", function (e) {
      var target = e.target.closest ? e.target.closest("[data-action]") : null;
      if (target) onAction(target.getAttribute("data-action"));
    });
    $("no-priority").addEventListener("click", function () { choosePriority(null); });
    $("lang-btn").addEventListener("click", function () { T.setLang(T.lang() === "vi" ? "en" : "vi"); });
    window.setInterval(function () { $("clock").textContent = K.clock(); }, 15000);
    renderHeader();
    state.token = readToken();
    if (!state.token) { showUnpaired(false); return; }
    show("loading");
    loadAll();
  }

  // Tests and support staff can read where the kiosk is without poking at the DOM.
  window.XephangKioskApp = { state: state, cfg: cfg,
    // issue 10: the check-in entry (kiosk-checkin.js) shows its ticket or its refusal here
    showTicket: function (t) {
      state.ticket = t; renderResult(); show("result"); startResultTimer(); refreshServices();
    },
    showError: function (err) { showError(err, false); }, busy: function () { show("issuing"); } };
  boot();
})();
