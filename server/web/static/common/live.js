/*
 * live.js — the one way a xephang page follows the server live (docs/contract.md, "live.js").
 *
 *   const live = XephangLive.connect({
 *     auth: {token} | {ticket} | null,     // null: the officer's session cookie
 *     onSnapshot(snap) {}, onEvent(name, payload) {}, onStatus(state, info) {}
 *   });
 *   live.close(); live.status(); live.seq(); live.socket
 *
 * Needs /static/vendor/socket.io.min.js (global `io`) and /static/common/shared.js loaded first.
 * The ordering rules are XephangShared.SeqGate (the sequence rule, one copy for every page), free of
 * any socket, so they can be tested alone.
 */
(function (global) {
  "use strict";

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
    if (!global.XephangShared) throw new Error("live.js needs /static/common/shared.js loaded first");
    var SeqGate = global.XephangShared.SeqGate;
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

  global.XephangLive = { connect: connect, backoffDelay: backoffDelay };
})(typeof window !== "undefined" ? window : this);
