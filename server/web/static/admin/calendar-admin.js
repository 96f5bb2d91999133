/* /admin/closures (close now / open now) and /admin/calendar (holidays, working days, closed days). */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var site = null;
  function $(id) { return document.getElementById(id); }
  function name(o) { return S.lang() === "en" ? (o.name_en || o.name) : o.name; }
  function option(value, text) { var o = S.el("option", "", text); o.value = value; return o; }
  function fields(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (x) { if (x.name) out[x.name] = x.value; });
    return out;
  }
  function hhmmDate(iso) {  // "2026-12-03T14:00" → "14:00 03/12/2026"
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? m[4] + ":" + m[5] + " " + m[3] + "/" + m[2] + "/" + m[1] : "";
  }

  // ---- close now / open now ----------------------------------------------------------------
  function fillTargets() {
    var sel = $("c-code"), scope = $("c-scope").value, picked = sel.value;
    sel.textContent = "";
    if (scope === "unit") site.units.forEach(function (u) { sel.appendChild(option(u.code, name(u))); });
    else site.services.forEach(function (s) {
      var unit = site.units.filter(function (u) { return u.code === s.unit; })[0];
      sel.appendChild(option(s.code, name(s) + (unit ? " — " + (unit.short || unit.code) : "")));
    });
    if (picked && sel.querySelector("option[value='" + picked + "']")) sel.value = picked;
  }

  function loadSite() {
    return S.api("GET", "/api/v1/site").then(function (s) { site = s; });
  }

  var closuresAnswer = A.latest();

  function loadClosures() {
    return closuresAnswer(S.api("GET", "/api/v1/admin/closures"), function (data) {
      var common = $("c-common");
      if (common && common.options.length === 1) {
        data.reasons.forEach(function (r, i) { common.appendChild(option(String(i), S.lang() === "en" ? r.en : r.vi)); });
      }
      if (common && !common.dataset.wired) {
        common.dataset.wired = "1";
        common.addEventListener("change", function () {
          var r = data.reasons[Number(common.value)];
          if (r) { $("c-reason").value = r.vi; $("c-reason-en").value = r.en; }
        });
      }
      var body = $("closures-body");
      body.textContent = "";
      data.closures.forEach(function (c) {
        var tr = S.el("tr");
        tr.dataset.target = c.scope + ":" + c.code;
        var what = S.el("td", "", name(c));
        what.appendChild(S.el("span", "cal-sub", S.t(c.scope === "unit" ? "closures.whole_unit" : "closures.one_service")));
        tr.appendChild(what);
        var why = S.el("td", "", c.reason);
        if (c.reason_en) why.appendChild(S.el("span", "cal-sub", c.reason_en));
        tr.appendChild(why);
        tr.appendChild(S.el("td", "", c.until ? hhmmDate(c.until) : S.t("closures.until_none")));
        var act = S.el("td", "admin-edit");
        var b = S.el("button", "primary", S.t("closures.reopen"));
        b.type = "button";
        b.addEventListener("click", function () {
          S.api("DELETE", "/api/v1/admin/closures/" + encodeURIComponent(c.scope) + "/" + encodeURIComponent(c.code))
            .then(function () { A.done(S.t("closures.reopened", {name: name(c)})); loadClosures(); },
                  function (e) { A.fail(null, e); });
        });
        act.appendChild(b);
        tr.appendChild(act);
        body.appendChild(tr);
      });
      $("closures-empty").hidden = data.closures.length > 0;
    }, function (e) { A.fail(null, e); });
  }

  function startClosures() {
    fillTargets();
    $("c-scope").addEventListener("change", fillTargets);
    $("close-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var form = ev.target, body = fields(form);
      body.until = body.until || null;
      S.api("POST", "/api/v1/admin/closures", body).then(function (c) {
        A.fail(form, {message: ""});
        form.reset();
        fillTargets();
        A.done(S.t("closures.closed", {name: name(c)}));
        loadClosures();
      }, function (e) { A.fail(form, e); });
    });
    loadClosures();
    // Another admin's change, or a closure whose reopening time passed: redraw the list (the
    // form keeps what is typed; a renamed service keeps its place in the picker).
    A.follow({areas: ["closures"], site: true, reload: function () {
      return loadSite().then(function () { fillTargets(); return loadClosures(); });
    }});
    // The other language: the picker, the common reasons and the list are drawn in words again.
    $("lang-toggle").addEventListener("click", function () {
      fillTargets();
      if ($("c-common")) $("c-common").length = 1;
      loadClosures();
    });
  }

  // ---- the calendar ------------------------------------------------------------------------
  var WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var year = null;

  function weekdayOf(isoDate) {
    var d = new Date(isoDate + "T12:00:00Z");
    return S.t("calendar.wd_" + WEEKDAYS[(d.getUTCDay() + 6) % 7]);
  }

  var yearAnswer = A.latest();  // a live refresh crossing the admin's own change: the last asked wins

  function loadYear() {
    return yearAnswer(S.api("GET", "/api/v1/admin/calendar?year=" + encodeURIComponent(year)), function (data) {
      year = data.year;
      $("y-year").value = year;
      $("import").textContent = S.t("calendar.import_year", {year: year});
      var body = $("days-body");
      body.textContent = "";
      data.days.forEach(function (d) {
        var tr = S.el("tr");
        tr.dataset.date = d.date;
        var p = d.date.split("-");
        var when = S.el("td", "", p[2] + "/" + p[1] + "/" + p[0]);
        when.appendChild(S.el("span", "cal-sub", weekdayOf(d.date)));
        tr.appendChild(when);
        var kind = S.el("td");
        kind.appendChild(S.el("span", "cal-kind " + d.kind, S.t("calendar.kind_" + d.kind)));
        tr.appendChild(kind);
        var what = S.el("td", "", name(d));
        if (d.kind === "working") what.appendChild(S.el("span", "cal-sub", S.t("calendar.works_as", {day: S.t("calendar.wd_" + WEEKDAYS[d.as_weekday])})));
        if (d.kind === "closure") what.appendChild(S.el("span", "cal-sub", d.units.length ? d.units.join(", ") : S.t("calendar.whole_centre")));
        tr.appendChild(what);
        var act = S.el("td", "admin-edit");
        var b = S.el("button", "ghost", S.t("calendar.remove"));
        b.type = "button";
        b.addEventListener("click", function () {
          S.api("DELETE", "/api/v1/admin/calendar/" + d.id).then(function () {
            A.done(S.t("calendar.removed")); loadYear();
          }, function (e) { A.fail(null, e); });
        });
        act.appendChild(b);
        tr.appendChild(act);
        body.appendChild(tr);
      });
      $("days-empty").hidden = data.days.length > 0;
    }, function (e) { A.fail($("year-form"), e); });
  }

  function showKindFields() {
    var kind = $("d-kind").value;
    $("weekday-box").hidden = kind !== "working";
    $("units-box").hidden = kind !== "closure";
  }

  function startCalendar() {
    year = new Date().getFullYear();
    function fillPickers() {  // in the page's language; what is picked stays picked
      var wd = $("d-weekday"), picked = wd.value, units = $("d-units");
      var chosen = Array.prototype.filter.call(units.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
      wd.textContent = "";
      units.textContent = "";
      WEEKDAYS.slice(0, 5).forEach(function (w, i) { wd.appendChild(option(String(i), S.t("calendar.wd_" + w))); });
      if (picked) wd.value = picked;
      site.units.forEach(function (u) {
        var o = option(u.code, name(u));
        o.selected = chosen.indexOf(u.code) >= 0;
        units.appendChild(o);
      });
    }
    fillPickers();
    $("lang-toggle").addEventListener("click", function () { fillPickers(); loadYear(); });
    $("d-kind").addEventListener("change", showKindFields);
    showKindFields();
    $("year-form").addEventListener("submit", function (ev) { ev.preventDefault(); year = $("y-year").value; loadYear(); });
    $("import").addEventListener("click", function () {
      S.api("POST", "/api/v1/admin/calendar/import", {year: year}).then(function (r) {
        A.done(S.t("calendar.imported", {n: r.added.length, year: r.year}));
        loadYear();
      }, function (e) { A.fail($("year-form"), e); });
    });
    $("day-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var form = ev.target, body = fields(form);
      body.as_weekday = body.kind === "working" ? Number(body.as_weekday) : null;
      body.units = Array.prototype.filter.call($("d-units").options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
      S.api("POST", "/api/v1/admin/calendar", body).then(function (d) {
        A.fail(form, {message: ""});
        form.reset();
        showKindFields();
        A.done(S.t("calendar.added", {date: d.date}));
        year = d.date.slice(0, 4);
        loadYear();
      }, function (e) { A.fail(form, e); });
    });
    loadYear();
    A.follow({areas: ["calendar"], reload: loadYear});
  }

  A.start(function () {
    loadSite().then(function () {
      if ($("close-form")) startClosures();
      if ($("day-form")) startCalendar();
    }, function (e) { A.fail(null, e); });
  });
})();
