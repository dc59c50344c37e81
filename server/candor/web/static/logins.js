// Settings: logging a browser out of the dashboard (logging out this one leads to the lock page).
import { call } from "./api.js";

const status = document.getElementById("logins-status");

for (const button of document.querySelectorAll("button.log-out")) {
  button.addEventListener("click", async () => {
    const id = button.dataset.login;
    try {
      await call("DELETE", `/api/v1/logins/${encodeURIComponent(id)}`);
    } catch (error) {
      status.textContent = `Not logged out: ${error.message}`;
      return;
    }
    const row = button.closest("tr");
    if (row.querySelector(".badge")) {
      window.location.assign("/");
      return;
    }
    row.remove();
    status.textContent = "Logged out.";
  });
}
