// Remote invigilation in the player (loaded by main.js only for an invigilated attempt): webcam
// snapshots, browser events and heartbeats, queued in memory and in localStorage and sent in
// batches to /api/v1/invigilation/attempts/<id>/… with backoff. In the player the queued events also
// ride on autosaves (sync.js asks ride() before each save), so a candidate who is answering makes
// about half the requests; heartbeats alone wait up to half an interval for a save to carry them.
// Nothing here ever blocks answering: a refused or missing camera is recorded as an event and said
// in the indicator, never a dialog.
// Everything stops when the attempt ends (main.js dispatches `cop:attempt-ended`; the server's 409
// says the same). Documented in docs/invigilation-telemetry.md.
//
// What is kept in localStorage (ASVS V8.2.2, docs/exam-player.md): the unsent events and up to four
// unsent snapshots — the candidate's face — so a reload or a crash loses none of them, but only
// sealed with the attempt's key (vault.js; AES-GCM, a fresh IV per write, the key in memory only).
// The queues in memory are the source of truth while the page lives; each change writes a sealed
// copy. Queues stored readable by an earlier version are read once and rewritten sealed. A sealed
// copy that cannot be opened is moved aside (`….unreadable`), never deleted, until the attempt ends,
// and a `stored_unreadable` event tells the invigilation log.
// Without a key (no WebCrypto, or the key could not be fetched) nothing is read or written: the
// queues live in memory only, and whatever is stored waits, sealed, for a page that has the key.
import { HttpError, SignedOut, request } from './api.js';
import { newId } from './outbox.js';
import { SealedSlot, cryptoAvailable, importKey, unseal } from './vault.js';

const SEND_EVERY_MS = 2000;
const MAX_BATCH = 50;
const MAX_QUEUED_EVENTS = 2000;      // beyond this the oldest heartbeats go first
const MAX_STORED_SNAPSHOTS = 4;      // kept in localStorage across a reload (about 20 KB each)
const MAX_MEMORY_SNAPSHOTS = 20;
const WIDTH = 320;
const HEIGHT = 240;
const QUALITY = 0.6;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

class Queue {
  // Events as {id, kind, at, data}; snapshots as {id, at, data: base64}. Both survive a reload.
  constructor(attemptId) {
    this.eventsKey = `cop.invigilation.events.${attemptId}`;
    this.snapshotsKey = `cop.invigilation.snapshots.${attemptId}`;
    this.events = [];
    this.snapshots = [];
    this.slots = null; // sealed copies in localStorage, once open() has the key
    this.opened = false;
  }

  // Read back what an earlier page left (before anything is sent); what was recorded meanwhile
  // comes after it.
  async open(key) {
    let storage = null;
    try { storage = window.localStorage; } catch (_) { storage = null; }
    if (key && storage) {
      const unreadable = [];
      const queues = [[this.eventsKey, 'events'], [this.snapshotsKey, 'snapshots']];
      const stored = await Promise.all(queues.map(async ([name, queue]) => {
        let text = null;
        try { text = storage.getItem(name); } catch (_) { return []; }
        const found = await unseal(key, name, text);
        if (found.kind === 'unreadable') {
          this.keepAside(storage, name, text);
          unreadable.push(queue);
          return [];
        }
        return found.kind === 'none' || !Array.isArray(found.value) ? [] : found.value;
      }));
      const drop = () => { this.slots = null; }; // storage full or off: the memory copy still goes
      this.slots = { events: new SealedSlot(storage, this.eventsKey, key, drop),
                     snapshots: new SealedSlot(storage, this.snapshotsKey, key, drop) };
      this.events = stored[0].concat(this.events);
      this.snapshots = stored[1].concat(this.snapshots);
      // The invigilator learns that records were kept here and could not be read (damaged, or
      // altered by hand); the ciphertext itself stays aside on the device.
      unreadable.forEach((queue) => this.add('stored_unreadable', { queue }));
      this.persist(true);
    }
    this.opened = true;
  }

