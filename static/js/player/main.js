// The exam player: loads the attempt, renders the questions, keeps every change in the outbox and
// sends it, and follows the attempt's state (read-only in another window, paused, ended).
import { HttpError, NetworkError, SignedOut, makeApi } from './api.js';
import { Outbox, newId } from './outbox.js';
import { Prefs, SCHEMES, TEXT_SIZES } from './prefs.js';
import { h, isAnswered, renderAnswer, renderScenario } from './render.js';
import { Sync } from './sync.js';
import { Timer, spokenTime } from './timer.js';
import { cryptoAvailable, importKey } from './vault.js';

const STATUS_TEXT = {
  loading: 'Loading the exam…',
  saved: 'All answers saved',
  saving: 'Saving…',
  offline: 'Offline — your answers are kept on this device and will be sent when the connection returns',
  signed_out: 'You have been signed out, so answers cannot be sent. They are kept on this device: '
    + 'sign in again in a new tab, then come back to this one.',
};
const POLL_MS = 30000;
const PAUSED_POLL_MS = 5000;

const $ = (id) => document.getElementById(id);
const root = $('player');
const attemptId = root.dataset.attemptId;
const api = makeApi(root.dataset.apiUrl);
const outbox = new Outbox(attemptId);
// Which window holds the attempt, in localStorage so that other windows hear of a take-over: a
// window id and a time, nothing about the exam or the candidate, so it is not sealed (ASVS V8.2.2;
// see outbox.js for what is). The window id in sessionStorage (deviceIdFor) is the same kind.
const claimKey = `cop.claim.${attemptId}`;

const model = {
  items: [], caseStudies: [], slots: {}, current: 0, mode: 'loading', clockOffset: 0,
  renderedCaseStudy: null, hasRestBreaks: false,
  // The paper (items and case studies) is held only while the clock runs: a break or a pause
  // drops it from memory and from the page, and it is fetched again when the exam carries on.
  contentLoaded: false, reloading: false,
};
let sync = null;
let prefs = null;
let timer = null;
let pollTimer = null;
// What rides on each autosave (sync.js): invigilation's queued events, a look for messages.
const riders = [];
// What rides on invigilation's batches sent on their own (heartbeats while the candidate reads): the
// look for messages, so the message poll waits then too.
const batchRiders = [];

// --- small helpers -----------------------------------------------------------------------------

function deviceIdFor() {
  // One id per window: kept across a reload, new for a new tab (or a duplicated one).
  const key = `cop.device.${attemptId}`;
  const navigation = performance.getEntriesByType('navigation')[0];
  let id = sessionStorage.getItem(key);
  if (!id || !navigation || navigation.type !== 'reload') {
    id = newId('d');
    sessionStorage.setItem(key, id);
  }
  return id;
}
const deviceId = deviceIdFor();

let lastStatus = '';
function setStatus(kind) {
  if (kind === lastStatus) return;
  lastStatus = kind;
  const line = $('save-status');
  line.textContent = STATUS_TEXT[kind] || kind;
  line.dataset.state = kind;
}

function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

const STORAGE_PROBLEMS = {
  memory_only: 'This browser cannot keep a protected copy of your answers on this device, so any answer not yet '
    + 'sent is kept only while this page stays open. Do not close or reload this page until it says '
    + '“All answers saved”.',
  unreadable: 'Saving needs attention: this device holds earlier changes to your answers that this page cannot '
    + 'read, so they have not been sent. They have been kept on this device. Carry on with your exam, and tell '
    + 'the invigilator or the register’s exams team.',
};

function storageProblem(kind) {
  const region = $('storage-alert');
  const known = region.dataset.problems ? region.dataset.problems.split(' ') : [];
  if (!known.includes(kind)) known.push(kind);
  region.dataset.problems = known.join(' ');
  region.replaceChildren(...known.map((k) => h('p', { text: STORAGE_PROBLEMS[k] })));
  region.hidden = false;
}
outbox.onProblem = storageProblem;

function alertMessage(text) {
  const region = $('player-alert');
  region.replaceChildren(text ? h('p', { text }) : '');
  region.hidden = !text;
}

const clone = (value) => JSON.parse(JSON.stringify(value));
const payloadOf = (s) => ({ answer: s.answer ?? null, flagged: Boolean(s.flagged), struck: s.struck || [] });
const serverNow = () => Date.now() + model.clockOffset;

// --- state from the server ---------------------------------------------------------------------

