// The console's own script (no inline script is allowed by the pages' policy): dates in the
// browser's zone, and a confirmation before a destructive form is sent.
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
// table's data-follow address, and rewritten as they are decided.
function follow(root) {
  const table = root.querySelector("table[data-follow]");
  if (!table) return;
  const tick = async () => {
    const live = [...table.querySelectorAll("tr[data-live]")];
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

document.addEventListener("DOMContentLoaded", () => {
  localDates(document);
  confirmations(document);
  follow(document);
});
