/*
 * A ticket's public page (/t/<token>), opened from the QR code on a phone. No login, no personal data.
 * Live over live.js with auth {ticket}; when the ticket is called: a big message, a beep, a vibration.
 */
(function () {
  "use strict";
  var T = window.XephangI18n;
  var K = window.XephangKiosk;
  var LANG_KEY = "xephang.lang";
  var token = document.getElementById("tp").getAttribute("data-token");
  var ticket = null;
  var lastCall = null;       // the last ticket.called payload for this ticket (counter's own zone/floor)
  var alertedKey = null;     // called_at|recalls already announced, so one call beeps once
  var refetchTimer = null;
  var retries = 0;
  var live = null;
  var soundOn = false;
  var OPEN_STATUSES = ["waiting", "called", "serving", "parked", "away"];  // away: from home (issue 10)
  var requeueId = null;      // one request_id per press, reused on a retry

  function $(id) { return document.getElementById(id); }

  function startLang() {
    var q = new URLSearchParams(window.location.search).get("lang");
    if (q === "vi" || q === "en") return q;
    try { return window.localStorage.getItem(LANG_KEY) || "vi"; } catch (e) { return "vi"; }
  }

  function load() {
    return K.api("GET", "/api/v1/tickets/" + encodeURIComponent(token)).then(function (r) {
      if (r.ok && r.data) {
        retries = 0;
        setOffline(false);
        render(r.data);
        startLive();
      } else if (r.status === 404) {
        showNotFound();
      } else {
        // Network or server trouble: keep what we show and try again a little later.
        if (!ticket) setOffline(true);
        window.setTimeout(load, window.XephangLive.backoffDelay(retries++));
      }
    });
  }

  /** Refetch soon, after a random delay so thousands of phones do not ask at the same instant. */
  function refetchSoon(maxMs) {
    if (refetchTimer !== null) return;
    refetchTimer = window.setTimeout(function () {
      refetchTimer = null;
      load();
    }, Math.round(200 + Math.random() * (maxMs || 2500)));
  }

  function showNotFound() {
    ticket = null;
    $("tp-loading").hidden = true;
    $("tp-ticket").hidden = true;
    $("tp-notfound").hidden = false;
    if (live) { live.close(); live = null; }
  }

  function setOffline(off) {
    $("offline-banner").hidden = !off;
  }

  function startLive() {
    if (live) return;
    live = window.XephangLive.connect({
      auth: { ticket: token },
      onSnapshot: function (snap) {
        if (snap && snap.ticket) render(snap.ticket);
        else refetchSoon(500);
      },
      onEvent: function (name, p) {
        if (name === "ticket.changed" && p.ticket && isMine(p.ticket)) {
          render(p.ticket);
        } else if (name === "ticket.called" && ticket && isSameTicket(p)) {
          lastCall = p;
          refetchSoon(100);
        } else if (name === "queue.changed" && ticket && (p.services || []).some(function (s) {
          // People ahead follow the real call order: a priority ticket of another service of the
          // zone can change it too.
          return s.code === ticket.service || s.zone === ticket.zone;
        })) {
          refetchSoon();
        }
      },
      onStatus: function (s) { setOffline(s === "offline"); },
    });
  }

  function isMine(t) {
    return t.token === token || (!!ticket && isSameTicket(t));
  }

  /** The public page knows no database id: a call or a change is ours by number and service. */
  function isSameTicket(t) {
    return t.number === ticket.number && t.service === ticket.service &&
      (!t.day || t.day === ticket.day);
  }

  function render(t) {
    ticket = t;
    if (lastCall && (t.status !== "called" || lastCall.counter !== t.counter)) lastCall = null;
    $("tp-loading").hidden = true;
    $("tp-notfound").hidden = true;
    $("tp-ticket").hidden = false;
    $("tp-number").textContent = t.number;
    var st = $("tp-status");
    st.textContent = T.t("status." + t.status);
    st.setAttribute("data-status", t.status);
    document.body.setAttribute("data-status", t.status);

    var floor = lastCall ? lastCall.floor : t.floor;

    var call = $("tp-call");
    call.hidden = t.status !== "called";
    if (t.status === "called") {
      $("tp-call-big").textContent = T.t("ticket.called.big", { counter: t.counter });
      $("tp-call-place").textContent = T.t("ticket.called.place", { zone: zoneLabel(lastCall ? lastCall.zone : t.zone, t),
                                                                  floor: floor });
      var rc = $("tp-call-recall");
      rc.hidden = !(t.recalls > 0);
      rc.textContent = t.recalls > 0 ? T.t("ticket.recall", { n: t.recalls }) : "";
      var key = (t.called_at || "") + "|" + (t.recalls || 0) + "|" + t.counter;
      if (key !== alertedKey) {
        alertedKey = key;
        alertCitizen();
      }
    }

    var canRequeue = t.status === "no_show" && !t.requeued;
    var msgKey = canRequeue ? "ticket.no_show.requeue_msg"
      : t.status === "waiting" && t.requeued ? "ticket.requeued.msg" : "ticket." + t.status + ".msg";
    var msg = t.status === "called" ? "" : T.t(msgKey, { counter: t.counter });
    $("tp-msg").textContent = msg === msgKey ? "" : msg;
    $("tp-requeue").hidden = !canRequeue;
    if (!canRequeue) $("tp-requeue-err").hidden = true;

    var waiting = t.status === "waiting" || t.status === "parked" || t.status === "away";
    var wait = K.serverWaitText(t);
    $("tp-ahead-row").hidden = !waiting;
    $("tp-wait-row").hidden = !waiting || !wait;
    $("tp-ahead").textContent = String(t.ahead || 0);
    $("tp-wait").textContent = wait;
    // Once the ticket is finished there is nothing left to be alerted of.
    var open = OPEN_STATUSES.indexOf(t.status) >= 0;
    $("tp-sound").hidden = !open;
    $("tp-keep-open").hidden = !open;
    $("tp-service").textContent = T.name(t, "service_name");
    $("tp-unit").textContent = T.name(t, "unit_name");
    var counters = t.counter ? [t.counter] : (t.counters || []);
    // Non-breaking spaces keep "Quầy 17", "Khu A1" and "Tầng 1" whole on a narrow phone.
    var whole = function (text) { return String(text).replace(" ", "\u00a0"); };  // the first space
    $("tp-place").textContent = (counters.length ? whole(K.countersText(counters)) + " · " : "") +
      T.t("result.zone_floor", { zone: whole(zoneLabel(t.zone, t)), floor: t.floor });
    $("tp-issued").textContent = t.issued_at ? K.clock(new Date(t.issued_at)) : "";
    $("tp-updated").textContent = T.t("ticket.updated", { time: K.clock() });
    // issue 10: a number from home (its events carry no check-in state: read the ticket again)
    if (t.status === "away" && !t.remote) refetchSoon(300);
    if (window.XephangTicketRemote) window.XephangTicketRemote.render(t);
  }

  /** The citizen missed the call and is here again: back in line at the original place, once. */
  function requeue() {
    var btn = $("tp-requeue-btn");
    btn.disabled = true;
    requeueId = requeueId || K.newRequestId();
    K.api("POST", "/api/v1/tickets/" + encodeURIComponent(token) + "/requeue",
          { body: { request_id: requeueId } }).then(function (r) {
      btn.disabled = false;
      if (r.ok && r.data) {
        requeueId = null;
        render(r.data);
        return;
      }
      if (r.status !== 0) requeueId = null;  // a refusal is final; a network failure retries the same id
      var err = $("tp-requeue-err");
      err.textContent = r.status === 0 ? T.t("err.network") : K.errorText(r.error);
      err.hidden = false;
    });
  }

  function zoneLabel(code, t) {
    // The API gives zone_name (and maybe zone_name_en); English readers still see "Khu A1" on the signs.
    if (t && code === t.zone) return T.name(t, "zone_name") || t.zone_name || code;
    return code ? T.t("zone.code", { code: code }) : "";
  }

  function alertCitizen() {
    K.beep();
    try { if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 600]); } catch (e) { /* not allowed */ }
    window.XephangTicketPage.alerts++;
  }

  function boot() {
    T.init(window.XephangKioskText, startLang());
    T.apply(document);
    T.onChange(function (l) {
      try { window.localStorage.setItem(LANG_KEY, l); } catch (e) { /* private mode */ }
      if (ticket) render(ticket);
    });
    $("lang-btn").addEventListener("click", function () { T.setLang(T.lang() === "vi" ? "en" : "vi"); });
    $("tp-sound").addEventListener("click", function () {
      soundOn = K.unlockAudio();
      if (soundOn) {
        K.beep();
        $("tp-sound").setAttribute("data-i18n", "ticket.sound.on");
        T.apply(document);
      }
    });
    $("tp-requeue-btn").addEventListener("click", requeue);
    // Any first tap unlocks audio, so a later call can beep.
    document.addEventListener("pointerdown", function once() {
      K.unlockAudio();
      document.removeEventListener("pointerdown", once);
    });
    load();
  }

  window.XephangTicketPage = { alerts: 0, ticket: function () { return ticket; },
                               show: function (t) { render(t); } };
  boot();
})();
