// Messages from the invigilator during an invigilated attempt, looked for at least every 10 seconds:
// an autosave or a batch of heartbeats asks for them (the answer lists them; sync.js and
// invigilation.js carry `rider`) when the last look is 5 seconds old, and the candidate messages API
// is polled only when 10 seconds have passed with no look, so a candidate sends fewer requests and a
// message still shows within 10 seconds. The oldest unread message is shown in a panel at the top of
// the exam. The panel takes no focus by surprise (the candidate may be typing an answer), but its
// text goes into an assertive live region so that a screen reader reads it at once. "I have read
// this" tells the invigilator (their dashboard shows it) and shows the next unread message, if any.
import { request } from './api.js';

const POLL_MS = 10000;
const ASK_AFTER_MS = POLL_MS / 2; // an autosave asks for them when the last look is this old

export function startMessages(url, host) {
  const panel = document.createElement('section');
  panel.className = 'player-message';
  panel.setAttribute('aria-labelledby', 'player-message-heading');
  panel.hidden = true;
  const heading = document.createElement('h2');
  heading.className = 'heading-m';
  heading.id = 'player-message-heading';
  heading.textContent = 'Message from the invigilator';
  const text = document.createElement('p');
  text.className = 'player-message__text';
  text.id = 'player-message-text';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button';
  button.id = 'player-message-read';
  button.textContent = 'I have read this';
  panel.append(heading, text, button);
  // The live region exists (empty) before anything is put in it, so the message is announced.
  const alert = document.createElement('div');
  alert.className = 'visually-hidden';
  alert.setAttribute('role', 'alert');
  alert.id = 'player-message-alert';
  host.prepend(alert);
  host.prepend(panel);

  let shown = null;
  let lastLook = 0; // when the messages were last read, by a poll or with a save or heartbeats

  function show(messages) {
    const unread = messages.filter((m) => !m.acknowledged);
    const next = unread.length ? unread[0] : null;
    if (!next) {
      panel.hidden = true;
      shown = null;
      return;
    }
    if (shown === next.id) return;
    shown = next.id;
    text.textContent = next.text;
    panel.hidden = false;
    alert.textContent = `Message from the invigilator: ${next.text}`;
  }

  function looked(messages) {
    lastLook = Date.now();
    show(messages);
  }

  async function poll() {
    try {
      looked((await request('GET', url)).messages);
    } catch (_) {
      // Offline or signed out for a moment: the player says so; the next round tries again.
    }
  }

  // Poll only when POLL_MS have passed since the last look; until then, wait for the rest of it.
  function tick() {
    const due = lastLook + POLL_MS - Date.now();
    if (due > 0) {
      window.setTimeout(tick, due);
      return;
    }
    poll().finally(() => { window.setTimeout(tick, POLL_MS); });
  }

  button.addEventListener('click', async () => {
    if (shown === null) return;
    const id = shown;
    // Asked before the button is disabled: a disabled button loses the focus, so asking after the
    // request would always find it gone and leave a keyboard user's focus on the page's body.
    const hadFocus = panel.contains(document.activeElement);
    button.disabled = true;
    try {
      const body = await request('POST', `${url}/${id}/acknowledge`, {});
      looked(body.messages);
      alert.textContent = '';
      if (panel.hidden && hadFocus) {
        // The button has gone: put focus back where the candidate was working (the question, or
        // the page's main area while the paper is hidden, and on the review page).
        const question = document.getElementById('question-heading');
        const visible = question && question.offsetParent !== null;
        (visible ? question : host).focus();
      }
    } catch (_) {
      alert.textContent = 'Your reply could not be sent. Try “I have read this” again.';
    } finally {
      button.disabled = false;
    }
  });

  tick();
  return {
    // Rides on autosaves (sync.js) and on batches of events (invigilation.js): asks for the messages,
    // and reads them from the answer.
    rider: {
      ride: () => (Date.now() - lastLook >= ASK_AFTER_MS ? { messages: true } : null),
      rode: (_fields, ack) => { if (ack && Array.isArray(ack.messages)) looked(ack.messages); },
    },
  };
}
