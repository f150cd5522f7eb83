// The live batch table: polls the batches API and redraws the rows.
"use strict";

(function () {
  const table = document.getElementById("batches");
  const feeds = document.getElementById("feeds");
  const api = table.dataset.api;
  const batchUrl = (id) => table.dataset.batchUrl.replace(/0$/, String(id));

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function countCell(row) {
    if (row.count_status === "mismatch") return cell("mismatch", "bad");
    if (row.count_status === "ok") return cell("ok", "good");
    return cell("counting", "muted");
  }

  function batchRow(row) {
    const tr = document.createElement("tr");
    tr.dataset.batch = row.id;
    const link = document.createElement("a");
    link.href = batchUrl(row.id);
    link.textContent = row.batch_code ? `${row.id} (${row.batch_code})` : String(row.id);
    const first = document.createElement("td");
    first.appendChild(link);
    tr.append(first, cell(row.school_code), cell(row.grade), cell(row.administration),
      cell(row.status), cell(row.pages, "num"), cell(row.pages_read, "num"),
      cell(row.pages_waiting, "num"), cell(row.exceptions_open, row.exceptions_open ? "num bad" : "num"),
      cell(row.documents_complete, "num"), cell(row.declared_count ?? "?", "num"), countCell(row));
    return tr;
  }

  function feedRow(feed) {
    const tr = document.createElement("tr");
    tr.append(cell(feed.key), cell(feed.source), cell(feed.unassigned, "num"), cell(feed.waiting, "num"));
    return tr;
  }

  async function refresh() {
    try {
      const response = await fetch(api, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      const rows = data.batches.map(batchRow);
      table.tBodies[0].replaceChildren(...(rows.length ? rows : [emptyRow(12, "No batches yet.")]));
      feeds.tBodies[0].replaceChildren(...(data.feeds.length ? data.feeds.map(feedRow)
        : [emptyRow(4, "Every page is in a batch.")]));
    } finally {
      setTimeout(refresh, 1500);
    }
  }

  function emptyRow(span, text) {
    const tr = document.createElement("tr");
    const td = cell(text, "muted");
    td.colSpan = span;
    tr.appendChild(td);
    return tr;
  }

  refresh();
})();
