// The review page is drawn by the server from the answers it holds. If this browser still has
// changes waiting to be sent (they are sent from the questions page), say so before submitting.
// The waiting changes are sealed (outbox.js, vault.js) and this page has no need to read them: that
// a queue is stored at all is enough, because the outbox removes it once everything is sent.
const page = document.getElementById('review');
let waiting = false;
try {
  waiting = Boolean(localStorage.getItem(`cop.outbox.${page.dataset.attemptId}`));
} catch (_) {
  waiting = false;
}
if (waiting) {
  const notice = document.getElementById('unsent-warning');
  notice.hidden = false;
  notice.focus();
}

// An invigilated attempt is watched here too, and the invigilator's messages reach it: the candidate
// may stay on this page for minutes. This page sends no saves, so the look for messages rides on the
// heartbeats instead (invigilation.js, `riders`).
const batchRiders = [];
if (page.dataset.invigilationUrl) {
  import('./invigilation.js').then((module) => { module.start(page).riders = batchRiders; }).catch(() => {});
}
if (page.dataset.messagesUrl) {
  import('./messages.js').then((module) => batchRiders.push(
    module.startMessages(page.dataset.messagesUrl, document.getElementById('main-content')).rider));
}
