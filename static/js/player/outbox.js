// The outbox: every change to an answer, kept until the server has acknowledged it, so that nothing
// is lost to a dropped connection, a reload or a crash.
//
// Entries are sent in the order they were made. Each holds the slot's whole state (answer, flag,
// struck-out options) and a client step id: sending an entry twice is harmless, because the server
// answers a repeated id with the acknowledgement it already gave. A change to the slot of the last
// entry is merged into it (typing is one entry, sent about a second after the last key, at least
// every few seconds) — but never into an entry that may already have been sent, and never into an
// entry that another change came after: offline for minutes, answers reach the server in the order
// they were given (docs/faults.md).
//
// Where it is kept (ASVS V8.2.2, docs/exam-player.md): the working queue is in this page's memory,
// which is the source of truth while the page lives; after every change a copy sealed with the
// attempt's key (vault.js) is written to localStorage under `cop.outbox.<attempt>`, so a reload or
// a crash loses nothing, yet nobody who opens the storage on a shared computer can read an answer.
// At start-up `open()` reads that copy back before anything is sent. A queue stored readable by an
// earlier version is read, rewritten sealed at once, and sent. A sealed copy this page cannot open
// is never deleted: it is moved aside to `cop.outbox.<attempt>.unreadable` and reported. Without
// WebCrypto, or when the storage refuses, the queue lives in memory only — never stored readable.

import { SealedSlot, unseal } from './vault.js';

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

function browserStorage() {
  try { return window.localStorage; } catch (_) { return null; } // switched off: reading it throws
}

export class Outbox {
  constructor(attemptId, storage = browserStorage()) {
    this.key = `cop.outbox.${attemptId}`;
    this.unreadableKey = `${this.key}.unreadable`;
    this.storage = storage;
    this.list = [];
    this.slot = null;        // the sealed copy in localStorage, once open() has a key
    this.memoryOnly = false; // no WebCrypto, or the storage refused: nothing is stored at all
    this.unreadable = false; // a sealed copy this page could not open was kept aside
    this.keepInPlace = false; // …and could not be moved, so it is left exactly where it is
    this.sentIds = new Set(); // acknowledged here: never taken back from another window's copy
    this.onProblem = () => {};
  }

  // Read what an earlier page left, before anything is sent. ``cryptoKey`` null: memory only.
  async open(cryptoKey) {
    this.cryptoKey = cryptoKey;
    if (!this.storage) { this.fallBack(); return; }
    if (cryptoKey) {
      this.slot = new SealedSlot(this.storage, this.key, cryptoKey, () => this.fallBack());
    } else {
      this.memoryOnly = true;
      this.onProblem('memory_only');
    }
    let stored = null;
    try { stored = this.storage.getItem(this.key); } catch (_) { this.fallBack(); return; }
    const found = await unseal(cryptoKey, this.key, stored);
    if (found.kind === 'unreadable') {
      this.keepAside(stored);
      this.list = [];
      return;
    }
    this.list = found.kind === 'none' ? [] : this.usable(found.value);
    // A readable queue from an earlier version is replaced by a sealed one straight away; without a
    // key it stays only until it has been sent (then save() removes it), as it would have before.
    if (found.kind === 'plain' && !this.memoryOnly) this.save(this.list);
  }

  usable(value) {
    return Array.isArray(value) ? value.filter((e) => e && typeof e === 'object' && e.id) : [];
  }

  // Another window of this attempt wrote its copy (it had the attempt before this one): take the
  // changes this page has not seen, after its own, so none is lost when this window takes over.
  async reload() {
    if (!this.slot || this.memoryOnly) return;
    let stored = null;
    try { stored = this.storage.getItem(this.key); } catch (_) { return; }
    const found = await unseal(this.cryptoKey, this.key, stored);
    if (found.kind !== 'sealed' && found.kind !== 'plain') return;
    const known = new Set(this.list.map((e) => e.id));
    const more = this.usable(found.value).filter((e) => !known.has(e.id) && !this.sentIds.has(e.id));
    if (more.length) this.save(this.list.concat(more));
  }

  keepAside(text) {
    this.unreadable = true;
    try {
      const earlier = JSON.parse(this.storage.getItem(this.unreadableKey) || '[]');
      const kept = Array.isArray(earlier) ? earlier : [];
      kept.push(text);
      this.storage.setItem(this.unreadableKey, JSON.stringify(kept)); // still only ciphertext
      this.storage.removeItem(this.key);
    } catch (_) {
      // Could not move it: leave it where it is and keep this page's queue in memory, so that
      // nothing overwrites or removes it.
      this.keepInPlace = true;
      this.fallBack();
    }
    this.onProblem('unreadable');
  }

  fallBack() {
    if (this.memoryOnly) return;
    this.memoryOnly = true;
    this.onProblem('memory_only');
  }

  entries() { return this.list.map((e) => ({ ...e })); }

  save(entries) {
    this.list = entries;
    if (this.memoryOnly) {
      if (!entries.length && this.storage && !this.keepInPlace) {
        try { this.storage.removeItem(this.key); } catch (_) { /* nothing to tidy */ }
      }
      return;
    }
    if (this.slot) this.slot.write(entries.length ? entries : null);
  }

  // Resolves when the sealed copy in localStorage is up to date (the tests wait for this).
  settled() { return this.slot ? this.slot.settled() : Promise.resolve(); }

  get storageFailed() { return this.memoryOnly; }

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

  head() { return this.list.length ? { ...this.list[0] } : null; }

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

  remove(id) {
    this.sentIds.add(id);
    this.save(this.entries().filter((e) => e.id !== id));
  }

  // After another window saved: drop the changes the server already holds a newer state for.
  dropOlderThan(savedAtBySlot) {
    this.save(this.entries().filter((e) => {
      const saved = savedAtBySlot[e.slot];
      return !saved || e.at >= saved;
    }));
  }

  latestBySlot() {
    const latest = {};
    this.list.forEach((e) => { latest[e.slot] = e.payload; });
    return latest;
  }

  get size() { return this.list.length; }

  // The attempt has ended: the server takes nothing more, so nothing is kept on this device, not
  // even a copy this page could not read.
  clear() {
    this.list = [];
    if (this.slot) this.slot.close();
    if (!this.storage) return;
    try {
      this.storage.removeItem(this.key);
      this.storage.removeItem(this.unreadableKey);
    } catch (_) { /* storage off: nothing kept */ }
  }
}
