// The overview's weekly goals: kept through the API, then the page shows the week against them.
import { call } from "./api.js";

const form = document.getElementById("goals-form");
const status = document.getElementById("goals-status");

/** A box's percentage as the fraction the API keeps; an empty box is no goal (null). */
function fraction(name) {
  const text = String(new FormData(form).get(name) ?? "").trim();
  return text === "" ? null : Number(text) / 100;
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    call("PUT", "/api/v1/settings/goals", { value_ratio: fraction("value_ratio"), coverage: fraction("coverage") })
      .then(() => {
        status.textContent = "Goals saved.";
        // The progress lines are the server's own figures: read them again.
        window.location.reload();
      })
      .catch((error) => { status.textContent = `Not saved: ${error.message}`; });
  });
}
