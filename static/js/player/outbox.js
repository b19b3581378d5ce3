// The outbox: every change to an answer, kept in the browser's storage until the server has
// acknowledged it, so that nothing is lost to a dropped connection, a reload or a crash.
//
// Entries are sent in the order they were made. Each holds the slot's whole state (answer, flag,
// struck-out options) and a client step id: sending an entry twice is harmless, because the server
// answers a repeated id with the acknowledgement it already gave. A change to the slot of the last
// entry is merged into it (typing is one entry, sent about a second after the last key, at least
// every few seconds) — but never into an entry that may already have been sent, and never into an
// entry that another change came after: offline for minutes, answers reach the server in the order
// they were given (docs/faults.md).

const DEBOUNCE_MS = 1000;
const MAX_WAIT_MS = 5000; // continuous typing still saves every few seconds

function randomHex(bytes) {
  const values = new Uint8Array(bytes);
  crypto.getRandomValues(values);
  return Array.from(values, (v) => v.toString(16).padStart(2, '0')).join('');
}

export function newId(prefix = '') {
  return `${prefix}${randomHex(12)}`.slice(0, 64);
}

export class Outbox {
  constructor(attemptId, storage = window.localStorage) {
    this.key = `cop.outbox.${attemptId}`;
    this.storage = storage;
    this.memory = null; // used only when the browser's storage refuses to keep anything
  }

  entries() {
    if (this.memory) return this.memory.map((e) => ({ ...e }));
    try {
      const parsed = JSON.parse(this.storage.getItem(this.key) || '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch (_) {
      return [];
    }
  }

  save(entries) {
    if (this.memory) { this.memory = entries; return; }
    try {
      if (entries.length) this.storage.setItem(this.key, JSON.stringify(entries));
      else this.storage.removeItem(this.key);
    } catch (_) {
      this.memory = entries; // storage full or switched off: keep going in memory
    }
  }

  get storageFailed() { return this.memory !== null; }

  // Record a change to a slot. ``at`` is the server's time of the change (for stale merges).
  put(slot, payload, seenSeq, at, now = Date.now()) {
    const entries = this.entries();
    const last = entries[entries.length - 1];
    const entry = last && last.slot === slot && !last.sent ? last : null;
    if (entry) {
      entry.payload = payload;
      entry.at = at;
      entry.ready_at = Math.min(now + DEBOUNCE_MS, entry.first_at + MAX_WAIT_MS);
    } else {
      entries.push({ id: newId('s'), slot, payload, seen_seq: seenSeq, at, first_at: now,
                     ready_at: now + DEBOUNCE_MS, sent: false });
    }
    this.save(entries);
  }

  head() { return this.entries()[0] || null; }

  // Send now rather than after the pause (before leaving the page, or submitting).
  hurry() {
    const entries = this.entries();
    entries.forEach((e) => { e.ready_at = 0; });
    this.save(entries);
  }

  markSent(id) {
    const entries = this.entries();
    entries.forEach((e) => { if (e.id === id) e.sent = true; });
    this.save(entries);
  }

  remove(id) { this.save(this.entries().filter((e) => e.id !== id)); }

  // After another window saved: drop the changes the server already holds a newer state for.
  dropOlderThan(savedAtBySlot) {
    this.save(this.entries().filter((e) => {
      const saved = savedAtBySlot[e.slot];
      return !saved || e.at >= saved;
    }));
  }

  latestBySlot() {
    const latest = {};
    this.entries().forEach((e) => { latest[e.slot] = e.payload; });
    return latest;
  }

  get size() { return this.entries().length; }

  clear() { this.save([]); }
}
