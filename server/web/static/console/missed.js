/* Officer console: the latest numbers marked no-show at this counter, each with "put back in line"
   (once per ticket, at its original place). Refreshed whenever the console redraws its counter. */
(function () {
  "use strict";
  var X = window.XephangStaff;
  var counterNo = null;
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function load() {
    if (!counterNo) return;
    X.api("GET", "/api/v1/counters/" + counterNo + "/missed").then(function (d) {
      render(d.tickets || []);
    }).catch(function () { /* the console shows connection problems itself */ });
  }
  var loadSoon = X.throttle(load, 1000);

  function render(tickets) {
    var list = $("missed-list");
    list.textContent = "";
    tickets.forEach(function (t) {
      var li = X.el("li");
      li.dataset.number = t.number;
      li.appendChild(X.el("span", "num", t.number));
      li.appendChild(X.el("span", "svc", X.localName(t, "service_name")));
      if (t.status === "no_show" && !t.requeued) {
        var b = X.el("button", "requeue", X.t("act.requeue"));  // not ".act": console.js owns those
        b.type = "button";
        b.addEventListener("click", function () { requeue(t, b); });
        li.appendChild(b);
      } else {
        li.appendChild(X.el("span", "muted", X.t("console.requeued_already")));
      }
      list.appendChild(li);
    });
    $("missed-empty").hidden = tickets.length > 0;
  }

  function requeue(t, button) {
    if (busy) return;
    busy = true;
    button.disabled = true;
    X.showError("");
    X.api("POST", "/api/v1/tickets/" + encodeURIComponent(t.token) + "/requeue", {request_id: X.requestId()})
      .then(function (back) {
        var note = $("missed-note");
        note.textContent = X.t(back.ahead > 0 ? "console.requeued" : "console.requeued_next",
                               {number: back.number, ahead: back.ahead});
        note.hidden = false;
      })
      .catch(function (e) { X.showError(e.message); })
      .then(function () { busy = false; load(); });
  }

  document.addEventListener("xephang:counter-rendered", function (ev) {
    var n = ev.detail && ev.detail.counter;
    if (n !== counterNo) { counterNo = n; $("missed-note").hidden = true; load(); return; }
    loadSoon();
  });
})();
