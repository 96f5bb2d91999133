/* Helpers shared by the officer console and the floor view: session, API calls, text, time. */
(function () {
  "use strict";
  var LANG_KEY = "xephang.staffLang";
  var TZ = "Asia/Ho_Chi_Minh";
  var csrf = "";
  var X = window.XephangShared;  // the sequence rule and the helpers every page shares
  var nowMs = X.nowMs;

  function storedLang(fallback) {
    try { return window.localStorage.getItem(LANG_KEY) || fallback; } catch (e) { return fallback; }
  }

  function t(key, params) {
    var s = window.XephangI18n ? window.XephangI18n.t(key, params || {}) : key;
    if (!s || s === key) {
      var cat = window.XephangStaffText[lang()] || window.XephangStaffText.vi;
      s = cat[key] || window.XephangStaffText.vi[key] || key;
    }
    if (params) Object.keys(params).forEach(function (k) { s = s.split("{" + k + "}").join(String(params[k])); });
    return s;
  }

  function lang() {
    return window.XephangI18n ? window.XephangI18n.lang() : (document.body.dataset.lang || "vi");
  }

  function applyText(root) {
    (root || document.body).querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t(el.dataset.i18n); });
  }

  function initText() {
    var l = storedLang(document.body.dataset.lang || "vi");
    if (window.XephangI18n) window.XephangI18n.init(window.XephangStaffText, l);
    document.body.dataset.lang = l;
    document.documentElement.lang = l;
    applyText();
  }

  function setLang(l) {
    if (window.XephangI18n) window.XephangI18n.setLang(l);
    try { window.localStorage.setItem(LANG_KEY, l); } catch (e) { /* private mode: this page only */ }
    document.body.dataset.lang = l;
    document.documentElement.lang = l;
    applyText();
  }

  /** A fresh request_id per click; crypto.randomUUID needs a secure context, a LAN http page may not be one. */
  function requestId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function goLogin() {
    window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  /** Load the signed-in user and the CSRF token; sends the browser to the login page on 401. */
  function loadMe() {
    return fetch("/api/v1/me", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 401) { goLogin(); return new Promise(function () {}); }
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(errorMessage(body));
          csrf = body.csrf_token || csrf;
          if (!body.user) { goLogin(); return new Promise(function () {}); }
          return body;
        });
      });
  }

  function errorMessage(body) {
    return body && body.error && body.error.message ? body.error.message : t("common.network_error");
  }

  /** Call the API with the session cookie; rejects with Error(message in the current language). */
  function api(method, path, body) {
    var headers = {"Accept": "application/json", "Accept-Language": lang()};
    var opts = {method: method, credentials: "same-origin", headers: headers};
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = csrf;
      opts.body = JSON.stringify(body || {});
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) { goLogin(); return new Promise(function () {}); }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error(errorMessage(data));
          err.status = r.status;
          err.code = data && data.error && data.error.code;
          err.field = data && data.error && data.error.field;
          throw err;
        }
        return data;
      });
    }, function () { throw new Error(t("common.network_error")); });
  }

  function logout() {
    api("POST", "/api/v1/auth/logout", {}).catch(function () {}).then(function () { window.location.href = "/login"; });
  }

  function showError(msg) {
    var box = document.getElementById("error-box");
    if (!box) return;
    box.textContent = msg || "";
    box.hidden = !msg;
  }

  /** "mm:ss" (or "h:mm:ss") since an ISO time, by the server's clock. */
  function elapsed(iso) {
    var ms = Date.parse(iso || "");
    if (isNaN(ms)) return "";
    var s = Math.max(0, Math.floor((nowMs() - ms) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mmss = ("0" + m).slice(-2) + ":" + ("0" + sec).slice(-2);
    return h ? h + ":" + mmss : mmss;
  }

  function minutesSince(iso) {
    var ms = Date.parse(iso || "");
    return isNaN(ms) ? 0 : Math.max(0, (nowMs() - ms) / 60000);
  }

  function fmtClock(withSeconds) {
    return new Intl.DateTimeFormat("vi-VN", {timeZone: TZ, hour: "2-digit", minute: "2-digit",
      second: withSeconds ? "2-digit" : undefined, hour12: false}).format(new Date(nowMs()));
  }

  function trackConnection(state, everOnline) {
    X.trackConnection(state, everOnline, t);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /** Calls fn at most once per `ms`, after the last request (bursts of events → one fetch). */
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, ms);
    };
  }

  /** Runs fn soon after a call, at most once per `ms`: a steady stream of events cannot starve it. */
  function throttle(fn, ms) {
    var timer = null, last = 0;
    return function () {
      if (timer !== null) return;
      var wait = Math.max(150, last + ms - Date.now());
      timer = window.setTimeout(function () { timer = null; last = Date.now(); fn(); }, wait);
    };
  }

  function wireCommonButtons(onLang) {
    var lt = document.getElementById("lang-toggle");
    if (lt) lt.addEventListener("click", function () { setLang(lang() === "vi" ? "en" : "vi"); if (onLang) onLang(); });
    var lo = document.getElementById("logout");
    if (lo) lo.addEventListener("click", logout);
  }

  window.XephangStaff = {
    t: t, lang: lang, initText: initText, setLang: setLang, applyText: applyText, requestId: requestId,
    loadMe: loadMe, api: api, showError: showError, syncClock: X.syncClock, nowMs: nowMs, elapsed: elapsed,
    minutesSince: minutesSince, fmtClock: fmtClock, localName: X.localName, trackConnection: trackConnection,
    el: el, debounce: debounce, throttle: throttle, wireCommonButtons: wireCommonButtons, goLogin: goLogin
  };
})();
