/* The ticket page's part for a number taken from home (issue 10): held aside or not, until when,
 * when to leave home, and the check-in code to type or show at a kiosk. Loaded before ticket.js,
 * which calls render(ticket) after each of its own renders. */
(function () {
  "use strict";
  var T = window.XephangI18n;
  T.init({
    vi: { "status.away": "Chưa check-in", "status.expired": "Đã hết hạn",
          "ticket.away.msg": "Số của bạn đã giữ chỗ trong hàng. Khi đến Trung tâm, hãy check-in tại kiosk bằng mã dưới đây; số chỉ được gọi sau khi check-in.",
          "ticket.expired.msg": "Số này đã hết hạn vì chưa check-in. Vui lòng lấy số mới.",
          "remote.away": "Chưa đến lượt: chỗ của bạn vẫn được giữ.",
          "remote.held": "Đã qua lượt của bạn: số được giữ đến {time}. Hãy check-in ngay khi đến để được gọi.",
          "remote.leave": "Nên rời nhà lúc {time}.", "remote.leave.now": "Nên rời nhà ngay bây giờ.",
          "remote.code": "Mã check-in:",
          "remote.cancel": "Hủy số này", "remote.cancel.confirm": "Bấm lần nữa để hủy số" },
    en: { "status.away": "Not checked in", "status.expired": "Expired",
          "ticket.away.msg": "Your number holds your place in the line. When you arrive, check in at a kiosk with the code below; the number is only called after check-in.",
          "ticket.expired.msg": "This number expired because it was not checked in. Please take a new number.",
          "remote.away": "Not your turn yet: your place is kept.",
          "remote.held": "Your turn has passed: the number is held until {time}. Check in as soon as you arrive to be called.",
          "remote.leave": "Leave home at {time}.", "remote.leave.now": "Leave home now.",
          "remote.code": "Check-in code:",
          "remote.cancel": "Cancel this number", "remote.cancel.confirm": "Tap again to cancel" }
  }, T.lang());

  function hhmm(iso) { return iso ? String(iso).slice(11, 16) : ""; }

  function render(t) {
    var box = document.getElementById("tp-remote");
    var r = t.remote;
    var show = !!r && t.status === "away";
    box.hidden = !show;
    if (!show) return;
    document.getElementById("tp-remote-state").textContent =
      r.state === "held" ? T.t("remote.held", { time: hhmm(r.expires_at) }) : T.t("remote.away");
    document.getElementById("tp-leave").textContent = r.leave_at && !r.leave_now
      ? T.t("remote.leave", { time: r.leave_at }) : T.t("remote.leave.now");
    document.getElementById("tp-remote-code").textContent = r.code || "";
    var qr = document.getElementById("tp-remote-qr");  // what the kiosk's scanner reads
    var src = "/api/v1/tickets/" + encodeURIComponent(t.token) + "/checkin.svg";
    if (qr.getAttribute("src") !== src) qr.setAttribute("src", src);
  }

  // Cancel: a first tap asks again (no dialog on a phone), the second withdraws the number; the
  // page then shows it cancelled from the answer (and from ticket.changed).
  var armed = false;
  function cancel() {
    var btn = document.getElementById("tp-remote-cancel");
    var err = document.getElementById("tp-remote-cancel-err");
    var t = window.XephangTicketPage && window.XephangTicketPage.ticket();
    if (!t) return;
    if (!armed) {
      armed = true;
      btn.textContent = T.t("remote.cancel.confirm");
      return;
    }
    btn.disabled = true;
    window.XephangKiosk.api("POST", "/api/v1/public/remote-tickets/" + encodeURIComponent(t.token) +
                            "/cancel", { body: {} }).then(function (r) {
      btn.disabled = false;
      armed = false;
      btn.textContent = T.t("remote.cancel");
      if (r.ok && r.data) {
        err.hidden = true;
        if (window.XephangTicketPage.show) window.XephangTicketPage.show(r.data);
        return;
      }
      err.textContent = r.status === 0 ? T.t("err.network") : window.XephangKiosk.errorText(r.error);
      err.hidden = false;
    });
  }
  var cancelBtn = document.getElementById("tp-remote-cancel");  // the page is above this script
  if (cancelBtn) cancelBtn.addEventListener("click", cancel);

  window.XephangTicketRemote = { render: render };
})();