  keepAside(storage, name, text) {
    try {
      const earlier = JSON.parse(storage.getItem(`${name}.unreadable`) || '[]');
      const kept = Array.isArray(earlier) ? earlier : [];
      kept.push(text);
      storage.setItem(`${name}.unreadable`, JSON.stringify(kept));
    } catch (_) { /* could not move it: the sealed copy below is then written over it */ }
  }

  persist(withSnapshots = false) {
    if (!this.slots) return;
    this.slots.events.write(this.events.length ? this.events : null);
    if (!withSnapshots) return;
    const kept = this.snapshots.slice(-MAX_STORED_SNAPSHOTS);
    this.slots.snapshots.write(kept.length ? kept : null);
  }

  add(kind, data = {}) {
    this.events.push({ id: newId('v'), kind, at: new Date().toISOString(), data });
    if (this.events.length > MAX_QUEUED_EVENTS) {
      const beat = this.events.findIndex((e) => e.kind === 'heartbeat');
      this.events.splice(beat >= 0 ? beat : 0, 1);
    }
    this.persist();
  }

  addSnapshot(base64) {
    this.snapshots.push({ id: newId('p'), at: new Date().toISOString(), data: base64 });
    if (this.snapshots.length > MAX_MEMORY_SNAPSHOTS) this.snapshots.shift();
    this.persist(true);
  }

  acknowledge(ids) {
    const done = new Set(ids);
    const before = this.snapshots.length;
    this.events = this.events.filter((e) => !done.has(e.id));
    this.snapshots = this.snapshots.filter((s) => !done.has(s.id));
    this.persist(this.snapshots.length !== before);
  }

  // The attempt has ended: nothing of it stays on this device.
  clear() {
    this.events = [];
    this.snapshots = [];
    if (this.slots) { this.slots.events.close(); this.slots.snapshots.close(); }
    try {
      [this.eventsKey, this.snapshotsKey].forEach((name) => {
        localStorage.removeItem(name);
        localStorage.removeItem(`${name}.unreadable`);
      });
    } catch (_) { /* storage off: nothing was kept */ }
  }
}

