/* /admin/users and /admin/devices (area a-people): lists, the create/edit forms, one-time secrets
   (a generated password, a pairing link and its QR code), device health live from device.changed. */
(function () {
  "use strict";
  var S = window.XephangStaff;
  var A = window.XephangAdmin;
  var isUsers = document.body.classList.contains("people-users");
  var st = {users: [], devices: [], site: null, editing: null, me: null};

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) { return S.el(tag, cls, text); }

  function button(text, cls, onClick) {
    var b = el("button", cls, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function formData(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (x) {
      if (!x.name || x.disabled || x.closest("[hidden]")) return;
      if (x.multiple) {
        out[x.name] = Array.prototype.filter.call(x.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else out[x.name] = x.value;
    });
    return out;
  }

  function clearErrors(form) {
    form.querySelectorAll("[aria-invalid]").forEach(function (x) { x.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field-error").forEach(function (x) { x.textContent = ""; });
    S.showError("");
  }

  var siteAnswer = A.latest(), usersAnswer = A.latest(), devicesAnswer = A.latest();

  function loadSite() {
    return siteAnswer(S.api("GET", "/api/v1/site"), function (site) { st.site = site; }, function () {});
  }

  // ---------------- users ----------------

  function roleText(r) { return S.t("people.role_" + r); }

  function renderUsers() {
    var body = $("users-body");
    var q = ($("user-search").value || "").trim().toLowerCase();
    body.textContent = "";
    st.users.filter(function (u) {
      return !q || (u.username + " " + u.display_name).toLowerCase().indexOf(q) >= 0;
    }).forEach(function (u) {
      var tr = el("tr", u.active ? "" : "retired");
      tr.dataset.username = u.username;
      tr.appendChild(el("td", "mono", u.username));
      tr.appendChild(el("td", "", u.display_name));
      tr.appendChild(el("td", "", roleText(u.role)));
      var scope = u.role === "officer" ? u.counters.join(", ")
        : u.role === "supervisor" ? (u.units.length ? u.units.join(", ") : S.t("people.all_units")) : "";
      tr.appendChild(el("td", "", scope));
      tr.appendChild(el("td", "state", S.t(u.active ? "people.active" : "people.disabled")));
      var act = el("td", "row-actions admin-edit");
      act.appendChild(button(S.t("admin.edit"), "ghost small", function () { editUser(u); }));
      act.appendChild(button(S.t("people.reset_password"), "ghost small", function () { resetPassword(u); }));
      if (u.active) act.appendChild(button(S.t("people.disable"), "danger small", function () { setActive(u, false); }));
      else act.appendChild(button(S.t("people.enable"), "ghost small", function () { setActive(u, true); }));
      tr.appendChild(act);
      body.appendChild(tr);
    });
  }

  function loadUsers() {
    return usersAnswer(S.api("GET", "/api/v1/admin/users"), function (r) { st.users = r.users || []; renderUsers(); },
      function (e) { S.showError(e.message); });
  }

  function fillUnits(selected) {
    var sel = $("u-units");
    sel.textContent = "";
    ((st.site && st.site.units) || []).forEach(function (u) {
      var o = el("option", "", u.code + " — " + S.localName(u, "name"));
      o.value = u.code;
      o.selected = selected.indexOf(u.code) >= 0;
      sel.appendChild(o);
    });
  }

  function showRoleFields() {
    var role = $("u-role").value;
    $("u-units-row").hidden = role !== "supervisor";
  }

  function newUser() {
    st.editing = null;
    var f = $("user-form");
    f.reset();
    clearErrors(f);
    $("user-form-title").textContent = S.t("people.user_new");
    $("u-username").disabled = false;
    $("u-password-row").hidden = false;
    fillUnits([]);
    showRoleFields();
  }

  function editUser(u) {
    st.editing = u.username;
    var f = $("user-form");
    clearErrors(f);
    $("user-form-title").textContent = S.t("people.user_edit", {name: u.username});
    $("u-username").value = u.username;
    $("u-username").disabled = true;
    $("u-display").value = u.display_name;
    $("u-role").value = u.role;
    $("u-counters").value = u.counters.join(", ");
    $("u-password-row").hidden = true;
    fillUnits(u.units);
    showRoleFields();
    $("u-display").focus();
  }

  function showPassword(user, password) {
    $("secret-who").textContent = S.t("people.password_for", {name: user.display_name, username: user.username});
    $("secret-password").textContent = password;
    $("secret-box").hidden = false;
  }

  function saveUser(ev) {
    ev.preventDefault();
    var f = $("user-form");
    clearErrors(f);
    var data = formData(f);
    if (data.role !== "supervisor") data.units = [];
    var editing = st.editing;
    var call = editing ? S.api("PATCH", "/api/v1/admin/users/" + encodeURIComponent(editing), data)
      : S.api("POST", "/api/v1/admin/users", data);
    call.then(function (r) {
      A.done(S.t(editing ? "people.user_saved" : "people.user_created", {name: r.user.username}));
      if (r.password) showPassword(r.user, r.password);
      newUser();
      return loadUsers();
    }).catch(function (e) { A.fail(f, e); });
  }

  function setActive(u, active) {
    if (!active && !window.confirm(S.t("people.confirm_disable", {name: u.username}))) return;
    S.api("POST", "/api/v1/admin/users/" + encodeURIComponent(u.username) + (active ? "/enable" : "/disable"), {})
      .then(function () {
        A.done(S.t(active ? "people.user_enabled" : "people.user_disabled", {name: u.username}));
        return loadUsers();
      }).catch(function (e) { A.fail(null, e); });
  }

  function resetPassword(u) {
    if (!window.confirm(S.t("people.confirm_reset", {name: u.username}))) return;
    S.api("POST", "/api/v1/admin/users/" + encodeURIComponent(u.username) + "/password", {})
      .then(function (r) {
        A.done(S.t("people.password_reset", {name: u.username}));
        showPassword(r.user, r.password);
      }).catch(function (e) { A.fail(null, e); });
  }

  function startUsers() {
    $("user-search").placeholder = S.t("people.search");
    $("user-search").addEventListener("input", renderUsers);
    $("user-new").addEventListener("click", function () { newUser(); $("u-username").focus(); });
    $("user-cancel").addEventListener("click", newUser);
    $("user-form").addEventListener("submit", saveUser);
    $("u-role").addEventListener("change", showRoleFields);
    $("secret-close").addEventListener("click", function () {
      $("secret-box").hidden = true;
      $("secret-password").textContent = "";  // gone from the page once read
    });
    loadSite().then(function () { newUser(); return loadUsers(); });
    // site.changed too: which officers a department head sees follows what her counters call.
    A.follow({areas: ["users"], site: true, reload: loadUsers});
  }

  // ---------------- devices ----------------

  function healthCell(d) {
    var h = d.health || {};
    var td = el("td", "health");
    var state = !d.active ? "revoked" : h.online ? "online" : h.seen_at ? "offline" : "never";
    td.dataset.state = state;
    if (h.alert) td.dataset.alert = "true";
    td.appendChild(el("span", "dot dot-" + state + (h.alert ? " dot-alert" : ""), S.t("people.health_" + state)));
    if (h.seen_at && !h.online) td.appendChild(el("div", "muted small", S.t("people.seen_at", {t: fmtSeen(h.seen_at)})));
    return td;
  }

  function fmtSeen(iso) {
    var day = String(iso).slice(0, 10), time = String(iso).slice(11, 16);
    var today = new Date(S.nowMs() + 7 * 3600000).toISOString().slice(0, 10);  // Hồ Chí Minh City's date
    return day === today ? time : day.split("-").reverse().join("/") + " " + time;
  }

  function renderDevices() {
    var body = $("devices-body");
    body.textContent = "";
    var on = 0;
    st.devices.forEach(function (d) {
      var h = d.health || {};
      if (d.active && h.online) on++;
      var tr = el("tr", d.active ? "" : "retired");
      tr.dataset.device = d.name;
      var name = el("td", "");
      name.appendChild(el("div", "mono", d.name));
      name.appendChild(el("div", "muted small", S.t("device.kind_" + d.kind)));
      tr.appendChild(name);
      tr.appendChild(el("td", "", [d.zone || S.t("people.whole_site"), d.counter ? S.t("people.counter_n", {n: d.counter}) : ""]
        .filter(Boolean).join(" · ")));
      tr.appendChild(healthCell(d));
      var page = el("td", "small");
      page.appendChild(el("div", "mono", h.page || "—"));
      if (h.version) page.appendChild(el("div", "muted", "v" + h.version));
      tr.appendChild(page);
      var p = d.printer_state;
      var printer = el("td", "small", d.kind !== "kiosk" ? "" : !d.printer ? S.t("people.no_printer")
        : S.t("people.printer_" + (p ? p.status : "unknown")));
      if (p) printer.dataset.status = p.status;
      tr.appendChild(printer);
      var act = el("td", "row-actions admin-edit");
      act.appendChild(button(S.t("admin.edit"), "ghost small", function () { editDevice(d); }));
      act.appendChild(button(S.t("people.pair_again"), "ghost small", function () { pairAgain(d); }));
      if (d.active) act.appendChild(button(S.t("people.revoke"), "danger small", function () { revoke(d); }));
      tr.appendChild(act);
      body.appendChild(tr);
    });
    $("devices-count").textContent = S.t("people.devices_count", {on: on, all: st.devices.filter(function (d) { return d.active; }).length});
  }

  function loadDevices() {
    return devicesAnswer(S.api("GET", "/api/v1/admin/devices"), function (r) { st.devices = r.devices || []; renderDevices(); },
      function (e) { S.showError(e.message); });
  }

  function fillZones() {
    var sel = $("d-zone");
    while (sel.options.length > 1) sel.remove(1);
    sel.options[0].textContent = S.t("people.no_zone");
    ((st.site && st.site.zones) || []).forEach(function (z) {
      var code = typeof z === "string" ? z : z.code;
      var o = el("option", "", code + (z.name ? " — " + S.localName(z, "name") : ""));
      o.value = code;
      sel.appendChild(o);
    });
  }

  function showKindFields() {
    var kind = $("d-kind").value;
    $("d-counter-row").hidden = kind !== "counter";
    $("d-printer-row").hidden = kind !== "kiosk";
  }

  function newDevice() {
    st.editing = null;
    var f = $("device-form");
    f.reset();
    clearErrors(f);
    $("device-form-title").textContent = S.t("people.device_new");
    $("d-name").disabled = false;
    showKindFields();
  }

  function editDevice(d) {
    st.editing = d.name;
    var f = $("device-form");
    clearErrors(f);
    $("device-form-title").textContent = S.t("people.device_edit", {name: d.name});
    $("d-name").value = d.name;
    $("d-name").disabled = true;
    $("d-kind").value = d.kind;
    $("d-zone").value = d.zone || "";
    $("d-counter").value = d.counter || "";
    $("d-printer").value = d.printer || "";
    $("d-paper").value = d.paper || "80mm";
    showKindFields();
  }

  function showPairing(r) {
    $("pair-who").textContent = S.t("people.pair_for", {name: r.device.name});
    $("pair-qr").src = r.pair_qr;
    $("pair-url").textContent = r.pair_url;
    $("pair-box").hidden = false;
  }

  function saveDevice(ev) {
    ev.preventDefault();
    var f = $("device-form");
    clearErrors(f);
    var data = formData(f);
    var editing = st.editing;
    var call = editing ? S.api("PATCH", "/api/v1/admin/devices/" + encodeURIComponent(editing), data)
      : S.api("POST", "/api/v1/admin/devices", data);
    call.then(function (r) {
      A.done(S.t(editing ? "people.device_saved" : "people.device_created", {name: r.device.name}));
      if (r.pair_qr) showPairing(r);
      newDevice();
      return loadDevices();
    }).catch(function (e) { A.fail(f, e); });
  }

  function pairAgain(d) {
    if (!window.confirm(S.t("people.confirm_pair", {name: d.name}))) return;
    S.api("POST", "/api/v1/admin/devices/" + encodeURIComponent(d.name) + "/pair", {}).then(function (r) {
      A.done(S.t("people.device_paired", {name: d.name}));
      showPairing(r);
      return loadDevices();
    }).catch(function (e) { A.fail(null, e); });
  }

  function revoke(d) {
    if (!window.confirm(S.t("people.confirm_revoke", {name: d.name}))) return;
    S.api("POST", "/api/v1/admin/devices/" + encodeURIComponent(d.name) + "/revoke", {}).then(function () {
      A.done(S.t("people.device_revoked", {name: d.name}));
      return loadDevices();
    }).catch(function (e) { A.fail(null, e); });
  }

  function onDeviceChanged(h) {
    st.devices.forEach(function (d) { if (d.id === h.id) d.health = h; });
    renderDevices();
  }

  function startDevices() {
    $("device-new").addEventListener("click", function () { newDevice(); $("d-name").focus(); });
    $("device-cancel").addEventListener("click", newDevice);
    $("device-form").addEventListener("submit", saveDevice);
    $("d-kind").addEventListener("change", showKindFields);
    $("pair-close").addEventListener("click", function () {
      $("pair-box").hidden = true;
      $("pair-qr").removeAttribute("src");  // the link is shown once
      $("pair-url").textContent = "";
    });
    loadSite().then(function () { fillZones(); newDevice(); return loadDevices(); });
    // Live: online / offline (device.changed), printer states, and devices another admin changed.
    A.follow({areas: ["devices"], events: ["printer.changed"], site: true, reload: loadDevices,
              onEvent: function (name, p) { if (name === "device.changed" && p.device) onDeviceChanged(p.device); }});
  }

  A.start(function (me) {
    st.me = me;
    $("lang-toggle").addEventListener("click", function () {
      if (isUsers) { renderUsers(); fillUnits(formData($("user-form")).units || []); } else { renderDevices(); fillZones(); }
    });
    if (isUsers) startUsers(); else startDevices();
  });
})();
