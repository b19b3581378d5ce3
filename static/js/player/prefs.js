// Text size, colour scheme and whether the timer is shown: remembered per candidate on this device,
// and defaulted from the attempt's approved adjustments.
//
// Kept readable in localStorage on purpose: a text size or a colour scheme says nothing about the
// exam or its answers, and a candidate sharing a computer loses nothing by it (ASVS V8.2.2:
// what is sensitive — unsent answers, invigilation events and snapshots — is sealed; see outbox.js).

export const TEXT_SIZES = { normal: 'Standard', large: 'Large (150%)', larger: 'Very large (200%)' };
export const SCHEMES = { default: 'Standard (dark text on white)', dark: 'Light text on dark',
                         yellow: 'Yellow text on black', cream: 'Dark text on cream' };

// The adjustment form's words for the same things.
const SIZE_ALIASES = { large: 'large', larger: 'larger', 'x-large': 'larger', 'very large': 'larger', very_large: 'larger',
                       'extra large': 'larger', extra_large: 'larger', x_large: 'larger' };
const SCHEME_ALIASES = { dark: 'dark', 'white on black': 'dark', white_on_black: 'dark', high_contrast: 'dark',
                         yellow: 'yellow', 'yellow-on-black': 'yellow', yellow_on_black: 'yellow', 'yellow on black': 'yellow',
                         cream: 'cream', black_on_cream: 'cream', 'black on cream': 'cream' };

function normalise(value, aliases, fallback) {
  const key = String(value || '').trim().toLowerCase();
  return aliases[key] || fallback;
}

export function defaultsFrom(preferences = {}) {
  return {
    textSize: normalise(preferences.text_size, SIZE_ALIASES, 'normal'),
    scheme: normalise(preferences.colour_scheme, SCHEME_ALIASES, 'default'),
    timerHidden: Boolean(preferences.screen_reader),
  };
}

export class Prefs {
  constructor(userId, preferences) {
    this.key = `cop.player.prefs.${userId}`;
    let stored = {};
    try { stored = JSON.parse(localStorage.getItem(this.key) || '{}') || {}; } catch (_) { stored = {}; }
    this.values = { ...defaultsFrom(preferences), ...stored };
    if (!(this.values.textSize in TEXT_SIZES)) this.values.textSize = 'normal';
    if (!(this.values.scheme in SCHEMES)) this.values.scheme = 'default';
  }

  get(name) { return this.values[name]; }

  set(name, value) {
    this.values[name] = value;
    try { localStorage.setItem(this.key, JSON.stringify(this.values)); } catch (_) { /* not remembered */ }
    this.apply();
  }

  apply(root = document.documentElement) {
    Object.keys(TEXT_SIZES).forEach((size) => root.classList.toggle(`text-${size}`, this.values.textSize === size));
    Object.keys(SCHEMES).forEach((scheme) => root.classList.toggle(`scheme-${scheme}`, this.values.scheme === scheme));
  }
}
