// Settings: whether each paired extension keeps conversation titles. The choice is the
// extension's; a change made here is asked of it through the server, takes effect at its
// next sync, and shows here as done once a later batch of its says so (the page asks the
// server again every few seconds while a change waits).
import { call } from "./api.js";

const status = document.getElementById("titles-status");
const rows = () => [...document.querySelectorAll("ul.title-choices li[data-client]")];
const WATCH_MS = 3_000;
let watching = null;

const doing = (titles) => (titles ? "keeps titles" : "leaves titles out");

/** What a row says of an extension, as GET /api/v1/clients lists it. */
function stateWords(c) {
  if (c.titles_asked !== null) return `asked to ${c.titles_asked ? "keep titles" : "leave titles out"}: waiting for its next sync`;
  if (c.titles === null) return "it has not said yet (it says at its next sync)";
  return `it ${doing(c.titles)}`;
}

/** Show one extension's state in its row; says so when a change asked of it is done. */
function show(c) {
  const row = rows().find((r) => r.dataset.client === c.id);
  if (!row) return;
  const box = row.querySelector("input[name=titles]");
  const wanted = c.titles_asked ?? c.titles;
  box.indeterminate = wanted === null;
  box.checked = wanted === true;
  row.querySelector(".titles-state").textContent = stateWords(c);
  const asked = JSON.parse(row.dataset.asked);
  if (asked !== null && c.titles_asked === null && c.titles === asked) {
    status.textContent = `Done: the ${row.dataset.browser} extension now ${doing(asked)}.`;
  }
  row.dataset.asked = JSON.stringify(c.titles_asked);
}

/** Ask the server again while a change waits for an extension's sync. */
function watch() {
  if (watching !== null || !rows().some((r) => r.dataset.asked !== "null")) return;
  watching = setTimeout(async () => {
    watching = null;
    try {
      (await call("GET", "/api/v1/clients")).clients.forEach(show);
    } catch {
      // Candor may be restarting: the next look may find it.
    }
    watch();
  }, WATCH_MS);
}

for (const row of rows()) {
  const box = row.querySelector("input[name=titles]");
  box.indeterminate = box.dataset.unknown === "yes";
  box.addEventListener("change", () => {
    const titles = box.checked;
    box.disabled = true;
    call("PATCH", `/api/v1/clients/${encodeURIComponent(row.dataset.client)}`, { titles })
      .then((c) => {
        show(c);
        status.textContent = c.titles_asked === null
          ? `The ${row.dataset.browser} extension already ${doing(titles)}: nothing to change.`
          : `Asked: the ${row.dataset.browser} extension ${doing(titles)} from its next sync.`;
        watch();
      })
      .catch((error) => {
        box.checked = !titles;
        status.textContent = `Not changed: ${error.message}`;
      })
      .finally(() => { box.disabled = false; });
  });
}

for (const button of document.querySelectorAll("button[data-every-titles]")) {
  button.addEventListener("click", () => {
    const titles = button.dataset.everyTitles === "true";
    call("PATCH", "/api/v1/clients", { titles })
      .then((answer) => {
        answer.clients.forEach(show);
        status.textContent = `Asked: every extension ${doing(titles)} from its next sync.`;
        watch();
      })
      .catch((error) => { status.textContent = `Not changed: ${error.message}`; });
  });
}

watch();
