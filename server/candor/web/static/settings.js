// Settings: deleting every session, after the user typed the confirmation.
import { call, say } from "./api.js";
import { plural } from "./words.js";

document.getElementById("forget-everything").addEventListener("submit", (event) => {
  event.preventDefault();
  const confirm = new FormData(event.target).get("confirm");
  call("DELETE", `/api/v1/sessions?confirm=${encodeURIComponent(confirm)}`)
    .then((answer) => say(`Deleted ${plural(answer.forgotten, "session")}.`))
    .catch((error) => say(`Nothing deleted: ${error.message}`));
});
