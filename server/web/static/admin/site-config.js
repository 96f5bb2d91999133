/* Site configuration (/admin/site/<tab>): lists of services, counters, zones, units, hours
   profiles, priority categories and rating reasons, and one form to add or edit them. Every change
   goes through /api/v1/admin/site (the same use case as the CLI); errors show next to their field. */
(function () {
  "use strict";
  var S = window.XephangStaff, A = window.XephangAdmin;
  var BASE = "/api/v1/admin/site";
  var DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var doc = null, editing = null;  // editing: {kind, key} or {kind, key: null} for a new one

  function $(id) { return document.getElementById(id); }
  function t(k, p) { return S.t(k, p); }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k === "onclick") e.addEventListener("click", attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  var localName = function (r) { return window.XephangShared.localName(r, "name"); };
  function active(list) { return (list || []).filter(function (r) { return !r.retired; }); }
  /** An hours profile's name in the page language (its code if it has none). */
  function profileName(h) { return localName(h) || h.name || h.name_en || h.code; }
  function profileOf(s) {
    var h = (doc.hours || []).filter(function (x) { return x.code === s.hours_profile; })[0];
    return h ? profileName(h) : s.hours_profile || "—";
  }
  function range(s) {
    var end = s.last_number !== null && s.last_number !== undefined ? s.last_number
      : Math.pow(10, Math.max(s.width, String(s.first_number).length)) - 1;
    return s.prefix + s.first_number + "–" + s.prefix + end;
  }
  function days(h) {
    return DAYS.filter(function (d) { return (h.days[d] || []).length; }).map(function (d) {
      return t("admin.site.day_" + d) + " " + h.days[d].map(function (p) { return p.join("-"); }).join(", ");
    }).join(" · ");
  }

  // What each kind lists and edits. Field types: text, num, select, check, pick (an ordered list).
  var KINDS = {
    service: {list: "services", key: "code", columns: [
      ["code", function (s) { return s.code; }], ["name", localName],
      ["unit", function (s) { return s.unit; }], ["zone", function (s) { return s.zone; }],
      ["range", range], ["counters", function (s) { return s.counters.join(", "); }],
      ["hours_profile", profileOf],
      ["accepts_priority", function (s) { return t(s.accepts_priority ? "admin.site.yes" : "admin.site.no"); }]],
      fields: function () {
        return [["code", "text"], ["name", "text"], ["name_en", "text"],
          ["unit", "select", active(doc.units).map(function (u) { return [u.code, u.code + " — " + localName(u)]; })],
          ["zone", "select", active(doc.zones).map(function (z) { return [z.code, localName(z)]; })],
          ["kind", "select", doc.service_kinds.map(function (k) { return [k, t("admin.site.kind_" + k)]; })],
          ["prefix", "text"], ["first_number", "num"], ["last_number", "num"], ["width", "num"],
          ["hours_profile", "select", [["", t("admin.site.no_hours")]].concat(
            active(doc.hours).map(function (h) { return [h.code, profileName(h)]; }))],
          ["daily_cap", "num"], ["wait_target_min", "num"], ["service_minutes", "num"],
          ["accepts_priority", "check"], ["remote", "check"], ["appointments", "check"],
          ["counters", "pick", active(doc.counters).map(function (c) { return [c.number, c.name + " (" + c.zone + ")"]; })]];
      },
      blank: {kind: "submit", width: 4, first_number: "", daily_cap: 0, wait_target_min: 30,
              service_minutes: 8, accepts_priority: true, remote: false, appointments: false,
              counters: [], prefix: ""}},
    counter: {list: "counters", key: "number", columns: [
      ["number", function (c) { return c.number; }], ["name", function (c) { return c.name; }],
      ["zone", function (c) { return c.zone; }], ["services", function (c) { return c.services.join(", "); }],
      ["priority", function (c) { return t(c.priority ? "admin.site.yes" : "admin.site.no"); }]],
      fields: function () {
        return [["number", "num"], ["name", "text"],
          ["zone", "select", active(doc.zones).map(function (z) { return [z.code, localName(z)]; })],
          ["priority", "check"],
          ["services", "pick", active(doc.services).map(function (s) { return [s.code, s.code + " — " + localName(s) + " (" + s.zone + ")"]; })]];
      },
      blank: {services: [], priority: false, name: ""}},
    zone: {list: "zones", key: "code", columns: [
      ["code", function (z) { return z.code; }], ["name", function (z) { return z.name; }],
      ["name_en", function (z) { return z.name_en; }], ["floor", function (z) { return z.floor; }]],
      fields: function () { return [["code", "text"], ["name", "text"], ["name_en", "text"], ["floor", "num"]]; },
      blank: {floor: 1}},
    unit: {list: "units", key: "code", columns: [
      ["code", function (u) { return u.code; }], ["name", localName], ["short", function (u) { return u.short; }],
      ["color", function (u) { return u.color; }]],
      fields: function () {
        return [["code", "text"], ["name", "text"], ["name_en", "text"], ["short", "text"],
          ["kind", "select", ["department", "center", "agency"].map(function (k) { return [k, t("admin.site.unit_" + k)]; })],
          ["color", "text"]];
      },
      blank: {kind: "department", color: "#1d4ed8"}},
    hours: {list: "hours", key: "code", columns: [
      ["code", function (h) { return h.code; }], ["name", profileName], ["days", days]],
      fields: function () { return [["code", "text"], ["name", "text"], ["name_en", "text"]].concat(DAYS.map(function (d) { return ["days." + d, "text"]; })); },
      blank: {days: {}}},
    category: {list: "categories", key: "code", columns: [
      ["code", function (c) { return c.code; }], ["name", function (c) { return c.name; }],
      ["name_en", function (c) { return c.name_en; }]],
      fields: function () { return [["code", "text"], ["name", "text"], ["name_en", "text"]]; }, blank: {}},
    reason: {list: "reasons", key: "code", columns: [
      ["code", function (c) { return c.code; }], ["name", function (c) { return c.name; }],
      ["name_en", function (c) { return c.name_en; }]],
      fields: function () { return [["code", "text"], ["name", "text"], ["name_en", "text"]]; }, blank: {}}
  };
  var TABS = {services: ["service"], counters: ["counter"], places: ["zone", "unit"], hours: ["hours"],
              lists: ["category", "reason"]};

  var answer = A.latest();

  function load() {
    return answer(S.api("GET", BASE), function (d) { doc = d; render(); });
  }

  function find(kind, key) {
    var k = KINDS[kind];
    return doc[k.list].filter(function (r) { return String(r[k.key]) === String(key); })[0];
  }

  // ---- lists ---------------------------------------------------------------------------------

  function render() {
    var box = $("sc-lists"), scrolled = {};
    // A redraw after another admin's change keeps each list where the reader had scrolled it.
    box.querySelectorAll(".sc-list").forEach(function (l) {
      scrolled[l.dataset.kind] = l.querySelector(".sc-scroll").scrollTop;
    });
    box.textContent = "";
    TABS[$("sc-root").dataset.tab].forEach(function (kind) {
      var list = box.appendChild(renderList(kind));
      if (scrolled[kind]) list.querySelector(".sc-scroll").scrollTop = scrolled[kind];
    });
  }

  function renderList(kind) {
    var k = KINDS[kind];
    var head = el("tr", {}, k.columns.map(function (c) { return el("th", {text: t("admin.site.f_" + c[0])}); })
      .concat([el("th", {class: "admin-edit", text: ""})]));
    var body = el("tbody");
    doc[k.list].forEach(function (r) {
      var key = r[k.key];
      var cells = k.columns.map(function (c, i) {
        var td = el("td", {text: String(c[1](r)), class: i === 0 || ["unit", "zone", "range"].indexOf(c[0]) >= 0 ? "sc-code" : null});
        if (i === 0 && r.retired) td.appendChild(el("span", {class: "sc-tag", text: t("admin.site.retired")}));
        return td;
      });
      var acts = el("td", {class: "admin-edit sc-acts"}, r.retired
        ? [el("button", {type: "button", class: "ghost", "data-act": "restore", text: t("admin.site.restore"),
                         onclick: function () { retire(kind, key, false); }})]
        : [el("button", {type: "button", class: "ghost", "data-act": "edit", text: t("admin.edit"),
                         onclick: function () { openForm(kind, key); }}),
           el("button", {type: "button", class: "ghost", "data-act": "retire", text: t("admin.retire"),
                         onclick: function () { retire(kind, key, true); }})]);
      body.appendChild(el("tr", {class: r.retired ? "retired" : null, "data-key": String(key)}, cells.concat([acts])));
    });
    return el("section", {class: "panel sc-list", "data-kind": kind}, [
      el("div", {class: "sc-list-head"}, [
        el("h2", {text: t("admin.site.kind_title_" + kind)}),
        el("button", {type: "button", class: "primary admin-edit", "data-act": "add",
                      text: t("admin.add"), onclick: function () { openForm(kind, null); }})]),
      el("div", {class: "sc-scroll"}, [el("table", {class: "admin-table"}, [el("thead", {}, [head]), body])])]);
  }

  function retire(kind, key, yes) {
    S.api("POST", BASE + "/" + kind + "/" + encodeURIComponent(key) + (yes ? "/retire" : "/restore"), {})
      .then(function () { A.done(); return load(); })
      .catch(function (e) { A.fail(null, e); });
  }

  // ---- the form ------------------------------------------------------------------------------

  function value(rec, name) {
    if (name.indexOf("days.") === 0) {
      var d = (rec.days || {})[name.slice(5)] || [];
      return d.map(function (p) { return Array.isArray(p) ? p.join("-") : p; }).join(", ");
    }
    return rec[name];
  }

  function field(def, rec) {
    var name = def[0], type = def[1], id = "f-" + name.replace(".", "-");
    var label = el("label", {for: id, text: name.indexOf("days.") === 0 ? t("admin.site.day_" + name.slice(5))
      : t("admin.site.f_" + name)});
    var input, v = value(rec, name);
    if (type === "select") {
      input = el("select", {id: id, name: name}, def[2].map(function (o) { return el("option", {value: o[0], text: o[1]}); }));
      if (v !== null && v !== undefined) input.value = String(v);  // else the first choice
    } else if (type === "check") {
      input = el("input", {id: id, name: name, type: "checkbox"});
      input.checked = !!v;
      return el("div", {class: "sc-field sc-half sc-check"}, [input, label, el("div", {class: "field-error", "data-for": name})]);
    } else if (type === "pick") {
      return pickField(id, name, label, def[2], v || []);
    } else {
      input = el("input", {id: id, name: name, type: "text", autocomplete: "off",
                           inputmode: type === "num" ? "decimal" : null});
      input.value = v === null || v === undefined ? "" : String(v);
    }
    if (name === "code" || name === "number") input.disabled = !!(editing && editing.key !== null);
    var half = type === "num" || name === "prefix" || name === "short" || name === "color" || name === "code";
    return el("div", {class: "sc-field" + (half ? " sc-half" : "")}, [label, input,
      el("div", {class: "field-error", "data-for": name})]);
  }

  /** An ordered choice (which counters call a service; which services a counter calls, in order):
   *  the chosen ones in order, each with "up" and "remove", and a list to add one. */
  function pickField(id, name, label, options, chosen) {
    var box = el("div", {class: "sc-pick", "data-pick": name});
    var list = el("ol", {class: "sc-picked"});
    var add = el("select", {id: id, name: name});
    var names = {};
    options.forEach(function (o) { names[String(o[0])] = o[1]; });
    function draw() {
      list.textContent = "";
      box.dataset.value = JSON.stringify(chosen);
      chosen.forEach(function (c, i) {
        list.appendChild(el("li", {"data-value": String(c)}, [
          el("span", {text: names[String(c)] || String(c)}),
          i ? el("button", {type: "button", class: "ghost sc-mini", "aria-label": t("admin.site.up"), text: "▲",
                            onclick: function () { chosen.splice(i - 1, 0, chosen.splice(i, 1)[0]); draw(); }}) : null,
          el("button", {type: "button", class: "ghost sc-mini", "aria-label": t("admin.site.remove"), text: "✕",
                        onclick: function () { chosen.splice(i, 1); draw(); }})]));
      });
      add.textContent = "";
      add.appendChild(el("option", {value: "", text: t("admin.site.add_one")}));
      options.forEach(function (o) {
        if (chosen.map(String).indexOf(String(o[0])) < 0) add.appendChild(el("option", {value: String(o[0]), text: o[1]}));
      });
    }
    add.addEventListener("change", function () {
      if (!add.value) return;
      var o = options.filter(function (x) { return String(x[0]) === add.value; })[0];
      chosen.push(o ? o[0] : add.value);
      draw();
    });
    chosen = chosen.slice();
    box.appendChild(list);
    draw();
    return el("div", {class: "sc-field"}, [label, box, add, el("div", {class: "field-error", "data-for": name})]);
  }

  function openForm(kind, key) {
    var k = KINDS[kind];
    editing = {kind: kind, key: key};
    var rec = key === null ? JSON.parse(JSON.stringify(k.blank)) : find(kind, key);
    $("sc-form-title").textContent = key === null ? t("admin.site.new_" + kind)
      : t("admin.site.edit_" + kind, {key: key});
    var box = $("sc-fields");
    box.textContent = "";
    k.fields().forEach(function (def) { box.appendChild(field(def, rec)); });
    $("sc-hint").hidden = true;
    $("sc-form").hidden = false;
    $("sc-form").dataset.kind = kind;
    var first = box.querySelector("input:not([disabled]), select");
    if (first) first.focus();
  }

  function closeForm() {
    editing = null;
    $("sc-form").hidden = true;
    $("sc-hint").hidden = false;
  }

  function collect() {
    var out = {}, form = $("sc-form");
    KINDS[editing.kind].fields().forEach(function (def) {
      var name = def[0], type = def[1];
      if (type === "pick") {
        out[name] = JSON.parse(form.querySelector("[data-pick='" + name + "']").dataset.value || "[]");
        return;
      }
      var input = form.querySelector("[name='" + name + "']");
      if (type === "check") { out[name] = input.checked; return; }
      var v = input.value.trim();
      if (name.indexOf("days.") === 0) { (out.days = out.days || {})[name.slice(5)] = v; return; }
      if (type === "num") {
        if (v === "") v = (name === "last_number") ? null : "";
        else if (/^-?\d+(\.\d+)?$/.test(v)) v = Number(v);
      }
      out[name] = v;
    });
    return out;
  }

  function save(ev) {
    ev.preventDefault();
    var form = $("sc-form"), body = collect();
    var path = BASE + "/" + editing.kind + (editing.key === null ? "" : "/" + encodeURIComponent(editing.key));
    S.api(editing.key === null ? "POST" : "PUT", path, body).then(function () {
      A.done();
      closeForm();
      return load();
    }).catch(function (e) { A.fail(form, e); });
  }

  A.start(function () {
    $("sc-form").addEventListener("submit", save);
    $("sc-cancel").addEventListener("click", closeForm);
    document.getElementById("lang-toggle").addEventListener("click", function () {
      window.setTimeout(function () { if (doc) render(); }, 0);  // column headers in the new language
    });
    load().catch(function (e) { A.fail(null, e); });
    A.follow({site: true, reload: load});  // the form being typed in is not redrawn
  });
})();
