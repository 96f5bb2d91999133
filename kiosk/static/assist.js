/*
 * Staff-assisted ticketing (/assist) on a guide's tablet: sign in, pick any service of the site,
 * a priority category, issue; reprint a ticket found by number + service or by its token/link.
 */
(function () {
  "use strict";
  var T = window.XephangI18n;
  var K = window.XephangKiosk;
  var el = K.el;
  var RECENT_KEY = "xephang.assist.recent";
  var PRINT_AT_KEY = "xephang.assist.printAt";
  var st = {
    csrf: "", user: null, site: null, services: [], selected: null, priority: null,
    requestId: null, busy: false, found: null, live: null, printers: [],
    printSeen: {},  // ticket id → print outcome heard live (it may come before the answer)
  };

  function $(id) { return document.getElementById(id); }

  var fold = T.fold;  // search without diacritics (shared with the console's transfer dialog)

  function post(path, body) {
    return K.api("POST", path, { body: body || {}, csrf: st.csrf });
  }

  // ---- sign-in ------------------------------------------------------------------------------

  function boot() {
    var q = new URLSearchParams(window.location.search).get("lang");
    T.init(window.XephangKioskText, q === "en" ? "en" : "vi");
    T.apply(document);
    T.onChange(function () { renderAll(); });
    $("lang-btn").addEventListener("click", function () { T.setLang(T.lang() === "vi" ? "en" : "vi"); });
    $("as-login").addEventListener("submit", onLogin);
    $("as-logout").addEventListener("click", onLogout);
    $("as-search").addEventListener("input", renderServices);
    $("as-zone").addEventListener("change", renderServices);
    $("as-issue").addEventListener("click", issue);
    $("as-find-number").addEventListener("submit", findByNumber);
    $("as-find-token").addEventListener("submit", findByToken);
    $("as-reprint").addEventListener("click", reprint);
    K.api("GET", "/api/v1/me").then(function (r) {
      if (r.ok && r.data && r.data.user) { signedIn(r.data.user, r.data.csrf_token); }
      else showLogin();
    });
  }

  function showLogin(err) {
    $("as-loading").hidden = true;
    $("as-main").hidden = true;
    $("as-login").hidden = false;
    $("as-logout").hidden = true;
    $("as-user").textContent = "";
    var box = $("as-login-error");
    box.hidden = !err;
    box.textContent = err ? K.errorText(err) : "";
  }

  function onLogin(e) {
    e.preventDefault();
    K.api("POST", "/api/v1/auth/login", {
      body: { username: $("as-username").value.trim(), password: $("as-password").value },
    }).then(function (r) {
      if (r.ok && r.data) signedIn(r.data.user, r.data.csrf_token);
      else showLogin(r.error);
    });
  }

  function onLogout() {
    post("/api/v1/auth/logout").then(function () {
      if (st.live) { st.live.close(); st.live = null; }
      st.user = null;
      st.csrf = "";
      showLogin();
    });
  }

  function signedIn(user, csrf) {
    st.user = user;
    st.csrf = csrf || "";
    $("as-login").hidden = true;
    $("as-password").value = "";
    $("as-logout").hidden = false;
    $("as-user").textContent = T.t("assist.signed_in", { name: user.name || "" });
    Promise.all([K.api("GET", "/api/v1/site"), K.api("GET", "/api/v1/services"),
                 K.api("GET", "/api/v1/printers")]).then(function (rs) {
      if (!rs[0].ok || !rs[1].ok) { showLogin(rs[0].error || rs[1].error); return; }
      st.site = rs[0].data;
      st.services = rs[1].data.services || [];
      st.printers = (rs[2].ok && rs[2].data && rs[2].data.printers) || [];
      renderPrintAt();
      $("as-loading").hidden = true;
      $("as-main").hidden = false;
      renderAll();
      startLive();
    });
  }

  /** Which kiosk printer staff print on ("" = show on screen only); remembered per tablet. */
  function renderPrintAt() {
    var sel = $("as-print-at"), keep = "";
    try { keep = window.localStorage.getItem(PRINT_AT_KEY) || ""; } catch (e) { /* private mode */ }
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: T.t("assist.print_at.none") }));
    st.printers.forEach(function (p) {
      sel.appendChild(el("option", { value: p.device_name,
        text: p.device_name + (p.zone ? " (" + p.zone + ")" : "") }));
    });
    sel.value = st.printers.some(function (p) { return p.device_name === keep; }) ? keep : "";
    sel.onchange = function () {
      try { window.localStorage.setItem(PRINT_AT_KEY, sel.value); } catch (e) { /* private mode */ }
    };
    $("as-print-at-label").hidden = st.printers.length === 0;
  }

  function printAt() {
    return $("as-print-at").value || undefined;
  }

  /** After site.changed: the site and its services again (new, renamed or retired ones). */
  function reloadSite() {
    Promise.all([K.api("GET", "/api/v1/site"), K.api("GET", "/api/v1/services")]).then(function (rs) {
      if (!rs[0].ok || !rs[1].ok) return;  // the next snapshot or change tries again
      st.site = rs[0].data;
      st.services = rs[1].data.services || [];
      renderAll();
    });
  }

  function startLive() {
    if (st.live) return;
    st.live = window.XephangLive.connect({
      auth: null, // the session cookie
      onSnapshot: function (snap) { mergeServices(snap.services); refreshLastTicket(); },
      onEvent: function (name, p) {
        if (name === "site.changed") reloadSite();
        else if (name === "queue.changed") mergeServices(p.services);
        else if (name === "ticket.changed" && p.ticket) onTicketChanged(p.ticket);
      },
      onStatus: function (s) { $("offline-banner").hidden = s !== "offline"; },
    });
  }

  /** The print outcome arrives later than the ticket: follow it on the result (staff room). */
  function onTicketChanged(t) {
    if (t.print && t.print.status) st.printSeen[t.id] = t.print;
    if (st.lastTicket && st.lastTicket.id === t.id && t.print) {
      st.lastTicket.print = t.print;
      renderResult(st.lastTicket);
    }
  }

  /** After a reconnect the outcome may have come meanwhile: read the ticket again. */
  function refreshLastTicket() {
    var t = st.lastTicket;
    if (!t || !t.print || t.print.status !== "pending") return;
    K.api("GET", "/api/v1/tickets/" + encodeURIComponent(t.token)).then(function (r) {
      // The ticket page's view has no database id: it is ours by token.
      if (r.ok && r.data && st.lastTicket && st.lastTicket.token === r.data.token) {
        onTicketChanged(Object.assign({}, r.data, {id: st.lastTicket.id}));
      }
    });
  }

  function mergeServices(list) {
    window.XephangShared.mergeServices(st.services, list);
    renderServices();
  }

  // ---- rendering ----------------------------------------------------------------------------

  function unitOf(code) {
    return ((st.site && st.site.units) || []).filter(function (u) { return u.code === code; })[0] || {};
  }

  function renderAll() {
    if (st.user) $("as-user").textContent = T.t("assist.signed_in", { name: st.user.name || "" });
    if (!st.site) return;
    renderZones();
    renderServices();
    renderPriorities();
    renderSelected();
    renderRecent();
    renderServiceSelect();
    if (st.lastTicket) renderResult(st.lastTicket);
  }

  function renderZones() {
    var sel = $("as-zone");
    var keep = sel.value;
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: T.t("assist.zone.all") }));
    (st.site.zones || []).forEach(function (z) {
      sel.appendChild(el("option", { value: z.code, text: T.name(z, "name") }));
    });
    sel.value = keep;
  }

  function renderServices() {
    var box = $("as-services");
    box.textContent = "";
    var q = fold($("as-search").value.trim());
    var zone = $("as-zone").value;
    var shown = st.services.filter(function (s) {
      if (zone && s.zone !== zone) return false;
      if (!q) return true;
      return fold([s.name, s.name_en, s.code, s.unit_name, s.unit_name_en].join(" ")).indexOf(q) >= 0;
    });
    $("as-nomatch").hidden = shown.length > 0;
    shown.forEach(function (s) {
      var u = unitOf(s.unit);
      box.appendChild(el("button", {
        type: "button", class: "as-svc" + (K.canIssue(s) ? "" : " k-closed") + (s.full ? " k-full" : ""), role: "listitem",
        style: "--unit-color:" + (u.color || "#1d4ed8"), dataset: { service: s.code },
        "aria-pressed": st.selected === s.code ? "true" : "false",
        onclick: function () { select(s.code); },
      }, [
        el("span", { class: "k-badge", "aria-hidden": "true", style: "--unit-color:" + (u.color || "#1d4ed8"),
                     text: u.short || s.unit }),
        el("span", { class: "as-svc-body" }, [
          el("span", { text: T.name(s, "name"), style: "font-weight:700" }),
          el("span", { class: "as-svc-sub", text: [T.name(s, "unit_name"), K.zoneName(s.zone, st.site.zones),
            K.canIssue(s) ? T.t("services.waiting", { n: s.waiting || 0 }) : K.unavailableText(s)].join(" · ") }),
        ]),
      ]));
    });
  }

  function renderPriorities() {
    var box = $("as-priorities");
    box.textContent = "";
    var svc = st.services.filter(function (x) { return x.code === st.selected; })[0];
    var offered = !svc || svc.accepts_priority !== false;  // a service may take no priority tickets
    if (!offered) st.priority = null;
    var cats = [{ code: null, label: T.t("priority.none") }].concat(offered ?
      (st.site.priority_categories || []).map(function (p) { return { code: p.code, label: T.name(p, "name") }; }) : []);
    cats.forEach(function (c) {
      box.appendChild(el("button", {
        type: "button", dataset: { priority: c.code || "" }, text: c.label,
        "aria-pressed": (st.priority || null) === c.code ? "true" : "false",
        onclick: function () { st.priority = c.code; newAttempt(); renderPriorities(); },
      }));
    });
  }

  function renderSelected() {
    var s = st.services.filter(function (x) { return x.code === st.selected; })[0];
    $("as-selected").textContent = s ? T.t("assist.selected", { name: T.name(s, "name") }) : T.t("assist.none_selected");
    $("as-issue").disabled = !s || st.busy;
  }

  function renderServiceSelect() {
    var sel = $("as-rp-service");
    var keep = sel.value;
    sel.textContent = "";
    st.services.forEach(function (s) {
      sel.appendChild(el("option", { value: s.code, text: s.code + " — " + T.name(s, "name") }));
    });
    if (keep) sel.value = keep;
  }

  function select(code) {
    st.selected = code;
    newAttempt();
    $("as-error").hidden = true;
    renderServices();
    renderSelected();
    renderPriorities();
  }

  // A new request_id whenever what would be issued changes; a repeat of the same tap reuses it.
  function newAttempt() {
    st.requestId = K.newRequestId();
  }

  // ---- issuing ------------------------------------------------------------------------------

  function issue() {
    if (st.busy || !st.selected) return;
    st.busy = true;
    renderSelected();
    var body = { service: st.selected, request_id: st.requestId || (st.requestId = K.newRequestId()) };
    if (st.priority) body.priority = st.priority;
    if (printAt()) body.print_at = printAt();
    post("/api/v1/tickets", body).then(function (r) {
      st.busy = false;
      var err = $("as-error");
      if (r.ok && r.data) {
        err.hidden = true;
        st.lastTicket = r.data;
        // The printed event can beat the answer to the tablet: keep what it said.
        var seen = st.printSeen[r.data.id];
        if (seen && r.data.print && r.data.print.status === "pending") r.data.print = seen;
        renderResult(r.data);
        $("as-result").scrollIntoView({ block: "end" });  // the new number and its print outcome in view
        remember(r.data);
        newAttempt(); // the next tap is a new ticket
      } else {
        err.hidden = false;
        err.textContent = r.status === 403 ? T.t("assist.forbidden") : K.errorText(r.error);
        if (r.status !== 0 && r.status < 500) newAttempt();
      }
      renderSelected();
    });
  }

  function renderResult(t) {
    $("as-result").hidden = false;
    $("as-result-number").textContent = t.number;
    $("as-result-priority").hidden = !t.priority;
    $("as-result-priority").textContent = t.priority
      ? T.t("result.priority", { name: T.name(t, "priority_name") || t.priority }) : "";
    $("as-result-service").textContent = T.name(t, "service_name") + " — " + T.name(t, "unit_name");
    $("as-result-place").textContent = K.countersText(t.counters) + " · " +
      T.t("result.zone_floor", { zone: T.name(t, "zone_name"), floor: t.floor });
    $("as-result-ahead").textContent = t.ahead > 0 ? T.t("result.ahead", { n: t.ahead }) : T.t("result.ahead.none");
    $("as-result-qr").src = "/t/" + encodeURIComponent(t.token) + "/qr.svg";
    var ps = (t.print && t.print.status) || "none";
    $("as-result-print").textContent = ps === "none" ? "" : T.t("assist.print." + (ps === "failed" ? "on_screen" : ps));
    $("as-result-print").dataset.status = ps;
    var link = $("as-result-preview");  // the virtual printer's picture of the paper ticket
    link.href = "/api/v1/tickets/" + encodeURIComponent(t.token) + "/preview.png";
    link.hidden = ps === "none";
  }

  // ---- reprint ------------------------------------------------------------------------------

  function recent() {
    try { return JSON.parse(window.localStorage.getItem(RECENT_KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(t) {
    var list = recent().filter(function (x) { return x.token !== t.token && x.day === t.day; });
    list.unshift({ token: t.token, number: t.number, service: t.service, day: t.day,
                   service_name: t.service_name, service_name_en: t.service_name_en });
    try { window.localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 30))); } catch (e) { /* full */ }
    renderRecent();
  }

  function renderRecent() {
    var box = $("as-recent");
    box.textContent = "";
    recent().slice(0, 10).forEach(function (x) {
      box.appendChild(el("li", {}, [
        el("span", { class: "as-recent-what" }, [el("b", { text: x.number }), " · " + recentName(x)]),
        el("button", { type: "button", text: T.t("assist.reprint.do"),
                       onclick: function () { loadFound(x.token); } }),
      ]));
    });
  }

  /** A remembered ticket's service by name (entries saved before names were kept have the code). */
  function recentName(x) {
    if (x.service_name) return T.name(x, "service_name");
    var s = st.services.filter(function (y) { return y.code === x.service; })[0];
    return s ? T.name(s, "name") : x.service;
  }

  function findByNumber(e) {
    e.preventDefault();
    var number = $("as-rp-number").value.trim();
    var service = $("as-rp-service").value;
    if (!number) return;
    var msg = $("as-reprint-msg");
    msg.textContent = "";
    // Tickets issued from this tablet are known locally; others are looked up on the server.
    var local = recent().filter(function (x) { return x.number === number && x.service === service; })[0];
    if (local) { loadFound(local.token); return; }
    lookupOnServer(number, service).then(function (tok) {
      if (tok) loadFound(tok);
      else { $("as-found").hidden = true; msg.textContent = T.t("assist.reprint.notfound", { number: number }); }
    });
  }

  /** Find a ticket's token by number: the lookup endpoint when the server has it, else the queue. */
  function lookupOnServer(number, service) {
    var qs = "?service=" + encodeURIComponent(service) + "&number=" + encodeURIComponent(number);
    return K.api("GET", "/api/v1/tickets" + qs).then(function (r) {
      if (r.ok && r.data) {
        var t = r.data.token ? r.data : (r.data.tickets || [])[0];
        if (t && t.token) return t.token;
      }
      var svc = st.services.filter(function (s) { return s.code === service; })[0];
      return K.api("GET", "/api/v1/queue" + (svc ? "?zone=" + encodeURIComponent(svc.zone) : ""))
        .then(function (q) {
          if (!q.ok || !q.data) return null;
          var hit = null;
          (q.data.counters || []).forEach(function (c) {
            [c.ticket].concat(c.parked || []).forEach(function (t) {
              if (t && t.number === number && t.service === service) hit = t.token;
            });
          });
          return hit;
        });
    });
  }

  function findByToken(e) {
    e.preventDefault();
    var raw = $("as-rp-token").value.trim();
    var m = raw.match(/\/t\/([^/?#\s]+)/);
    var tok = m ? decodeURIComponent(m[1]) : raw;
    if (tok) loadFound(tok);
  }

  function loadFound(tok) {
    $("as-reprint-msg").textContent = "";
    K.api("GET", "/api/v1/tickets/" + encodeURIComponent(tok)).then(function (r) {
      if (r.ok && r.data) {
        st.found = r.data;
        $("as-found").hidden = false;
        $("as-found-number").textContent = r.data.number;
        $("as-found-info").textContent = T.name(r.data, "service_name") + " · " + T.t("status." + r.data.status);
      } else {
        st.found = null;
        $("as-found").hidden = true;
        $("as-reprint-msg").textContent = K.errorText(r.error);
      }
    });
  }

  function reprint() {
    if (!st.found) return;
    var t = st.found;
    post("/api/v1/tickets/" + encodeURIComponent(t.token) + "/reprint",
         printAt() ? { print_at: printAt() } : {}).then(function (r) {
      $("as-reprint-msg").textContent = r.ok ? T.t("assist.reprint.done", { number: t.number })
        : K.errorText(r.error);
    });
  }

  window.XephangAssist = { state: st, post: post };  // post: the check-in form (issue 10)
  boot();
})();
