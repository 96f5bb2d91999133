/* Counter tablet: the number at this counter, and the citizen's rating once the job is done. */
(function () {
  "use strict";
  var S = window.XephangScreens;
  var RATING_TIMEOUT_MS = 60000;
  var REASONS_TIMEOUT_MS = 25000;
  var THANKS_MS = 4000;
  var RATED_KEY = "xephang.ratedLegs";
  var token = S.deviceToken();
  var defaultLang = document.body.dataset.lang || "vi";
  var state = {
    number: null, counter: null, everOnline: false, reasons: [],
    seenAtCounter: {},   // ticket number -> true for tickets called here (a done one may be rated)
    offered: {},         // leg keys already offered this session (timed out or answered)
    rating: null,        // {number, day, leg, score, reasons}
    timer: null, sending: false
  };

  S.initText(defaultLang);

  function $(id) { return document.getElementById(id); }

  // A leg is named by day, number and leg: numbers are unique in the building for a day, and the
  // public views carry no database id.
  function legKey(t) { return String(t.day || "") + ":" + String(t.number) + ":" + String(t.leg || 1); }

  function ratedLegs() {
    try { return JSON.parse(window.localStorage.getItem(RATED_KEY) || "[]"); } catch (e) { return []; }
  }

  function markRated(key) {
    var list = ratedLegs().filter(function (k) { return k !== key; });
    list.push(key);
    try { window.localStorage.setItem(RATED_KEY, JSON.stringify(list.slice(-200))); } catch (e) { /* private mode */ }
  }

  function renderCounter() {
    var c = state.counter || {};
    var n = c.number || state.number;
    $("cd-counter").textContent = n ? S.t("cd.counter", {n: n}) : "—";
    $("cd-name").textContent = c.name && c.name !== S.t("cd.counter", {n: n}) ? c.name : "";
    var t = c.ticket;
    var status = "", number = "", service = "";
    document.body.classList.toggle("paused", c.state === "paused");
    document.body.classList.toggle("closed", c.state === "closed");
    if (c.state === "paused") {
      status = S.t("cd.paused");
      service = S.t("cd.paused_hint");
    } else if (c.state === "closed") {
      status = S.t("cd.closed");
    } else if (t && (t.status === "called" || t.status === "serving")) {
      status = S.t(t.status === "serving" ? "cd.serving" : "cd.calling");
      number = String(t.number);
      service = S.localName(t, "service_name");
    } else {
      status = S.t("cd.idle");
    }
    $("cd-status").textContent = status;
    $("cd-number").textContent = number;
    $("cd-service").textContent = service;
  }

  function setCounter(c) {
    state.counter = c;
    if (c && c.number) state.number = c.number;
    if (c && c.ticket && c.ticket.number) state.seenAtCounter[c.ticket.number] = true;
    renderCounter();
  }

  function isHere(p) {
    var t = p.ticket || {};
    return String(p.counter) === String(state.number) || String(t.counter) === String(state.number) ||
      !!state.seenAtCounter[t.number];
  }

  function onTicketChanged(p) {
    var t = p.ticket;
    if (!t || !isHere(p)) return;
    var c = state.counter || {number: state.number};
    if (t.status === "called" || t.status === "serving") {
      state.seenAtCounter[t.number] = true;
      c.ticket = t;
    } else if (c.ticket && c.ticket.number === t.number) {
      c.ticket = null;  // done, no-show, parked or transferred: nobody at the window any more
    }
    state.counter = c;
    renderCounter();
    if (t.status === "done") offerRating(t);
  }

  function onCalled(p) {
    if (String(p.counter) !== String(state.number)) return;
    var c = state.counter || {number: state.number};
    state.seenAtCounter[p.number] = true;
    var prev = c.ticket && c.ticket.number === p.number ? c.ticket : {};
    c.ticket = Object.assign({}, prev, {number: p.number, status: "called",
      service: p.service, service_name: p.service_name, service_name_en: p.service_name_en});
    state.counter = c;
    renderCounter();
    // The next citizen is on the way: an unanswered rating gives way soon.
    if (state.rating && !state.rating.score && !state.sending) armTimer(10000);
  }

  // ---- rating ----

  function offerRating(t) {
    var key = legKey(t);
    if (state.offered[key] || ratedLegs().indexOf(key) >= 0) return;
    state.offered[key] = true;
    state.rating = {number: t.number, day: t.day, leg: t.leg || 1, key: key, score: null, reasons: []};
    $("cd-rating-number").textContent = S.t("rating.ticket", {number: t.number});
    $("reasons").hidden = true;
    $("rate-buttons").hidden = false;
    $("rating-error").hidden = true;
    $("cd-thanks").hidden = true;
    $("cd-rating").hidden = false;
    setButtonsDisabled(false);
    armTimer(RATING_TIMEOUT_MS);
  }

  function armTimer(ms) {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () {
      if (!state.rating) return;
      // A citizen who picked a score but no reasons still gets the score stored.
      if (state.rating.score) submitRating();
      else closeRating();
    }, ms);
  }

  function closeRating() {
    window.clearTimeout(state.timer);
    state.rating = null;
    $("cd-rating").hidden = true;
    $("cd-thanks").hidden = true;
    if (S.lang() !== defaultLang) S.setLang(defaultLang);
    renderCounter();
  }

  function setButtonsDisabled(on) {
    document.querySelectorAll("#cd-rating button").forEach(function (b) { b.disabled = on; });
  }

  /** The reasons to offer for a score, whatever shape site.ratings.reasons has. */
  function reasonsFor(score) {
    var r = state.reasons;
    if (!r) return [];
    if (!Array.isArray(r)) return (r[String(score)] || []).map(normReason);
    return r.map(normReason).filter(function (x) {
      return x.scores ? x.scores.indexOf(score) >= 0 : score <= 2;
    });
  }

  function normReason(x) {
    if (typeof x === "string") return {code: x, name: x, name_en: ""};
    return {code: x.code || x.id || x.name, name: x.name || x.code, name_en: x.name_en || "", scores: x.scores};
  }

  function pickScore(score) {
    if (!state.rating || state.sending) return;
    state.rating.score = score;
    var options = reasonsFor(score);
    if (!options.length) { submitRating(); return; }
    var list = $("reason-list");
    list.textContent = "";
    options.forEach(function (o) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "reason";
      b.dataset.code = o.code;
      b.textContent = S.localName(o, "name");
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        var on = b.getAttribute("aria-pressed") !== "true";
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      list.appendChild(b);
    });
    $("rate-buttons").hidden = true;
    $("reasons").hidden = false;
    armTimer(REASONS_TIMEOUT_MS);
  }

  function submitRating() {
    var r = state.rating;
    if (!r || state.sending) return;
    r.reasons = Array.prototype.map.call(
      document.querySelectorAll("#reason-list .reason[aria-pressed=true]"), function (b) { return b.dataset.code; });
    state.sending = true;
    setButtonsDisabled(true);
    window.clearTimeout(state.timer);
    fetch("/api/v1/counters/" + encodeURIComponent(state.number) + "/rating", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
        "Accept-Language": S.lang(), "Authorization": "Bearer " + token},
      // One request_id per ticket leg: a repeated tap or a retry can never store a second rating.
      body: JSON.stringify({number: String(r.number), day: r.day, score: r.score, reasons: r.reasons,
        request_id: "rating-" + r.key})
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        // 409: the server already holds a rating for this leg — for the citizen that is success.
        if (resp.ok || resp.status === 409) return thank(r);
        throw new Error(body && body.error && body.error.message || S.t("rating.failed"));
      });
    }).catch(function (err) {
      $("rating-error").textContent = err && err.message ? err.message : S.t("rating.failed");
      $("rating-error").hidden = false;
      setButtonsDisabled(false);
      armTimer(RATING_TIMEOUT_MS);
    }).then(function () { state.sending = false; });
  }

  function thank(r) {
    markRated(r.key);
    $("cd-rating").hidden = true;
    $("cd-thanks").hidden = false;
    state.rating = null;
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(closeRating, THANKS_MS);
  }

  // ---- wiring ----

  document.querySelectorAll("#rate-buttons .rate").forEach(function (b) {
    b.addEventListener("click", function () { pickScore(Number(b.dataset.score)); });
  });
  $("reasons-send").addEventListener("click", submitRating);
  $("lang-toggle").addEventListener("click", function () {
    S.setLang(S.lang() === "vi" ? "en" : "vi");
    renderCounter();
    if (state.rating) $("cd-rating-number").textContent = S.t("rating.ticket", {number: state.rating.number});
  });

  function start() {
    renderCounter();
    if (!token) {
      $("unpaired").hidden = false;
      S.trackConnection("offline", false);
      return;
    }
    S.trackConnection("connecting", false);
    S.devicePaired(token).then(function (res) {
      if (!res.paired) { $("unpaired").hidden = false; return; }
      var dev = res.me && res.me.device;
      if (dev && dev.counter) { state.number = dev.counter; renderCounter(); }
      window.XephangShared.heartbeat(token);
    });
    function loadReasons() {  // at start and after every site.changed
      S.getJson("/api/v1/site", token).then(function (site) {
        if (site && site.ratings && site.ratings.reasons) state.reasons = site.ratings.reasons;
      });
    }
    loadReasons();
    XephangLive.connect({
      auth: {token: token},
      onSnapshot: function (snap) {
        S.syncClock(snap.now);
        if (snap.counter) setCounter(snap.counter);
      },
      onEvent: function (name, p) {
        if (name === "counter.changed" && p.counter && String(p.counter.number) === String(state.number || p.counter.number)) {
          setCounter(p.counter);
        } else if (name === "ticket.called") onCalled(p);
        else if (name === "ticket.changed") onTicketChanged(p);
        else if (name === "site.changed") loadReasons();
      },
      onStatus: function (st) {
        if (st === "online") state.everOnline = true;
        S.trackConnection(st, state.everOnline);
      }
    });
  }

  start();
})();
