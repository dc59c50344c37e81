// A list of sessions to tag (the review queue, the Sessions page): a row's buttons for mouse
// and touch, and the keyboard: j/k move, r/b/u tag, n note, o outcome link, l labels,
// a accept the tag a rule suggests, z undo.
import { call, say } from "./api.js";
import { plural } from "./words.js";

const LABELS = { real: "Real output", busywork: "Busywork", unsure: "Unsure" };
const KEY_TAGS = { r: "real", b: "busywork", u: "unsure" };
const rows = () => [...document.querySelectorAll("li.session")];
const rowOf = (id) => document.querySelector(`li.session[data-id="${id}"]`);
const undoButton = document.getElementById("undo");
let current = 0;
const undo = []; // [{ids, previous: {id: tag or null}}], the last change on top

function select(index, { focus = true } = {}) {
  const all = rows();
  if (!all.length) return;
  current = Math.max(0, Math.min(index, all.length - 1));
  all.forEach((row, i) => row.classList.toggle("current", i === current));
  if (focus) {
    all[current].focus();
    all[current].scrollIntoView({ block: "nearest" });
  }
}

function show(row, tag) {
  row.dataset.tag = tag || "";
  // A suggestion is for a session without a verdict: once it has one, it goes.
  if (tag) {
    row.querySelector(".suggestion")?.remove();
    row.dataset.suggested = "";
  }
  row.querySelectorAll("button[data-tag]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.tag === tag));
  });
}

function remember(ids, previous) {
  undo.push({ ids, previous });
  if (undoButton) undoButton.hidden = false;
}


// The bulk buttons tag only the untagged rows shown, and say how many that is.
function countUntagged() {
  const label = document.getElementById("bulk-label");
  if (!label) return;
  const all = rows();
  const untagged = all.filter((row) => !row.dataset.tag).length;
  label.textContent = untagged === all.length
    ? `Tag all ${untagged} shown:`
    : untagged
      ? `Tag the ${plural(untagged, "untagged session", "untagged sessions")} of the ${all.length} shown:`
      : "Every session shown has a tag.";
  document.querySelectorAll("[data-bulk]").forEach((button) => { button.disabled = !untagged; });
}

async function tagRow(row, value) {
  const previous = row.dataset.tag || null;
  await call("PATCH", `/api/v1/sessions/${row.dataset.id}`, { tag: value });
  show(row, value);
  remember([row.dataset.id], { [row.dataset.id]: previous });
  say(value ? `Session tagged ${LABELS[value]}.` : "Tag removed.");
  countUntagged();
}

async function tagUntagged(value) {
  const ids = rows().filter((row) => !row.dataset.tag).map((row) => row.dataset.id);
  if (!ids.length) return say("Every session shown already has a tag.");
  const answer = await call("POST", "/api/v1/sessions/tag", { ids, tag: value, only_untagged: true });
  const previous = Object.fromEntries(answer.changed.map((change) => [change.id, change.previous]));
  Object.keys(previous).forEach((id) => show(rowOf(id), value));
  if (answer.changed.length) remember(Object.keys(previous), previous);
  // Tagged elsewhere (another tab, the popup) since this page was shown: left as they are.
  const kept = ids.length - answer.changed.length;
  say(`${plural(answer.changed.length, "session", "sessions")} tagged ${LABELS[value]}.`
    + (kept ? ` ${plural(kept, "was", "were")} tagged meanwhile and kept ${kept === 1 ? "its" : "their"} tag.` : ""));
  countUntagged();
}

