// Move focus to the error summary when a form comes back with errors, so keyboard and
// screen-reader users land on the list of problems (the GOV.UK pattern).
const summary = document.querySelector('[data-module="error-summary"]');
if (summary) {
  summary.focus();
}
