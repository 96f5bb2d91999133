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
        document.getElementById("readonly-note").hidden = false;
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

  window.XephangAdmin = {start: start, done: done, fail: fail};
})();
