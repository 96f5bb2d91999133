/* login.js — the staff login form; after login it goes to ?next= only when that is a path of this site. */
(function () {
  "use strict";

  /** `next` as a same-site path, or null: "//evil", "/\evil", "https://evil", "/%5Cevil" are refused. */
  function safeNext(next) {
    if (!next || next.charAt(0) !== "/" || next.charAt(1) === "/" || next.charAt(1) === "\\") return null;
    // Browsers drop tabs and newlines and read "\" as "/" in URLs: "/\t/evil" would become "//evil".
    if (/[\u0000-\u0020\u007f\\]/.test(next)) return null;
    var url;
    try { url = new URL(next, location.origin); } catch (e) { return null; }
    if (url.origin !== location.origin) return null;
    return url.pathname + url.search + url.hash;
  }
  window.XephangSafeNext = safeNext;

  document.getElementById("login-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var form = this;
    var err = document.getElementById("login-error"), btn = document.getElementById("login-submit");
    err.textContent = ""; btn.disabled = true;
    try {
      var r = await fetch("/api/v1/auth/login", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept-Language": XephangI18n.lang()},
        body: JSON.stringify({username: form.username.value.trim(), password: form.password.value})});
      var data = await r.json();
      if (!r.ok) { err.textContent = data.error.message; return; }
      var next = safeNext(new URLSearchParams(location.search).get("next"));
      location.href = next || (data.user.role === "officer" ? "/console" : "/floor");
    } catch (e) { err.textContent = XephangI18n.t("network"); }
    finally { btn.disabled = false; }
  });
})();
