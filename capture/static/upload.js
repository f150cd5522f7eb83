// The upload form: a batch named for a rescan is checked before the files are sent,
// so a wrong number is said at once and the chosen files stay chosen.
"use strict";

(function () {
  const form = document.getElementById("upload");
  const batch = form.elements.batch_id;
  const error = document.getElementById("batch-error");
  let checked = null;

  function say(message) {
    error.textContent = message;
    error.hidden = !message;
    batch.setCustomValidity(message);
  }

  async function batchProblem(value) {
    if (!/^[0-9]{1,18}$/.test(value)) return `“${value}” is not a batch number`;
    const response = await fetch(form.dataset.checkUrl.replace(/0$/, value),
      { headers: { Accept: "application/json" } });
    if (response.status === 404) {
      return `There is no batch ${value}: leave it empty to batch by header sheet, or give an existing batch.`;
    }
    return response.ok ? "" : `Batch ${value} could not be checked (${response.status}); try again.`;
  }

  batch.addEventListener("input", () => { checked = null; say(""); });
  form.addEventListener("submit", async (event) => {
    const value = batch.value.trim();
    if (!value || checked === value) return;
    event.preventDefault();
    const problem = await batchProblem(value);
    say(problem);
    if (!problem) {
      checked = value;
      form.requestSubmit();
    } else {
      batch.focus();
    }
  });
})();
