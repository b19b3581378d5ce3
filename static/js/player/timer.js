// The countdown. The deadline is the server's: every answer from the server re-anchors the time
// left, and the page only counts down between answers. A visible countdown for those who want it;
// hidden (or for screen-reader users), the timer is silent except for a polite announcement at 15,
// 5 and 1 minutes left, and whenever the candidate asks ("Time left").

const MARKS = [15, 5, 1]; // minutes left worth announcing

// Whole minutes, never rounded up, as the clock shows them: at 1:13 "1 minute left", never "2 minutes";
// seconds only in the last minute.
export function spokenTime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const count = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (s <= 0) return 'No time left';
  if (s < 60) return `${count(s, 'second')} left`;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return `${[hours ? count(hours, 'hour') : '', minutes ? count(minutes, 'minute') : ''].filter(Boolean).join(' ')} left`;
}

export function clockTime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

export class Timer {
  constructor({ display, announce, onExpire }) {
    Object.assign(this, { display, announce, onExpire });
    this.anchorLeft = null;
    this.anchorAt = 0;
    this.running = true;
    this.announced = new Set();
    this.expired = false;
    this.interval = setInterval(() => this.tick(), 1000);
  }

  // ``timeLeft`` seconds as the server said just now; ``running`` false while paused.
  set(timeLeft, running = true) {
    const first = this.anchorLeft === null;
    this.anchorLeft = timeLeft;
    this.anchorAt = performance.now();
    this.running = running;
    if (first) MARKS.forEach((m) => { if (timeLeft <= m * 60) this.announced.add(m); });
    if (timeLeft > 0) this.expired = false;
    this.tick();
  }

  left() {
    if (this.anchorLeft === null) return null;
    if (!this.running) return this.anchorLeft;
    return Math.max(0, this.anchorLeft - (performance.now() - this.anchorAt) / 1000);
  }

  tick() {
    const left = this.left();
    if (left === null) return;
    this.display(clockTime(left), left);
    MARKS.forEach((m) => {
      if (left <= m * 60 && left > 0 && !this.announced.has(m)) {
        this.announced.add(m);
        this.announce(`${m} minute${m === 1 ? '' : 's'} left.`);
      }
    });
    if (left <= 0 && this.running && !this.expired) {
      this.expired = true;
      this.onExpire();
    }
  }

  sayTimeLeft() {
    const left = this.left();
    if (left !== null) this.announce(`${spokenTime(left)}.`);
  }
}
