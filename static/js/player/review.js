// The review page is drawn by the server from the answers it holds. If this browser still has
// changes waiting to be sent (they are sent from the questions page), say so before submitting.
const page = document.getElementById('review');
let waiting = [];
try {
  waiting = JSON.parse(localStorage.getItem(`cop.outbox.${page.dataset.attemptId}`) || '[]');
} catch (_) {
  waiting = [];
}
if (Array.isArray(waiting) && waiting.length) {
  const notice = document.getElementById('unsent-warning');
  notice.hidden = false;
  notice.focus();
}

// An invigilated attempt is watched here too: the candidate may stay on this page for minutes.
if (page.dataset.invigilationUrl) {
  import('./invigilation.js').then((module) => module.start(page)).catch(() => {});
}
