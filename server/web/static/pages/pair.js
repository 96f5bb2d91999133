/* pair.js — a device opens its pairing link once: keep the token, go to the device's page. */
(async function () {
  "use strict";
  var status = document.getElementById("pair-status");
  var token = new URLSearchParams(location.search).get("token");
  if (!token) { status.textContent = XephangI18n.t("pair_missing"); return; }
  try {
    var r = await fetch("/api/v1/me", {headers: {"Authorization": "Bearer " + token}});
    if (!r.ok) { status.textContent = XephangI18n.t("pair_bad"); return; }
    var me = await r.json();
    if (!me.device) { status.textContent = XephangI18n.t("pair_bad"); return; }
    localStorage.setItem("xephang.deviceToken", token);
    status.textContent = XephangI18n.t("pair_ok", {name: me.device.name});
    var d = me.device, to = "/";
    if (d.kind === "kiosk") to = "/kiosk";
    else if (d.kind === "display") to = "/board" + (d.zone ? "?zone=" + encodeURIComponent(d.zone) : "");
    else if (d.kind === "counter") to = "/counter-display";
    history.replaceState(null, "", "/pair");  // keep the token out of the history
    location.replace(to);
  } catch (e) { status.textContent = XephangI18n.t("network"); }
})();
