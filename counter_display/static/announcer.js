/* xephang announcer: plays "chime + Mời công dân có số thứ tự 1023 đến quầy số 12" from a voice pack.
 *
 *   const a = new XephangAnnouncer({packUrl: "/voice/vi-south/"});
 *   await a.load();                                   // manifest.json, then preloads every segment
 *   a.announce({seq, number, counter, recall});       // queued; true when accepted
 *   a.needsUnlock; a.unlock();                        // autoplay blocked: call unlock() from a tap
 *   XephangAnnouncer.segmentFiles(manifest, call);    // pure: the files that announce a call
 *
 * Rules: calls play strictly in the order announce() received them, one at a time (a segment never
 * starts before the previous one has ended), and a call plays only when it is new by the sequence
 * rule (XephangShared.CallLog in /static/common/shared.js, loaded first): a recall arrives with a
 * new seq and so plays again (with the pack's "recall" template). The assembly rules mirror
 * counter_display/voicepack.py (numbers digit by digit, letters by name, counters 1-99 as words).
 *
 * Autoplay: lobby boards run Chromium with --autoplay-policy=no-user-gesture-required, so sound just
 * plays. Any other browser may refuse play() until the user touches the page; the announcer then
 * sets needsUnlock = true, calls onNeedsUnlock(true) and holds the queue. The board shows a one-time
 * "tap to enable sound" button whose click handler calls unlock(); the held call then plays.
 *
 * Options: packUrl, player ({play(url, info) -> Promise, preload?(urls), unlock?()}; default plays
 * through one HTMLAudioElement), fetch, maxQueue (oldest waiting calls are dropped beyond it, so a
 * board muted for an hour does not read out an hour of calls), onNeedsUnlock(flag), onError(err),
 * calls (a XephangShared.CallLog to share with the page; default: its own).
 */
