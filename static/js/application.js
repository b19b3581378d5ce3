// The application form's live check. Without JavaScript the page works as is: "Check my eligibility"
// saves the form and shows the engine's decision. With it, the decision is refreshed as the
// applicant types (nothing is saved): the form is posted to /applications/<id>/check, which answers
// JSON with the same summary the page renders. A short sentence is announced politely, so a
// screen-reader user hears the change without losing their place; focus never moves.
const form = document.getElementById("application-form");
const panel = document.getElementById("eligibility-live");
const announcer = document.getElementById("eligibility-announcer");
const WAIT_MS = 600;
let timer = null;
let latest = 0;

function sentence(result) {
  const decision = result.decision;
  if (!decision) return "Eligibility could not be worked out from what you have entered.";
  const hours = decision.cm_hours.toLocaleString("en-GB");
  let verdict = "you do not yet meet every condition";
  if (decision.eligible) verdict = "you meet the conditions for registration";
  else if (decision.outcome === "more_evidence_needed") verdict = "you meet the conditions if the evidence bears it out";
  return `Eligibility updated: ${hours} case management hours; ${verdict}.`;
}

async function refresh() {
  const body = new FormData(form);
  body.delete("document"); // never upload a file on a check
  body.delete("action");
  const ticket = ++latest;
  try {
    const response = await fetch(form.dataset.checkUrl, {
      method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!response.ok || ticket !== latest) return;
    const result = await response.json();
    if (ticket !== latest) return;
    // The server renders the summary (escaped by its templates); only its text is new.
    const fresh = new DOMParser().parseFromString(result.html, "text/html").getElementById("eligibility-result");
    const current = document.getElementById("eligibility-result");
    if (fresh && current) current.replaceWith(fresh);
    const said = sentence(result);
    if (announcer.textContent !== said) announcer.textContent = said;
  } catch (error) {
    // Offline or the server is busy: the page still works, and "Check my eligibility" remains.
  }
}

function schedule() {
  window.clearTimeout(timer);
  timer = window.setTimeout(refresh, WAIT_MS);
}

if (form && panel && announcer && form.dataset.checkUrl) {
  form.addEventListener("input", (event) => { if (event.target.type !== "file") schedule(); });
  form.addEventListener("change", (event) => { if (event.target.type !== "file") schedule(); });
}

// After "Add another role" (or an upload) the page comes back at the new part (#roles-2-role,
// #documents): put the keyboard there too, not only the scroll position.
if (form && window.location.hash) {
  const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (target && target.matches("input, select, textarea")) target.focus();
}
