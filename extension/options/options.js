// The options page: server and pairing, which sites to track, custom sites, privacy
// switches, sync state and the rejected-events log.

import { extensionApi } from "../lib/chrome-api.js";
import { createStorage, KEYS, DEFAULT_SETTINGS } from "../lib/storage.js";
import { createQueue } from "../lib/queue.js";
import { KNOWN_SITES, normalizeHost, originPatterns, customSiteName } from "../lib/sites.js";
import { flattenErrors } from "../lib/sync.js";
import { getJson, untrustedWords, refusedWords } from "../ui/server.js";
import { plural, today } from "../ui/format.js";

const api = extensionApi();
const storage = createStorage(api);
const $ = (id) => document.getElementById(id);

const saveSettings = (change) => storage.update(KEYS.settings, (s) => ({ ...s, ...change }));

/** One checkbox line for a site; `onChange(checked)` saves it. */
function siteSwitch(label, checked, onChange) {
  const item = document.createElement("li");
  const wrapper = document.createElement("label");
  wrapper.className = "switch";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = checked;
  box.addEventListener("change", () => onChange(box.checked));
  wrapper.append(box, ` ${label}`);
  item.append(wrapper);
  return item;
}

function renderSites(settings) {
  $("sites").replaceChildren(
    ...KNOWN_SITES.map(({ site, label }) =>
      siteSwitch(label, settings.sites[site] !== false, (on) =>
        storage.update(KEYS.settings, (s) => ({ ...s, sites: { ...s.sites, [site]: on } })),
      ),
    ),
  );
  $("custom-sites").replaceChildren(
    ...settings.customSites.map((host) => {
      const item = siteSwitch(host, settings.sites[customSiteName(host)] !== false, (on) =>
        storage.update(KEYS.settings, (s) => ({ ...s, sites: { ...s.sites, [customSiteName(host)]: on } })),
      );
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.addEventListener("click", async () => {
        await api.permissions.remove({ origins: originPatterns(host) }).catch(() => false);
        const next = await saveSettings({ customSites: (await storage.get(KEYS.settings)).customSites.filter((h) => h !== host) });
        await api.runtime.sendMessage({ type: "candor:custom-sites-changed" });
        renderSites(next);
      });
      item.append(remove);
      return item;
    }),
  );
}

async function renderPairing(settings) {
  const server = settings.serverUrl.replace(/\/+$/, "");
  $("connect-link").href = `${server}/connect`;
  const health = await getJson(settings, "/api/v1/health", { auth: false });
  let dot = "bad";
  let words = `No Candor server answers at ${server}.`;
  if (health.ok) {
    const date = today();
    const check = settings.token ? await getJson(settings, `/api/v1/stats?from=${date}&to=${date}`) : { status: 401 };
    if (check.ok) [dot, words] = ["ok", "Paired with your Candor server."];
    else if (check.untrusted) [dot, words] = ["bad", untrustedWords(settings)];
    else [dot, words] = ["warn", "The server answers, but the extension is not paired yet."];
  }
  $("pair-dot").className = `dot ${dot}`;
  $("pair-state").textContent = words;
}

async function renderSync() {
  const state = await storage.get(KEYS.syncState);
  const queue = await createQueue({ storage }).status();
  const parts = [`${plural(queue.waiting, "event")} waiting`];
  if (state.lastSuccessAt) parts.push(`last sync ${new Date(state.lastSuccessAt).toLocaleString()}`);
  if (state.lastError) parts.push(`last problem: ${state.lastError}`);
  if (queue.merged) parts.push(`${plural(queue.merged, "activity event")} merged to save space`);
  if (queue.lost) parts.push(`${plural(queue.lost, "event")} lost because the queue was full`);
  $("sync-summary").textContent = parts.join(" · ");
}

/** What the server said about a refused event, in one line. */
function reasonOf(entry) {
  const fields = Object.entries(flattenErrors(entry.errors)).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
  return [entry.message, ...fields].filter(Boolean).join("; ") || (entry.status ? `HTTP ${entry.status}` : "no reason given");
}

async function renderRejected() {
  const log = await storage.get(KEYS.rejectedLog);
  const count = await storage.get(KEYS.refusedCount);
  const total = Math.max(count, log.length);
  $("refused-total").textContent = total ? `${refusedWords(total)} so far.` : "None.";
  $("rejected").hidden = log.length === 0;
  $("clear-rejected").hidden = total === 0;
  $("rejected").tBodies[0].replaceChildren(
    ...log.map((entry) => {
      const row = document.createElement("tr");
      for (const text of [new Date(entry.at).toLocaleString(), `${entry.type ?? "?"} on ${entry.site ?? "?"}`, reasonOf(entry)]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

async function render() {
  const settings = await storage.get(KEYS.settings);
  $("server-url").value = settings.serverUrl;
  $("token").value = settings.token;
  $("paused").checked = settings.paused;
  $("send-url").checked = settings.sendUrl;
  $("send-title").checked = settings.sendTitle;
  renderSites(settings);
  await Promise.all([renderPairing(settings), renderSync(), renderRejected()]);
}

$("save-server").addEventListener("click", async () => {
  const text = $("server-url").value.trim() || DEFAULT_SETTINGS.serverUrl;
  let url;
  try {
    url = new URL(text);
  } catch {
    $("server-status").textContent = "That is not an address, e.g. http://127.0.0.1:5765";
    return;
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    $("server-status").textContent = "Candor's server runs on this machine: use 127.0.0.1 or localhost.";
    return;
  }
  await saveSettings({ serverUrl: url.origin });
  $("server-status").textContent = "Saved.";
  render();
});

$("save-token").addEventListener("click", async () => {
  await saveSettings({ token: $("token").value.trim() });
  $("server-status").textContent = "Token saved.";
  await api.runtime.sendMessage({ type: "candor:sync-now" });
  render();
});

$("add-custom").addEventListener("click", () => {
  const host = normalizeHost($("custom-host").value);
  if (!host) {
    $("custom-status").textContent = "Type a site's address, e.g. ai.corp.example";
    return;
  }
  // Asked right inside the click: browsers grant permissions only during a user gesture.
  api.permissions.request({ origins: originPatterns(host) }).then(async (granted) => {
    if (!granted) {
      $("custom-status").textContent = `Access to ${host} was not granted; it is not tracked.`;
      return;
    }
    const settings = await storage.get(KEYS.settings);
    if (!settings.customSites.includes(host)) await saveSettings({ customSites: [...settings.customSites, host] });
    await api.runtime.sendMessage({ type: "candor:custom-sites-changed" });
    $("custom-host").value = "";
    $("custom-status").textContent = `${host} is tracked from its next page load.`;
    render();
  });
});

for (const [id, key] of [["paused", "paused"], ["send-url", "sendUrl"], ["send-title", "sendTitle"]]) {
  $(id).addEventListener("change", () => saveSettings({ [key]: $(id).checked }));
}

$("sync-now").addEventListener("click", async () => {
  $("sync-now").disabled = true;
  await api.runtime.sendMessage({ type: "candor:sync-now" });
  $("sync-now").disabled = false;
  render();
});

$("clear-rejected").addEventListener("click", async () => {
  await storage.set(KEYS.rejectedLog, []);
  await storage.set(KEYS.refusedCount, 0);
  renderRejected();
});

// Sync runs in the background: show what it did while this page is open (the dashboard's
// Settings page may have changed the titles switch through it).
storage.watch(KEYS.rejectedLog, () => renderRejected());
storage.watch(KEYS.syncState, () => renderSync());
storage.watch(KEYS.settings, (settings) => {
  $("send-title").checked = settings.sendTitle;
});

render();