function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function base64ToBytes(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export class Invigilation {
  constructor(root) {
    this.root = root;
    this.base = root.dataset.invigilationUrl;
    this.leavingFor = '';
    this.queue = new Queue(root.dataset.attemptId);
    this.settings = { snapshot_interval_s: Number(root.dataset.snapshotIntervalS) || 30,
                      heartbeat_interval_s: Number(root.dataset.heartbeatIntervalS) || 15 };
    this.stopped = false;
    this.sending = false;       // a batch is on its way, on its own or riding on a save
    this.ridesOnSaves = false;  // the player's autosave carries queued events (main.js says so)
    // What rides on a batch of events sent on its own, as on an autosave (sync.js): each rider's
    // ride() gives fields for the body, or null, and rode(fields, answer) gets the answer (null if
    // the request failed). The page that starts messages puts their look here.
    this.riders = [];
    this.backoffUntil = 0;
    this.failures = 0;
    this.stream = null;
    this.timers = {};
    this.listeners = [];
    this.wasFullscreen = Boolean(document.fullscreenElement);
    this.indicator = this.makeIndicator(root);
  }

  // --- the indicator: words, not colour alone -------------------------------------------------

  makeIndicator(root) {
    const line = document.createElement('p');
    line.id = 'invigilation-status';
    line.className = 'invigilation-status';
    line.setAttribute('role', 'status');
    const status = root.querySelector('#save-status');
    if (status) status.after(line); else root.prepend(line);
    return line;
  }

  say(state, text) {
    this.indicator.dataset.state = state;
    this.indicator.textContent = text;
  }

  // --- recording ----------------------------------------------------------------------------

  record(kind, data) {
    if (this.stopped) return;
    this.queue.add(kind, data);
  }

  on(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    this.listeners.push([target, type, handler, options]);
  }

  watchBrowser() {
    this.on(document, 'visibilitychange', () => {
      this.record(document.visibilityState === 'hidden' ? 'tab_hidden' : 'tab_visible');
      if (document.visibilityState === 'hidden') this.send();
    });
    this.on(window, 'blur', () => this.record('window_blur'));
    this.on(window, 'focus', () => this.record('window_focus'));
    this.on(document, 'fullscreenchange', () => {
      const now = Boolean(document.fullscreenElement);
      if (this.wasFullscreen && !now) this.record('fullscreen_exit');
      this.wasFullscreen = now;
    });
    // What was copied or pasted is never read: only that it happened.
    ['copy', 'cut', 'paste'].forEach((type) => this.on(document, type, () => this.record(type)));
    this.on(window, 'beforeprint', () => this.record('print'));
    this.on(document, 'contextmenu', () => this.record('context_menu'));
    this.on(window, 'offline', () => this.record('network_offline'));
    this.on(window, 'online', () => {
      this.record('network_online');
      this.failures = 0;
      this.backoffUntil = 0; // back online: send now rather than wait out the backoff
      this.send();
    });
    const reviewUrl = this.root.dataset.reviewUrl;
    this.on(document, 'click', (event) => {
      const link = event.target.closest && event.target.closest('a[href]');
      if (link && reviewUrl && link.getAttribute('href').startsWith(reviewUrl)) this.leavingFor = 'review';
    }, true);
    // The Window Management API answers this without a permission prompt.
    if (window.screen && 'isExtended' in window.screen) {
      const check = () => { if (window.screen.isExtended) this.record('second_screen', { extended: true }); };
      check();
      this.on(window.screen, 'change', check);
    }
  }

  async startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.record('camera_ended', { reason: 'unsupported' });
      this.say('off', 'No camera in this browser: this is recorded for the invigilator; you can carry on.');
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: WIDTH }, height: { ideal: HEIGHT } }, audio: false });
    } catch (error) {
      const reason = error && error.name === 'NotAllowedError' ? 'not_allowed'
        : (error && error.name === 'NotFoundError' ? 'no_camera' : 'error');
      this.record('camera_ended', { reason });
      this.say('off', 'Camera off: snapshots cannot be taken. This is recorded for the invigilator; you can carry on.');
      return;
    }
    if (this.stopped) { this.stopCamera(); return; }
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = this.stream;
    try { await this.video.play(); } catch (_) { /* a frame still arrives for the canvas */ }
    this.stream.getVideoTracks().forEach((track) => {
      track.addEventListener('ended', () => {
        if (this.stopped) return;
        this.record('camera_ended', { reason: 'track_ended' });
        this.say('off', 'Camera stopped: snapshots are no longer being taken. This is recorded for the invigilator.');
        this.send();
      });
    });
    this.canvas = document.createElement('canvas');
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    this.say('on', `Camera on: a snapshot is taken every ${this.settings.snapshot_interval_s} seconds `
      + 'for the invigilator.');
    this.snapshot();
    this.scheduleSnapshots();
  }

  scheduleSnapshots() {
    clearInterval(this.timers.snapshot);
    this.timers.snapshot = setInterval(() => this.snapshot(), this.settings.snapshot_interval_s * 1000);
  }

  snapshot() {
    if (this.stopped || !this.video || this.video.readyState < 2) return;
    const context = this.canvas.getContext('2d');
    context.drawImage(this.video, 0, 0, WIDTH, HEIGHT);
    this.canvas.toBlob(async (blob) => {
      if (!blob || this.stopped) return;
      try { this.queue.addSnapshot(await blobToBase64(blob)); } catch (_) { return; }
      this.send();
    }, 'image/jpeg', QUALITY);
  }

  stopCamera() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
  }

  // --- sending --------------------------------------------------------------------------------

  applySettings(settings) {
    if (!settings) return;
    const changed = settings.snapshot_interval_s !== this.settings.snapshot_interval_s;
    const beatChanged = settings.heartbeat_interval_s !== this.settings.heartbeat_interval_s;
    this.settings = { ...this.settings, ...settings };
    if (changed && this.video) this.scheduleSnapshots();
    if (beatChanged) this.scheduleHeartbeats();
  }

  refused(error) {
    // 409: the attempt has ended (or is not invigilated): nothing more will be taken.
    if (error instanceof HttpError && error.status === 409) { this.stop(); return true; }
    // 422/413/415: this batch can never be accepted; drop it rather than resend it for ever.
    if (error instanceof HttpError && [413, 415, 422].includes(error.status)) return 'drop';
    const retry = error instanceof HttpError && [429, 503].includes(error.status) && error.body.retry_after_s;
    this.failures += 1;
    const wait = retry ? retry * 1000 : Math.min(60000, 1000 * 2 ** Math.min(this.failures, 6));
    this.backoffUntil = Date.now() + wait;
    return false;
  }

  async sendEvents() {
    const batch = this.queue.events.slice(0, MAX_BATCH);
    if (!batch.length) return true;
    const riding = this.riders.map((rider) => [rider, rider.ride()]).filter(([, fields]) => fields);
    const body = { events: batch };
    riding.forEach(([, fields]) => Object.assign(body, fields));
    try {
      let answer = null;
      try {
        answer = await request('POST', `${this.base}/events`, body);
      } finally {
        riding.forEach(([rider, fields]) => rider.rode(fields, answer));
      }
      this.queue.acknowledge(answer.acknowledged || []);
      this.applySettings(answer.settings);
      this.failures = 0;
      return true;
    } catch (error) {
      if (error instanceof SignedOut) { this.refused(error); return false; }
      if (this.refused(error) === 'drop') { this.queue.acknowledge(batch.map((e) => e.id)); return true; }
      return false;
    }
  }

  async sendSnapshot(item) {
    let response;
    try {
      response = await fetch(`${this.base}/snapshots`, {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', body: base64ToBytes(item.data),
        headers: { 'Content-Type': 'image/jpeg', Accept: 'application/json', 'X-CSRFToken': csrfToken(),
                   'X-Client-Event-Id': item.id, 'X-Captured-At': item.at },
      });
    } catch (_) { this.refused(new Error('offline')); return false; }
    let body = {};
    try { body = await response.json(); } catch (_) { /* the sign-in page, or a proxy's error */ }
    if (response.ok) {
      this.queue.acknowledge(body.acknowledged || [item.id]);
      this.applySettings(body.settings);
      this.failures = 0;
      return true;
    }
    if (this.refused(new HttpError(response.status, body)) === 'drop') {
      this.queue.acknowledge([item.id]);
      return true;
    }
    return false;
  }

  // --- riding on saves --------------------------------------------------------------------------

  // Only heartbeats are queued and the oldest is younger than half an interval: the next autosave
  // will probably carry them, so they wait rather than cost a request of their own. The server
  // judges gaps by when heartbeats arrive, so the wait is bounded well inside its three intervals.
  waitingForASave() {
    const { events } = this.queue;
    if (!this.ridesOnSaves || !events.length || !events.every((e) => e.kind === 'heartbeat')) return false;
    return Date.now() - Date.parse(events[0].at) < this.settings.heartbeat_interval_s * 500;
  }

  // The events the next save carries ({ events }), or null; until rode() nothing else sends them.
  ride() {
    if (this.stopped || !this.queue.opened || this.sending || Date.now() < this.backoffUntil) return null;
    if (!this.queue.events.length) return null;
    this.sending = true;
    return { events: this.queue.events.slice(0, MAX_BATCH) };
  }

  // The save that carried them has its answer (the acknowledgement's `events` says what became of
  // them), or failed (null). What was not acknowledged stays queued and goes with a later save or on
  // its own, where a refusal gets its ordinary handling (409 stops, 422 drops).
  rode(_fields, ack) {
    this.sending = false;
    const answer = ack && ack.events ? ack.events : null;
    if (answer && Array.isArray(answer.acknowledged) && answer.acknowledged.length) {
      this.queue.acknowledge(answer.acknowledged);
      this.applySettings(answer.settings);
      this.failures = 0;
    }
    const refused = answer && answer.refused;
    if (refused && refused.retry_after_s) this.backoffUntil = Date.now() + refused.retry_after_s * 1000;
  }

  async send() {
    if (!this.queue.opened || this.sending || Date.now() < this.backoffUntil) return;
    if (!this.queue.events.length && !this.queue.snapshots.length) return;
    this.sending = true;
    try {
      while (!this.stopped || this.queue.events.length) {
        if (this.queue.events.length && !this.waitingForASave()) {
          if (!(await this.sendEvents())) break;
        } else if (this.queue.snapshots.length && !this.stopped) {
          if (!(await this.sendSnapshot(this.queue.snapshots[0]))) break;
        } else break;
      }
    } finally {
      this.sending = false;
    }
  }

  beacon(events) {
    // The page is going: keepalive lets the browser finish the request after the page is gone.
    if (!events.length) return;
    try {
      fetch(`${this.base}/events`, {
        method: 'POST', keepalive: true, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
        body: JSON.stringify({ events }),
      }).catch(() => {});
    } catch (_) { /* still in localStorage: sent after a reload */ }
  }

  pageClosing() {
    // Recorded even after the end (the server keeps it, marked as after the end, for a short while):
    // leaving for the review page, or for the receipt after submitting, is not leaving the exam.
    this.queue.add('page_closing', this.leavingFor ? { to: this.leavingFor } : {});
    this.beacon(this.queue.events.slice(-MAX_BATCH));
  }

  scheduleHeartbeats() {
    clearInterval(this.timers.heartbeat);
    this.timers.heartbeat = setInterval(() => {
      this.record('heartbeat', { camera: this.stream ? 'on' : 'off', online: navigator.onLine,
                                 queued: this.queue.events.length + this.queue.snapshots.length });
    }, this.settings.heartbeat_interval_s * 1000);
  }

  start(key) {
    this.say('starting', 'Starting the camera for invigilation…');
    this.watchBrowser();
    this.record('heartbeat', { camera: 'starting', online: navigator.onLine });
    this.scheduleHeartbeats();
    this.timers.send = setInterval(() => this.send(), SEND_EVERY_MS);
    this.on(document, 'cop:attempt-ended', () => this.stop());
    window.addEventListener('pagehide', () => this.pageClosing()); // kept after stop(): see pageClosing
    this.startCamera();
    // What an earlier page left is read before anything is sent; recording starts at once.
    this.queue.open(key).catch(() => {}).finally(() => { this.queue.opened = true; this.send(); });
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    Object.values(this.timers).forEach((timer) => clearInterval(timer));
    this.listeners.forEach(([target, type, handler, options]) => target.removeEventListener(type, handler, options));
    this.stopCamera();
    this.queue.snapshots = [];
    this.leavingFor = 'receipt';
    this.say('stopped', 'Camera off: the exam has ended, so nothing more is recorded.');
    // What is still queued is sent once more (the server takes it for a short while after the end),
    // with keepalive: the page is about to open the receipt.
    this.beacon(this.queue.events.slice(-MAX_BATCH));
    this.queue.clear();
  }
}

// The player passes the key it already holds; the review page has none, so it is fetched here.
async function keyFor(root) {
  if (!cryptoAvailable()) return null;
  try {
    const answer = await request('GET', `/api/v1/attempts/${root.dataset.attemptId}/storage-key`);
    return await importKey(answer.key);
  } catch (_) {
    return null; // offline or signed out: memory only on this page; the stored copy stays sealed
  }
}

export function start(root, key) {
  const invigilation = new Invigilation(root);
  if (key !== undefined) invigilation.start(key);
  else keyFor(root).then((found) => invigilation.start(found));
  return invigilation;
}