function mergeSlots(serverSlots) {
  model.slots = {};
  serverSlots.forEach((s) => { model.slots[s.slot] = payloadOf(s); });
  Object.entries(outbox.latestBySlot()).forEach(([slot, payload]) => {
    if (model.slots[slot]) model.slots[slot] = clone(payload);
  });
}

function savedAtBySlot(serverSlots) {
  return Object.fromEntries(serverSlots.map((s) => [s.slot, s.saved_at ? Date.parse(s.saved_at) : 0]));
}

function applyState(state) {
  if (state.server_time) model.clockOffset = Date.parse(state.server_time) - Date.now();
  if (state.state !== 'in_progress' && state.state !== 'paused') { ended(); return; }
  timer.set(state.time_left_s, state.state === 'in_progress');
  const paused = state.state === 'paused';
  if (paused) hidePaper(); // whatever the mode: a read-only window must not show the paper either
  if (state.read_only === true && model.mode !== 'read_only') enterReadOnly();
  if (paused) enterPaused(state.paused_reason, state.on_break);
  else if (model.mode === 'paused') leavePaused();
  else if (!model.contentLoaded) reloadContent();
}

async function refreshState() {
  if (model.mode === 'loading' || model.mode === 'ended') return;
  try {
    applyState(await api.state(deviceId));
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) ended();
    // Offline or signed out: the save status already says so; the next poll tries again.
  }
}

function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => { await refreshState(); schedulePoll(); },
                         model.mode === 'paused' ? PAUSED_POLL_MS : POLL_MS);
}

// --- the paper: shown only while the clock runs --------------------------------------------------

function installContent(data) {
  model.items = data.items;
  model.caseStudies = data.case_studies;
  model.renderedCaseStudy = null;
  model.contentLoaded = true;
}

function hidePaper() {
  model.items = [];
  model.caseStudies = [];
  model.renderedCaseStudy = null;
  model.contentLoaded = false;
  $('scenario').replaceChildren();
  $('question-body').replaceChildren();
  $('navigator-list').replaceChildren();
  $('navigator-summary').textContent = '';
  $('question-heading').textContent = 'Question';
  $('question-meta').textContent = '';
  $('paper').hidden = true;
  $('navigator').hidden = true;
}

// Fetch the paper again (after a break or a pause). True when it is back on the page.
async function reloadContent() {
  if (model.reloading) return false;
  model.reloading = true;
  try {
    const data = await api.load(deviceId);
    if (data.content_withheld) { applyState(data); return false; }
    installContent(data);
    outbox.dropOlderThan(savedAtBySlot(data.slots));
    mergeSlots(data.slots);
    if (sync) sync.seq = data.last_seq;
    $('paper').hidden = false;
    $('navigator').hidden = false;
    go(Math.min(model.current, model.items.length - 1), { focus: false });
    return true;
  } catch (error) {
    return false; // offline or refused: the next poll tries again
  } finally {
    model.reloading = false;
  }
}

// --- modes -------------------------------------------------------------------------------------

function setInteractive() {
  const active = model.mode === 'active';
  $('answer-fieldset').disabled = !active;
  $('flag-button').disabled = !active;
  $('break-button').hidden = !(active && model.hasRestBreaks);
}

function enterReadOnly() {
  model.mode = 'read_only';
  sync.stop();
  $('paused-banner').hidden = true;
  $('read-only-banner').hidden = false;
  setInteractive();
  $('read-only-heading').focus();
}

async function claimThisWindow() {
  const button = $('claim-button');
  button.disabled = true;
  try {
    await api.claim(deviceId);
    const state = await api.state(deviceId);
    await outbox.reload(); // what the other window still had unsent is sent from this one
    outbox.dropOlderThan(savedAtBySlot(state.slots));
    mergeSlots(state.slots);
    sync.seq = state.last_seq;
    model.mode = 'active';
    localStorage.setItem(claimKey, `${deviceId}:${Date.now()}`);
    $('read-only-banner').hidden = true;
    if (model.contentLoaded) renderAll();
    applyState(state);
    setInteractive();
    sync.resume();
    $('question-heading').focus();
  } catch (error) {
    alertMessage(error instanceof NetworkError
      ? 'There is no connection, so this window cannot take over yet. Try again when the connection returns.'
      : (error.message || 'This window could not take over the exam.'));
  } finally {
    button.disabled = false;
  }
}

