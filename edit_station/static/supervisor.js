// The supervisor's page: buttons and forms with data-post send their fields as JSON.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
    });
    const data = await response.json();
    if (!response.ok) { document.getElementById("message").textContent = data.error; return; }
    window.location.reload();
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-post]");
    if (button) post(button.dataset.post, {});
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-post]");
    if (!form) return;
    event.preventDefault();
    post(form.dataset.post, Object.fromEntries(new FormData(form)));
  });
})();