// One undo takes back a whole change, a bulk one too: each session gets its own tag back
// (one request per distinct previous tag), and the cursor goes to the first of them.
async function undoLast() {
  const last = undo[undo.length - 1];
  if (!last) return say("Nothing to undo.");
  const byTag = new Map();
  last.ids.forEach((id) => byTag.set(last.previous[id], [...(byTag.get(last.previous[id]) || []), id]));
  for (const [tag, ids] of byTag) await call("POST", "/api/v1/sessions/tag", { ids, tag });
  undo.pop();
  if (undoButton) undoButton.hidden = !undo.length;
  last.ids.forEach((id) => { const row = rowOf(id); if (row) show(row, last.previous[id]); });
  const first = rows().findIndex((row) => last.previous[row.dataset.id] !== undefined);
  if (first >= 0) select(first);
  say(last.ids.length === 1 ? "Undone." : `Undone: ${last.ids.length} sessions are back as they were.`);
  countUntagged();
}

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
  if (value === null) return select(current);
  await call("PATCH", `/api/v1/sessions/${row.dataset.id}`, { [field]: value || null });
  say(`${label} saved.`);
  select(current);
}

// Labels are typed with commas between them; the server trims them and keeps each once.
async function editLabels(row) {
  const value = await ask("Labels (commas between)", row.dataset.labels);
  if (value === null) return select(current);
  const labels = value.split(",").map((label) => label.trim()).filter(Boolean);
  const answer = await call("PATCH", `/api/v1/sessions/${row.dataset.id}`, { labels });
  row.dataset.labels = answer.labels.join(", ");
  const list = row.querySelector("ul.labels");
  list.replaceChildren(...answer.labels.map((label) => {
    const item = document.createElement("li");
    item.textContent = label;
    return item;
  }));
  list.hidden = !answer.labels.length;
  say(answer.labels.length ? `Labels saved: ${answer.labels.join(", ")}.` : "Labels removed.");
  select(current);
}

async function acceptSuggestion(row) {
  if (!row.dataset.suggested) {
    say("No tag is suggested for this session.");
    return false;
  }
  await tagRow(row, row.dataset.suggested);
  row.dataset.suggested = "";
  return true;
}

function run(action) {
  action().catch((error) => say(`Not saved: ${error.message}`));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || document.getElementById("ask").open) return;
  if (event.target.closest("input, select, textarea")) return;
  const row = rows()[current];
  if (event.key === "j") select(current + 1);
  else if (event.key === "k") select(current - 1);
  else if (KEY_TAGS[event.key] && row) {
    run(async () => {
      await tagRow(row, KEY_TAGS[event.key]);
      select(current + 1);
    });
  } else if (event.key === "n") run(() => annotate("note", "Note"));
  else if (event.key === "o") run(() => annotate("outcome_url", "Outcome link"));
  else if (event.key === "l" && row) run(() => editLabels(row));
  else if (event.key === "a" && row) {
    run(async () => {
      if (await acceptSuggestion(row)) select(current + 1);
    });
  }
  else if (event.key === "z") run(undoLast);
  else return;
  event.preventDefault();
});

// Enter saves (the form's one submit button); Cancel and Escape leave things as they were.
document.getElementById("ask-cancel").addEventListener("click", () => document.getElementById("ask").close("cancel"));

document.querySelectorAll("[data-bulk]").forEach((button) => {
  button.addEventListener("click", () => run(() => tagUntagged(button.dataset.bulk)));
});
undoButton?.addEventListener("click", () => run(undoLast));
rows().forEach((row, i) => {
  // A click on the row moves the cursor there; on its link or buttons, without taking the focus.
  row.addEventListener("click", (event) => select(i, { focus: !event.target.closest("a, button") }));
  row.querySelectorAll("button[data-tag]").forEach((button) => {
    // Pressing the tag a session has takes it off again.
    button.addEventListener("click", () => run(() => tagRow(
      row, button.getAttribute("aria-pressed") === "true" ? null : button.dataset.tag)));
  });
  row.querySelector("[data-edit-labels]")?.addEventListener("click", () => {
    select(i, { focus: false });
    run(() => editLabels(row));
  });
  row.querySelector("[data-accept]")?.addEventListener("click", () => run(() => acceptSuggestion(row)));
});
countUntagged();
select(0);
