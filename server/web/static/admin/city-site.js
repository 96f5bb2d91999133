/* The city level on every administration page (issue 9, branch e-city). A city-level account
   sees the "Thành phố" link. A page opened with ?site=CODE acts for that site: every API call and
   every /api/v1 download link carries the same ?site=CODE (the server's one rule: only a
   city-level account may name another site), so does its live link (auth.site), the navigation
   keeps it, and a note says which site is being administered. */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var site = new URLSearchParams(window.location.search).get("site") || "";

  function withSite(url) {
    if (!site || url.indexOf("/api/v1/") !== 0 || /[?&]site=/.test(url)) return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "site=" + encodeURIComponent(site);
  }

  function cityLinks() { return document.querySelectorAll("a[href='/admin/city']"); }
  cityLinks().forEach(function (a) { a.style.display = "none"; });  // until the user is known

  if (site) {
    var live = window.XephangLive, connect = live.connect;
    live.connect = function (opts) {  // the page's live link hears the site it acts for
      return connect(opts && !opts.auth ? Object.assign({}, opts, {auth: {site: site}}) : opts);
    };
    var api = S.api;
    S.api = function (method, path, body) { return api(method, withSite(path), body); };
    document.addEventListener("click", function (e) {  // CSV/XLSX links are set late: fix on use
      var a = e.target && e.target.closest ? e.target.closest("a[href]") : null;
      if (a) a.setAttribute("href", withSite(a.getAttribute("href")));
    }, true);
  }

  function showActing() {
    var note = document.createElement("p");
    note.id = "city-site-note";
    note.className = "readonly-note city-site-note";
    var text = document.createElement("span"), back = document.createElement("a");
    back.href = "/admin/city";
    back.setAttribute("data-i18n", "city.back");
    note.appendChild(text);
    note.appendChild(document.createTextNode(" "));
    note.appendChild(back);
    var name = site;
    function say() {
      text.textContent = S.t("city.acting", {site: name});
      back.textContent = S.t("city.back");
    }
    say();
    var box = document.getElementById("error-box");
    box.parentNode.insertBefore(note, box);
    document.getElementById("lang-toggle").addEventListener("click", function () { window.setTimeout(say, 0); });
    S.api("GET", "/api/v1/admin/sites").then(function (answer) {
      var found = (answer.sites || []).filter(function (s) { return s.code === site; })[0];
      if (found) { name = (S.lang() === "en" ? found.name_en : found.name) + " (" + site + ")"; say(); }
    }).catch(function () { /* the page's own calls say what is wrong */ });
    document.querySelectorAll(".admin-nav a[href^='/admin/'], .admin-nav a[href='/reports']")
      .forEach(function (a) {
        var href = a.getAttribute("href");
        if (href !== "/admin/city") a.setAttribute("href", href + "?site=" + encodeURIComponent(site));
      });
  }

  var start = A.start;
  A.start = function (onReady) {
    start(function (me) {
      var city = !!me.user.city;
      cityLinks().forEach(function (a) { a.style.display = city ? "" : "none"; });
      if (city && site) showActing();
      if (onReady) onReady(me);
      document.dispatchEvent(new CustomEvent("xephang:me", {detail: me}));
    });
  };
  window.XephangCity = {site: site, withSite: withSite};
})();
