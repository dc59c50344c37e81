// The popup: where the user stands today, the session to tag, and whether sync works.

import { extensionApi } from "../lib/chrome-api.js";
import { createStorage, KEYS } from "../lib/storage.js";
import { createQueue } from "../lib/queue.js";
import { KNOWN_SITES } from "../lib/sites.js";
import { healthNotices } from "../lib/health.js";
import { percent, duration, plural, clock, today, siteLabel } from "../ui/format.js";
import { getJson, untrustedWords, refusedWords } from "../ui/server.js";

const api = extensionApi();
const storage = createStorage(api);
const $ = (id) => document.getElementById(id);

const SYNC_WORDS = {
  ok: ["ok", "Connected to your Candor server"],
  idle: ["ok", "Connected to your Candor server"],
  unreachable: ["bad", "Server not reachable — events wait safely here"],
  error: ["bad", "The server refused the last sync"],
  not_paired: ["warn", "Not paired"],
  untrusted_server: ["bad", ""], // words name the server: see untrustedWords
};
const LEVEL_WORDS = {
  warning: "Many events are waiting to sync. Start your Candor server so they reach your journal.",
  critical: "The queue is filling up: older active time is being merged. Start your Candor server soon.",
  losing: "The queue is full: the oldest events were dropped. Start your Candor server now.",
};

/** Today's ratio, coverage and time by tag, from the server; resolves to how the server answered. */
async function showToday(settings) {
  if (!settings.token) {
    $("today-detail").textContent = "Connect the extension to see today's figures.";
    return { status: 401 };
  }
  const date = today();
  const stats = await getJson(settings, `/api/v1/stats?from=${date}&to=${date}`);
  if (!stats.ok || !stats.body) {
    $("today-detail").textContent = stats.untrusted
      ? "No figures for today: the server does not know this extension's token."
      : stats.status === 0
        ? "Server not reachable: no figures for today."
        : "Connect the extension to see today's figures.";
    return stats;
  }
  const s = stats.body;
  $("ratio").textContent = percent(s.value_ratio);
  $("coverage").textContent = percent(s.coverage);
  const total = (s.real_seconds ?? 0) + (s.busywork_seconds ?? 0) + (s.unsure_seconds ?? 0) + (s.untagged_seconds ?? 0);
  const bar = $("bar");
  bar.replaceChildren();
  for (const tag of ["real", "busywork", "unsure"]) {
    const part = document.createElement("span");
    part.className = tag;
    part.style.width = total ? `${(100 * (s[`${tag}_seconds`] ?? 0)) / total}%` : "0";
    bar.append(part);
  }
  $("today-detail").textContent = total
    ? `${duration(s.real_seconds)} real · ${duration(s.busywork_seconds)} busywork · ${duration(s.unsure_seconds)} unsure · ${duration(s.untagged_seconds)} untagged`
    : "No AI time recorded today yet.";
  return stats;
}

/** The current or last session, with its tag buttons. */
function showSession(last) {
  $("session-none").hidden = Boolean(last);
  $("session-card").hidden = !last;
  if (!last) return;
  $("session-title").textContent = last.ended ? "Last session" : "Current session";
  $("session-site").textContent = siteLabel(last.site, KNOWN_SITES);
  $("session-when").textContent = `since ${clock(last.startedAt)}`;
  $("session-counts").textContent = `${duration(last.activeMs / 1000)} active · ${plural(last.prompts, "prompt")} · ${plural(last.responses, "response")} · ${plural(last.copies, "copy")}`;
  for (const button of document.querySelectorAll(".tag")) {
    button.setAttribute("aria-pressed", String(button.dataset.tag === last.tag));
  }
}

/** Sync state, queue figures and warnings, refused events and adapter-health notices. */
async function showSync(settings, stats) {
  const state = await storage.get(KEYS.syncState);
  const queue = await createQueue({ storage }).status();
  let status = state.status;
  if (!settings.token || stats.status === 401) status = "not_paired";
  else if (stats.untrusted) status = "untrusted_server";
  else if (stats.status === 0) status = "unreachable";
  else if (stats.ok && status === "untrusted_server") {
    // The server has just proved itself to this popup: sync need not wait for its backoff.
    status = "ok";
    api.runtime.sendMessage({ type: "candor:sync-now" }).catch(() => {});
  }
  const [dot, words] = SYNC_WORDS[status] ?? ["", status];
  $("sync-dot").className = `dot ${dot}`;
  $("sync-text").textContent = status === "untrusted_server" ? untrustedWords(settings) : words;
  $("sync-waiting").textContent = queue.waiting ? `${plural(queue.waiting, "event")} waiting to sync` : "Nothing waiting to sync";
  const refused = await storage.get(KEYS.refusedCount);
  $("sync-refused").hidden = refused === 0;
  $("refused-count").textContent = refusedWords(refused);
  $("pair-hint").hidden = status !== "not_paired" || !$("pair-ask").hidden;

  const warning = LEVEL_WORDS[queue.level];
  $("queue-warning").hidden = !warning;
  $("queue-warning").textContent = warning ?? "";

  await showHealth();
}

