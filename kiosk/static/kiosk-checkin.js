/* Check-in at the kiosk (issue 10): a citizen with a number from home or an appointment types the
 * short code, or holds the confirmation QR to the barcode scanner, which types the code like a
 * keyboard and presses Enter. Keys typed while no field has focus are collected too, so a scan
 * works on the start screen whatever was touched last. */
(function () {
  "use strict";
  var T = window.XephangI18n, K = window.XephangKiosk, app = window.XephangKioskApp;
  var TEXT = {
    vi: { "checkin.label": "Đã lấy số từ xa hoặc đặt lịch hẹn? Quét mã QR hoặc nhập mã check-in",
          "checkin.placeholder": "Mã check-in (6 ký tự)", "checkin.go": "Check-in",
          "err.unknown_code": "Không tìm thấy mã check-in này. Vui lòng kiểm tra lại." },
    en: { "checkin.label": "Took a number from home or booked? Scan the QR code or type the check-in code",
          "checkin.placeholder": "Check-in code (6 characters)", "checkin.go": "Check in",
          "err.unknown_code": "This check-in code was not found. Please check it." }
  };
  T.init(TEXT, T.lang());  // merged into the page's catalogs, the language kept
  T.apply(document);

  var input = document.getElementById("checkin-code");
  var busy = false;
  var typed = "", lastKey = 0;

  function submit(code) {
    code = (code || "").trim();
    if (busy || code.length < 4) return;
    busy = true;
    app.busy();
    K.api("POST", "/api/v1/checkin", { token: app.state.token,
                                       body: { code: code, request_id: K.newRequestId() } })
      .then(function (r) {
        busy = false;
        input.value = "";
        if (r.ok && r.data) app.showTicket(r.data);
        else app.showError(r.error);
      });
  }

  document.getElementById("checkin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    submit(input.value);
  });
  // A scanner types fast into whatever has focus; with no field focused, collect its keys here.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
    if (app.state.screen !== "units" && app.state.screen !== "services") return;
    var now = Date.now();
    if (now - lastKey > 1500) typed = "";
    lastKey = now;
    if (e.key === "Enter") { if (typed.length >= 4) { e.preventDefault(); submit(typed); } typed = ""; }
    else if (e.key && e.key.length === 1 && /[0-9A-Za-z-]/.test(e.key)) typed += e.key;
  });
})();
