// Password fields (ASVS V2.1.8, V2.1.12): a "Show" button beside each, so a person can check what they
// typed, and under a new password a live guide to its length. Progressive enhancement: without
// JavaScript the fields work as before. The server's rules stay the ones that count.
const MIN_LENGTH = 12;
const MAX_LENGTH = 128;

function guideText(length) {
  if (length === 0) return `Use ${MIN_LENGTH} characters or more.`;
  if (length < MIN_LENGTH) {
    const left = MIN_LENGTH - length;
    return `${left} more character${left === 1 ? '' : 's'} needed.`;
  }
  if (length > MAX_LENGTH) return `Too long: ${length - MAX_LENGTH} over the ${MAX_LENGTH}-character limit.`;
  if (length < 16) return 'Long enough. A few more words make it stronger.';
  return 'Long enough, and a strong length.';
}

function setButtonText(button, verb) {
  // The visible word starts the accessible name ("Show password"), as WCAG 2.5.3 asks.
  button.replaceChildren(verb);
  const rest = document.createElement('span');
  rest.className = 'visually-hidden';
  rest.textContent = ' password';
  button.appendChild(rest);
}

function addShowButton(input) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button password-toggle';
  button.setAttribute('aria-controls', input.id);
  setButtonText(button, 'Show');
  button.addEventListener('click', () => {
    const showing = input.type === 'text';
    input.type = showing ? 'password' : 'text';
    setButtonText(button, showing ? 'Show' : 'Hide');
  });
  // Hidden again before the form is sent, so the browser's history of the page never holds it as text.
  if (input.form) input.form.addEventListener('submit', () => { input.type = 'password'; });
  input.insertAdjacentElement('afterend', button);
}

function addLengthGuide(input) {
  const guide = document.createElement('p');
  guide.className = 'hint password-guide';
  guide.id = `${input.id}-guide`;
  guide.setAttribute('aria-live', 'polite');
  guide.textContent = guideText(input.value.length);
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${guide.id}`.trim());
  input.addEventListener('input', () => { guide.textContent = guideText([...input.value].length); });
  input.parentElement.appendChild(guide);
}

document.querySelectorAll('input[type="password"]').forEach((input) => {
  addShowButton(input);
  if (input.autocomplete === 'new-password' && !/confirm/.test(input.name)) addLengthGuide(input);
});
