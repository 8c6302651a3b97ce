// The console's own script (no inline script is allowed by the pages' policy): dates in the
// browser's zone, a confirmation before a destructive form is sent, imports followed live, and
// the CSV import page's file sent as it is.
"use strict";

function localDates(root) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime()) && when.getUTCFullYear() > 1) {
      el.textContent = when.toLocaleString();
      el.title = el.getAttribute("datetime");
    }
  }
}

function confirmations(root) {
  for (const form of root.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
}

// Rows marked data-live (imports still `unknown`) are asked about every two seconds at the
// table's data-follow address, and rewritten as they are decided; `after` runs after each look.
function follow(root, after) {
  const table = root.querySelector("table[data-follow]");
  if (!table) return;
  const tick = async () => {
    const live = [...table.querySelectorAll("tr[data-live]")];
    if (after) after(table);
    if (live.length === 0) return;
    const ids = live.slice(0, 100).map((row) => row.dataset.id).join(",");
    try {
      const reply = await fetch(`${table.dataset.follow}?ids=${encodeURIComponent(ids)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (reply.ok) {
        const states = await reply.json();
        for (const row of live) {
          const state = states[row.dataset.id];
          if (!state) continue;
          row.querySelector(".status").textContent = state.status;
          row.querySelector(".error").textContent = state.error;
          if (state.status !== "unknown") delete row.dataset.live;
        }
      }
    } catch (_) {
      // The next tick tries again.
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
}

// Puts a console answer (a fragment, or a whole page when refused) in place of `target`'s
// content. The answer is parsed, never run: the policy allows no inline script anyway.
function show(target, html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const main = doc.querySelector("#main") || doc.body;
  target.replaceChildren(...[...main.childNodes].map((n) => document.importNode(n, true)));
}

// The CSV import page: the file chosen or dropped is sent as it is (the server reads every
// encoding Windows writes) to be checked, then imported, then the failed lines fetched back.
function csvImport(root) {
  const form = root.querySelector("form#csv-import");
  if (!form) return;
  const input = form.querySelector("#csv-file");
  const result = root.querySelector("#csv-result");
  const tag = form.querySelector("#csv-group-tag");
  let file = null;
  const post = (step, query) =>
    fetch(`${form.dataset.base}/${step}?name=${encodeURIComponent(file.name)}${query || ""}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.dataset.csrf },
      body: file,
    });
  const tally = (table) => {
    const counts = {};
    for (const cell of table.querySelectorAll("td.status")) {
      counts[cell.textContent] = (counts[cell.textContent] || 0) + 1;
    }
    const words = Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(", ");
    const live = table.querySelectorAll("tr[data-live]").length;
    const progress = root.querySelector("#csv-progress");
    if (progress) {
      progress.textContent = live > 0 ? `Following ${live} devices: ${words}.` : `Done: ${words}.`;
    }
  };
  const failed = () =>
    [...result.querySelectorAll("#csv-lines tbody tr")]
      .filter((row) => !["complete", "unknown"].includes(row.querySelector(".status").textContent))
      .map((row) => row.dataset.line);
  const wire = () => {
    const send = result.querySelector("#csv-send");
    if (send) {
      send.addEventListener("click", async () => {
        send.disabled = true;
        send.textContent = "Importing…";
        const groupTag = tag && tag.value.trim() ? `&groupTag=${encodeURIComponent(tag.value.trim())}` : "";
        try {
          const reply = await post("send", groupTag);
          show(result, await reply.text());
          wire();
          const table = result.querySelector("table[data-follow]");
          if (table) tally(table);
          follow(result, tally);
        } catch (_) {
          send.disabled = false;
          send.textContent = "Import again (the connection was lost; look at the Imports page first)";
        }
      });
    }
    const download = result.querySelector("#csv-failures");
    if (download) {
      download.addEventListener("click", async () => {
        const lines = failed();
        if (lines.length === 0) {
          download.textContent = "No line failed";
          return;
        }
        const reply = await post("failures", `&lines=${lines.join(",")}`);
        const link = document.createElement("a");
        link.href = URL.createObjectURL(await reply.blob());
        link.download = file.name.replace(/\.csv$/i, "") + ".failed.csv";
        document.body.append(link);
        link.click();
        link.remove();
      });
    }
  };
  const check = async () => {
    file = input.files[0] || null;
    if (!file) return;
    result.replaceChildren();
    result.textContent = `Checking ${file.name}…`;
    try {
      show(result, await (await post("check")).text());
      wire();
    } catch (_) {
      result.textContent = "The server could not be reached. Try again.";
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check();
  });
  fileDrop(form, check);
}

// Calls `take` with the file chosen in, or dropped on, `form`'s file input.
function fileDrop(form, take) {
  const input = form.querySelector("input[type=file]");
  input.addEventListener("change", () => input.files[0] && take(input.files[0]));
  form.addEventListener("dragover", (event) => {
    event.preventDefault();
    form.classList.add("over");
  });
  form.addEventListener("dragleave", () => form.classList.remove("over"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("over");
    if (event.dataTransfer.files.length > 0) {
      input.files = event.dataTransfer.files;
      take(input.files[0]);
    }
  });
}

// The hash inspector's CSV: sent as it is; the answer (the inspector with every row) replaces
// the page's content.
function hashCsv(root) {
  const form = root.querySelector("form#hash-csv");
  if (!form) return;
  const lenient = root.querySelector("input[name=lenient]");
  fileDrop(form, async (file) => {
    const query = `name=${encodeURIComponent(file.name)}${lenient && lenient.checked ? "&lenient=1" : ""}`;
    const reply = await fetch(`${form.dataset.action}?${query}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.dataset.csrf },
      body: file,
    });
    const main = document.querySelector("#main");
    show(main, await reply.text());
    hashCsv(main);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  localDates(document);
  confirmations(document);
  follow(document);
  csvImport(document);
  hashCsv(document);
});
