/* /admin/audit: the audit trail, newest first. Filters (person, kind, days) go to
   GET /api/v1/admin/audit; "Xem thêm" asks for the page after the last one shown; "Tải CSV"
   downloads the same filtered trail. Names and before → after come in words from the server. */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var API = "/api/v1/admin/audit";
  var PAGE = 50;  // entries per page: "Xem thêm" asks for the next 50
  var form = document.getElementById("audit-filters");
  var rows = document.getElementById("audit-rows");
  var more = document.getElementById("audit-more");
  var empty = document.getElementById("audit-empty");
  var summary = document.getElementById("audit-summary");
  var csvLink = document.getElementById("audit-csv");
  var nextBefore = null, shown = 0, query = "";

  function filterQuery() {
    var parts = [];
    ["actor", "kind", "from", "to"].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) parts.push(name + "=" + encodeURIComponent(v));
    });
    return parts.join("&");
  }

  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return new Intl.DateTimeFormat(S.lang() === "en" ? "en-GB" : "vi-VN", {
      timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false}).format(d);
  }

  function changeList(changes) {
    var ul = S.el("ul", "audit-changes");
    changes.forEach(function (c) {
      var li = S.el("li");
      li.appendChild(S.el("span", "chg-label", c.label + ": "));
      if (c.before) li.appendChild(S.el("span", "chg-before", c.before));
      if (c.before && c.after) li.appendChild(S.el("span", "chg-arrow", " → "));
      if (c.after) li.appendChild(S.el("span", "chg-after", c.after));
      ul.appendChild(li);
    });
    return ul;
  }

  function row(e) {
    var tr = S.el("tr");
    tr.dataset.id = e.id;
    tr.dataset.kind = e.kind;
    tr.appendChild(S.el("td", "col-at", fmtTime(e.at)));
    var who = S.el("td", "col-who");
    who.appendChild(S.el("div", "who-name", e.actor_name));
    who.appendChild(S.el("div", "who-key", e.actor));
    tr.appendChild(who);
    tr.appendChild(S.el("td", "col-where", e.address || "—"));
    tr.appendChild(S.el("td", "col-what", e.kind_name));
    tr.appendChild(S.el("td", "col-target", e.target_name));
    var ch = S.el("td", "col-changes");
    if (e.changes.length) ch.appendChild(changeList(e.changes)); else ch.textContent = "—";
    tr.appendChild(ch);
    return tr;
  }

  /** A date the browser itself cannot read (31/02, half typed) would be sent as no date at all:
      say so instead of silently showing every day. */
  function badDate() {
    return ["from", "to"].filter(function (n) {
      var v = form.elements[n].validity;
      return v && v.badInput;
    })[0];
  }

  var entriesAnswer = A.latest(), filtersAnswer = A.latest();

  function load(append) {
    var bad = badDate();
    if (bad) {
      A.fail(form, {field: bad, message: S.t("audit.bad_date")});
      return Promise.resolve();
    }
    var q = append ? query + (query ? "&" : "") + "before_id=" + nextBefore : filterQuery();
    // A page asked for before the filters changed (or before a live refresh) is dropped.
    return entriesAnswer(S.api("GET", API + "?limit=" + PAGE + (q ? "&" + q : "")), function (page) {
      if (!append) {
        query = filterQuery();
        rows.textContent = "";
        shown = 0;
        updateCsv();
      }
      page.entries.forEach(function (e) { rows.appendChild(row(e)); });
      shown += page.entries.length;
      nextBefore = page.next_before_id;
      more.hidden = nextBefore === null;
      empty.hidden = shown > 0;
      summary.textContent = S.t(nextBefore === null ? "audit.shown_all" : "audit.shown_some", {n: shown});
      clearErrors();
    }, function (err) { A.fail(form, err); });
  }

  function clearErrors() {
    form.querySelectorAll("[aria-invalid]").forEach(function (x) { x.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field-error").forEach(function (x) { x.textContent = ""; });
    S.showError("");
  }

  function updateCsv() {
    csvLink.href = API + "?format=csv&lang=" + S.lang() + (query ? "&" + query : "");
  }

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function loadFilters() {
    return filtersAnswer(S.api("GET", API + "/filters"), function (opts) {
      var actor = form.elements.actor, kind = form.elements.kind;
      var keepActor = actor.value, keepKind = kind.value;
      actor.length = 1;
      kind.length = 1;
      var groups = {};
      opts.actors.forEach(function (p) {
        var key = p.kind === "user" ? "audit.people_users" : p.kind === "device" ? "audit.people_devices" : "audit.people_other";
        if (!groups[key]) { groups[key] = document.createElement("optgroup"); groups[key].label = S.t(key); }
        groups[key].appendChild(option(p.key, p.name));
      });
      ["audit.people_users", "audit.people_devices", "audit.people_other"].forEach(function (k) {
        if (groups[k]) actor.appendChild(groups[k]);
      });
      opts.groups.forEach(function (g) {
        var og = document.createElement("optgroup");
        og.label = g.name;
        og.appendChild(option(g.group, S.t("audit.whole_group", {name: g.name})));
        g.kinds.forEach(function (k) { og.appendChild(option(k.kind, k.name)); });
        kind.appendChild(og);
      });
      actor.value = keepActor;
      kind.value = keepKind;
    }).catch(function (err) { S.showError(err.message); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    load(false);
  });
  more.addEventListener("click", function () { if (nextBefore !== null) load(true); });

  A.start(function () {
    loadFilters();
    load(false);
    // After the shared handler switched the language: names and changes come in words.
    document.getElementById("lang-toggle").addEventListener("click", function () {
      loadFilters();
      load(false);
    });
  });
})();