function enterPaused(reason, onBreak) {
  if (model.mode === 'read_only') { schedulePoll(); return; }
  const wasPaused = model.mode === 'paused';
  model.mode = 'paused';
  sync.stop();
  const isBreak = onBreak === undefined ? reason === 'Rest break' : Boolean(onBreak);
  $('paused-message').textContent = isBreak
    ? 'You are on a rest break. The clock has stopped. Your answers are safe.'
    : `The exam has been paused${reason ? `: ${reason}` : ''}. The clock has stopped, and your answers are safe. `
      + 'The exam carries on when the invigilator resumes it.';
  $('end-break-button').hidden = !isBreak;
  $('paused-banner').hidden = false;
  setInteractive();
  if (!wasPaused) { $('paused-heading').focus(); schedulePoll(); }
}

async function leavePaused() {
  if (model.reloading) return;
  const back = model.contentLoaded || await reloadContent();
  if (!back || model.mode !== 'paused' || !model.contentLoaded) { schedulePoll(); return; }
  model.mode = 'active';
  $('paused-banner').hidden = true;
  setInteractive();
  sync.resume();
  schedulePoll();
  $('question-heading').focus();
}

function ended() {
  if (model.mode === 'ended') return;
  model.mode = 'ended';
  if (sync) sync.stop();
  outbox.clear(); // the server accepts nothing after the end
  clearTimeout(pollTimer);
  document.dispatchEvent(new Event('cop:attempt-ended')); // invigilation.js stops the camera
  alertMessage('The exam has ended. Everything saved before the end has been kept. Opening your receipt…');
  window.location.assign(root.dataset.receiptUrl);
}

function onRefused(code, body) {
  if (code === 'read_only') enterReadOnly();
  else if (code === 'attempt_ended') ended();
  else if (body.state) {
    applyState(body.state);
    if (model.mode === 'active') setTimeout(() => sync.resume(), PAUSED_POLL_MS);
  }
}

async function onStale(state) {
  outbox.dropOlderThan(savedAtBySlot(state.slots));
  mergeSlots(state.slots);
  if (model.contentLoaded) renderAll();
  announce('Your answers were changed in another window; this page has been brought up to date.');
}

// --- rendering ---------------------------------------------------------------------------------

function currentItem() { return model.items[model.current]; }

function navigatorLabel(item) {
  const state = model.slots[item.slot];
  const words = [isAnswered(state) ? 'Answered' : 'Not answered'];
  if (state.flagged) words.push('Flagged');
  return words;
}

function renderNavigator() {
  const list = $('navigator-list');
  const groups = model.caseStudies.map((cs, index) => {
    const items = model.items.filter((item) => item.case_study_id === cs.id);
    return h('li', { class: 'navigator__group' },
      h('h3', { class: 'navigator__case', text: `Case study ${index + 1}: ${cs.title}` }),
      h('ol', { class: 'navigator__items' }, items.map((item) => {
        const index2 = model.items.indexOf(item);
        const words = navigatorLabel(item);
        const state = model.slots[item.slot];
        return h('li', {},
          h('button', {
            type: 'button',
            class: `navigator__button${isAnswered(state) ? ' is-answered' : ''}${state.flagged ? ' is-flagged' : ''}`,
            'aria-current': index2 === model.current ? 'step' : null,
            onclick: () => go(index2),
          }, h('span', { class: 'navigator__number', text: `Question ${item.slot}` }),
          h('span', { class: 'navigator__state', text: words.join(', ') })));
      })));
  });
  list.replaceChildren(...groups);
  const answered = model.items.filter((item) => isAnswered(model.slots[item.slot])).length;
  const flagged = model.items.filter((item) => model.slots[item.slot].flagged).length;
  $('navigator-summary').textContent =
    `${answered} of ${model.items.length} answered${flagged ? `, ${flagged} flagged for review` : ''}`;
}

const ctx = {
  announce,
  state: (slot) => model.slots[slot],
  update(slot, mutate, { rerender = false, focus = null } = {}) {
    if (model.mode !== 'active') return;
    const next = clone(model.slots[slot]);
    mutate(next);
    model.slots[slot] = next;
    outbox.put(slot, payloadOf(next), sync.seq, serverNow());
    if (rerender) renderQuestion();
    if (focus && $(focus)) $(focus).focus();
    renderNavigator();
    sync.kick();
  },
};

function renderQuestion() {
  const item = currentItem();
  const state = model.slots[item.slot];
  $('question-heading').textContent = `Question ${item.slot} of ${model.items.length}`;
  $('question-meta').textContent = `${item.type_label} · ${item.max_mark} mark${item.max_mark === 1 ? '' : 's'}`;
  $('flag-tag').hidden = !state.flagged;
  const stem = h('div', { class: 'rich-text question__stem', id: `stem-${item.slot}`, html: item.stem });
  $('question-body').replaceChildren(stem, renderAnswer(item, state, ctx));
  const flag = $('flag-button');
  flag.setAttribute('aria-pressed', String(Boolean(state.flagged)));
  $('previous-button').disabled = model.current === 0;
  $('next-button').disabled = model.current === model.items.length - 1;
  setInteractive();
}