/** One sentence per site whose adapter does not read a tab well, this tab's first. */
async function showHealth() {
  const health = await storage.get(KEYS.adapterHealth);
  const [active] = await api.tabs.query({ active: true, currentWindow: true }).catch(() => []);
  const notices = healthNotices(health, active?.id, (site) => siteLabel(site, KNOWN_SITES));
  const box = $("health-warning");
  box.hidden = notices.length === 0;
  box.replaceChildren(
    ...notices.map(({ site, level, text }) => {
      const line = document.createElement("p");
      line.textContent = text;
      line.dataset.site = site;
      line.dataset.level = level;
      return line;
    }),
  );
}

function showPause(settings) {
  $("pause").setAttribute("aria-pressed", String(settings.paused));
  $("pause").textContent = settings.paused ? "Resume" : "Pause";
  $("paused-note").hidden = !settings.paused;
}

/** A Connect page asked to pair with an address not paired yet: ask the person here. */
async function showPairingQuestion() {
  const reply = await api.runtime.sendMessage({ type: "candor:pairing-waiting" }).catch(() => null);
  const waiting = reply?.waiting ?? null;
  $("pair-ask").hidden = !waiting;
  if (!waiting) return;
  $("pair-ask").dataset.origin = waiting.origin;
  $("pair-ask-host").textContent = waiting.host;
}

/** Send the person's answer about the address shown. */
async function answerPairing(accept) {
  const origin = $("pair-ask").dataset.origin;
  for (const id of ["pair-ask-yes", "pair-ask-no"]) $(id).disabled = true;
  $("pair-ask-status").textContent = accept ? "Pairing…" : "";
  const reply = await api.runtime.sendMessage({ type: "candor:pairing-answer", origin, accept, keepTitles: $("pair-ask-titles").checked }).catch(() => null);
  for (const id of ["pair-ask-yes", "pair-ask-no"]) $(id).disabled = false;
  const status = reply?.status;
  if (status === "paired" || status === "declined") {
    $("pair-ask").hidden = true;
    render();
    return;
  }
  $("pair-ask-status").textContent =
    status === "expired"
      ? "This request is no longer waiting: reload the Connect page to ask again."
      : status === "unreachable"
        ? "The server did not answer: is Candor still running? Reload the Connect page to try again."
        : "The server refused this pairing (the page's code is used or expired): reload the Connect page for a new one.";
}

// A Connect page opened while the popup is open asks at once.
storage.watch(KEYS.pendingPairing, () => showPairingQuestion());

$("pair-ask-yes").addEventListener("click", () => answerPairing(true));
$("pair-ask-no").addEventListener("click", () => answerPairing(false));

async function render() {
  const settings = await storage.get(KEYS.settings);
  await showPairingQuestion();
  const server = settings.serverUrl.replace(/\/+$/, "");
  $("dashboard").href = `${server}/`;
  $("pair-link").href = `${server}/connect`;
  showPause(settings);
  showSession(await storage.get(KEYS.lastSession));
  const stats = await showToday(settings);
  await showSync(settings, stats);
}

$("pause").addEventListener("click", async () => {
  const settings = await storage.update(KEYS.settings, (s) => ({ ...s, paused: !s.paused }));
  showPause(settings);
});

for (const button of document.querySelectorAll(".tag")) {
  button.addEventListener("click", async () => {
    const last = await storage.get(KEYS.lastSession);
    if (!last) return;
    // Clicking the chosen tag again clears it.
    const tag = last.tag === button.dataset.tag ? null : button.dataset.tag;
    const updated = await storage.update(KEYS.lastSession, (l) => (l?.id === last.id ? { ...l, tag } : l));
    showSession(updated);
    $("tag-status").textContent = "Saving…";
    const reply = await api.runtime.sendMessage({ type: "candor:tag", sessionId: last.id, tag });
    $("tag-status").textContent = reply?.delivered ? "Saved to your journal." : "Saved here; it reaches your journal when the server is back.";
    render();
  });
}

for (const id of ["options", "refused-link"]) {
  $(id).addEventListener("click", (event) => {
    event.preventDefault();
    api.runtime.openOptionsPage();
  });
}

render();
