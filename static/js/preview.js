// "Preview as a candidate": the exam player's own rendering (static/js/player/render.js), read-only.
// The page carries what the player would be given, already stripped of keys, rubrics and rationales by
// the server, in a data attribute (no inline script, so the strict CSP stays). The server-rendered
// preview inside the container is the fallback without JavaScript; this replaces it.
import { h, renderAnswer, renderScenario } from './player/render.js';

const root = document.getElementById('preview');

// Read-only: an answer can neither be chosen nor saved, so nothing is ever updated.
const ctx = { announce() {}, update() {} };
const BLANK = Object.freeze({ answer: null, struck: [], flagged: false });

function question(item, total) {
  const headingId = `preview-question-${item.slot}`;
  return h('section', { class: 'question preview-question', 'aria-labelledby': headingId },
    h('h3', { class: 'heading-m question__heading', id: headingId, text: `Question ${item.slot} of ${total}` }),
    h('p', { class: 'caption', text: `${item.type_label} · ${item.max_mark} mark${item.max_mark === 1 ? '' : 's'}` }),
    h('fieldset', { class: 'answer-fieldset', disabled: true },
      h('div', { class: 'rich-text question__stem', id: `stem-${item.slot}`, html: item.stem }),
      renderAnswer(item, { ...BLANK }, ctx)));
}

function caseStudy(data, study, index) {
  const scenario = h('section', { class: 'scenario' });
  renderScenario(scenario, study, index, data.case_studies.length);
  // The player shows one case study at a time under a fixed id; a paper's preview shows them all.
  const heading = scenario.querySelector('#scenario-heading');
  if (heading) {
    heading.id = `preview-scenario-${index + 1}`;
    scenario.setAttribute('aria-labelledby', heading.id);
  }
  const items = data.items.filter((item) => item.case_study_id === study.id);
  return h('div', { class: 'player-layout preview-case' }, scenario,
    h('div', { class: 'preview-questions' }, items.map((item) => question(item, data.items.length))));
}

if (root && root.dataset.preview) {
  const data = JSON.parse(root.dataset.preview);
  root.replaceChildren(...data.case_studies.map((study, index) => caseStudy(data, study, index)));
  root.dataset.rendered = 'player';
}
