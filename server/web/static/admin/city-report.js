/* The city-wide report on /reports (issue 9), for city-level accounts: the period chosen in the
   form, one line per site (GET /api/v1/reports/city), the city's totals, a CSV download. Not
   shown when the page acts for one site (?site=CODE). */
(function () {
  "use strict";
  var S = window.XephangStaff;
  var COLS = [  // [field, text key, kind]
    ["issued", "reports.col_issued", "n"], ["served", "reports.col_served", "n"],
    ["no_show", "reports.col_no_show", "n"], ["not_served", "reports.col_not_served", "n"],
    ["wait_avg_min", "city.col_wait_avg", "n"], ["wait_p50_min", "reports.col_wait_p50", "n"],
    ["wait_p90_min", "reports.col_wait_p90", "n"], ["within_target", "reports.col_within", "%"],
    ["satisfaction", "reports.col_satisfaction", "%"]
  ];
  var st = {on: false, data: null, asked: 0, tries: 0};

  function $(id) { return document.getElementById(id); }
  function locale() { return S.lang() === "en" ? "en-GB" : "vi-VN"; }
  function fmt(v, kind) {
    if (v === null || v === undefined) return "—";
    if (kind === "%") return (v * 100).toLocaleString(locale(), {maximumFractionDigits: 1}) + " %";
    return Number(v).toLocaleString(locale());
  }
  function dmy(iso) { var p = iso.split("-"); return p[2] + "/" + p[1] + "/" + p[0]; }

  function query(format) {
    var form = $("report-form");
    return "from=" + encodeURIComponent(form.elements.from.value) + "&to=" +
      encodeURIComponent(form.elements.to.value) + "&lang=" + S.lang() + (format ? "&format=" + format : "");
  }

  function cells(tr, row, head) {
    COLS.forEach(function (c) {
      tr.appendChild(head ? S.el("th", "num", S.t(c[1])) : S.el("td", "num", fmt(row[c[0]], c[2])));
    });
  }

  function render() {
    var d = st.data, table = $("city-table");
    var headRow = table.tHead.rows[0], body = table.tBodies[0], foot = table.tFoot.rows[0];
    headRow.textContent = body.textContent = foot.textContent = "";
    headRow.appendChild(S.el("th", "", S.t("city.col_site")));
    cells(headRow, null, true);
    d.rows.forEach(function (r) {
      var tr = S.el("tr");
      tr.dataset.site = r.key;
      tr.appendChild(S.el("td", "", S.lang() === "en" ? r.label_en : r.label));
      cells(tr, r, false);
      body.appendChild(tr);
    });
    foot.appendChild(S.el("th", "", S.t("city.total")));
    cells(foot, d.totals, false);
    $("city-empty").hidden = d.totals.visits > 0;
    $("city-period").textContent = S.t("city.report_period", {from: dmy(d.from), to: dmy(d.to)});
    $("city-csv").href = "/api/v1/reports/city?" + query("csv");
    $("city-report").hidden = false;
  }

  function load() {
    if (!st.on) return;
    if (!$("report-form").elements.from.value) {  // the page fills its period after loading
      if (st.tries++ < 100) window.setTimeout(load, 100);
      return;
    }
    var mine = ++st.asked;
    S.api("GET", "/api/v1/reports/city?" + query()).then(function (d) {
      if (mine !== st.asked) return;  // a newer period was asked for meanwhile
      st.data = d;
      render();
    }).catch(function (e) { if (mine === st.asked) S.showError(e.message); });
  }

  document.addEventListener("xephang:me", function (e) {
    st.on = !!e.detail.user.city && !window.XephangCity.site;
    window.setTimeout(load, 0);  // after the page has put its period in the form
  });
  $("report-form").addEventListener("submit", function () { window.setTimeout(load, 0); });
  document.querySelectorAll("[data-period]").forEach(function (b) {
    b.addEventListener("click", function () { window.setTimeout(load, 0); });
  });
  ["r-from", "r-to"].forEach(function (id) { $(id).addEventListener("change", load); });
  $("lang-toggle").addEventListener("click", function () { if (st.data) window.setTimeout(load, 0); });
})();
