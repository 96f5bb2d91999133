/* The reports page: a period, a grouping and filters → GET /api/v1/reports (table + charts), the
   same table as CSV / XLSX downloads, and a printable report. Charts are plain SVG drawn here
   (offline, no library). */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var SVG = "http://www.w3.org/2000/svg";
  var TOP = 26;  // room for the legend above the plot
  var st = {site: null, me: null, data: null, query: ""};
  var COLS = [  // [field, text key, kind]
    ["issued", "reports.col_issued", "n"], ["served", "reports.col_served", "n"],
    ["no_show", "reports.col_no_show", "n"], ["transferred", "reports.col_transferred", "n"],
    ["cancelled", "reports.col_cancelled", "n"], ["not_served", "reports.col_not_served", "n"],
    ["priority_share", "reports.col_priority", "%"], ["wait_p50_min", "reports.col_wait_p50", "m"],
    ["wait_p90_min", "reports.col_wait_p90", "m"], ["wait_max_min", "reports.col_wait_max", "m"],
    ["service_p50_min", "reports.col_service_p50", "m"], ["service_p90_min", "reports.col_service_p90", "m"],
    ["within_target", "reports.col_within", "%"], ["r4", "reports.col_r4", "n"], ["r3", "reports.col_r3", "n"],
    ["r2", "reports.col_r2", "n"], ["r1", "reports.col_r1", "n"], ["satisfaction", "reports.col_satisfaction", "%"]
  ];

  function $(id) { return document.getElementById(id); }
  function pad(n) { return ("0" + n).slice(-2); }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function locale() { return S.lang() === "en" ? "en-GB" : "vi-VN"; }

  function fmt(v, kind) {
    if (v === null || v === undefined) return "—";
    if (kind === "%") return (v * 100).toLocaleString(locale(), {maximumFractionDigits: 1}) + " %";
    return Number(v).toLocaleString(locale());
  }

  function value(row, field) {
    return /^r\d$/.test(field) ? row.ratings[field.slice(1)] : row[field];
  }

  /** The period a shortcut button stands for, ending today. */
  function period(kind) {
    var today = new Date(S.nowMs()), from = new Date(today), to = new Date(today);
    if (kind === "week") from.setDate(today.getDate() - ((today.getDay() + 6) % 7));
    if (kind === "month") from.setDate(1);
    if (kind === "last-month") {
      from = new Date(today.getFullYear(), today.getMonth() - 1, 1);
      to = new Date(today.getFullYear(), today.getMonth(), 0);
    }
    if (kind === "year") from = new Date(today.getFullYear(), 0, 1);
    $("r-from").value = iso(from);
    $("r-to").value = iso(to);
  }

  function params(format) {
    var form = $("report-form"), p = [];
    ["from", "to", "group", "unit", "zone", "priority", "channel"].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) p.push(name + "=" + encodeURIComponent(v));
    });
    p.push("lang=" + S.lang());
    if (format) p.push("format=" + format);
    return p.join("&");
  }

  function fillFilters() {
    var units = st.site.units.filter(function (u) {
      var mine = st.me.user.units || [];
      return st.me.user.role === "admin" || !mine.length || mine.indexOf(u.code) >= 0;
    });
    var sel = $("r-unit");
    units.forEach(function (u) {
      var o = S.el("option", "", S.lang() === "en" ? u.name_en : u.name);
      o.value = u.code;
      sel.appendChild(o);
    });
    st.site.zones.forEach(function (z) {
      var o = S.el("option", "", S.lang() === "en" ? (z.name_en || z.name) : z.name);
      o.value = z.code;
      $("r-zone").appendChild(o);
    });
    st.site.priority_categories.forEach(function (c) {
      var o = S.el("option", "", S.lang() === "en" ? (c.name_en || c.name) : c.name);
      o.value = c.code;
      $("r-priority").appendChild(o);
    });
  }

  var reportAnswer = A.latest();  // two filters picked quickly: the last one's answer is drawn

  function load() {
    var q = params();
    st.query = q;
    $("r-csv").href = "/api/v1/reports?" + params("csv");
    $("r-xlsx").href = "/api/v1/reports?" + params("xlsx");
    $("r-show").disabled = true;
    return reportAnswer(S.api("GET", "/api/v1/reports?" + q + "&charts=1"), function (data) {
      A.fail($("report-form"), {message: ""});
      S.showError("");
      st.data = data;
      render();
      $("r-show").disabled = false;
    }, function (err) {
      A.fail($("report-form"), err);
      $("r-show").disabled = false;
    });
  }

  function groupName(g) { return S.t("reports.by_" + g); }

  function render() {
    var d = st.data, en = S.lang() === "en";
    $("report").hidden = false;
    $("report-title").textContent = S.t("reports.title", {from: dmy(d.from), to: dmy(d.to)});
    var scope = [S.t("reports.group") + ": " + groupName(d.group)];
    if (d.units) scope.push(S.t("reports.unit") + ": " + d.units.map(function (c) {
      var u = st.site.units.find(function (x) { return x.code === c; });
      return u ? (en ? u.name_en : u.name) : c;
    }).join(", "));
    ["zone", "priority", "channel"].forEach(function (f) {
      if (d.filters[f]) scope.push(S.t("reports." + f) + ": " + $("r-" + f).selectedOptions[0].textContent);
    });
    $("report-scope").textContent = scope.join(" · ");
    renderTiles(d.totals);
    renderTable(d, en);
    drawArrivals(d.charts.arrivals);
    drawWaits(d.charts.wait_by_hour);
    drawSatisfaction(d.charts.satisfaction_by_day);
  }

  function dmy(s) { var p = s.split("-"); return p[2] + "/" + p[1] + "/" + p[0]; }

  function renderTiles(t) {
    var ul = $("report-tiles");
    ul.textContent = "";
    [["reports.col_issued", fmt(t.issued, "n")], ["reports.col_served", fmt(t.served, "n")],
     ["reports.tile_wait", fmt(t.wait_p50_min, "m") + " / " + fmt(t.wait_p90_min, "m")],
     ["reports.col_within", fmt(t.within_target, "%")],
     ["reports.col_satisfaction", fmt(t.satisfaction, "%")],
     ["reports.tile_ratings", fmt(t.ratings_n, "n")]].forEach(function (x) {
      var li = S.el("li", "panel tile");
      li.appendChild(S.el("span", "tile-label", S.t(x[0])));
      li.appendChild(S.el("strong", "tile-value", x[1]));
      ul.appendChild(li);
    });
  }

  function renderTable(d, en) {
    var table = $("report-table");
    var head = table.tHead.rows[0], body = table.tBodies[0], foot = table.tFoot.rows[0];
    head.textContent = ""; body.textContent = ""; foot.textContent = "";
    head.appendChild(S.el("th", "", groupName(d.group)));
    COLS.forEach(function (c) {
      var th = S.el("th", "num", S.t(c[1]));
      th.title = S.t(c[1] + "_long");
      head.appendChild(th);
    });
    d.rows.forEach(function (r) {
      var tr = S.el("tr");
      tr.dataset.key = r.key;
      tr.appendChild(S.el("td", "grp", en ? r.label_en : r.label));
      COLS.forEach(function (c) { tr.appendChild(S.el("td", "num", fmt(value(r, c[0]), c[2]))); });
      body.appendChild(tr);
    });
    foot.appendChild(S.el("th", "grp", S.t("reports.total")));
    COLS.forEach(function (c) { foot.appendChild(S.el("td", "num", fmt(value(d.totals, c[0]), c[2]))); });
    $("report-empty").hidden = d.rows.length > 0;
  }

  // --- charts: small SVGs with a fixed drawing size, scaled to their box -----------------------

  function svg(w, h) {
    var s = document.createElementNS(SVG, "svg");
    s.setAttribute("viewBox", "0 0 " + w + " " + h);
    s.setAttribute("role", "img");
    return s;
  }

  function add(parent, tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }

  function frame(box, w, h, max, ticks, unit) {
    var s = svg(w, h);
    var lead = max / Math.pow(10, Math.floor(Math.log10(max)));
    if (!unit) ticks = lead === 2 || lead === 4 ? 4 : 5;  // round steps: 0.2, 0.5, 1, 2 …
    for (var i = 0; i <= ticks; i++) {
      var y = 10 + (h - 40) * (1 - i / ticks);
      add(s, "line", {x1: 40, x2: w - 6, y1: y, y2: y, "class": "grid"});
      add(s, "text", {x: 36, y: y + 4, "class": "axis", "text-anchor": "end"},
          String(Math.round(max * i / ticks * 10) / 10) + (unit || ""));
    }
    box.textContent = "";
    box.appendChild(s);
    return s;
  }

  /** An x-axis label that stays inside the drawing at both ends. */
  function xLabel(s, x, W, H, text) {
    var anchor = x > W - 24 ? "end" : x < 30 ? "start" : "middle";
    add(s, "text", {x: x, y: H - 14, "class": "axis", "text-anchor": anchor}, text);
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function empty(box) {
    box.textContent = "";
    box.appendChild(S.el("p", "muted", S.t("reports.empty")));
  }

  function drawArrivals(points) {
    var box = $("chart-arrivals");
    if (!points.length) return empty(box);
    var slot = function (p) { var x = p.slot.split(":"); return +x[0] * 4 + x[1] / 15; };
    var first = Math.min.apply(null, points.map(slot)), last = Math.max.apply(null, points.map(slot));
    first = Math.floor(first / 4) * 4; last = Math.ceil((last + 1) / 4) * 4;
    var W = 480, H = 230, n = last - first, bw = (W - 50) / n;
    var max = niceMax(Math.max.apply(null, points.map(function (p) { return Math.max(p.arrivals, p.counters_open); })));
    var s = frame(box, W, H, max, 4);
    var y = function (v) { return TOP + (H - TOP - 30) * (1 - v / max); };
    var line = [];
    points.forEach(function (p) {
      var i = slot(p) - first, x = 42 + i * bw;
      if (p.arrivals) add(s, "rect", {x: x, y: y(p.arrivals), width: Math.max(1, bw - 2),
                                      height: y(0) - y(p.arrivals), "class": "bar"});
    });
    for (var i = 0; i < n; i++) {
      var p = points.find(function (q) { return slot(q) === first + i; });
      line.push((42 + (i + 0.5) * bw).toFixed(1) + "," + y(p ? p.counters_open : 0).toFixed(1));
    }
    add(s, "polyline", {points: line.join(" "), "class": "line"});
    for (var h = first; h <= last; h += 4) {
      xLabel(s, 42 + (h - first) * bw, W, H, pad(h / 4) + "h");
    }
    legend(s, W, [["bar", S.t("reports.legend_arrivals")], ["line", S.t("reports.legend_counters")]]);
  }

  function legend(s, W, items) {
    var x = 50;
    items.forEach(function (it) {
      add(s, "rect", {x: x, y: 4, width: 12, height: 10, "class": it[0] === "line" ? "line-key" : it[0]});
      var t = add(s, "text", {x: x + 16, y: 14, "class": "axis"}, it[1]);
      x += 30 + it[1].length * 7.5;
      return t;
    });
  }

  function drawWaits(points) {
    var box = $("chart-wait");
    if (!points.length) return empty(box);
    var W = 480, H = 230;
    var max = niceMax(Math.max.apply(null, points.map(function (p) { return p.wait_p90_min || 0; })));
    var s = frame(box, W, H, max, 4);
    var y = function (v) { return TOP + (H - TOP - 30) * (1 - v / max); };
    var bw = (W - 50) / points.length;
    points.forEach(function (p, i) {
      var x = 42 + i * bw;
      add(s, "rect", {x: x + 2, y: y(p.wait_p90_min), width: bw / 2 - 3, height: y(0) - y(p.wait_p90_min), "class": "bar2"});
      add(s, "rect", {x: x + bw / 2, y: y(p.wait_p50_min), width: bw / 2 - 3, height: y(0) - y(p.wait_p50_min), "class": "bar"});
      xLabel(s, x + bw / 2, W, H, p.hour + "h");
    });
    legend(s, W, [["bar", S.t("reports.legend_p50")], ["bar2", S.t("reports.legend_p90")]]);
  }

  function drawSatisfaction(points) {
    var box = $("chart-satisfaction");
    var pts = points.filter(function (p) { return p.satisfaction !== null; });
    if (!pts.length) return empty(box);
    var W = 480, H = 230, n = points.length;
    var s = frame(box, W, H, 100, 4, "%");
    var y = function (v) { return TOP + (H - TOP - 30) * (1 - v); };
    var x = function (i) { return 42 + (n === 1 ? (W - 50) / 2 : i * (W - 50) / (n - 1)); };
    var line = [];
    points.forEach(function (p, i) {
      if (p.satisfaction === null) return;
      line.push(x(i).toFixed(1) + "," + y(p.satisfaction).toFixed(1));
      if (n <= 62) add(s, "circle", {cx: x(i), cy: y(p.satisfaction), r: 3, "class": "dot"});
    });
    add(s, "polyline", {points: line.join(" "), "class": "line"});
    var step = Math.max(1, Math.ceil(n / 8));
    for (var i = 0; i < n; i += step) {
      xLabel(s, x(i), W, H, dmy(points[i].day).slice(0, 5));
    }
  }

  A.start(function (me) {
    st.me = me;
    S.api("GET", "/api/v1/site").then(function (site) {
      st.site = site;
      fillFilters();
      var q = new URLSearchParams(window.location.search);
      period(q.get("period") || "month");
      ["from", "to", "group", "unit", "zone", "priority", "channel"].forEach(function (f) {
        if (q.get(f)) $("report-form").elements[f].value = q.get(f);
      });
      return load();
    }).catch(function (e) { S.showError(e.message); });
  });
  document.querySelectorAll("[data-period]").forEach(function (b) {
    b.addEventListener("click", function () { period(b.dataset.period); load(); });
  });
  $("report-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  ["r-group", "r-unit", "r-zone", "r-priority", "r-channel"].forEach(function (id) {
    $(id).addEventListener("change", load);
  });
  $("r-print").addEventListener("click", function () { window.print(); });
  $("lang-toggle").addEventListener("click", function () { if (st.data) { load(); } });
})();
