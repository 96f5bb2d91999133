/* Check-in by a guide at /assist (issue 10): the citizen's code (typed, or scanned by a barcode
 * scanner that types it and Enter) checks in a number from home or an appointment. */
(function () {
  "use strict";
  var T = window.XephangI18n, K = window.XephangKiosk;
  var TEXT = {
    vi: { "checkin.title": "Check-in (lấy số từ xa, lịch hẹn)", "checkin.placeholder": "Mã check-in",
          "checkin.go": "Check-in", "checkin.done": "Đã check-in: số {number} ({service})",
          "status.away": "Chưa check-in", "status.expired": "Hết hạn" },
    en: { "checkin.title": "Check-in (numbers from home, appointments)",
          "checkin.placeholder": "Check-in code", "checkin.go": "Check in",
          "checkin.done": "Checked in: number {number} ({service})",
          "status.away": "Not checked in", "status.expired": "Expired" }
  };
  T.init(TEXT, T.lang());  // merged into the page's catalogs, the language kept
  T.apply(document);
  var input = document.getElementById("as-checkin-code"), msg = document.getElementById("as-checkin-msg");
  var busy = false;
  document.getElementById("as-checkin").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = input.value.trim();
    if (busy || !code) return;
    busy = true;
    window.XephangAssist.post("/api/v1/checkin", { code: code, request_id: K.newRequestId() })
      .then(function (r) {
        busy = false;
        if (r.ok && r.data) {
          input.value = "";
          msg.textContent = T.t("checkin.done", { number: r.data.number, service: T.name(r.data, "service_name") });
        } else {
          msg.textContent = K.errorText(r.error);
        }
      });
  });
})();
