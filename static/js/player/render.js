// Rendering: the case study, the navigator and each item type, as plain DOM. Answers are read
// back through ``ctx.update(slot, mutate)`` (and ``ctx.state(slot)``, when given, is the slot's
// current state); nothing here talks to the server.
//
// Stems and scenarios are HTML sanitised by the item bank when they were written; option and stem
// texts are plain text and are only ever set as text.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  Object.entries(attrs).forEach(([name, value]) => {
    if (value === null || value === undefined || value === false) return;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'html') el.innerHTML = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  });
  children.flat().forEach((child) => {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  });
  return el;
}

export const letter = (index) => String.fromCharCode(65 + index);

export function isAnswered(state) {
  const a = state && state.answer;
  if (a === null || a === undefined || a === '') return false;
  if (Array.isArray(a)) return a.length > 0;
  if (typeof a === 'object') return Object.keys(a).length > 0;
  return true;
}

export function wordCount(text) {
  return (text || '').trim().split(/\s+/).filter(Boolean).length;
}

// A written answer's hard cap in characters (the server's item_types.MAX_WRITTEN_CHARS).
export const MAX_WRITTEN_CHARS = 30000;

function isChosen(answer, optionId) {
  if (Array.isArray(answer)) return answer.includes(optionId);
  if (answer && typeof answer === 'object') return Object.values(answer).includes(optionId);
  return answer === optionId;
}

// Striking out an option that is part of the answer asks first, in the page (not a browser
// dialog): a small confirmation under the option, focused, with "Strike it out" and "Cancel".
function confirmStrike(button, label, onConfirm) {
  const row = button.closest('.option-row');
  const old = row.parentNode.querySelector('.strike-confirm');
  if (old) old.remove();
  const id = `${button.id}-confirm`;
  const cancel = () => { box.remove(); button.focus(); };
  const box = h('div', { class: 'strike-confirm notice', role: 'group', 'aria-labelledby': `${id}-text`, id },
    h('p', { id: `${id}-text`, tabindex: '-1',
             text: `${label} is part of your answer. Strike it out anyway? It stays in your answer until you `
               + 'change your answer.' }),
    h('button', { type: 'button', class: 'button button--warning button--small', id: `${id}-yes`,
                  onclick: () => { box.remove(); onConfirm(); } }, 'Strike it out'),
    ' ',
    h('button', { type: 'button', class: 'button button--secondary button--small', id: `${id}-no`,
                  onclick: cancel }, 'Cancel'));
  box.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.preventDefault(); cancel(); } });
  row.after(box);
  box.querySelector('p').focus();
}

function strikeButton(item, option, label, state, ctx) {
  const struck = (state.struck || []).includes(option.id);
  const buttonId = `strike-${item.slot}-${option.id}`;
  const toggle = () => ctx.update(item.slot, (s) => {
    const set = new Set(s.struck || []);
    if (set.has(option.id)) set.delete(option.id); else set.add(option.id);
    s.struck = item.options.map((o) => o.id).filter((id) => set.has(id));
  }, { rerender: true, focus: buttonId });
  return h('button', {
    type: 'button', class: 'strike-button', 'aria-pressed': String(struck),
    onclick: (event) => {
      // The state as it is now (a tick since this was drawn does not redraw the options).
      const current = ctx.state ? ctx.state(item.slot) : state;
      if (!struck && isChosen(current && current.answer, option.id)) confirmStrike(event.currentTarget, label, toggle);
      else toggle();
    },
    id: buttonId, 'aria-label': `Strike out: ${label}`,
  }, 'Strike out');
}

function optionLabel(text, struck) {
  return [h('span', { class: struck ? 'option-text is-struck' : 'option-text', text }),
          struck ? h('span', { class: 'struck-note', text: ' (struck out)' }) : null];
}

