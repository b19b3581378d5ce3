// The live list refreshes itself every 15 seconds: it fetches the same page and swaps the rows in.
// The "Refresh" link keeps working without JavaScript.
//
// WCAG 2.2.2 and 2.4.3: the person can pause and resume the updates (a button), and an update never
// takes keyboard focus away: the control that had focus is found again in the new rows (by its
// data-focus-key) and focused without scrolling. Changes are announced politely, and only when a row
// really changed, so a screen reader is not interrupted every 15 seconds.
const table = document.getElementById("live-table");
const status = document.getElementById("live-status");
const pauseButton = document.getElementById("live-pause");
const announcer = document.getElementById("live-announcer");
const PERIOD_MS = 15000;
let timer = null;

function rowsByKey(root) {
  const rows = new Map();
  root.querySelectorAll("tbody tr[data-row-key]").forEach((row) => {
    // Only the watched cells (status, answers, connection): the time left ticks every minute.
    const watched = [...row.querySelectorAll("[data-watch]")].map((cell) => cell.textContent.trim());
    rows.set(row.dataset.rowKey, watched.join("|"));
  });
  return rows;
}

function describeChanges(before, after) {
  let changed = 0;
  after.forEach((text, key) => { if (before.get(key) !== text) changed += 1; });
  before.forEach((_, key) => { if (!after.has(key)) changed += 1; });
  if (changed === 0) return "";
  return changed === 1 ? "The live list was updated: 1 candidate changed." :
    `The live list was updated: ${changed} candidates changed.`;
}

async function refresh() {
  if (document.hidden || timer === null) return;
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok || timer === null) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshTable = page.getElementById("live-table");
    const freshStatus = page.getElementById("live-status");
    if (!freshTable || !freshStatus) return;
    const focused = table.contains(document.activeElement) && document.activeElement !== table
      ? document.activeElement.dataset.focusKey : null;
    const message = describeChanges(rowsByKey(table), rowsByKey(freshTable));
    table.replaceChildren(...freshTable.childNodes);
    status.replaceChildren(...freshStatus.childNodes);
    if (focused) {
      const again = [...table.querySelectorAll("[data-focus-key]")].find((el) => el.dataset.focusKey === focused);
      (again || table).focus({ preventScroll: true });
    }
    if (message && announcer) announcer.textContent = message;
  } catch {
    // Offline for a moment: the next round tries again.
  }
}

function start() {
  timer = window.setInterval(refresh, PERIOD_MS);
  pauseButton.textContent = "Pause updates";
  pauseButton.setAttribute("aria-pressed", "false");
}

function pause() {
  window.clearInterval(timer);
  timer = null;
  pauseButton.textContent = "Resume updates";
  pauseButton.setAttribute("aria-pressed", "true");
  if (announcer) announcer.textContent = "Updates paused.";
}

if (table && status && pauseButton) {
  pauseButton.hidden = false;
  pauseButton.addEventListener("click", () => {
    if (timer === null) {
      start();
      if (announcer) announcer.textContent = "Updates resumed.";
      refresh();
    } else {
      pause();
    }
  });
  start();
}
