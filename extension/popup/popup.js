// The popup: where the user stands today, the session to tag, and whether sync works.

import { extensionApi } from "../lib/chrome-api.js";
import { createStorage, KEYS } from "../lib/storage.js";
import { createQueue } from "../lib/queue.js";
import { KNOWN_SITES } from "../lib/sites.js";
import { healthNotices } from "../lib/health.js";
import { percent, duration, plural, clock, siteLabel } from "../ui/format.js";
import { untrustedWords, refusedWords, serverHost } from "../ui/server.js";
import { createBadge, fetchSummary, nudgeFor, remember } from "../lib/nudge.js";
import { goalLines, weekDetail, verdictWords, lastSyncWords, waitingWords, whenWords } from "../ui/summary.js";

const api = extensionApi();
const storage = createStorage(api);
const badge = createBadge({ action: api.action, storage });
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

/** Today's and this week's figures, the goals and the sessions to review, from a summary (or dashes). */
function showSummary(summary, settings) {
  const day = summary?.today ?? {};
  const week = summary?.this_week ?? {};
  $("ratio").textContent = percent(day.value_ratio);
  $("coverage").textContent = percent(day.coverage);
  const total = (day.real_seconds ?? 0) + (day.busywork_seconds ?? 0) + (day.unsure_seconds ?? 0) + (day.untagged_seconds ?? 0);
  const bar = $("bar");
  bar.replaceChildren();
  for (const tag of ["real", "busywork", "unsure"]) {
    const part = document.createElement("span");
    part.className = tag;
    part.style.width = total ? `${(100 * (day[`${tag}_seconds`] ?? 0)) / total}%` : "0";
    bar.append(part);
  }
  $("today-detail").textContent = !summary
    ? ""
    : total
      ? `${duration(day.real_seconds)} real · ${duration(day.busywork_seconds)} busywork · ${duration(day.unsure_seconds)} unsure · ${duration(day.untagged_seconds)} untagged`
      : "No AI time recorded today yet.";

  $("week-ratio").textContent = percent(week.value_ratio);
  $("week-coverage").textContent = percent(week.coverage);
  const lines = summary ? goalLines(summary) : [];
  $("goals").hidden = lines.length === 0;
  $("goals").replaceChildren(
    ...lines.map(({ goal, met, text }) => {
      const item = document.createElement("li");
      item.dataset.goal = goal;
      item.dataset.met = String(met);
      item.textContent = text;
      if (met !== null) {
        const mark = document.createElement("span");
        mark.className = `met ${met ? "yes" : "no"}`;
        mark.textContent = met ? "reached" : "below the goal";
        item.append(" ", mark);
      }
      return item;
    }),
  );
  $("week-detail").textContent = summary ? weekDetail(week) : "";

  const waiting = summary?.untagged_sessions ?? 0;
  const nudge = summary ? nudgeFor(summary) : null;
  $("verdicts").hidden = !summary;
  $("verdicts").classList.toggle("nudge", Boolean(nudge));
  $("verdicts-text").textContent = nudge
    ? `${verdictWords(waiting)}: ${duration(week.untagged_seconds)} untagged this week.`
    : waiting ? `${verdictWords(waiting)}.` : verdictWords(0);
  $("review-link").hidden = !waiting;
  $("review-link").href = `${settings.serverUrl.replace(/\/+$/, "")}/review`;
}

/**
 * Ask the server for today's and this week's figures (one request, after the server proves
 * it knows the token), keep them for the badge, and say plainly when they can't be had.
 * Resolves to how the server answered, as showSync reads it.
 */
async function loadSummary(settings) {
  const answer = await fetchSummary({ fetch: (...args) => fetch(...args), settings, timeoutMs: 3_000 });
  await remember(storage, badge, answer);
  const cached = await storage.get(KEYS.summary);
  showSummary(answer.status === "ok" ? answer.summary : answer.status === "unreachable" ? cached : null, settings);
  const note = { unreachable: `Candor is not running at ${serverHost(settings)}: start it (candor serve) to see today's figures.` }[answer.status];
  $("server-note").hidden = !note;
  $("server-note").textContent = note ?? "";
  if (answer.status === "not_paired") {
    $("today-detail").textContent = "Not paired: connect the extension to see your figures.";
  } else if (answer.status === "untrusted") {
    $("today-detail").textContent = "No figures: the server does not know this extension's token.";
  } else if (answer.status === "unreachable") {
    // The figures last seen stay, said to be from then: the time is still what it was.
    $("today-detail").textContent = cached?.fetchedAt ? `Figures from ${whenWords(cached.fetchedAt)}, when Candor last answered.` : "No figures while Candor is not running.";
  }
  return {
    ok: answer.status === "ok",
    status: { ok: 200, not_paired: 401 }[answer.status] ?? 0,
    untrusted: answer.status === "untrusted",
  };
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
  // Until the server has answered this popup (stats null), the last sync's state stands.
  if (!settings.token || stats?.status === 401) status = "not_paired";
  else if (stats?.untrusted) status = "untrusted_server";
  else if (stats?.status === 0) status = "unreachable";
  else if (stats?.ok && status === "untrusted_server") {
    // The server has just proved itself to this popup: sync need not wait for its backoff.
    status = "ok";
    api.runtime.sendMessage({ type: "candor:sync-now" }).catch(() => {});
  }
  const [dot, words] = SYNC_WORDS[status] ?? ["", status];
  $("sync-dot").className = `dot ${dot}`;
  $("sync-text").textContent = status === "untrusted_server" ? untrustedWords(settings) : words;
  $("sync-last").textContent = lastSyncWords(state.lastSuccessAt);
  const tags = (await storage.get(KEYS.pendingTags)).length;
  $("sync-waiting").textContent = waitingWords({ events: queue.waiting, tags });
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
  // What this browser knows shows at once; the server's figures follow when it answers.
  showSummary(await storage.get(KEYS.summary), settings);
  await showSync(settings, null);
  await showSync(settings, await loadSummary(settings));
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