(function (global) {
  "use strict";

  // Fold a character to plain lower-case ASCII so "Đ" reads as "d" and "á" as "a".
  function foldChar(ch) {
    if (ch === "đ" || ch === "Đ") return "d";
    return ch.normalize("NFKD").charAt(0).toLowerCase();
  }

  function has(segments, id) {
    return Object.prototype.hasOwnProperty.call(segments, id);
  }

  /** Segment ids reading a ticket number character by character ("1023" → digit_1 digit_0 …). */
  function numberSegments(number, segments) {
    const ids = [];
    for (const ch of String(number == null ? "" : number)) {
      const c = foldChar(ch);
      let id = "";
      if (c >= "0" && c <= "9") id = "digit_" + c;
      else if (c >= "a" && c <= "z") id = "letter_" + c;
      if (id && has(segments, id)) ids.push(id);
    }
    return ids;
  }

  /** Segment ids reading a counter as a number (counter_12), digit by digit when it has none. */
  function counterSegments(counter, segments) {
    const n = parseInt(counter, 10);
    if (Number.isNaN(n)) return [];
    const id = "counter_" + n;
    return has(segments, id) ? [id] : numberSegments(String(n), segments);
  }

  /** Segment ids, in order, that announce one call. */
  function segmentIds(manifest, call) {
    const segments = manifest.segments || {};
    const template = (call.recall && manifest.recall) ? manifest.recall : manifest.call;
    const ids = [];
    for (const item of template || []) {
      if (item === "{number}") ids.push(...numberSegments(call.number, segments));
      else if (item === "{counter}") ids.push(...counterSegments(call.counter, segments));
      else if (has(segments, item)) ids.push(item);
    }
    return ids;
  }

  /** Files, in order, that announce one call (the twin of voicepack.segments_for_call). */
  function segmentFiles(manifest, call) {
    return segmentIds(manifest, call).map((id) => manifest.segments[id].file);
  }

  /** Default player: one HTMLAudioElement, segments preloaded into memory as blobs. */
  class HtmlAudioPlayer {
    constructor(opts = {}) {
      this.fetch = opts.fetch || ((u) => global.fetch(u));
      this.blobs = new Map();          // url → object URL, so a call plays even if the server blinks
      this.audio = null;
      this._unlocking = false;
      this.watchdogMs = opts.watchdogMs || 15000;
    }

    _element() {
      if (!this.audio) {
        this.audio = new Audio();
        this.audio.preload = "auto";
      }
      return this.audio;
    }

    /** Fetch every segment once; failures fall back to streaming the url at play time. */
    async preload(urls) {
      await Promise.all(urls.map(async (url) => {
        if (this.blobs.has(url)) return;
        try {
          const r = await this.fetch(url);
          if (!r.ok) return;
          this.blobs.set(url, URL.createObjectURL(await r.blob()));
        } catch (e) { /* keep the url; the board may be offline for a moment */ }
      }));
    }

    /** Play one file; resolves when it ends, rejects (NotAllowedError) when autoplay is blocked. */
    play(url, info = {}) {
      const audio = this._element();
      return new Promise((resolve, reject) => {
        let done = false;
        // A stalled element must not silence the lobby for good: give up well after the segment's
        // length (a site's own recording may run longer than the manifest says) and go on.
        const limit = info.duration ? Math.max(8000, info.duration * 2000 + 3000) : this.watchdogMs;
        const finish = (fn, arg) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          audio.onended = null;
          audio.onerror = null;
          fn(arg);
        };
        const timer = setTimeout(() => { audio.pause(); finish(resolve); }, limit);
        audio.onended = () => finish(resolve);
        audio.onerror = () => finish(reject, new Error("cannot play " + url));
        this._unlocking = false;         // a real play takes the element over from unlock()
        audio.muted = false;
        audio.src = this.blobs.get(url) || url;
        const started = audio.play();
        if (started && started.catch) started.catch((err) => finish(reject, err));
      });
    }

    /** Called from a user gesture: a muted play inside the gesture unlocks the element (Safari). */
    unlock() {
      const audio = this._element();
      const first = this.blobs.values().next();
      if (!audio.src && !first.done) audio.src = first.value;
      if (!audio.src) return;
      this._unlocking = true;
      audio.muted = true;
      const p = audio.play();
      // Stop the muted play only if no announcement started on the element meanwhile.
      const restore = () => {
        if (!this._unlocking) return;
        this._unlocking = false;
        audio.pause();
        audio.muted = false;
      };
      if (p && p.then) p.then(restore, restore); else restore();
    }
  }

  class XephangAnnouncer {
    constructor(opts = {}) {
      // One pack, or several read one after another for each call (e.g. Vietnamese then English).
      const urls = (opts.packUrls && opts.packUrls.length) ? opts.packUrls
        : [opts.packUrl || "/voice/vi-south/"];
      this.packUrls = urls.map((u) => (u.endsWith("/") ? u : u + "/"));
      this.packUrl = this.packUrls[0];
      this.packs = [];                        // [{url, manifest}] of the packs that loaded
      this.fetch = opts.fetch || ((u, o) => global.fetch(u, o));
      this.player = opts.player || new HtmlAudioPlayer({fetch: this.fetch});
      this.maxQueue = opts.maxQueue || 30;
      this.onNeedsUnlock = opts.onNeedsUnlock || null;
      this.onError = opts.onError || null;
      this.manifest = null;
      this.needsUnlock = false;
      this.queue = [];
      this.playing = false;
      this.calls = opts.calls || new global.XephangShared.CallLog();  // the board may share its own
      this._idleWaiters = [];
    }

    /** Fetch manifest.json, preload the segments, then start playing anything already queued. */
    async load() {
      const loaded = [];
      for (const url of this.packUrls) {
        try {
          const r = await this.fetch(url + "manifest.json", {cache: "no-cache"});
          if (!r.ok) throw new Error("voice pack manifest " + url + ": HTTP " + r.status);
          loaded.push({url, manifest: await r.json()});
        } catch (err) {
          if (url === this.packUrls[0]) throw err;  // the first pack is the site's voice
          this._error(err);                          // an extra language missing: voice the rest
        }
      }
      this.packs = loaded;
      this.manifest = loaded[0].manifest;
      const policy = global.navigator && global.navigator.getAutoplayPolicy
        ? global.navigator.getAutoplayPolicy("mediaelement") : null;
      if (policy === "disallowed") this._setNeedsUnlock(true);
      if (this.player.preload) {
        const files = [];
        loaded.forEach((p) => Object.values(p.manifest.segments).forEach((s) => files.push(p.url + s.file)));
        await this.player.preload(files);
      }
      this._pump();
      return this.manifest;
    }

    /** Files for a call in this pack (empty before load()). */
    segmentFiles(call) {
      return this.manifest ? segmentFiles(this.manifest, call) : [];
    }

    /** Queue a call; false when it is not new (its seq was announced, or an older one). */
    announce(call) {
      if (!call || call.number == null || call.counter == null) return false;
      if (!this.calls.note(call)) return false;
      this.queue.push({seq: call.seq, number: String(call.number), counter: call.counter,
                       recall: !!call.recall});
      while (this.queue.length > this.maxQueue) this.queue.splice(this.playing ? 1 : 0, 1);
      this._pump();
      return true;
    }

    /** Call from a user gesture (tap) when needsUnlock is true; resumes the queue. */
    unlock() {
      if (this.player.unlock) {
        try { this.player.unlock(); } catch (e) { this._error(e); }
      }
      this._setNeedsUnlock(false);
      this._pump();
    }

    /** Resolves once nothing is queued or playing. */
    idle() {
      if (!this.playing && this.queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => this._idleWaiters.push(resolve));
    }

    _setNeedsUnlock(flag) {
      if (this.needsUnlock === flag) return;
      this.needsUnlock = flag;
      if (this.onNeedsUnlock) this.onNeedsUnlock(flag);
    }

    _error(err) {
      if (this.onError) this.onError(err);
    }

    async _pump() {
      if (this.playing || !this.manifest || this.needsUnlock) return;
      this.playing = true;
      try {
        while (this.queue.length && !this.needsUnlock) {
          const played = await this._playCall(this.queue[0]);
          if (!played) break;                 // blocked: the call stays first and replays on unlock
          this.queue.shift();
        }
      } finally {
        this.playing = false;
        if (this.queue.length === 0 || this.needsUnlock) {
          const waiters = this._idleWaiters.splice(0);
          waiters.forEach((w) => w());
        }
      }
    }

    async _playCall(call) {
      for (const [i, {id, seg, url}] of this._segments(call).entries()) {
        try {
          await this.player.play(url + seg.file, {id, duration: seg.duration, index: i});
        } catch (err) {
          if (err && err.name === "NotAllowedError") {
            this._setNeedsUnlock(true);
            return false;
          }
          this._error(err);                   // a broken file skips one segment, not the call
        }
      }
      return true;
    }

    /** Every segment of a call across the packs, in order; one chime, at the start. */
    _segments(call) {
      const out = [];
      this.packs.forEach((pack, n) => {
        for (const id of segmentIds(pack.manifest, call)) {
          if (n > 0 && id === "chime") continue;
          out.push({id, seg: pack.manifest.segments[id], url: pack.url});
        }
      });
      return out;
    }
  }

  XephangAnnouncer.segmentFiles = segmentFiles;
  XephangAnnouncer.segmentIds = segmentIds;
  XephangAnnouncer.HtmlAudioPlayer = HtmlAudioPlayer;
  global.XephangAnnouncer = XephangAnnouncer;
})(typeof window !== "undefined" ? window : globalThis);
