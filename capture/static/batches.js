// The live batch table: polls the batches API (with the page's search) and redraws the rows.
"use strict";

(function () {
  const table = document.getElementById("batches");
  const feeds = document.getElementById("feeds");
  const older = document.getElementById("older");
  const total = document.getElementById("batches-total");
  const api = table.dataset.api;
  const withId = (template, id) => template.replace(/0$/, String(id));

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function countCell(row) {
    if (row.count_status === "accepted") {
      const accepted = row.count_accepted;
      const td = cell(`accepted by ${accepted.by}`, "accepted");
      td.title = accepted.note;
      td.append(document.createElement("br"), Object.assign(document.createElement("small"),
        { textContent: accepted.note }));
      return td;
    }
    if (row.count_status === "mismatch") return cell("mismatch", "bad");
    if (row.count_status === "ok") return cell("ok", "good");
    return cell("counting", "muted");
  }

  function batchRow(row) {
    const tr = document.createElement("tr");
    tr.dataset.batch = row.id;
    const first = document.createElement("td");
    first.appendChild(link(withId(table.dataset.batchUrl, row.id),
      row.batch_code ? `${row.id} (${row.batch_code})` : String(row.id)));
    if (row.code_reused_by.length) {
      first.append(" ", Object.assign(document.createElement("span"), {
        className: "bad", textContent: `code also on ${row.code_reused_by.join(", ")}`,
      }));
    }
    tr.append(first, cell(row.school_code), cell(row.grade), cell(row.administration),
      cell(row.status), cell(row.pages, "num"), cell(row.pages_read, "num"),
      cell(row.pages_waiting, "num"), cell(row.exceptions_open, row.exceptions_open ? "num bad" : "num"),
      cell(row.documents_complete, "num"), cell(row.declared_count ?? "?", "num"), countCell(row),
      cell(row.documents_edit, row.documents_edit ? "num bad" : "num"));
    return tr;
  }

  function feedRow(feed) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.appendChild(link(withId(feeds.dataset.feedUrl, feed.id), feed.name));
    tr.append(name, cell(feed.source), cell(feed.unassigned, "num"), cell(feed.waiting, "num"));
    return tr;
  }

  async function refresh() {
    try {
      const response = await fetch(api, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      const rows = data.batches.map(batchRow);
      table.tBodies[0].replaceChildren(...(rows.length ? rows : [emptyRow(13, "No batches found.")]));
      total.textContent = `${data.total} batches; ${data.batches.length} shown, newest first`;
      older.hidden = data.next_before === null;
      if (data.next_before !== null) {
        const url = new URL(older.dataset.base, window.location.href);
        url.searchParams.set("before", data.next_before);
        older.href = url.toString();
      }
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
