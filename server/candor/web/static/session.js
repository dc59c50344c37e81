// The session page: tag (or accept the tag a rule suggests), note, outcome link, labels, forget.
import { call, say } from "./api.js";

const page = document.querySelector(".session-page");
const path = `/api/v1/sessions/${page.dataset.id}`;
const fail = (error) => say(`Not saved: ${error.message}`);

const tagButtons = page.querySelectorAll("[data-tag]");
function tag(value) {
  return call("PATCH", path, { tag: value || null }).then(() => {
    tagButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tag === (value || ""))));
    if (value) page.querySelector(".suggestion")?.remove();
    say("Tag saved.");
  });
}

tagButtons.forEach((button) => {
  button.addEventListener("click", () => tag(button.dataset.tag).catch(fail));
});
page.querySelector("[data-accept]")?.addEventListener("click", (event) => {
  tag(event.target.dataset.accept).catch(fail);
});

document.getElementById("annotate").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const labels = form.get("labels").split(",").map((label) => label.trim()).filter(Boolean);
  call("PATCH", path, { note: form.get("note") || null, outcome_url: form.get("outcome_url") || null, labels })
    .then((saved) => {
      document.getElementById("labels").value = saved.labels.join(", ");
      say("Saved.");
    })
    .catch(fail);
});

document.getElementById("forget").addEventListener("click", () => {
  if (!window.confirm("Forget this session and everything counted about it?")) return;
  call("DELETE", path).then(() => window.location.assign("/review")).catch(fail);
});
