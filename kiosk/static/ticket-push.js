/* Web Push on the ticket page (issue 10): the citizen may ask for a notification when few people
 * are ahead and when called, even with the page in the background. The service worker /t/sw.js
 * shows them; pushes it hears while the page is open are shown on the page too. */
(function () {
  "use strict";
  var T = window.XephangI18n, K = window.XephangKiosk;
  T.init({
    vi: { "push.ask": "Nhận thông báo khi sắp đến lượt", "push.on": "Đã bật thông báo: khi còn 3 người trước bạn và khi được gọi.",
          "push.denied": "Trình duyệt không cho phép thông báo.", "push.failed": "Không bật được thông báo trên trình duyệt này.",
          "push.got": "Thông báo: {text}" },
    en: { "push.ask": "Notify me when my turn is near", "push.on": "Notifications on: when 3 are ahead of you and when called.",
          "push.denied": "The browser does not allow notifications.", "push.failed": "Notifications could not be turned on in this browser.",
          "push.got": "Notification: {text}" }
  }, T.lang());
  var btn = document.getElementById("tp-push"), msg = document.getElementById("tp-push-msg");
  var token = document.getElementById("tp").getAttribute("data-token");
  if (!("serviceWorker" in navigator)) return;

  function say(key, params) { msg.textContent = T.t(key, params); msg.hidden = false; }

  function key(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(s + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  var ready = navigator.serviceWorker.register("/t/sw.js", { scope: "/t/" });
  navigator.serviceWorker.addEventListener("message", function (e) {
    if (e.data && e.data.xephangPush) say("push.got", { text: e.data.text });
  });
  if ("PushManager" in window && "Notification" in window) btn.hidden = false;

  btn.addEventListener("click", function () {
    Notification.requestPermission().then(function (perm) {
      if (perm !== "granted") { say("push.denied"); return null; }
      return Promise.all([ready, K.api("GET", "/api/v1/push/key")]).then(function (rs) {
        return rs[0].pushManager.subscribe({ userVisibleOnly: true,
                                             applicationServerKey: key(rs[1].data.public_key) });
      }).then(function (sub) {
        return K.api("POST", "/api/v1/tickets/" + encodeURIComponent(token) + "/push",
                     { body: { subscription: sub.toJSON(), ahead: 3 } });
      }).then(function (r) {
        if (r && r.ok) { say("push.on"); btn.hidden = true; } else say("push.failed");
      });
    }).catch(function () { say("push.failed"); });
  });
  window.XephangTicketPush = { ready: ready };
})();
