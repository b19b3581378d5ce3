// The live invigilation dashboard: server-sent events update the candidates' cards in place.
//
// Only the parts of a card whose markup changed are replaced ([data-part]), so a snapshot thumbnail
// is fetched again (and its viewing recorded) only when a new snapshot has arrived. An update never
// moves keyboard focus: a focused control inside a replaced part is found again by its
// data-focus-key. Important changes (a new flag, a lost connection, a message read) are announced
// through a polite live region. "Pause updates" closes the stream (WCAG 2.2.2); resuming reopens it,
// and the first event of every stream carries every card. Without JavaScript the page still shows
// the state as it was loaded, with a Refresh link.
const list = document.getElementById('live-cards');
const status = document.getElementById('live-status');
const pauseButton = document.getElementById('live-pause');
const announcer = document.getElementById('live-announcer');
let source = null;

function announce(lines) {
  if (!lines.length || !announcer) return;
  announcer.textContent = '';
  window.setTimeout(() => { announcer.textContent = lines.join(' '); }, 50);
}

function parseCard(html) {
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function focusKeyInside(element) {
  const active = document.activeElement;
  return active && element.contains(active) && active.dataset ? active.dataset.focusKey || null : null;
}

function applyCard(key, html) {
  const fresh = parseCard(html);
  let item = list.querySelector(`li[data-key="${key}"]`);
  if (!item) {
    list.querySelectorAll('.live-cards__empty').forEach((el) => el.remove());
    item = document.createElement('li');
    item.className = 'live-cards__item';
    item.dataset.key = String(key);
    item.append(fresh);
    list.append(item);
    return;
  }
  const current = item.firstElementChild;
  current.className = fresh.className;
  fresh.querySelectorAll('[data-part]').forEach((part) => {
    const old = current.querySelector(`[data-part="${part.dataset.part}"]`);
    if (!old || old.outerHTML === part.outerHTML) return;
    const focused = focusKeyInside(old);
    old.replaceWith(part);
    if (focused) {
      const again = part.querySelector(`[data-focus-key="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
  });
}

function onUpdate(event) {
  const body = JSON.parse(event.data);
  if (body.full) {
    const keep = new Set(body.cards.map((c) => String(c.key)));
    list.querySelectorAll('li[data-key]').forEach((item) => {
      if (!keep.has(item.dataset.key) && !focusKeyInside(item)) item.remove();
    });
  }
  body.removed.forEach((key) => {
    const item = list.querySelector(`li[data-key="${key}"]`);
    if (item && !focusKeyInside(item)) item.remove();
  });
  body.cards.forEach((c) => applyCard(c.key, c.html));
  if (status) status.firstChild.textContent = `As at ${body.as_at} (UK time), updated live. `;
  announce(body.announce);
}

function start() {
  source = new EventSource(list.dataset.streamUrl);
  source.addEventListener('update', onUpdate);
  pauseButton.textContent = 'Pause updates';
  pauseButton.setAttribute('aria-pressed', 'false');
}

function stop() {
  if (source) source.close();
  source = null;
  pauseButton.textContent = 'Resume updates';
  pauseButton.setAttribute('aria-pressed', 'true');
}

if (list && list.dataset.streamUrl && pauseButton && 'EventSource' in window) {
  pauseButton.hidden = false;
  pauseButton.addEventListener('click', () => {
    if (source) {
      stop();
      announce(['Updates paused.']);
    } else {
      start();
      announce(['Updates resumed.']);
    }
  });
  start();
}
