// Shows what the extension did with this page (it marks <html> and fires `candor-pairing`),
// and, once it paired, the journal's extensions as the server now lists them.
import { call } from "./api.js";

const status = document.getElementById("pairing-status");
const WORDS = {
  confirm: `Almost there: click Candor's icon in your browser's toolbar and confirm “Pair with Candor at ${location.host}?”.`,
  paired: "Connected: the extension is paired with this journal. You can close this page.",
  declined: "Pairing was declined in the extension. Reload this page to be asked again.",
  refused: "The extension could not pair with this page's code (used or expired): reload the page for a new one.",
};
const BROWSERS = { chrome: "Chrome", firefox: "Firefox" };

/** One line per extension, as GET /api/v1/clients lists them. */
async function showExtensions() {
  const { clients } = await call("GET", "/api/v1/clients");
  const list = document.createElement("ul");
  list.className = "extensions";
  for (const client of clients) {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = BROWSERS[client.browser] ?? client.browser ?? "A browser's";
    const synced = client.last_sync ? `last synced ${new Date(client.last_sync).toLocaleString()}` : "nothing synced yet";
    item.append(name, ` extension ${client.extension_version ?? ""}: ${client.paired ? "paired" : "not paired"} · ${synced}`);
    list.append(item);
  }
  if (clients.length) document.getElementById("extensions").replaceChildren(list);
}

function show(outcome) {
  if (WORDS[outcome]) status.textContent = WORDS[outcome];
  if (outcome === "paired") showExtensions().catch(() => {});
}

document.addEventListener("candor-pairing", (event) => show(event.detail));
show(document.documentElement.dataset.candorPairing);