function renderCaseStudy() {
  const item = currentItem();
  if (model.renderedCaseStudy === item.case_study_id) return;
  const index = model.caseStudies.findIndex((cs) => cs.id === item.case_study_id);
  renderScenario($('scenario'), model.caseStudies[index], index, model.caseStudies.length);
  model.renderedCaseStudy = item.case_study_id;
}

function renderAll() {
  renderCaseStudy();
  renderQuestion();
  renderNavigator();
}

function go(index, { focus = true } = {}) {
  if (!model.contentLoaded || !model.items.length) return; // on a break or paused: nothing to open
  model.current = Math.max(0, Math.min(model.items.length - 1, index));
  window.history.replaceState(null, '', `#q${currentItem().slot}`);
  renderAll();
  if (focus) $('question-heading').focus();
}

function toggleFlag() {
  if (model.mode !== 'active' || !model.contentLoaded) return;
  const item = currentItem();
  ctx.update(item.slot, (s) => { s.flagged = !s.flagged; });
  const flagged = model.slots[item.slot].flagged;
  $('flag-button').setAttribute('aria-pressed', String(flagged));
  $('flag-tag').hidden = !flagged;
  announce(flagged ? 'Flagged for review.' : 'Flag removed.');
}

// --- controls ----------------------------------------------------------------------------------

async function goToReview(event) {
  if (event) event.preventDefault();
  if (model.mode === 'active' && outbox.size) {
    setStatus('saving');
    const done = await sync.flush();
    if (!done && outbox.size) {
      alertMessage('Some changes have not been sent yet, so the review page would not show them. Stay on this '
        + 'page until it says “All answers saved”, then review your answers.');
      return;
    }
  }
  window.location.assign(root.dataset.reviewUrl);
}

function setTimerHidden(hidden) {
  prefs.set('timerHidden', hidden);
  $('timer').hidden = hidden;
  const toggle = $('timer-toggle');
  toggle.textContent = hidden ? 'Show the timer' : 'Hide the timer';
}

function fillSelect(select, choices, value) {
  select.replaceChildren(...Object.entries(choices).map(([key, label]) =>
    h('option', { value: key, selected: key === value, text: label })));
}

async function restBreak(action) {
  try {
    if (action === 'start') {
      const done = await sync.flush();
      if (!done && outbox.size) {
        alertMessage('Your latest changes have not been sent yet. Wait until it says “All answers saved”, '
          + 'then start your break.');
        return;
      }
    }
    const state = await api.restBreak(action);
    alertMessage('');
    applyState(state);
  } catch (error) {
    alertMessage(error instanceof NetworkError ? 'There is no connection: try again when it returns.'
      : error.message);
  }
}

function wireControls() {
  $('answer-form').addEventListener('submit', (event) => event.preventDefault());
  $('previous-button').addEventListener('click', () => go(model.current - 1));
  $('next-button').addEventListener('click', () => go(model.current + 1));
  $('flag-button').addEventListener('click', toggleFlag);
  $('review-link').addEventListener('click', goToReview);
  $('claim-button').addEventListener('click', claimThisWindow);
  $('time-left-button').addEventListener('click', () => timer.sayTimeLeft());
  $('timer-toggle').addEventListener('click', () => setTimerHidden(!prefs.get('timerHidden')));
  $('break-button').addEventListener('click', () => restBreak('start'));
  $('end-break-button').addEventListener('click', () => restBreak('end'));
  const size = $('text-size');
  fillSelect(size, TEXT_SIZES, prefs.get('textSize'));
  size.addEventListener('change', () => prefs.set('textSize', size.value));
  const scheme = $('colour-scheme');
  fillSelect(scheme, SCHEMES, prefs.get('scheme'));
  scheme.addEventListener('change', () => prefs.set('scheme', scheme.value));
  document.addEventListener('keydown', (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || model.mode === 'loading') return;
    // On a break or paused only "time left" answers: nothing opens a question.
    if (!model.contentLoaded && event.code !== 'KeyT') { if (event.code in SHORTCUT_KEYS) event.preventDefault(); return; }
    const actions = {
      KeyN: () => go(model.current + 1), KeyP: () => go(model.current - 1), KeyF: toggleFlag,
      KeyT: () => timer.sayTimeLeft(), KeyR: () => goToReview(),
    };
    const action = actions[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });
  window.addEventListener('storage', (event) => {
    if (event.key === claimKey && model.mode !== 'read_only') refreshState();
    if (event.key === outbox.key && model.mode === 'active') outbox.reload().then(() => sync.kick());
  });
  window.addEventListener('focus', refreshState);
  window.addEventListener('hashchange', () => {
    if (!model.contentLoaded) return;
    const index = model.items.findIndex((item) => `#q${item.slot}` === window.location.hash);
    if (index >= 0 && index !== model.current) go(index);
  });
}

