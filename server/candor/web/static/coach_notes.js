// A coach's notes on an imported journal: on a session, or on a week.
import { call, say } from "./api.js";

document.querySelectorAll("form.coach-note").forEach((form) => {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { kind: form.dataset.kind, key: form.dataset.key || data.get("key"), note: data.get("note") };
    call("PUT", `/api/v1/journals/${encodeURIComponent(form.dataset.journal)}/notes`, body)
      .then(() => say(body.note ? "Note saved." : "Note removed."))
      .catch((error) => say(`Not saved: ${error.message}`));
  });
});
