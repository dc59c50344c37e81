// Settings: the rules that label sessions or suggest tags; add one, remove one, apply them to
// the past. The table is drawn again from the API after each change (its counts change too).
import { call } from "./api.js";

const table = document.querySelector("table.rules");
const rows = document.getElementById("rule-rows");
const form = document.getElementById("add-rule");
const FIELDS = JSON.parse(table.dataset.fields);
const TAGS = JSON.parse(table.dataset.tags);
const status = document.getElementById("rules-status");
const say = (text) => { status.textContent = text; };
const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

// Each cell says what it is on a phone, where the table's head is not shown.
function labelled(label, td) {
  td.dataset.label = label;
  return td;
}

function element(name, text, className) {
  const made = document.createElement(name);
  made.textContent = text;
  if (className) made.className = className;
  return made;
}

function row(rule) {
  const tr = document.createElement("tr");
  tr.dataset.rule = rule.id;
  const pattern = cell(element("code", rule.pattern), " ", element("span", `(${rule.match})`, "muted"));
  pattern.className = "pattern";
  const then = rule.action === "label"
    ? cell("label ", element("strong", rule.value))
    : cell("suggest ", element("strong", TAGS[rule.value]));
  const remove = element("button", "Remove", "remove-rule");
  remove.type = "button";
  remove.dataset.rule = rule.id;
  remove.setAttribute("aria-label", `Remove the rule on ${FIELDS[rule.field]} ${rule.pattern}`);
  tr.append(labelled("When the", cell(FIELDS[rule.field])), labelled("matches", pattern),
    labelled("then", then), labelled("Sessions matched", cell(String(rule.matched))), cell(remove));
  return tr;
}

async function redraw() {
  const { rules } = await call("GET", "/api/v1/rules");
  if (!rules.length) {
    const empty = document.createElement("tr");
    empty.className = "no-rules";
    const td = cell("No rules yet.");
    td.colSpan = 5;
    empty.append(td);
    rows.replaceChildren(empty);
  } else {
    rows.replaceChildren(...rules.map(row));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const rule = Object.fromEntries(new FormData(form));
  call("POST", "/api/v1/rules", rule)
    .then(async () => {
      form.reset();
      await redraw();
      say("Rule added: it applies to sessions as they end.");
    })
    .catch((error) => say(`Not added: ${error.message}`));
});

rows.addEventListener("click", (event) => {
  const button = event.target.closest("button.remove-rule");
  if (!button) return;
  call("DELETE", `/api/v1/rules/${button.dataset.rule}`)
    .then(async () => {
      await redraw();
      say("Rule removed. The labels it added stay.");
    })
    .catch((error) => say(`Not removed: ${error.message}`));
});

document.getElementById("apply-rules").addEventListener("click", () => {
  say("Applying the rules…");
  call("POST", "/api/v1/rules/apply", {})
    .then(async (done) => {
      await redraw();
      say(`Rules applied to ${plural(done.sessions, "session", "sessions")}: `
        + `${plural(done.matched, "matched", "matched")}, ${plural(done.labelled, "label", "labels")} added, `
        + `${plural(done.suggested, "tag", "tags")} suggested.`);
    })
    .catch((error) => say(`Not applied: ${error.message}`));
});
