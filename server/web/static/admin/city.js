/* /admin/city (issue 9): every site of the deployment with its counters, devices, users and
   today's tickets, and links into the administration pages acting for one site (?site=CODE). */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var st = {sites: null};
  var COUNTS = ["counters", "devices", "users", "issued", "waiting", "served"];

  function $(id) { return document.getElementById(id); }
  function num(v) { return Number(v || 0).toLocaleString(S.lang() === "en" ? "en-GB" : "vi-VN"); }

  function link(href, key) {
    var a = S.el("a", "button ghost small", S.t(key));
    a.href = href;
    a.setAttribute("data-i18n", key);
    return a;
  }

  function render() {
    var body = $("sites-body"), foot = $("sites-total");
    body.textContent = "";
    foot.textContent = "";
    var total = {};
    st.sites.forEach(function (s) {
      var tr = S.el("tr");
      tr.dataset.site = s.code;
      var name = S.el("td", "city-name");
      name.appendChild(S.el("strong", "", S.lang() === "en" ? s.name_en : s.name));
      name.appendChild(S.el("div", "muted mono", s.code));
      tr.appendChild(name);
      COUNTS.forEach(function (f) {
        tr.appendChild(S.el("td", "num", num(s[f])));
        total[f] = (total[f] || 0) + (s[f] || 0);
      });
      var act = S.el("td", "city-actions"), q = "?site=" + encodeURIComponent(s.code);
      act.appendChild(link("/admin/users" + q, "city.users"));
      act.appendChild(link("/admin/devices" + q, "city.devices"));
      act.appendChild(link("/reports" + q, "city.reports"));
      tr.appendChild(act);
      body.appendChild(tr);
    });
    foot.appendChild(S.el("th", "", S.t("city.total")));
    COUNTS.forEach(function (f) { foot.appendChild(S.el("td", "num", num(total[f]))); });
    foot.appendChild(S.el("td"));
  }

  function load() {
    return S.api("GET", "/api/v1/admin/sites").then(function (answer) {
      st.sites = answer.sites;
      render();
    }).catch(function (e) { S.showError(e.message); });
  }

  A.start(function () { load(); });
  $("lang-toggle").addEventListener("click", function () { if (st.sites) window.setTimeout(render, 0); });
})();
