// The session page: tag, note, outcome link, forget.
import { call, say } from "./api.js";

const page = document.querySelector(".session-page");
const path = `/api/v1/sessions/${page.dataset.id}`;
const fail = (error) => say(`Not saved: ${error.message}`);

page.querySelectorAll("[data-tag]").forEach((button) => {
  button.addEventListener("click", () => {
    call("PATCH", path, { tag: button.dataset.tag || null })
      .then(() => {
        page.querySelectorAll("[data-tag]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
        say("Tag saved.");
      })
      .catch(fail);
  });
});

document.getElementById("annotate").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  call("PATCH", path, { note: form.get("note") || null, outcome_url: form.get("outcome_url") || null })
    .then(() => say("Saved."))
    .catch(fail);
});

document.getElementById("forget").addEventListener("click", () => {
  if (!window.confirm("Forget this session and everything counted about it?")) return;
  call("DELETE", path).then(() => window.location.assign("/review")).catch(fail);
});
