// The editor's screen: claim, show, key, save; the next item is claimed and its
// clip loaded while the editor works on this one. Keyboard only; "?" lists the keys.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const queue = $("editor").dataset.queue;
  let current = null;
  let upcoming = null;  // the promise of the preloaded item
  let zoom = 1;

  async function api(path, body) {
    const options = { headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = response.status === 204 ? null : await response.json();
    return { ok: response.ok, status: response.status, data };
  }

  async function claim(holding, resume = false) {
    const body = { holding, resume };
    if (queue) body.queue = queue;
    const answer = await api("/api/edit/next", body);
    if (!answer.ok) { say(answer.data ? answer.data.error : "cannot claim an item"); return null; }
    const item = answer.data;
    if (item && item.clip_url) new Image().src = item.clip_url;
    return item;
  }

  function preload() {
    upcoming = current ? claim([current.id]) : Promise.resolve(null);
  }

  function say(text, ok = false) {
    $("message").textContent = text || "";
    $("message").className = ok ? "ok" : "";
  }

  function hint(item) {
    if (item.kind === "document") return "no value: Alt+R rescan, Alt+H supervisor";
    if (item.kind === "date") return "MMDDYY";
    if (item.kind === "lithocode") return "the printed digits";
    if (item.kind === "field") return `the whole field (${item.options.join("")})`;
    return item.options.length > 8 ? `${item.options[0]}–${item.options[item.options.length - 1]}, *, or blank`
      : `${item.options.join(" ")}, *, or blank`;
  }

  function show(item) {
    current = item;
    $("empty").hidden = !!item;
    $("item").hidden = !item;
    if (!item) { delete $("item").dataset.item; return; }
    $("item").dataset.item = item.id;
    $("problem").textContent = item.problem;
    $("where").textContent = `batch ${item.batch_id} · document ${item.lithocode || "(lithocode unread)"} · ${item.rule}` +
      (item.second_keying ? " · second keying" : "");
    $("resolution").textContent = item.resolution;
    $("clip").hidden = !item.clip_url;
    $("noclip").hidden = !!item.clip_url;
    if (item.clip_url) $("clip").src = item.clip_url;
    $("clip").style.transform = `scale(${zoom})`;
    $("pagebox").hidden = true;
    $("page").removeAttribute("src");
    $("value-label").textContent = item.label ? `${item.label}${item.key ? " " + item.key : ""}` : "Value";
    $("hint").textContent = hint(item);
    const keyings = item.keyings || [];
    $("keyings").hidden = keyings.length === 0;
    $("keyings").textContent = keyings.length ? `keyed: ${keyings.join(" / ")}` : "";
    const context = $("context");
    context.replaceChildren();
    for (const [label, value] of Object.entries(item.context || {})) {
      const dt = document.createElement("dt"); dt.textContent = label;
      const dd = document.createElement("dd"); dd.textContent = value || "·";
      context.append(dt, dd);
    }
    $("value").value = "";
    $("value").focus();
  }

  async function next() {
    const item = upcoming ? await upcoming : await claim([]);
    upcoming = null;
    show(item || (await claim([])));
    preload();
  }

  async function send(body, done) {
    if (!current) return;
    const answer = await api(`/api/edit/items/${current.id}`, body);
    if (!answer.ok) { say(answer.data ? answer.data.error : `refused (${answer.status})`); return; }
    say(done, true);
    await next();
  }

  function reason() { return $("value").value.trim(); }

  function togglePage() {
    if (!current) return;
    const box = $("pagebox");
    box.hidden = !box.hidden;
    if (!box.hidden && !$("page").getAttribute("src")) $("page").src = current.page_url;
  }

  function setZoom(step) {
    zoom = Math.min(4, Math.max(0.5, zoom * step));
    $("clip").style.transform = `scale(${zoom})`;
  }

  $("keyform").addEventListener("submit", (event) => {
    event.preventDefault();
    send({ value: $("value").value }, "saved");
  });

  document.addEventListener("keydown", (event) => {
    const alt = { p: togglePage,
                  s: () => send({ action: "skip" }, "skipped"),
                  r: () => send({ action: "rescan", reason: reason() }, "sent for rescan"),
                  h: () => send({ action: "help", reason: reason() }, "sent to the supervisor"),
                  a: () => send({ action: "accept", reason: reason() }, "accepted") };
    if (event.altKey && alt[event.key.toLowerCase()]) {
      event.preventDefault();
      alt[event.key.toLowerCase()]();
    } else if (event.key === "?") {
      event.preventDefault();
      $("help").hidden = !$("help").hidden;
    } else if (event.key === "+" || event.key === "=") {
      event.preventDefault(); setZoom(1.25);
    } else if (event.key === "-") {
      event.preventDefault(); setZoom(0.8);
    } else if (event.key === "Escape") {
      $("help").hidden = true; $("pagebox").hidden = true;
    }
  });

  claim([], true).then((item) => { show(item); preload(); });
})();