function choices(item, state, ctx, multiple) {
  const chosen = multiple ? new Set(state.answer || []) : state.answer;
  const struck = new Set(state.struck || []);
  const name = `answer-${item.slot}`;
  const count = multiple
    ? h('p', { class: 'hint choose-count', id: `count-${item.slot}`, 'aria-live': 'polite',
               text: `You have chosen ${chosen.size} of ${item.choose}.` })
    : null;
  // Beside the question, announced: why a tick beyond the number asked for was refused.
  const limit = multiple
    ? h('p', { class: 'error-message choose-limit', id: `limit-${item.slot}`, 'aria-live': 'assertive' })
    : null;
  const rows = item.options.map((option, index) => {
    const id = `q${item.slot}-option-${index}`;
    const input = h('input', {
      class: 'choices__input', type: multiple ? 'checkbox' : 'radio', id, name, value: option.id,
      checked: multiple ? chosen.has(option.id) : chosen === option.id,
      onchange: (event) => {
        if (multiple) {
          const boxes = Array.from(document.querySelectorAll(`input[name="${name}"]`));
          if (event.target.checked && boxes.filter((b) => b.checked).length > item.choose) {
            event.target.checked = false; // never more ticks than the question asks for
            limit.textContent = `You can choose only ${item.choose}. Untick one of your choices first to choose `
              + `“${option.text}”.`;
            return;
          }
          limit.textContent = '';
        }
        ctx.update(item.slot, (s) => {
          if (multiple) {
            const boxes = document.querySelectorAll(`input[name="${name}"]`);
            s.answer = Array.from(boxes).filter((b) => b.checked).map((b) => b.value).sort();
            count.textContent = `You have chosen ${s.answer.length} of ${item.choose}.`;
          } else {
            s.answer = option.id;
          }
        });
      },
    });
    return h('div', { class: 'option-row' },
      h('div', { class: 'choices__item' }, input,
        h('label', { class: 'choices__label', for: id }, optionLabel(option.text, struck.has(option.id)))),
      strikeButton(item, option, option.text, state, ctx));
  });
  return h('fieldset', { class: 'fieldset', 'aria-describedby': `stem-${item.slot}` },
    h('legend', { class: 'fieldset__legend', text: multiple ? `Choose ${item.choose} options` : 'Choose one answer' }),
    count, limit, h('div', { class: 'choices' }, rows));
}

function matching(item, state, ctx) {
  const answer = state.answer || {};
  const struck = new Set(state.struck || []);
  const options = h('ol', { class: 'lettered option-list', 'aria-label': 'Options' },
    item.options.map((option, index) => h('li', { class: 'option-row' },
      h('span', {}, h('span', { class: 'lettered__id', text: letter(index) }), ' ',
        optionLabel(option.text, struck.has(option.id))),
      strikeButton(item, option, `${letter(index)}, ${option.text}`, state, ctx))));
  const selects = item.stems.map((stem) => {
    const id = `q${item.slot}-stem-${stem.id}`;
    const select = h('select', {
      class: 'select', id,
      onchange: (event) => ctx.update(item.slot, (s) => {
        const next = { ...(s.answer || {}) };
        if (event.target.value) next[stem.id] = event.target.value; else delete next[stem.id];
        s.answer = next;
      }),
    }, h('option', { value: '', text: 'Choose an option' }),
    item.options.map((option, index) => {
      const text = option.text.length > 80 ? `${option.text.slice(0, 77)}…` : option.text;
      return h('option', { value: option.id, selected: answer[stem.id] === option.id,
                           text: `${letter(index)}. ${text}` });
    }));
    return h('div', { class: 'form-group' }, h('label', { class: 'label', for: id, text: stem.text }), select);
  });
  return h('fieldset', { class: 'fieldset', 'aria-describedby': `stem-${item.slot}` },
    h('legend', { class: 'fieldset__legend', text: 'Choose an option for each situation' }),
    h('p', { class: 'hint', text: 'An option may be used once, more than once or not at all.' }),
    options, selects);
}

