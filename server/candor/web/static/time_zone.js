// Settings: the journal's time zone (the days of every report are days there).
import { call } from "./api.js";

const form = document.getElementById("time-zone");
const status = document.getElementById("time-zone-status");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = String(new FormData(form).get("time_zone")).trim();
  call("PUT", "/api/v1/settings/time-zone", { time_zone: name })
    .then((answer) => {
      document.getElementById("time-zone-now").textContent = answer.time_zone;
      status.textContent = answer.changed
        ? `Days are now counted in ${answer.time_zone}.`
        : `Days were already counted in ${answer.time_zone}.`;
    })
    .catch((error) => { status.textContent = `Not changed: ${error.message}`; });
});
