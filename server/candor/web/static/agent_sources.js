// Settings: switch background scanning of each coding agent's logs on or off.
import { call } from "./api.js";

const status = document.getElementById("agent-sources-status");

for (const box of document.querySelectorAll("table.agent-sources input[data-source]")) {
  box.addEventListener("change", () => {
    const source = box.dataset.source;
    const label = box.nextElementSibling;
    box.disabled = true;
    call("PUT", `/api/v1/settings/agent-sources/${encodeURIComponent(source)}`, { on: box.checked })
      .then((answer) => {
        box.checked = answer.on;
        label.textContent = answer.on ? "on" : "off";
        status.textContent = answer.on
          ? `${answer.label} is scanned about once a minute while Candor runs.`
          : `${answer.label} is no longer scanned in the background.`;
      })
      .catch((error) => {
        box.checked = !box.checked;
        status.textContent = `Not changed: ${error.message}`;
      })
      .finally(() => { box.disabled = false; });
  });
}
