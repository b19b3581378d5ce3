// Sealing what the player keeps in the browser's storage (OWASP ASVS V8.2.2). Unsent answers and
// invigilation snapshots stay in localStorage so that nothing is lost offline, on a reload or a crash,
// but only as AES-GCM ciphertext: on a shared or stolen computer, whoever opens the storage sees
// neither the answers nor the candidate's face. The key is the attempt's own, made on the server and
// given to the attempt's candidate alone (GET /api/v1/attempts/<id>/storage-key, sent no-store); the
// page holds it in memory only, as a non-extractable CryptoKey, and never writes it anywhere.
// Stored form: {"sealed": 1, "iv": base64, "data": base64}; the storage key's name is bound in as
// additional data, so a sealed value cannot be moved under another name. docs/exam-player.md.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// WebCrypto exists only in a secure context (https, or http on 127.0.0.1/localhost). Without it the
// player keeps its queues in memory only: it never falls back to storing them readable.
export function cryptoAvailable() {
  return Boolean(window.isSecureContext && window.crypto && window.crypto.subtle);
}

function toBase64(bytes) {
  let text = '';
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// The server's base64url key → a CryptoKey that script cannot read back out.
export async function importKey(base64url) {
  const raw = fromBase64(base64url + '='.repeat((4 - (base64url.length % 4)) % 4));
  if (raw.length !== 32) throw new Error('The storage key is not 256 bits.');
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

// A value → the stored text. A fresh random 12-byte IV every time: GCM must never reuse one.
export async function seal(key, name, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(name) }, key,
                                           encoder.encode(JSON.stringify(value)));
  return JSON.stringify({ sealed: 1, iv: toBase64(iv), data: toBase64(new Uint8Array(data)) });
}

// What is stored under a name, read: {kind: 'none'}, {kind: 'plain', value} (written by a version
// before sealing: read once, then rewritten sealed), {kind: 'sealed', value}, or {kind: 'unreadable'}
// (the wrong key, or damaged): the caller keeps it, never deletes it.
export async function unseal(key, name, text) {
  if (text === null || text === undefined) return { kind: 'none' };
  let parsed;
  try { parsed = JSON.parse(text); } catch (_) { return { kind: 'unreadable' }; }
  if (Array.isArray(parsed)) return { kind: 'plain', value: parsed };
  if (!parsed || parsed.sealed !== 1 || !key) return { kind: 'unreadable' };
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(parsed.iv), additionalData: encoder.encode(name) }, key,
      fromBase64(parsed.data));
    return { kind: 'sealed', value: JSON.parse(decoder.decode(plain)) };
  } catch (_) {
    return { kind: 'unreadable' };
  }
}

// Keeps a value sealed under one name, always the latest: writes go one at a time, and while one
// is being sealed only the newest value waits, so an older state can never land after a newer one.
// ``onFailure`` is called once if the storage refuses a write (full, or switched off): from then on
// nothing more is written, and the caller carries on in memory.
export class SealedSlot {
  constructor(storage, name, key, onFailure) {
    Object.assign(this, { storage, name, key, onFailure });
    this.pending = undefined;
    this.writing = false;
    this.failed = false;
    this.idle = [];
  }

  write(value) {
    if (this.failed) return;
    this.pending = JSON.parse(JSON.stringify(value)); // the state as it is now, not as it will be
    if (!this.writing) this.drain();
  }

  async drain() {
    this.writing = true;
    try {
      while (this.pending !== undefined && !this.failed) {
        const value = this.pending;
        this.pending = undefined;
        if (value === null) {
          this.storage.removeItem(this.name);
        } else {
          const text = await seal(this.key, this.name, value);
          this.storage.setItem(this.name, text); // a newer value waiting is written next, over this one
        }
      }
    } catch (_) {
      this.failed = true;
      this.pending = undefined;
      if (this.onFailure) this.onFailure();
    } finally {
      this.writing = false;
      const waiting = this.idle;
      this.idle = [];
      waiting.forEach((resolve) => resolve());
    }
  }

  // The attempt has ended: remove the copy now, and write nothing after (a seal still under way
  // would otherwise land after the removal).
  close() {
    this.failed = true;
    this.pending = undefined;
    try { this.storage.removeItem(this.name); } catch (_) { /* storage off: nothing was kept */ }
  }

  // Resolves when everything asked for so far is in storage (or has failed).
  settled() {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => { this.idle.push(resolve); });
  }
}
