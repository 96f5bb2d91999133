/*
 * i18n.js — every user-facing string of a xephang page goes through here (docs/contract.md, "i18n.js").
 *
 *   XephangI18n.init({vi: {...}, en: {...}}, "vi");   // catalogs merge with earlier ones
 *   XephangI18n.t("ahead", {n: 5});                    // "{n} người trước bạn" → "5 người trước bạn"
 *   XephangI18n.setLang("en"); XephangI18n.lang();
 *   XephangI18n.apply(root);   // fills [data-i18n] text (and data-i18n-placeholder/-title/-aria-label)
 *
 * Extras: XephangI18n.name(obj, "service_name") picks obj.service_name_en in English when present;
 * XephangI18n.onChange(fn) runs fn(lang) after setLang; XephangI18n.fold(text) folds for searching.
 * A missing key falls back to Vietnamese, then to the key itself (visible, so it gets noticed).
 */
(function (global) {
  "use strict";

  var FALLBACK = "vi";
  var catalogs = {};
  var current = FALLBACK;
  var listeners = [];

  function fill(text, params) {
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(params, k) && params[k] !== null && params[k] !== undefined
        ? String(params[k]) : m;
    });
  }

  /** Load catalogs ({lang: {key: text}}) and choose the language. */
  function init(cats, lang) {
    cats = cats || {};
    Object.keys(cats).forEach(function (l) {
      catalogs[l] = catalogs[l] || {};
      Object.keys(cats[l]).forEach(function (k) { catalogs[l][k] = cats[l][k]; });
    });
    current = lang || current || FALLBACK;
    setDocumentLang();
  }

  /** The text for key in the current language, with {param} placeholders filled. */
  function t(key, params) {
    var cat = catalogs[current] || {};
    var text = Object.prototype.hasOwnProperty.call(cat, key) ? cat[key]
      : (catalogs[FALLBACK] && Object.prototype.hasOwnProperty.call(catalogs[FALLBACK], key))
        ? catalogs[FALLBACK][key] : key;
    return fill(String(text), params);
  }

  function setDocumentLang() {
    if (global.document && global.document.documentElement) {
      global.document.documentElement.lang = current;
    }
  }

  /** Switch language, refill the page's [data-i18n] elements and tell listeners. */
  function setLang(l) {
    var changed = l !== current;
    current = l || FALLBACK;
    setDocumentLang();
    if (global.document) apply(global.document);
    if (changed) {
      listeners.slice().forEach(function (fn) {
        try { fn(current); } catch (e) { if (global.console) global.console.error(e); }
      });
    }
  }

  /** The current language code. */
  function lang() {
    return current;
  }

  function paramsOf(el) {
    var raw = el.getAttribute("data-i18n-params");
    if (!raw) return null;
    try { return JSON.parse(raw); } catch (e) { return null; }
  }

  var ATTRS = ["placeholder", "title", "aria-label", "alt"];

  /** Fill every [data-i18n] element under root (text), and data-i18n-<attr> attributes. */
  function apply(root) {
    root = root || global.document;
    if (!root || !root.querySelectorAll) return;
    var nodes = root.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"), paramsOf(nodes[i]));
    }
    ATTRS.forEach(function (attr) {
      var els = root.querySelectorAll("[data-i18n-" + attr + "]");
      for (var j = 0; j < els.length; j++) {
        els[j].setAttribute(attr, t(els[j].getAttribute("data-i18n-" + attr), paramsOf(els[j])));
      }
    });
  }

  /** obj[field + "_en"] in English when it is set, else obj[field] (API objects carry both). */
  function name(obj, field) {
    if (!obj) return "";
    field = field || "name";
    if (current === "en" && obj[field + "_en"]) return obj[field + "_en"];
    return obj[field] || "";
  }

  /** Call fn(lang) after every language change. */
  function onChange(fn) {
    listeners.push(fn);
  }

  /** Text folded for searching without diacritics: "ly lich" finds "Lý lịch", "dang ky" "Đăng ký". */
  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  global.XephangI18n = {
    init: init, t: t, setLang: setLang, lang: lang, apply: apply, name: name, onChange: onChange,
    fold: fold,
  };
})(typeof window !== "undefined" ? window : this);
