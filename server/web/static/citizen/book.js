/* book.js — /dat-lich: unit → service → day → slot → phone code → booking; and a booking's
 * confirmation (/dat-lich/b/<token>): code, QR, cancel. Everything over /api/v1/public. */
(function () {
  "use strict";
  var I = XephangI18n, t = I.t;
  var API = "/api/v1";
  var $ = function (id) { return document.getElementById(id); };
  var state = {services: [], unit: null, service: null, day: null, slot: null, token: null,
               booking: null};
  var DAYS_AHEAD = 14;

  // A ward's page (/dat-lich?site=CODE, issue 9): every call names its site.
  var SITE = document.body.getAttribute("data-site") || "";

  function call(method, path, body, token) {
    var headers = {"Accept-Language": I.lang()};
    if (SITE) path += (path.indexOf("?") < 0 ? "?" : "&") + "site=" + encodeURIComponent(SITE);
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    // No cookies: a staff login in this browser must not turn citizen calls into staff calls
    // (nor make them need the staff CSRF token).
    return fetch(API + path, {method: method, headers: headers, credentials: "omit",
                              body: body ? JSON.stringify(body) : undefined})
      .catch(function () { throw {message: t("bk.network")}; })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw (data && data.error) || {message: t("bk.network")};
          return data;
        });
      });
  }

  function showError(err) {
    var box = $("bk-error");
    box.textContent = err ? err.message || String(err) : "";
    box.hidden = !err;
  }

  function show(step) {
    showError(null);
    ["step-unit", "step-service", "step-day", "step-slot", "step-phone", "step-done"].forEach(
      function (id) { $(id).hidden = id !== step; });
    window.scrollTo(0, 0);
  }

  function button(label, sub, onClick, disabled) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (sub) { var s = document.createElement("small"); s.textContent = sub; b.appendChild(s); }
    b.disabled = !!disabled;
    b.addEventListener("click", onClick);
    return b;
  }

  function dayLabel(iso) {
    var d = new Date(iso + "T00:00:00");
    return t("bk.wd").split(",")[d.getDay()] + " " + iso.slice(8, 10) + "/" + iso.slice(5, 7);
  }

  // 1. units that have bookable services
  function loadUnits() {
    call("GET", "/services").then(function (data) {
      state.services = data.services.filter(function (s) { return s.appointments || s.remote; });
      renderUnits();
    }).catch(showError);
  }

  function renderUnits() {
    var box = $("units"); box.textContent = "";
    var seen = {};
    state.services.forEach(function (s) {
      if (seen[s.unit]) return;
      seen[s.unit] = true;
      box.appendChild(button(I.name(s, "unit_name"), null, function () {
        state.unit = s.unit; renderServices(); show("step-service");
      }));
    });
    if (!state.services.length) box.textContent = t("bk.no_services");
    show("step-unit");
  }

  // 2. services of the unit
  function renderServices() {
    var box = $("services"); box.textContent = "";
    state.services.filter(function (s) { return s.unit === state.unit; }).forEach(function (s) {
      var live = t("bk.waiting", {n: s.waiting}) +
        (s.estimated_wait_text ? " · " + (s.estimated_wait_text[I.lang()] || "") : "");
      box.appendChild(button(I.name(s, "name"), live, function () {
        state.service = s; state.remote = false; loadDays(); show("step-day");
      }));
    });
  }

  // issue 10: today's number from home instead of an appointment (then its ticket page)
  $("remote-now").addEventListener("click", function () {
    state.remote = true;
    $("chosen-slot").textContent = t("bk.remote_chosen", {service: I.name(state.service, "name")});
    if (state.token) { takeRemote(); return; }
    $("phone-form").hidden = false; $("code-form").hidden = true;
    show("step-phone");
  });

  function takeRemote() {
    var rid = "rt-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    call("POST", "/public/remote-tickets", {service: state.service.code, request_id: rid}, state.token)
      .then(function (tk) { window.location.href = "/t/" + encodeURIComponent(tk.token); })
      .catch(function (err) {
        if (err.code === "citizen_unverified") {
          state.token = null; sessionStorage.removeItem("xephang.citizen");
          $("phone-form").hidden = false; $("code-form").hidden = true; show("step-phone");
        }
        showError(err);
      });
  }

  // 3. the next days with free slots (asked in parallel)
  function loadDays() {
    var box = $("days"); box.textContent = "";
    $("chosen-service").textContent = I.name(state.service, "name");
    $("remote-now").hidden = !(state.service.remote && !state.moving);
    $("days-loading").hidden = !state.service.appointments && !state.moving;
    if (!state.service.appointments && !state.moving) return;
    var days = [], d = new Date();
    for (var i = 1; i <= DAYS_AHEAD; i++) {
      d = new Date(Date.now() + i * 86400000);
      days.push(d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
                String(d.getDate()).padStart(2, "0"));
    }
    var code = state.service.code;
    Promise.all(days.map(function (day) {
      return call("GET", "/public/slots?service=" + encodeURIComponent(code) + "&date=" + day)
        .catch(function () { return {date: day, slots: []}; });
    })).then(function (answers) {
      $("days-loading").hidden = true;
      answers.forEach(function (a) {
        var free = a.slots.reduce(function (n, s) { return n + s.free; }, 0);
        if (!a.slots.length) return;
        box.appendChild(button(dayLabel(a.date), free ? t("bk.days_free", {n: free}) : t("bk.full"),
          function () { state.day = a.date; renderSlots(a.slots); show("step-slot"); }, !free));
      });
      if (!box.children.length) box.textContent = t("bk.no_days");
    });
  }

  // 4. slots of the day
  function renderSlots(slots) {
    var box = $("slots"); box.textContent = "";
    $("chosen-day").textContent = I.name(state.service, "name") + " · " + dayLabel(state.day);
    slots.forEach(function (s) {
      box.appendChild(button(s.start + "–" + s.end, s.free ? t("bk.free", {n: s.free}) : t("bk.full"),
        function () {
          state.slot = s;
          if (state.moving) { move(); return; }
          $("chosen-slot").textContent = I.name(state.service, "name") + " · " + dayLabel(state.day) +
            " · " + s.start;
          if (state.token) { book(); return; }
          $("phone-form").hidden = false; $("code-form").hidden = true;
          show("step-phone");
        }, !s.free));
    });
  }

  // 5. phone code, then the booking
  $("phone-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!$("consent").checked) { showError({message: t("bk.consent_needed")}); return; }
    call("POST", "/public/verify", {phone: $("phone").value, consent: true}).then(function () {
      showError(null);
      $("code-form").hidden = false; $("code").focus();
    }).catch(showError);
  });

  $("code-form").addEventListener("submit", function (e) {
    e.preventDefault();
    call("POST", "/public/verify/confirm", {phone: $("phone").value, code: $("code").value.trim()})
      .then(function (a) {
        state.token = a.token;
        sessionStorage.setItem("xephang.citizen", a.token);
        if (state.remote) takeRemote(); else book();
      }).catch(showError);
  });

  function book() {
    var rid = "bk-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    call("POST", "/public/bookings", {service: state.service.code, date: state.day,
                                      start: state.slot.start, request_id: rid}, state.token)
      .then(function (b) {
        history.replaceState(null, "", "/dat-lich/b/" + encodeURIComponent(b.token));
        renderBooking(b);
      }).catch(function (err) {
        if (err.code === "citizen_unverified") {
          state.token = null; sessionStorage.removeItem("xephang.citizen");
          $("phone-form").hidden = false; $("code-form").hidden = true; show("step-phone");
        }
        showError(err);
      });
  }

  // moving a booking: the same service's days and slots, then the new slot
  function move() {
    call("POST", "/public/bookings/" + encodeURIComponent(state.moving.token) + "/move",
         {date: state.day, start: state.slot.start})
      .then(renderBooking).catch(showError);
  }

  $("move").addEventListener("click", function () {
    var b = state.booking;
    state.moving = b;
    state.service = {code: b.service, name: b.service_name, name_en: b.service_name_en};
    loadDays(); show("step-day");
  });

  // the confirmation
  function renderBooking(b) {
    state.booking = b; state.moving = null;
    $("bk-code").textContent = b.code;
    $("bk-qr").src = b.qr_url.replace(/^https?:\/\/[^/]+/, "");
    $("bk-qr").alt = b.code;
    $("bk-service").textContent = I.name(b, "service_name");
    $("bk-when").textContent = b.start + "–" + b.end + " " + dayLabel(b.date);
    $("bk-status").textContent = t("bk.st_" + b.status);
    var cancelled = b.status === "cancelled";
    document.body.classList.toggle("bk-cancelled", cancelled);
    $("done-title").textContent = t(cancelled ? "bk.done_cancelled" : "bk.done");
    $("cancel").hidden = $("move").hidden = b.status !== "booked";
    show("step-done");
  }

  $("cancel").addEventListener("click", function () {
    if (!window.confirm(t("bk.cancel_ask"))) return;
    call("DELETE", "/public/bookings/" + encodeURIComponent(state.booking.token))
      .then(renderBooking).catch(showError);
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (b) {
    b.addEventListener("click", function () {
      var to = b.getAttribute("data-back");
      show(state.moving && to === "step-service" ? "step-done" : to);  // moving: back to the booking
    });
  });

  $("lang-toggle").addEventListener("click", function () {
    var l = I.lang() === "vi" ? "en" : "vi";
    localStorage.setItem("xephang.lang", l); I.setLang(l); I.apply(document);
    if (state.booking) renderBooking(state.booking);
  });

  I.apply(document);
  state.token = sessionStorage.getItem("xephang.citizen");
  var token = document.body.getAttribute("data-booking");
  if (token) {
    call("GET", "/public/bookings/" + encodeURIComponent(token)).then(renderBooking).catch(showError);
  } else {
    loadUnits();
  }
})();
