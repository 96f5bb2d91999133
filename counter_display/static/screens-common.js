/* Helpers shared by the lobby board and the counter display: device token, text, time. */
(function () {
  "use strict";
  var TOKEN_KEY = "xephang.deviceToken";
  var TZ = "Asia/Ho_Chi_Minh";
  var X = window.XephangShared;  // the sequence rule and the helpers every page shares

  function deviceToken() {
    try { return window.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  /** Translate `key`, filling {name} placeholders ourselves so either i18n.js style works. */
  function t(key, params) {
    var s = window.XephangI18n ? window.XephangI18n.t(key, params || {}) : key;
    if (!s || s === key) {
      // i18n.js not loaded or key missing there: fall back to our own catalog.
      var lang = window.XephangI18n ? window.XephangI18n.lang() : document.body.dataset.lang || "vi";
      var cat = window.XephangScreensText[lang] || window.XephangScreensText.vi;
      s = cat[key] || window.XephangScreensText.vi[key] || key;
    }
    if (params) {
      Object.keys(params).forEach(function (k) { s = s.split("{" + k + "}").join(String(params[k])); });
    }
    return s;
  }

  function initText(lang) {
    if (window.XephangI18n) {
      window.XephangI18n.init(window.XephangScreensText, lang);
      window.XephangI18n.apply(document.body);
    } else {
      applyText(document.body);
    }
    document.documentElement.lang = lang;
  }

  function applyText(root) {
    root.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t(el.dataset.i18n); });
  }

  function setLang(lang) {
    if (window.XephangI18n) window.XephangI18n.setLang(lang);
    document.body.dataset.lang = lang;
    document.documentElement.lang = lang;
    applyText(document.body);
  }

  function lang() {
    return window.XephangI18n ? window.XephangI18n.lang() : (document.body.dataset.lang || "vi");
  }

  function fmtTime(d, withSeconds) {
    return new Intl.DateTimeFormat("vi-VN", {timeZone: TZ, hour: "2-digit", minute: "2-digit",
      second: withSeconds ? "2-digit" : undefined, hour12: false}).format(d);
  }

  function fmtDate(d) {
    var locale = lang() === "en" ? "en-GB" : "vi-VN";
    return new Intl.DateTimeFormat(locale, {timeZone: TZ, weekday: "long", day: "2-digit",
      month: "2-digit", year: "numeric"}).format(d);
  }

  /** GET JSON with the device token; null on any failure (pages degrade, never break). */
  function getJson(path, token) {
    var headers = {"Accept": "application/json", "Accept-Language": lang()};
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, {headers: headers, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  /** Whether the server still knows this device: false only on a definite 401 (revoked or never paired). */
  function devicePaired(token) {
    return fetch("/api/v1/me", {headers: {"Accept": "application/json", "Authorization": "Bearer " + token}})
      .then(function (r) {
        if (r.status === 401) return {paired: false, me: null};
        return r.json().then(function (me) { return {paired: true, me: me}; }, function () { return {paired: true, me: null}; });
      })
      .catch(function () { return {paired: true, me: null}; });  // offline: keep trying via live.js
  }

  /** Show the connection banner and dim the data whenever the live link is not up. */
  function trackConnection(state, everOnline) {
    X.trackConnection(state, everOnline, t);
  }

  window.XephangScreens = {
    deviceToken: deviceToken, t: t, initText: initText, applyText: applyText, setLang: setLang,
    lang: lang, syncClock: X.syncClock, now: X.now, fmtTime: fmtTime, fmtDate: fmtDate,
    localName: X.localName, getJson: getJson, devicePaired: devicePaired, trackConnection: trackConnection
  };
})();
