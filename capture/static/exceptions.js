// The exception queue: choose several exceptions for one action.
"use strict";
(function () {
  const all = document.getElementById("choose-all");
  const boxes = () => Array.from(document.querySelectorAll("input[name=ids]"));
  const count = document.getElementById("chosen-count");
  const show = () => { if (count) count.textContent = `${boxes().filter((b) => b.checked).length} chosen`; };
  if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); show(); });
  boxes().forEach((b) => b.addEventListener("change", show));
  show();
})();
