/* The simulator's page: a scenario from the form → POST /api/v1/simulations (a job running
   `xephang simulate` on the server) → polled until done → bottleneck units, the queue chart (the
   command's SVG), a table per unit and service, a comparison of two scenarios, the planner. */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var st = {site: null, me: null, kept: null, job: null, last: null, timer: 0, status: null};
  var COLS = [  // [field, text key, kind]
    ["issued", "simulate.col_issued", "n"], ["served", "simulate.col_served", "n"],
    ["wait_p50_min", "simulate.col_p50", "m"], ["wait_p90_min", "simulate.col_p90", "m"],
    ["wait_max_min", "simulate.col_max", "m"], ["within", "simulate.col_within", "%"],
    ["utilization", "simulate.col_util", "%"], ["last_served_at", "simulate.col_clears", "t"]
  ];

  function $(id) { return document.getElementById(id); }
  function locale() { return S.lang() === "en" ? "en-GB" : "vi-VN"; }
  function form() { return $("sim-form"); }

  function unitName(code) {
    var u = st.site.units.filter(function (x) { return x.code === code; })[0];
    return u ? (S.lang() === "en" ? (u.name_en || u.name) : u.name) : code;
  }

  function mine(code) {
    var units = st.me.user.units || [];
    return st.me.user.role === "admin" || !units.length || units.indexOf(code) >= 0;
  }

  function fmt(v, kind) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "—";
    if (kind === "t") return String(v);
    if (kind === "%") return (v * 100).toLocaleString(locale(), {maximumFractionDigits: 0}) + " %";
    return Number(v).toLocaleString(locale(), {maximumFractionDigits: kind === "m" ? 1 : 0});
  }

  function value(r, field) {
    if (field === "last_served_at") return r.last_served_at;
    if (field === "within") return r.p_wait_over_target.value === null ? null : 1 - r.p_wait_over_target.value;
    return r[field] ? r[field].value : null;
  }

  /** A number field as the scenario wants it: left out when empty, sent as typed when not a number
      (the server names the field), divided by `scale` (percentages). */
  function num(name, scale) {
    var raw = form().elements[name].value.trim();
    if (raw === "") return undefined;
    var n = Number(raw);
    return isNaN(n) ? raw : n / (scale || 1);
  }

  function put(obj, key, v) { if (v !== undefined) obj[key] = v; }

  /** "08:00-10:00: 5 6; 13:00-14:00: 7" as [[shifts]] / [[breaks]] rows (a counter the server
      cannot read is sent as typed, so it names the field). */
  function periods(name) {
    return form().elements[name].value.split(";").map(function (part) {
      var p = part.split(":"), at = part.lastIndexOf(":");
      if (!part.trim()) return null;
      if (p.length < 4) return {hours: [part.trim()], counters: []};
      var nums = part.slice(at + 1).trim().split(/[\s,]+/).filter(Boolean).map(function (x) {
        return /^\d+$/.test(x) ? Number(x) : x;
      });
      return {hours: [part.slice(0, at).trim()], counters: nums};
    }).filter(Boolean);
  }

  /** The scenario the form describes, in the scenario file's shape. */
  function scenario() {
    var f = form().elements, source = f.source.value, sc = {}, arrivals = {};
    sc.hours = f.hours.value.split(",").map(function (h) { return h.trim(); }).filter(Boolean);
    put(sc, "replications", num("replications"));
    put(sc, "seed", num("seed"));
    put(sc, "priority_share", num("priority_share", 100));
    put(sc, "no_show_share", num("no_show_share", 100));
    var ratio = num("policy.priority_ratio");
    if (ratio !== undefined) sc.policy = {priority_ratio: ratio};
    sc.service_time = {"default": f["service_time.default"].value};
    if (source === "total" || source === "history") put(arrivals, "daily_total", num("arrivals.daily_total"));
    if (source === "history") arrivals.from_history = true;
    if (source === "replay") { arrivals.replay_day = f["arrivals.replay_day"].value || "?"; }
    if (source === "rates") {
      f.arrivals.value.split("\n").forEach(function (line) {
        var p = line.trim().split(/\s+/);
        if (p[0]) arrivals[p[0]] = {per_hour: p.length > 1 && !isNaN(Number(p[1])) ? Number(p[1]) : p[1] || "?"};
      });
    }
    sc.arrivals = arrivals;
    var shifts = periods("shifts"), breaks = periods("breaks");
    if (shifts.length) sc.shifts = shifts;
    if (breaks.length) sc.breaks = breaks;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("#s-counter-list input[data-counter]"));
    var on = boxes.filter(function (b) { return b.checked; }).map(function (b) { return Number(b.dataset.counter); });
    // All ticked: every counter (a replay: the ones that called that day, the recorded configuration).
    if (on.length !== boxes.length) sc.counters = on;
    if (source === "replay") put(sc, "more_counters", num("more_counters"));
    return sc;
  }

  function showSource() {
    var source = form().elements.source.value;
    document.querySelectorAll("#sim-form [data-show]").forEach(function (x) {
      x.hidden = x.dataset.show.split(" ").indexOf(source) < 0;
    });
  }

  function countersSummary() {
    var boxes = document.querySelectorAll("#s-counter-list input[data-counter]");
    var on = document.querySelectorAll("#s-counter-list input[data-counter]:checked");
    $("s-counters").value = on.length + " / " + boxes.length;
  }

  function fillCounters() {
    var box = $("s-counter-list"), svcUnit = {};
    st.site.services.forEach(function (s) { svcUnit[s.code] = s.unit; });
    var byUnit = {};
    st.site.counters.forEach(function (c) {
      var u = svcUnit[c.services[0]] || "";
      (byUnit[u] = byUnit[u] || []).push(c);
    });
    st.site.units.forEach(function (u) {
      var list = byUnit[u.code];
      if (!list) return;
      var head = S.el("div", "sim-unit", unitName(u.code));
      box.appendChild(head);
      list.forEach(function (c) {
        var label = S.el("label", "", "");
        var input = document.createElement("input");
        input.type = "checkbox";
        input.checked = true;
        input.dataset.counter = c.number;
        input.addEventListener("change", countersSummary);
        label.appendChild(input);
        label.appendChild(document.createTextNode(String(c.number)));
        box.appendChild(label);
      });
    });
    countersSummary();
    var sel = $("s-unit");
    st.site.units.filter(function (u) { return mine(u.code); }).forEach(function (u) {
      var o = S.el("option", "", unitName(u.code));
      o.value = u.code;
      sel.appendChild(o);
    });
  }

  /** The line under the form: a text key and its values (drawn again in the other language). */
  function status(key, params) {
    st.status = key ? [key, params] : null;
    $("sim-status").textContent = key ? S.t(key, params) : "";
    $("sim-status").hidden = !key;
  }

  function busy(on) {
    $("s-run").disabled = on;
    $("s-plan").disabled = on;
    $("s-stop").hidden = !on;
  }

  /** Start a job and poll it until it is done (the page never holds one long request). */
  function run(body) {
    window.clearTimeout(st.timer);
    busy(true);
    status("simulate.running", {s: 0});
    return S.api("POST", "/api/v1/simulations", body).then(function (job) {
      st.job = job;
      return poll(job.id);
    }).catch(function (e) {
      busy(false);
      status("");
      A.fail(form(), e);
    });
  }

  function poll(id) {
    return S.api("GET", "/api/v1/simulations/" + encodeURIComponent(id)).then(function (job) {
      if (job.status === "running") {
        status("simulate.running", {s: Math.round(job.elapsed_s)});
        return new Promise(function (resolve) {
          st.timer = window.setTimeout(function () { resolve(poll(id)); }, 700);
        });
      }
      busy(false);
      if (job.status === "failed") { status(""); S.showError(job.error.message); return; }
      status("simulate.done", {s: Math.round(job.elapsed_s)});
      S.showError("");
      show(job);
    });
  }

  function th(tr, text, cls) { var c = S.el("th", cls || "", text); tr.appendChild(c); return c; }
  function td(tr, text, cls) { var c = S.el("td", cls || "", text); tr.appendChild(c); return c; }

  function clear(id) {
    var t = $(id);
    t.querySelector("thead tr").textContent = "";
    t.querySelector("tbody").textContent = "";
    return t;
  }

  function drawTable(result) {
    var t = clear("sim-table"), head = t.querySelector("thead tr"), body = t.querySelector("tbody");
    th(head, S.t("simulate.col_unit"), "grp");
    COLS.forEach(function (c) { th(head, S.t(c[1]), "num"); });
    Object.keys(result.units).forEach(function (unit) {
      var u = result.units[unit];
      var row = function (name, r, cls) {
        var tr = S.el("tr", cls, "");
        td(tr, name, cls === "sim-unit-row" ? "" : "sim-svc");
        COLS.forEach(function (c) {
          var cell = td(tr, fmt(value(r, c[0]), c[2]), "num");
          if (c[0] === "within" && value(r, "within") !== null && value(r, "within") < 0.9) cell.classList.add("bad");
        });
        body.appendChild(tr);
      };
      row(unitName(unit), u, "sim-unit-row");
      u.services.forEach(function (code) {
        var svc = st.site.services.filter(function (s) { return s.code === code; })[0];
        row(svc ? (S.lang() === "en" ? (svc.name_en || svc.name) : svc.name) : code, result.services[code], "");
      });
    });
  }

  function drawBottlenecks(list) {
    var ol = $("sim-bottlenecks");
    ol.textContent = "";
    list.forEach(function (b) {
      ol.appendChild(S.el("li", "", S.t("simulate.bottleneck_line",
        {unit: unitName(b.unit), share: fmt(b.p_wait_over_target, "%")})));
    });
    $("sim-none").hidden = list.length > 0;
  }

  function drawCompare(a, b) {
    var t = clear("sim-compare-table"), head = t.querySelector("thead tr"), body = t.querySelector("tbody");
    th(head, S.t("simulate.col_unit"), "grp");
    [["wait_p90_min", "simulate.col_p90", "m"], ["within", "simulate.col_within", "%"],
     ["utilization", "simulate.col_util", "%"], ["last_served_at", "simulate.col_clears", "t"]].forEach(function (c) {
      th(head, S.t(c[1]) + " A", "num");
      th(head, S.t(c[1]) + " B", "num");
    });
    Object.keys(a.units).forEach(function (unit) {
      var tr = S.el("tr", "", ""), ua = a.units[unit], ub = b.units[unit];
      td(tr, unitName(unit));
      [["wait_p90_min", "m"], ["within", "%"], ["utilization", "%"], ["last_served_at", "t"]].forEach(function (c) {
        td(tr, fmt(value(ua, c[0]), c[1]), "num");
        td(tr, ub ? fmt(value(ub, c[0]), c[1]) : "—", "num");
      });
      body.appendChild(tr);
    });
    $("sim-compare").hidden = false;
  }

  function drawPlan(plan) {
    $("sim-plan-title").textContent = S.t("simulate.plan_title", {unit: unitName(plan.unit),
      within: fmt(plan.within, "%"), own: plan.own_counters.length});
    var t = clear("sim-plan-table"), head = t.querySelector("thead tr"), body = t.querySelector("tbody");
    ["simulate.col_hour", "simulate.col_counters", "simulate.col_extra", "simulate.col_spare",
     "simulate.col_within"].forEach(function (k, i) { th(head, S.t(k), i ? "num" : ""); });
    plan.hours.forEach(function (h) {
      var tr = S.el("tr", "", "");
      td(tr, h.from + "–" + h.to);
      td(tr, String(h.counters), "num");
      td(tr, String(h.extra), "num");
      td(tr, String(h.spare), "num");
      var cell = td(tr, fmt(h.within_target, "%") + (h.target_reachable ? "" : " *"), "num");
      if (h.within_target < plan.within) cell.classList.add("bad");
      body.appendChild(tr);
    });
    $("sim-unreachable").hidden = plan.hours.every(function (h) { return h.target_reachable; });
    var ul = $("sim-moves"), borrowing = plan.borrowing || {moves: []};
    ul.textContent = "";
    if (!borrowing.moves.length) ul.appendChild(S.el("li", "", S.t("simulate.no_moves")));
    borrowing.moves.forEach(function (m) {
      ul.appendChild(S.el("li", "", S.t("simulate.move_line", {counter: m.counter,
        from: m.from_unit.map(unitName).join(", "), hours: m.hours.join(", ")})));
    });
    var e = clear("sim-effect"), eh = e.querySelector("thead tr"), eb = e.querySelector("tbody");
    var effect = borrowing.effect || {};
    e.hidden = !Object.keys(effect).length;
    ["simulate.col_unit", "simulate.col_over_before", "simulate.col_over_after", "simulate.col_clears_before",
     "simulate.col_clears_after"].forEach(function (k, i) { th(eh, S.t(k), i ? "num" : "grp"); });
    Object.keys(effect).forEach(function (unit) {
      var tr = S.el("tr", "", ""), x = effect[unit];
      td(tr, unitName(unit));
      td(tr, fmt(x.before.p_wait_over_target, "%"), "num");
      td(tr, fmt(x.after.p_wait_over_target, "%"), "num");
      td(tr, fmt(x.before.last_served_at, "t"), "num");
      td(tr, fmt(x.after.last_served_at, "t"), "num");
      eb.appendChild(tr);
    });
    $("sim-planned").hidden = false;
    $("sim-planned").scrollIntoView({block: "start"});
  }

  function links(job) {
    var base = "/api/v1/simulations/" + encodeURIComponent(job.id) + "?lang=" + S.lang() + "&format=";
    $("s-toml").href = base + "toml";
    $("s-toml").hidden = false;
    $("s-csv").href = base + "csv";
    $("s-csv").hidden = job.kind !== "simulate";
  }

  function show(job) {
    st.last = job;
    links(job);
    if (job.kind === "plan") { drawPlan(job.plan); return; }
    $("sim-planned").hidden = true;
    var result = job.compare || job.result;  // a comparison: B is the scenario just run
    drawBottlenecks(job.compare ? job.compare_bottlenecks : job.bottlenecks);
    $("sim-chart").src = "/api/v1/simulations/" + encodeURIComponent(job.id) + "?format=svg&lang=" +
      S.lang() + (job.compare ? "&scenario=b" : "");
    $("sim-chart").alt = S.t("simulate.chart");
    drawTable(result);
    $("sim-assumed").textContent = S.t("simulate.assumed") + " " + result.assumptions.join("; ");
    $("sim-result").hidden = false;
    if (job.compare) drawCompare(job.result, job.compare); else $("sim-compare").hidden = true;
    $("s-keep").disabled = false;
  }

  A.start(function (me) {
    st.me = me;
    S.api("GET", "/api/v1/site").then(function (site) {
      st.site = site;
      fillCounters();
      showSource();
    }).catch(function (e) { S.showError(e.message); });
  });
  form().elements.source.addEventListener("change", showSource);
  $("s-pick").addEventListener("click", function () { $("s-counter-list").hidden = !$("s-counter-list").hidden; });
  form().addEventListener("submit", function (e) {
    e.preventDefault();
    var body = scenario();
    if (st.kept) { var a = st.kept; a.compare = body; delete a.kind; body = a; st.kept = JSON.parse(JSON.stringify(a)); delete st.kept.compare; }
    run(body);
  });
  $("s-plan").addEventListener("click", function () {
    var body = scenario();
    body.kind = "plan";
    body.unit = form().elements.unit.value;
    body.within = num("within", 100);
    run(body);
  });
  $("s-stop").addEventListener("click", function () {
    if (!st.job) return;
    S.api("DELETE", "/api/v1/simulations/" + encodeURIComponent(st.job.id)).catch(function (e) { S.showError(e.message); });
  });
  $("s-keep").addEventListener("click", function () {
    st.kept = scenario();
    $("s-kept").textContent = S.t("simulate.kept");
    $("s-kept").hidden = false;
  });
  $("lang-toggle").addEventListener("click", function () {
    window.setTimeout(function () {
      if (st.last) show(st.last);
      if (st.status) status(st.status[0], st.status[1]);
      if (st.kept) $("s-kept").textContent = S.t("simulate.kept");
    }, 0);
  });
})();
