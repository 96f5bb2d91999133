/* The floor view's panel of issue 10: today's appointments per service and slot (booked, checked
 * in, no-shows) and the numbers from home. Read every 30 s, on a language change, and soon after
 * every `booking.changed` (floor.js passes it on), at most once a second in a burst. */
(function () {
  "use strict";
  var X = window.XephangStaff;
  var last = null;
  function $(id) { return document.getElementById(id); }

  function render() {
    if (!last) return;
    var body = $("appointments-body");
    body.textContent = "";
    last.appointments.forEach(function (a) {
      var tr = X.el("tr");
      tr.appendChild(X.el("td", "", X.localName(a, "service_name")));
      tr.appendChild(X.el("td", "num", a.start + "–" + a.end));
      tr.appendChild(X.el("td", "num", a.booked));
      tr.appendChild(X.el("td", "num", a.checked_in));
      tr.appendChild(X.el("td", "num" + (a.no_show ? " bad" : ""), a.no_show));
      body.appendChild(tr);
    });
    $("appointments-empty").hidden = last.appointments.length > 0;
    var r = last.channels.remote || {issued: 0, checked_in: 0, expired: 0};
    $("remote-line").textContent = X.t("floor.remote", r);
    var sms = $("sms-problem"), problem = last.sms && last.sms !== "ok";
    sms.hidden = !problem;  // the phone key is missing or another one: no SMS can be sent
    sms.textContent = problem ? X.t("floor.sms." + last.sms) : "";
  }

  function load() {
    X.api("GET", "/api/v1/appointments/today").then(function (d) { last = d; render(); })
      .catch(function () { /* the floor view shows its own connection errors */ });
  }

  var soon = null;
  document.addEventListener("xephang:booking-changed", function () {
    if (soon) return;
    soon = window.setTimeout(function () { soon = null; load(); }, 1000);
  });

  var toggle = $("lang-toggle");
  if (toggle) toggle.addEventListener("click", function () { window.setTimeout(render, 0); });
  load();
  window.setInterval(load, 30000);
})();