function ordering(item, state, ctx) {
  const byId = Object.fromEntries(item.options.map((o) => [o.id, o]));
  const order = Array.isArray(state.answer) && state.answer.length === item.options.length
    ? state.answer : item.options.map((o) => o.id);
  const move = (from, to, buttonId) => ctx.update(item.slot, (s) => {
    const next = order.slice();
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved);
    s.answer = next;
    ctx.announce(`${byId[moved].text}: now number ${to + 1} of ${next.length}.`);
  }, { rerender: true, focus: buttonId });
  const last = order.length - 1;
  const rows = order.map((id, index) => {
    const text = byId[id].text;
    const upId = `q${item.slot}-up-${id}`;
    const downId = `q${item.slot}-down-${id}`;
    return h('li', { class: 'ordering__row' },
      h('span', { class: 'ordering__text', text }),
      h('span', { class: 'ordering__buttons' },
        h('button', { type: 'button', class: 'button button--secondary button--small', id: upId,
                      'aria-label': `Move up: ${text}`, 'aria-disabled': index === 0 ? 'true' : null,
                      onclick: () => { if (index > 0) move(index, index - 1, upId); } }, 'Move up'),
        h('button', { type: 'button', class: 'button button--secondary button--small', id: downId,
                      'aria-label': `Move down: ${text}`, 'aria-disabled': index === last ? 'true' : null,
                      onclick: () => { if (index < last) move(index, index + 1, downId); } }, 'Move down')));
  });
  const answered = isAnswered(state);
  return h('fieldset', { class: 'fieldset', 'aria-describedby': `stem-${item.slot} order-hint-${item.slot}` },
    h('legend', { class: 'fieldset__legend', text: 'Put these in order, first at the top' }),
    h('p', { class: 'hint', id: `order-hint-${item.slot}`,
             text: answered ? 'Your order is saved as your answer. Move any of them to change it.'
               : 'Not answered yet: move them into your order, or keep this order as your answer.' }),
    h('ol', { class: 'ordering' }, rows),
    answered ? null : h('button', {
      type: 'button', class: 'button button--secondary', id: `q${item.slot}-keep`,
      onclick: () => ctx.update(item.slot, (s) => { s.answer = order.slice(); },
                                { rerender: true, focus: `q${item.slot}-up-${order[0]}` }),
    }, 'Keep this order as my answer'));
}

function written(item, state, ctx) {
  const id = `q${item.slot}-text`;
  const limit = item.word_limit;
  const count = h('p', { class: 'hint word-count', id: `words-${item.slot}` });
  const spoken = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: `words-live-${item.slot}` });
  let quiet = null;
  const showCount = (text, announce) => {
    const n = wordCount(text);
    let message = `${n} word${n === 1 ? '' : 's'}`;
    if (limit) message += n > limit ? ` — ${n - limit} over the limit of ${limit}` : ` of ${limit}`;
    count.textContent = message;
    count.classList.toggle('word-count--over', Boolean(limit && n > limit));
    if (announce) {
      clearTimeout(quiet);
      quiet = setTimeout(() => { spoken.textContent = message; }, 1500);
    }
  };
  const area = h('textarea', {
    class: 'textarea', id, rows: 12, spellcheck: 'true', maxlength: String(MAX_WRITTEN_CHARS),
    'aria-describedby': `stem-${item.slot} words-${item.slot}`,
    oninput: (event) => {
      showCount(event.target.value, true);
      ctx.update(item.slot, (s) => { s.answer = event.target.value; });
    },
  });
  area.value = state.answer || '';
  showCount(area.value, false);
  return h('div', { class: 'form-group' },
    h('label', { class: 'label', for: id, text: 'Your answer' }),
    limit ? h('p', { class: 'hint', text: `Write up to ${limit} words.` }) : null,
    area, count, spoken);
}

const RENDERERS = {
  sba: (item, state, ctx) => choices(item, state, ctx, false),
  multiple_response: (item, state, ctx) => choices(item, state, ctx, true),
  extended_matching: matching,
  ordering,
  constructed_response: written,
};

export function renderAnswer(item, state, ctx) {
  const render = RENDERERS[item.type];
  return render ? render(item, state, ctx) : h('p', { text: 'This question cannot be shown. Tell the invigilator.' });
}

// A table in a case study wraps between words; one still wider than the screen scrolls inside its own
// labelled region, which the keyboard can reach (WCAG 1.4.10 allows data tables to scroll).
export function scrollableTables(root) {
  root.querySelectorAll('table').forEach((table, i) => {
    const region = h('div', { class: 'table-scroll', role: 'region', tabindex: '0',
      'aria-label': `Table ${i + 1} of the case study` });
    table.replaceWith(region);
    region.append(table);
  });
  return root;
}

export function renderScenario(container, caseStudy, index, total) {
  container.replaceChildren(...[
    h('h2', { class: 'heading-m scenario__title', id: 'scenario-heading' },
      h('span', { class: 'caption', text: `Case study ${index + 1} of ${total}` }), caseStudy.title),
    scrollableTables(h('div', { class: 'rich-text', html: caseStudy.scenario_html })),
    caseStudy.attachments.length
      ? h('div', {}, h('h3', { class: 'heading-s', text: 'Documents' }),
        h('ul', { class: 'plain-list' }, caseStudy.attachments.map((a) => h('li', {},
          h('a', { href: a.url, target: '_blank', rel: 'noopener' }, a.description || a.filename,
            h('span', { class: 'visually-hidden', text: ' (opens in a new tab)' }))))))
      : null,
  ].filter(Boolean));
}
