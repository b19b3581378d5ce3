// Sends the outbox to the server, one entry at a time and in order, and says how it is going:
// "saved", "saving" or "offline" (and "signed_out"). A refusal (409) is handed to the player:
// stale → reload the state and carry on; read_only, attempt_ended, paused → stop until told.
import { HttpError, NetworkError, SignedOut } from './api.js';

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

export class Sync {
  // `riders` (main.js adds to it as invigilation and messages start): what rides on each save. A
  // rider's ride() gives fields for the next save's body, or null (invigilation: queued events;
  // messages: a request for them), and rode(fields, ack) hears the acknowledgement (null: the save
  // failed), which answers for what rode on it.
  constructor({ api, outbox, deviceId, seq, onAck, onStale, onRefused, onStatus, onDropped, riders = [] }) {
    Object.assign(this, { api, outbox, deviceId, seq, onAck, onStale, onRefused, onStatus, onDropped, riders });
    this.running = false;
    this.stopped = false;
    this.timer = null;
    this.failures = 0;
    this.offline = !navigator.onLine;
    this.signedOut = false;
    this.idleWaiters = [];
    this.retryAt = 0;
    window.addEventListener('online', () => { this.offline = false; this.failures = 0; this.retryAt = 0; this.kick(); });
    window.addEventListener('offline', () => { this.offline = true; this.report(); });
  }

  status() {
    if (this.offline) return 'offline';
    if (this.signedOut) return 'signed_out';
    return this.outbox.size ? 'saving' : 'saved';
  }

  report() { this.onStatus(this.status()); }

  stop() { this.stopped = true; clearTimeout(this.timer); this.report(); }

  resume() { this.stopped = false; this.failures = 0; this.retryAt = 0; this.kick(); }

  // Send soon: now, or when the current wait after a failure is over.
  kick(delay = 0) {
    this.report();
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(delay, this.retryAt - Date.now()));
  }

  // Resolves when the outbox is empty (true) or when sending has to wait (false).
  flush() {
    this.outbox.hurry();
    if (this.stopped || this.offline) return Promise.resolve(!this.outbox.size);
    return new Promise((resolve) => { this.idleWaiters.push(resolve); this.retryAt = 0; this.kick(); });
  }

  settle(done) {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve(done));
  }

  retryLater() {
    const delay = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures += 1;
    this.retryAt = Date.now() + delay;
    this.settle(false);
    this.kick();
  }

  async pump() {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (;;) {
        const entry = this.outbox.head();
        if (!entry) { this.report(); this.settle(true); return; }
        const wait = entry.ready_at - Date.now();
        if (wait > 0) { this.report(); clearTimeout(this.timer); this.timer = setTimeout(() => this.pump(), wait); return; }
        this.outbox.markSent(entry.id);
        this.report();
        const riding = this.riders.map((rider) => [rider, rider.ride()]).filter(([, fields]) => fields);
        const body = { slot: entry.slot, payload: entry.payload, seen_seq: this.seq, client_step_id: entry.id,
                       device_id: this.deviceId };
        riding.forEach(([, fields]) => Object.assign(body, fields));
        try {
          let ack = null;
          try {
            ack = await this.api.save(body);
          } finally {
            riding.forEach(([rider, fields]) => rider.rode(fields, ack));
          }
          this.outbox.remove(entry.id);
          this.failures = 0;
          this.retryAt = 0;
          this.offline = false;
          this.signedOut = false;
          this.seq = ack.last_seq;
          this.onAck(ack);
        } catch (error) {
          if (!(await this.handle(error, entry))) return;
        }
        if (this.stopped) { this.settle(false); return; }
      }
    } finally {
      this.running = false;
    }
  }

  // What to do after a failed send; true to carry on with the next entry.
  async handle(error, entry) {
    if (error instanceof NetworkError) {
      this.offline = true;
      this.retryLater();
      return false;
    }
    if (error instanceof SignedOut) {
      this.signedOut = true;
      this.retryLater();
      return false;
    }
    if (error instanceof HttpError && error.status === 409) {
      const { code, state } = error.body;
      if (code === 'stale') {
        this.seq = state.last_seq;
        await this.onStale(state);
        return true;
      }
      this.stopped = true;
      this.settle(false);
      this.onRefused(code, error.body);
      return false;
    }
    if (error instanceof HttpError && (error.status === 422 || error.status === 404)) {
      // The server can never accept this entry; keeping it would block every later one.
      this.outbox.remove(entry.id);
      this.onDropped(entry, error);
      return true;
    }
    this.offline = false;
    this.retryLater(); // 5xx, or anything unexpected: try again shortly
    return false;
  }
}
