// Settings: the name exports give as the journal's owner ("Candor journal of …").
import { call } from "./api.js";

const form = document.getElementById("owner");
const status = document.getElementById("owner-status");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = String(new FormData(form).get("owner"));
  call("PUT", "/api/v1/settings/owner", { owner: name })
    .then((answer) => {
      form.elements.owner.value = answer.owner;
      status.textContent = `Exports now say “Candor journal of ${answer.owner}”.`;
    })
    .catch((error) => { status.textContent = `Not changed: ${error.message}`; });
});
