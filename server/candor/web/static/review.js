// The review queue, keyboard first: j/k move, r/b/u tag, n note, o outcome link, z undo.
import { call, say } from "./api.js";

const LABELS = { real: "Real output", busywork: "Busywork", unsure: "Unsure" };
const KEY_TAGS = { r: "real", b: "busywork", u: "unsure" };
const rows = () => [...document.querySelectorAll("li.session")];
let current = 0;
const undo = []; // [{ids, previous: {id: tag}}], the last change on top

function focus(index) {
  const all = rows();
  if (!all.length) return;
  current = Math.max(0, Math.min(index, all.length - 1));
  all.forEach((row, i) => row.classList.toggle("current", i === current));
  all[current].focus();
  all[current].scrollIntoView({ block: "nearest" });
}

function show(row, tag) {
  row.dataset.tag = tag || "";
  row.querySelector(".verdict").textContent = tag ? `Tagged: ${LABELS[tag]}` : "";
}

async function tag(ids, value) {
  const previous = Object.fromEntries(ids.map((id) => [id, rowOf(id).dataset.tag || null]));
  if (ids.length === 1) {
    await call("PATCH", `/api/v1/sessions/${ids[0]}`, { tag: value });
  } else {
    await call("POST", "/api/v1/sessions/tag", { ids, tag: value });
  }
  ids.forEach((id) => show(rowOf(id), value));
  undo.push({ ids, previous });
  say(`${ids.length === 1 ? "Session" : `${ids.length} sessions`} tagged ${LABELS[value]}. Press z to undo.`);
}

async function undoLast() {
  const last = undo.pop();
  if (!last) return say("Nothing to undo.");
  for (const id of last.ids) {
    await call("PATCH", `/api/v1/sessions/${id}`, { tag: last.previous[id] });
    show(rowOf(id), last.previous[id]);
  }
  say("Undone.");
}

const rowOf = (id) => document.querySelector(`li.session[data-id="${id}"]`);

function ask(label, value) {
  const dialog = document.getElementById("ask");
  const input = document.getElementById("ask-input");
  document.getElementById("ask-label").textContent = label;
  input.value = value || "";
  input.type = label.startsWith("Outcome") ? "url" : "text";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? input.value : null), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function annotate(field, label) {
  const row = rows()[current];
  if (!row) return;
  const value = await ask(label, "");
  if (value === null) return focus(current);
  await call("PATCH", `/api/v1/sessions/${row.dataset.id}`, { [field]: value || null });
  say(`${label} saved.`);
  focus(current);
}

function run(action) {
  action().catch((error) => say(`Not saved: ${error.message}`));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || document.getElementById("ask").open) return;
  if (event.target.closest("input, select, textarea")) return;
  const row = rows()[current];
  if (event.key === "j") focus(current + 1);
  else if (event.key === "k") focus(current - 1);
  else if (KEY_TAGS[event.key] && row) {
    run(async () => {
      await tag([row.dataset.id], KEY_TAGS[event.key]);
      focus(current + 1);
    });
  } else if (event.key === "n") run(() => annotate("note", "Note"));
  else if (event.key === "o") run(() => annotate("outcome_url", "Outcome link"));
  else if (event.key === "z") run(undoLast);
  else return;
  event.preventDefault();
});

// Enter saves (the form's one submit button); Cancel and Escape leave things as they were.
document.getElementById("ask-cancel").addEventListener("click", () => document.getElementById("ask").close("cancel"));

document.querySelectorAll("[data-bulk]").forEach((button) => {
  button.addEventListener("click", () => run(() => tag(rows().map((r) => r.dataset.id), button.dataset.bulk)));
});
rows().forEach((row, i) => row.addEventListener("click", () => focus(i)));
focus(0);
