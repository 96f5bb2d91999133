/*
 * live.js — the one way a xephang page follows the server live (docs/contract.md, "live.js").
 *
 *   const live = XephangLive.connect({
 *     auth: {token} | {ticket} | null,     // null: the officer's session cookie
 *     onSnapshot(snap) {}, onEvent(name, payload) {}, onStatus(state, info) {}
 *   });
 *   live.close(); live.status(); live.seq(); live.socket
 *
 * Needs /static/vendor/socket.io.min.js loaded first (global `io`).
 * The ordering rules live in XephangLive.SeqGate, free of any socket, so they can be tested alone.
 */
(function (global) {
  "use strict";

  /**
   * SeqGate: keeps a page's state in step with the server's event log.
   * Before the snapshot, deltas are held; the snapshot then releases only those newer than it.
   * After that, a delta passes only when its seq is newer than the last one applied.
   * Several events may share one seq (one transaction can emit ticket.called and
   * queue.changed together), so at the current seq a *different* event name still passes,
   * while a repeat of the same name is dropped.
   */
  function SeqGate() {
    this.reset();
  }

  /** Forget everything: the next thing to apply must be a snapshot. */
  SeqGate.prototype.reset = function () {
    this.applied = null;      // seq of the state we hold; null = no snapshot yet
    this.namesAtApplied = {}; // event names already applied at `applied`
    this.allAtApplied = true; // the snapshot covers every event at its seq
    this.pending = [];        // deltas that arrived before the snapshot
  };

  /** True until a snapshot has been applied since the last reset. */
  SeqGate.prototype.waiting = function () {
    return this.applied === null;
  };

  SeqGate.prototype._accept = function (name, seq) {
    if (typeof seq !== "number") return true; // cannot order it: deliver rather than lose it
    if (seq > this.applied) {
      this.applied = seq;
      this.namesAtApplied = {};
      this.namesAtApplied[name] = true;
      this.allAtApplied = false;
      return true;
    }
    if (seq === this.applied && !this.allAtApplied && !this.namesAtApplied[name]) {
      this.namesAtApplied[name] = true;
      return true;
    }
    return false;
  };

  /**
   * Apply a snapshot: returns the held deltas to deliver after it, in seq order,
   * as [[name, payload], ...] (those not newer than the snapshot are dropped).
   */
  SeqGate.prototype.snapshot = function (snap) {
    var held = this.pending;
    this.pending = [];
    this.applied = snap && typeof snap.seq === "number" ? snap.seq : 0;
    this.namesAtApplied = {};
    this.allAtApplied = true;
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
      if (this._accept(held[k][0], held[k][1].seq)) out.push(held[k]);
    }
    return out;
  };

  /**
   * Offer a delta: returns [[name, payload]] when it should be applied now, else []
   * (held until the snapshot, or a duplicate/older one dropped).
   */
  SeqGate.prototype.delta = function (name, payload) {
    payload = payload || {};
    if (this.applied === null) {
      this.pending.push([name, payload]);
      return [];
    }
    return this._accept(name, payload.seq) ? [[name, payload]] : [];
  };

  /** Delay in ms before reconnect attempt n (0-based): doubling from 1 s up to 30 s, ±50% jitter. */
  function backoffDelay(attempt, rand) {
    var r = typeof rand === "number" ? rand : Math.random();
    var base = Math.min(30000, 1000 * Math.pow(2, Math.min(attempt, 10)));
    return Math.round(base * (0.5 + r));
  }

  /** Open a live connection; see the header comment for the options. */
  function connect(opts) {
    opts = opts || {};
    if (typeof global.io !== "function") {
      throw new Error("live.js needs /static/vendor/socket.io.min.js loaded first");
    }
    var onSnapshot = opts.onSnapshot || function () {};
    var onEvent = opts.onEvent || function () {};
    var onStatus = opts.onStatus || function () {};
    var gate = new SeqGate();
    var state = null;
    var everOnline = false;
    var closed = false;
    var retryTimer = null;
    var retries = 0;

    function setStatus(next, info) {
      if (next === state) return;
      state = next;
      try { onStatus(next, info || {}); } catch (e) { report(e); }
    }

    function report(err) {
      // A page bug in a handler must not stop the live stream.
      if (global.console) global.console.error("live.js handler failed:", err);
    }

    function deliver(list) {
      for (var i = 0; i < list.length; i++) {
        try { onEvent(list[i][0], list[i][1]); } catch (e) { report(e); }
      }
    }

    var ioOpts = {
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30000,
      randomizationFactor: 0.5,
      timeout: 10000,
    };
    if (opts.auth) ioOpts.auth = opts.auth;
    if (opts.path) ioOpts.path = opts.path;
    if (opts.transports) ioOpts.transports = opts.transports;
    var socket = opts.url ? global.io(opts.url, ioOpts) : global.io(ioOpts);

    // socket.io gives up by itself in two cases (refused by the server's connect handler,
    // or disconnected by the server); a kiosk must still come back, so retry with our backoff.
    function retryLater() {
      if (closed || retryTimer !== null) return;
      retryTimer = global.setTimeout(function () {
        retryTimer = null;
        if (closed || socket.connected) return;
        socket.connect();
      }, backoffDelay(retries++));
    }

    setStatus("connecting");

    socket.on("connect", function () {
      retries = 0;
      // Stay "connecting" until the snapshot: before it, the page's state is not current.
    });

    socket.on("snapshot", function (snap) {
      var after = gate.snapshot(snap || {});
      everOnline = true;
      try { onSnapshot(snap || {}); } catch (e) { report(e); }
      deliver(after);
      setStatus("online");
    });

    socket.onAny(function (name, payload) {
      if (name === "snapshot") return;
      deliver(gate.delta(name, payload));
    });

    socket.on("disconnect", function (reason) {
      gate.reset(); // the next snapshot replaces everything
      setStatus(everOnline ? "offline" : "connecting", { reason: reason });
      if (reason === "io server disconnect") retryLater();
    });

    socket.on("connect_error", function (err) {
      gate.reset();
      setStatus("offline", { reason: "connect_error", message: err && err.message });
      if (!socket.active) retryLater(); // refused by the server: socket.io will not retry
    });

    return {
      socket: socket,
      /** The current state: 'connecting' | 'online' | 'offline'. */
      status: function () { return state; },
      /** The seq of the state the page holds (null before the snapshot). */
      seq: function () { return gate.applied; },
      /** Stop for good (no more reconnects). */
      close: function () {
        closed = true;
        if (retryTimer !== null) global.clearTimeout(retryTimer);
        socket.disconnect();
      },
    };
  }

  global.XephangLive = { connect: connect, SeqGate: SeqGate, backoffDelay: backoffDelay };
})(typeof window !== "undefined" ? window : this);