const SHORTCUT_KEYS = { KeyN: 1, KeyP: 1, KeyF: 1, KeyT: 1, KeyR: 1 };

// --- start -------------------------------------------------------------------------------------

async function load() {
  for (let failures = 0; ; failures += 1) {
    try {
      // One request: on a slow link each round trip is a latency the candidate waits through before
      // the first question. It brings the key the outbox is sealed with (asked for on every load,
      // held in memory only; none for an exam that has ended and whose key is gone).
      const data = await api.claimAndLoad(deviceId);
      const key = cryptoAvailable() && data.storage_key ? await importKey(data.storage_key) : null;
      delete data.storage_key;
      return { data, key };
    } catch (error) {
      if (error instanceof HttpError && error.status !== 409 && error.status < 500) {
        alertMessage(error.message);
        return null;
      }
      if (error instanceof SignedOut) {
        alertMessage('You have been signed out. Sign in again, then come back to this page.');
        return null;
      }
      setStatus(error instanceof NetworkError ? 'offline' : 'loading');
      await new Promise((resolve) => { setTimeout(resolve, Math.min(30000, 1000 * 2 ** failures)); });
    }
  }
}

async function boot() {
  setStatus('loading');
  const loaded = await load();
  if (!loaded) return;
  const { data, key } = loaded;
  // What an earlier page left unsent is read back (and unsealed) before anything is sent.
  await outbox.open(key);
  if (root.dataset.invigilationUrl) { // an invigilated attempt: camera, browser events, heartbeats
    import('./invigilation.js').then((module) => {
      const invigilation = module.start(root, key);
      invigilation.ridesOnSaves = true; // queued events ride on autosaves (sync.js)
      invigilation.riders = batchRiders;
      riders.push(invigilation);
    }).catch(() => {});
  }
  prefs = new Prefs(root.dataset.userId, data.preferences);
  prefs.apply();
  model.hasRestBreaks = data.has_rest_breaks;
  model.clockOffset = Date.parse(data.server_time) - Date.now();
  mergeSlots(data.slots);
  sync = new Sync({
    api, outbox, deviceId, seq: data.last_seq, onStale, onRefused, riders,
    onAck: (ack) => {
      if (ack.time_left_s !== undefined) timer.set(ack.time_left_s, true);
      // An acknowledged save says what a state poll would (the exam goes on, this window writes, the
      // time left), so the poll waits its whole interval again from here: a candidate who is
      // answering makes none, and a pause still shows within POLL_MS of the server's last word.
      if (model.mode === 'active') schedulePoll();
    },
    onStatus: setStatus,
    onDropped: () => announce('One change could not be saved. Check your answer to this question.'),
  });
  timer = new Timer({
    display: (text) => { $('timer-value').textContent = text; },
    announce,
    // Send what is left, then ask the server: its deadline, not this page's, ends the exam.
    onExpire: () => { sync.flush(); setTimeout(refreshState, 1500); },
  });
  wireControls();
  setTimerHidden(prefs.get('timerHidden'));
  model.mode = 'active';
  localStorage.setItem(claimKey, `${deviceId}:${Date.now()}`);
  $('player-main').hidden = false;
  if (data.content_withheld) {
    hidePaper(); // opened on a break or while paused: the paper comes when the exam carries on
  } else {
    installContent(data);
    const fromHash = data.items.findIndex((item) => `#q${item.slot}` === window.location.hash);
    model.current = fromHash >= 0 ? fromHash : 0;
    go(model.current, { focus: false });
  }
  applyState(data);
  setInteractive();
  sync.kick();
  schedulePoll();
  root.dataset.ready = 'true'; // first render done: tests and bench/player_load.py wait for this
}

boot();
if (root.dataset.messagesUrl) {
  import('./messages.js').then((m) => {
    const { rider } = m.startMessages(root.dataset.messagesUrl, $('main-content'));
    riders.push(rider);
    batchRiders.push(rider);
  });
}
