/* Helpers shared by the kiosk, the staff-assisted page and the ticket page: API calls and wording. */
(function (global) {
  "use strict";
  var T = global.XephangI18n;

  /**
   * Call the HTTP API. Resolves (never rejects) to {ok, status, data, error}; a network failure or
   * timeout is status 0 with error.code "network", so callers handle every outcome in one place.
   */
  function api(method, path, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json", "Accept-Language": T.lang() };
    if (opts.token) headers["Authorization"] = "Bearer " + opts.token;
    if (opts.csrf) headers["X-CSRF-Token"] = opts.csrf;
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (ctrl) {
      init.signal = ctrl.signal;
      timer = global.setTimeout(function () { ctrl.abort(); }, opts.timeoutMs || 12000);
    }
    return global.fetch(path, init).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        var out = { ok: resp.ok, status: resp.status, data: data, error: null };
        if (!resp.ok) {
          out.error = (data && data.error) || { code: resp.status >= 500 ? "server" : "http_" + resp.status,
                                                 message: "" };
        }
        return out;
      });
    }, function () {
      return { ok: false, status: 0, data: null, error: { code: "network", message: "" } };
    }).finally(function () {
      if (timer !== null) global.clearTimeout(timer);
    });
  }

  /** A fresh request_id (hex); crypto.randomUUID needs a secure context, kiosks may be on plain http. */
  function newRequestId() {
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); })
      .join("");
  }

  /** Counter numbers as short runs: [17,18,19,21] → "17–19, 21". */
  function counterRuns(nums) {
    var list = (nums || []).slice().sort(function (a, b) { return a - b; });
    var parts = [];
    for (var i = 0; i < list.length; i++) {
      var start = list[i];
      while (i + 1 < list.length && list[i + 1] === list[i] + 1) i++;
      var end = list[i];
      if (end === start) parts.push(String(start));
      else if (end === start + 1) parts.push(start + ", " + end);
      else parts.push(start + "–" + end);
    }
    return parts.join(", ");
  }

  /** "Quầy 17–19" / "Counter 12" for a ticket's counters (or its one called counter). */
  function countersText(nums) {
    var list = nums || [];
    return T.t(list.length > 1 ? "result.counters" : "result.counter", { list: counterRuns(list) });
  }

  /** A wait estimate ([lo, hi] minutes, or one number) in words; "" when unknown. */
  function waitText(est) {
    if (est === null || est === undefined) return "";
    if (typeof est === "number") {
      return est <= 0 ? T.t("wait.none") : T.t("wait.about", { n: Math.round(est) });
    }
    if (!Array.isArray(est) || est.length < 2) return "";
    var lo = Math.round(est[0]), hi = Math.round(est[1]);
    if (hi <= 0) return T.t("wait.none");
    if (lo <= 0) return T.t("wait.under", { hi: hi });
    if (lo === hi) return T.t("wait.about", { n: hi });
    return T.t("wait.range", { lo: lo, hi: hi });
  }

  /** The user-facing text for an API error: our own wording for known codes, else the server's. */
  function errorText(err) {
    if (!err) return T.t("err.generic");
    if (err.code === "service_closed" && err.opens_at) {
      return T.t("err.service_closed") + " " + reopensText(err.opens_at);
    }
    var key = "err." + err.code;
    var txt = T.t(key);
    if (txt !== key) return txt;
    return err.message || T.t("err.generic");
  }

  /** "Mở lại lúc 13:00" (today) or "Mở lại lúc 07:30, 30/11" (another day). */
  function reopensText(opensAt) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(opensAt || "");
    if (!m) return "";
    var today;
    try {  // the service day is Hồ Chí Minh City's date, whatever the kiosk PC's time zone
      today = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Ho_Chi_Minh" });
    } catch (e) { today = new Date().toISOString().slice(0, 10); }
    var time = m[4] + ":" + m[5];
    return m[1] + "-" + m[2] + "-" + m[3] === today ? T.t("closed.reopens_today", {time: time})
      : T.t("closed.reopens_day", {time: time, date: m[3] + "/" + m[2]});
  }

  /** Why a service is closed, in the current language, with when it opens again when known. */
  function closedText(reason, opensAt) {
    if (opensAt) return reopensText(opensAt);
    if (!reason) return T.t("services.closed");
    var key = "closed." + reason;
    var txt = T.t(key);
    return txt !== key ? txt : String(reason);
  }

  /** Whether a citizen can take a number of this service now: open and not full for the day. */
  function canIssue(s) { return !!(s && s.open && !s.full); }

  /** Why a service takes no numbers now: "Hết số hôm nay" when full, else why it is closed. */
  function unavailableText(s) {
    if (s && s.full && s.open) return T.t("closed.daily_cap_reached");
    var why = adminReason(s);  // closed by an admin or the calendar: the server's wording of why
    if (why) return s.opens_at ? why + " · " + reopensText(s.opens_at) : why;
    return closedText(s && s.closed_reason, s && s.opens_at);
  }

  /** "Tạm ngưng tiếp nhận: …" / "Hôm nay nghỉ lễ …" of a closed service, or "" (hours, open). */
  function adminReason(s) {
    var texts = s && !s.open && s.closed_text;
    return (texts && (texts[T.lang()] || texts.vi)) || "";
  }

  /** The server's wording of a ticket's (or service's) wait, the same on kiosk, paper and phone. */
  function serverWaitText(obj) {
    var words = obj && obj.estimated_wait_text;
    if (words && words[T.lang()]) return words[T.lang()];
    return waitText(obj && obj.estimated_wait_min);
  }

  /** Zone name (English name when shown in English) from a ticket/service and the site's zones. */
  function zoneName(code, zones, fallback) {
    var z = (zones || []).filter(function (x) { return x.code === code; })[0];
    if (z) return T.name(z, "name");
    return fallback || code || "";
  }

  /** A short beep through WebAudio (no asset needed); silently nothing when audio is blocked. */
  var audioCtx = null;
  function audio() {
    var Ctx = global.AudioContext || global.webkitAudioContext;
    if (!Ctx) return null;
    if (!audioCtx) audioCtx = new Ctx();
    return audioCtx;
  }
  function unlockAudio() {
    var ctx = audio();
    if (ctx && ctx.state === "suspended") ctx.resume();
    return !!ctx;
  }
  function beep() {
    var ctx = audio();
    if (!ctx) return false;
    if (ctx.state === "suspended") ctx.resume();
    var t0 = ctx.currentTime;
    [0, 0.35].forEach(function (offset, i) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = i === 0 ? 880 : 1175;
      gain.gain.setValueAtTime(0.0001, t0 + offset);
      gain.gain.exponentialRampToValueAtTime(0.4, t0 + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + offset + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + offset);
      osc.stop(t0 + offset + 0.32);
    });
    return true;
  }

  /** Create an element: el("div", {class: "x", text: "…"}, [children]). */
  function el(tag, attrs, children) {
    var node = global.document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k === "style") {
        // Through the CSSOM, which the CSP allows (a style attribute it would block).
        String(v).split(";").forEach(function (decl) {
          var at = decl.indexOf(":");
          if (at > 0) node.style.setProperty(decl.slice(0, at).trim(), decl.slice(at + 1).trim());
        });
      }
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? global.document.createTextNode(c) : c);
    });
    return node;
  }

  /** A number from the query string (e.g. ?idle=5), or the default. */
  function queryNumber(name, dflt) {
    var v = new URLSearchParams(global.location.search).get(name);
    var n = v === null ? NaN : Number(v);
    return isFinite(n) && n > 0 ? n : dflt;
  }

  /** Local time HH:MM in Ho Chi Minh City. */
  function clock(date) {
    try {
      return (date || new Date()).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit",
                                                               timeZone: "Asia/Ho_Chi_Minh" });
    } catch (e) {
      return (date || new Date()).toTimeString().slice(0, 5);
    }
  }

  global.XephangKiosk = {
    api: api, newRequestId: newRequestId, counterRuns: counterRuns, countersText: countersText,
    waitText: waitText, errorText: errorText, closedText: closedText, zoneName: zoneName,
    canIssue: canIssue, unavailableText: unavailableText, adminReason: adminReason, serverWaitText: serverWaitText,
    beep: beep, unlockAudio: unlockAudio, el: el, queryNumber: queryNumber, clock: clock,
  };
})(window);
