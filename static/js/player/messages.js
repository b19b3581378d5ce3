// Messages from the invigilator during an invigilated attempt. Polled every 10 seconds from the
// candidate messages API; the oldest unread message is shown in a panel at the top of the exam.
// The panel takes no focus by surprise (the candidate may be typing an answer), but its text goes
// into an assertive live region so that a screen reader reads it at once. "I have read this" tells
// the invigilator (their dashboard shows it) and shows the next unread message, if any.
import { request } from './api.js';

const POLL_MS = 10000;

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
  let timer = null;

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

  async function poll() {
    try {
      show((await request('GET', url)).messages);
    } catch (_) {
      // Offline or signed out for a moment: the player says so; the next round tries again.
    }
  }

  button.addEventListener('click', async () => {
    if (shown === null) return;
    const id = shown;
    button.disabled = true;
    try {
      const body = await request('POST', `${url}/${id}/acknowledge`, {});
      const hadFocus = panel.contains(document.activeElement);
      show(body.messages);
      alert.textContent = '';
      if (panel.hidden && hadFocus) {
        // The button has gone: put focus back where the candidate was working (the question, or
        // the page's main area while the paper is hidden).
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

  poll();
  timer = window.setInterval(poll, POLL_MS);
  return () => window.clearInterval(timer);
}
