// Adapter health as the background keeps it: per site, then per tab, so two tabs of one
// site (or of two sites) reporting at once each keep their own verdict, and the popup can
// name the site and say whether it is this tab. States: "ok", "degraded" (with a reason),
// "fallback" (the generic reader counts there), and "read-only" for a share page, which
// is not tracked and is no cause for alarm.

import { KEYS } from "./storage.js";
import { serial } from "./serial.js";

const STATES = ["read-only", "ok", "degraded", "fallback"];
const QUIET = new Set(["read-only", "ok"]);

/**
 * Where the background keeps health. Tabs report concurrently (the service worker handles
 * messages at once), so every change is one read-modify-write after the previous one:
 * two tabs reporting together both keep their verdict.
 */
export function createHealthRecord({ storage }) {
  const oneAtATime = serial();
  const change = (how) => oneAtATime(() => storage.update(KEYS.adapterHealth, how));
  return {
    /** Keep tab `tabId`'s report (`{status, reason, missing, at}`) for `site`. */
    report: (site, tabId, report) => change((health) => withTabHealth(health, site, tabId, report)),
    /** Forget a closed tab. */
    tabClosed: (tabId) => change((health) => withoutTab(health, tabId)),
  };
}

/** `health` with tab `tabId`'s report for `site` (a tab is on one site at a time). */
export function withTabHealth(health, site, tabId, report) {
  const next = withoutTab(health, tabId);
  if (!STATES.includes(report.status)) return next;
  const entry = { status: report.status, at: report.at };
  if (report.status === "degraded") entry.reason = String(report.reason ?? "").slice(0, 200);
  if (report.status === "fallback") entry.missing = (report.missing ?? []).map(String).slice(0, 5);
  return { ...next, [site]: { ...next[site], [tabId]: entry } };
}

/** `health` without tab `tabId` (closed, or gone to another site). */
export function withoutTab(health, tabId) {
  const next = {};
  for (const [site, tabs] of Object.entries(health ?? {})) {
    const { [tabId]: _gone, ...rest } = tabs ?? {};
    if (Object.keys(rest).length) next[site] = rest;
  }
  return next;
}

/**
 * What the popup says: one notice per site whose adapter does not read a tab well, the
 * active tab's verdict first. `label(site)` names a site. Returns `[{site, level, text}]`.
 */
export function healthNotices(health, activeTabId, label) {
  const notices = [];
  for (const [site, tabs] of Object.entries(health ?? {})) {
    const entries = Object.entries(tabs ?? {}).filter(([, entry]) => !QUIET.has(entry.status));
    if (!entries.length) continue;
    // This tab's verdict if it has one; else the worst of the others.
    const mine = entries.find(([tabId]) => Number(tabId) === activeTabId);
    const rank = (entry) => STATES.indexOf(entry.status);
    const [tabId, entry] = mine ?? entries.sort((a, b) => rank(b[1]) - rank(a[1]))[0];
    const where = Number(tabId) === activeTabId ? "on this tab" : entries.length > 1 ? "in other tabs" : "in another tab";
    const name = label(site);
    const text =
      entry.status === "fallback"
        ? `${possessive(name)} page changed: Candor is counting with its general reader${mine ? "" : ` ${where}`}.`
        : `${name}: counting may be incomplete ${where}${entry.reason ? `: ${entry.reason}` : ""}.`;
    notices.push({ site, level: entry.status, here: Boolean(mine), text });
  }
  // The tab the user is looking at comes first.
  return notices.sort((a, b) => Number(b.here) - Number(a.here));
}

/** "Claude's", "Meta AI's". */
function possessive(name) {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}
