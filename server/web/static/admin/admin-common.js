/* Shared by every administration page: who may see it, read-only mode, messages, form errors.
   A page calls XephangAdmin.start(function (me) { ... }) to load once the user is known. */
(function () {
  "use strict";
  var S = window.XephangStaff;

  function start(onReady) {
    S.initText();
    S.wireCommonButtons();
    S.loadMe().then(function (me) {
      var role = me.user.role;
      document.getElementById("user-name").textContent = me.user.name;
      if (role !== "admin" && role !== "supervisor") {
        document.getElementById("forbidden").hidden = false;
        return;
      }
      if (role !== "admin") {
        document.body.classList.add("readonly");
        var note = document.getElementById("readonly-note");
        // a page a supervisor acts on (the simulator) is not read-only for her: no note there
        note.hidden = document.body.classList.contains("supervisor-acts");
        var units = me.user.units || [];
        if (units.length) {  // a department head: say whose lists she is reading
          note.removeAttribute("data-i18n");
          var say = function () { note.textContent = S.t("admin.readonly_units", {units: units.join(", ")}); };
          say();
          document.getElementById("lang-toggle").addEventListener("click", function () { window.setTimeout(say, 0); });
        }
      }
      document.getElementById("admin-main").hidden = false;
      if (onReady) onReady(me);
    }).catch(function (e) { S.showError(e.message); });
  }

  /** A short confirmation after a change ("Đã lưu."), cleared after a few seconds. */
  function done(msg) {
    var box = document.getElementById("done-box");
    S.showError("");
    box.textContent = msg || S.t("admin.saved");
    box.hidden = false;
    window.clearTimeout(done.timer);
    done.timer = window.setTimeout(function () { box.hidden = true; }, 6000);
  }

  /** Show an API error: next to the field it names (error.field), else in the error box. */
  function fail(form, err) {
    if (form) {
      form.querySelectorAll("[aria-invalid]").forEach(function (x) { x.removeAttribute("aria-invalid"); });
      form.querySelectorAll(".field-error").forEach(function (x) { x.textContent = ""; });
    }
    var input = form && err.field ? form.querySelector("[name='" + err.field + "']") : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      var slot = form.querySelector(".field-error[data-for='" + err.field + "']");
      if (slot) slot.textContent = err.message;
      input.focus();
    }
    S.showError(err.message);
  }

  /**
   * Keep a page's lists current while it is open (another admin's change, a closure ending by
   * itself): calls `opts.reload()` (it must redraw lists only, never a form being typed in) on
   * `admin.changed` with one of `opts.areas`, on `site.changed` when `opts.site`, on any event
   * named in `opts.events`, and after the live link comes back (changes may have been missed).
   * Reloads never overlap: one asked for during another runs once after it.
   * `opts.onEvent(name, payload)` sees every other event.
   */
  function follow(opts) {
    var areas = opts.areas || [], events = opts.events || [];
    var running = false, again = false, dropped = false, everOnline = false, reloads = 0;
    function reload() {
      if (running) { again = true; return; }
      running = true;
      Promise.resolve().then(opts.reload).catch(function () { /* the next change retries */ })
        .then(function () {
          running = false;
          document.body.dataset.reloads = String(++reloads);  // how many live refreshes are done
          if (again) { again = false; reload(); }
        });
    }
    return window.XephangLive.connect({
      auth: null,
      onSnapshot: function (snap) {
        window.XephangShared.syncClock(snap.now);
        if (dropped) { dropped = false; reload(); }
      },
      onEvent: function (name, p) {
        if ((name === "admin.changed" && areas.indexOf(p.area) >= 0) ||
            (name === "site.changed" && opts.site) || events.indexOf(name) >= 0) reload();
        else if (opts.onEvent) opts.onEvent(name, p);
      },
      onStatus: function (state) {
        if (state === "online") everOnline = true;
        else if (everOnline) dropped = true;
        document.body.dataset.live = state;
        S.trackConnection(state, everOnline);
      }
    });
  }

  /**
   * For a list loader whose answers can cross (a live refresh from `admin.changed` vs the
   * admin's own change, two filters picked quickly): `var ask = latest();` then
   * `return ask(S.api("GET", url), draw, failed)` draws only the answer asked for last; an
   * older one arriving later is dropped (its error too), and the returned promise still
   * settles, so `follow`'s reloads never wait forever.
   */
  function latest() {
    var asked = 0;
    return function (request, draw, failed) {
      var mine = ++asked;
      return Promise.resolve(request).then(function (answer) {
        if (mine === asked) return draw(answer);
      }, function (err) {
        if (mine !== asked) return;
        if (failed) return failed(err);
        throw err;
      });
    };
  }

  window.XephangAdmin = {start: start, done: done, fail: fail, follow: follow, latest: latest};
})();
