// A gentle nudge when untagged time piles up: a badge on the toolbar icon, never a
// notification. The figures come from the server's summary (GET /api/v1/summary), read
// after each sync that reached the server, so it costs one small request then and nothing
// on a timer. The badge has two layers: the pairing question and this nudge; a pairing
// question waiting wins, since the person has to answer it.

import { KEYS } from "./storage.js";
import { endpoint, jsonOf, timeoutSignal } from "./http.js";
import { proveServer } from "./proof.js";
import { duration } from "../ui/format.js";

/**
 * Untagged time this week past which the badge asks for a review. Two hours is about a
 * day's AI work: beyond it the week's ratio rests on less than it seems, and tagging it
 * still takes minutes from memory, not an evening of guessing.
 */
export const UNTAGGED_NUDGE_SECONDS = 2 * 3600;
/** The path of the summary the popup and the nudge read. */
export const SUMMARY_PATH = "/api/v1/summary";
const SUMMARY_TIMEOUT_MS = 5_000;
// A question waiting reads as one (the accent); a nudge stays quiet (a warm grey-brown).
const COLORS = { pairing: "#1f6f5c", nudge: "#7a5a3a" };
const LAYERS = ["pairing", "nudge"]; // the first one set is shown

/** Whole hours, "2h"; the badge has room for about four characters. */
function hoursText(seconds) {
  return `${Math.floor(seconds / 3600)}h`;
}

/**
 * The nudge a summary calls for: `{text, title}` when this week's untagged time is past
 * UNTAGGED_NUDGE_SECONDS, else null (also for a summary that is missing or malformed).
 */
export function nudgeFor(summary) {
  const untagged = summary?.this_week?.untagged_seconds;
  if (typeof untagged !== "number" || !(untagged > UNTAGGED_NUDGE_SECONDS)) return null;
  return {
    text: hoursText(untagged),
    title: `Candor: ${duration(untagged)} untagged this week. Open Candor to review your sessions.`,
  };
}

/**
 * The toolbar badge, in layers. `action` is the extension API's `action` (chrome.action,
 * or browser.action in Firefox); what each layer shows lives in storage, so a restarted
 * worker and the popup agree on it.
 */
export function createBadge({ action, storage }) {
  async function show(layers) {
    const name = LAYERS.find((layer) => layers[layer]);
    const shown = name ? layers[name] : null;
    if (name && action.setBadgeBackgroundColor) await action.setBadgeBackgroundColor({ color: COLORS[name] });
    await action.setBadgeText({ text: shown?.text ?? "" });
    await action.setTitle({ title: shown?.title || "Candor" });
  }

  return {
    /** Set one layer (`pairing` or `nudge`) to `{text, title}`, or clear it with null; shows the badge. */
    async set(layer, value) {
      const layers = await storage.update(KEYS.badge, (current) => ({ ...current, [layer]: value ?? null }));
      await show(layers);
      return layers;
    },
  };
}

/**
 * Read the summary from the server and keep the nudge in line with it. Resolves to
 * `{status, summary}`: "ok", "not_paired" (no token, or the server refused it),
 * "untrusted" or "unreachable" (the badge is left as it was: the time is still untagged).
 */
export async function fetchSummary({ fetch, settings, proved = false, crypto = globalThis.crypto, timeoutMs = SUMMARY_TIMEOUT_MS }) {
  if (!settings.token) return { status: "not_paired", summary: null };
  if (!proved) {
    const proof = await proveServer({ fetch, serverUrl: settings.serverUrl, token: settings.token, crypto, timeoutMs });
    if (proof.status !== "trusted") return { status: proof.status, summary: null };
  }
  let response;
  try {
    response = await fetch(endpoint(settings.serverUrl, SUMMARY_PATH), {
      headers: { Authorization: `Bearer ${settings.token}` },
      signal: timeoutSignal(timeoutMs),
    });
  } catch {
    return { status: "unreachable", summary: null };
  }
  if (response.status === 401 || response.status === 403) return { status: "not_paired", summary: null };
  const body = response.ok ? await jsonOf(response) : null;
  if (!body || typeof body.this_week !== "object" || body.this_week === null) return { status: "unreachable", summary: null };
  return { status: "ok", summary: body };
}

/** The nudge as the background runs it: `check()` after each sync that reached the server. */
export function createNudge({ storage, badge, fetch, crypto = globalThis.crypto, now = Date.now }) {
  return {
    /** Read the summary (`proved`: the server proved itself in this run already) and set the badge. */
    async check({ proved = false } = {}) {
      const settings = await storage.get(KEYS.settings);
      const answer = await fetchSummary({ fetch, settings, proved, crypto });
      await remember(storage, badge, answer, now);
      return answer;
    },
  };
}

/** Keep what a summary answer says: the summary for the popup, the nudge on the badge. */
export async function remember(storage, badge, answer, now = Date.now) {
  if (answer.status === "ok") {
    await storage.set(KEYS.summary, { ...answer.summary, fetchedAt: new Date(now()).toISOString() });
    await badge.set("nudge", nudgeFor(answer.summary));
  } else if (answer.status === "not_paired") {
    // Figures from a journal this extension no longer reaches say nothing about this one.
    await storage.set(KEYS.summary, null);
    await badge.set("nudge", null);
  }
}
