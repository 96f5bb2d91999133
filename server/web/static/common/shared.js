/*
 * shared.js — what every xephang page shares (docs/contract.md, "Sequence numbers"): the sequence
 * rule, and the helpers kiosk, screens and staff pages used to keep a copy each of.
 *
 *   XephangShared.newer(seq, applied)        // the sequence rule: is this message newer?
 *   new XephangShared.SeqGate()              // snapshot + deltas in order (used by live.js)
 *   new XephangShared.CallLog()              // is this call new? (board, announcer)
 *   XephangShared.localName(obj, "service_name")   // obj.service_name_en in English
 *   XephangShared.syncClock(snap.now); .nowMs(); .now()   // the server's clock
 *   XephangShared.trackConnection(state, everOnline, t)   // connection banner, dim stale data
 *   XephangShared.mergeServices(list, updates, accept)    // apply queue.changed to a list
 *   XephangShared.heartbeat(deviceToken)                  // device health: report in every ~20 s
 *
 * The server's side of the sequence rule is server/services/screens/sequence.py: every message's
 * seq is greater than those of the changes before it, a call keeps its seq live and in later
 * snapshots, a recall has a new one. Load this before live.js and the page scripts.
 */
(function (global) {
  "use strict";

  /** The sequence rule: a message is newer than the state held when its seq is greater.
   *  A message without a seq cannot be ordered: it passes rather than being lost. */
  function newer(seq, applied) {
    if (typeof seq !== "number") return true;
    return applied === null || applied === undefined || seq > applied;
  }

  /**
   * SeqGate: keeps a page's state in step with the server's event log.
   * Before the snapshot, deltas are held; the snapshot then releases only those newer than it,
   * in seq order. After that, a delta passes only when it is newer than the last one applied.
   */
  function SeqGate() {
    this.reset();
  }

  /** Forget everything: the next thing to apply must be a snapshot. */
  SeqGate.prototype.reset = function () {
    this.applied = null;      // seq of the state we hold; null = no snapshot yet
    this.pending = [];        // deltas that arrived before the snapshot
  };

  /** True until a snapshot has been applied since the last reset. */
  SeqGate.prototype.waiting = function () {
    return this.applied === null;
  };

  SeqGate.prototype._accept = function (seq) {
    if (!newer(seq, this.applied)) return false;
    if (typeof seq === "number") this.applied = seq;
    return true;
  };

  /**
   * Apply a snapshot: returns the held deltas to deliver after it, in seq order,
   * as [[name, payload], ...] (those not newer than the snapshot are dropped).
   */
  SeqGate.prototype.snapshot = function (snap) {
    var held = this.pending;
    this.pending = [];
    this.applied = snap && typeof snap.seq === "number" ? snap.seq : 0;
    held = held
      .map(function (d, i) { return { d: d, i: i }; })
      .sort(function (a, b) {
        var sa = typeof a.d[1].seq === "number" ? a.d[1].seq : Infinity;
        var sb = typeof b.d[1].seq === "number" ? b.d[1].seq : Infinity;
        return sa - sb || a.i - b.i; // stable: equal seqs keep arrival order
      })
      .map(function (x) { return x.d; });
    var out = [];
    for (var k = 0; k < held.length; k++) {
      if (this._accept(held[k][1].seq)) out.push(held[k]);
    }
    return out;
  };

  /**
   * Offer a delta: returns [[name, payload]] when it should be applied now, else []
   * (held until the snapshot, or a repeated/older one dropped).
   */
  SeqGate.prototype.delta = function (name, payload) {
    payload = payload || {};
    if (this.applied === null) {
      this.pending.push([name, payload]);
      return [];
    }
    return this._accept(payload.seq) ? [[name, payload]] : [];
  };

  /**
   * CallLog: which calls a screen has already shown or announced. A call is new when its seq is
   * greater than the last call seen (a recall has a new seq, so it is new again).
   */
  function CallLog() {
    this.last = null;
  }

  /** Whether a call (ticket.called, or one of a snapshot's recent_calls) was not seen yet. */
  CallLog.prototype.isNew = function (call) {
    return !!call && newer(call.seq, this.last);
  };

  /** Remember a call; true when it was new. */
  CallLog.prototype.note = function (call) {
    if (!this.isNew(call)) return false;
    if (typeof call.seq === "number") this.last = call.seq;
    return true;
  };

  /** A snapshot arrived: one older than the calls seen means the server's log was replaced
   *  (a restored database), so every call from now on is new again. */
  CallLog.prototype.snapshot = function (seq) {
    if (typeof seq === "number" && this.last !== null && seq < this.last) this.last = null;
  };

  function lang() {
    if (global.XephangI18n) return global.XephangI18n.lang();
    return (global.document && global.document.body && global.document.body.dataset.lang) || "vi";
  }

  /** Name in the current language: obj[field + "_en"] in English when there is one. */
  function localName(obj, field) {
    if (!obj) return "";
    field = field || "name";
    if (lang() === "en" && obj[field + "_en"]) return obj[field + "_en"];
    return obj[field] || "";
  }

  var clockOffsetMs = 0;  // server time minus this device's clock, from the last snapshot

  /** Follow the server's clock (snapshot.now): a device with a wrong clock still shows the right time. */
  function syncClock(serverNowIso) {
    var ms = Date.parse(serverNowIso || "");
    if (!isNaN(ms)) clockOffsetMs = ms - Date.now();
  }

  /** Milliseconds since the epoch by the server's clock. */
  function nowMs() { return Date.now() + clockOffsetMs; }

  /** The server's current time as a Date. */
  function now() { return new Date(nowMs()); }

  /** Show the connection banner (#conn-banner) and dim the data whenever the live link is not up;
   *  `t` translates the banner's text in the page's own catalog. */
  function trackConnection(state, everOnline, t) {
    var banner = global.document.getElementById("conn-banner");
    var offline = state !== "online";
    global.document.body.classList.toggle("stale", offline);
    if (!banner) return;
    banner.hidden = !offline;
    banner.dataset.state = state;
    banner.textContent = offline ? t(everOnline ? "common.offline" : "common.connecting") : "";
  }

  /** Apply services from a snapshot or queue.changed to a page's list, in place: known services are
   *  updated, new ones added when accept(service) says so. Returns the list. */
  function mergeServices(list, updates, accept) {
    (updates || []).forEach(function (s) {
      var found = null;
      for (var i = 0; i < list.length; i++) {
        if (list[i].code === s.code) { found = list[i]; break; }
      }
      if (found) Object.keys(s).forEach(function (k) { found[k] = s[k]; });
      else if (accept && accept(s)) list.push(s);
    });
    return list;
  }

  /** Device health: tell the server every ~20 s that this device page is alive, which page it
   *  shows and which software it runs (POST /api/v1/devices/heartbeat with the device token).
   *  The first beat sends no version: the server answers with the one it served this page, and
   *  the page reports that one from then on (a page not reloaded after an update shows its age). */
  function heartbeat(token) {
    if (!token || !global.fetch) return;
    var version = null;
    var page = (global.location.pathname + global.location.search).replace(/token=[^&]*/g, "token=…");
    function beat() {
      var next = 20000;
      global.fetch("/api/v1/devices/heartbeat", {
        method: "POST", credentials: "omit",
        headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
        body: JSON.stringify({page: page, version: version})
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
        if (d && d.version && !version) version = d.version;
        if (d && d.every_s) next = d.every_s * 1000;
      }).catch(function () { /* offline: the next beat tries again */ }).then(function () {
        global.setTimeout(beat, next);
      });
    }
    beat();
  }

  global.XephangShared = {
    newer: newer, SeqGate: SeqGate, CallLog: CallLog, localName: localName, syncClock: syncClock,
    nowMs: nowMs, now: now, trackConnection: trackConnection, mergeServices: mergeServices,
    heartbeat: heartbeat,
  };
})(typeof window !== "undefined" ? window : this);
