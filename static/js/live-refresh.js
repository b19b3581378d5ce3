// The live list refreshes itself every 15 seconds: it fetches the same page and swaps the table in.
// The "Refresh" link keeps working without JavaScript. Nothing is announced: a screen reader is not
// interrupted every 15 seconds.
const table = document.getElementById("live-table");
const status = document.getElementById("live-status");
const PERIOD_MS = 15000;

async function refresh() {
  if (document.hidden) return;
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshTable = page.getElementById("live-table");
    const freshStatus = page.getElementById("live-status");
    if (freshTable && freshStatus) {
      table.replaceChildren(...freshTable.childNodes);
      status.replaceChildren(...freshStatus.childNodes);
    }
  } catch {
    // Offline for a moment: the next round tries again.
  }
}

if (table && status) {
  window.setInterval(refresh, PERIOD_MS);
}
