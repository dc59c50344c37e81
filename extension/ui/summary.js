// Words for the popup's summary: this week against the goals, the sessions waiting for a
// verdict, the last sync and what waits to sync. Dates and times in the person's locale.

import { percent, duration, plural } from "./format.js";

/**
 * One line per goal set: "62% real this week — goal 70%", "40% tagged this week — goal 60%",
 * each with `met` (true, false, or null when there is no figure yet). Empty without goals.
 */
export function goalLines(summary) {
  const week = summary?.this_week ?? {};
  const goals = summary?.goals ?? {};
  const met = summary?.goals_met ?? {};
  const lines = [];
  if (typeof goals.value_ratio === "number") {
    lines.push({
      goal: "value_ratio",
      met: met.value_ratio ?? null,
      text: typeof week.value_ratio === "number"
        ? `${percent(week.value_ratio)} real this week — goal ${percent(goals.value_ratio)}`
        : `No value ratio yet this week — goal ${percent(goals.value_ratio)}`,
    });
  }
  if (typeof goals.coverage === "number") {
    lines.push({
      goal: "coverage",
      met: met.coverage ?? null,
      text: typeof week.coverage === "number"
        ? `${percent(week.coverage)} tagged this week — goal ${percent(goals.coverage)}`
        : `Nothing to tag yet this week — goal ${percent(goals.coverage)}`,
    });
  }
  return lines;
}

/** "1 h 00 min tagged of 2 h 00 min", what a ratio rests on; "" with no active time. */
export function basisWords(figures) {
  if (!figures?.active_seconds) return "";
  const tagged = (figures.real_seconds ?? 0) + (figures.busywork_seconds ?? 0) + (figures.unsure_seconds ?? 0);
  return `${duration(tagged)} tagged of ${duration(figures.active_seconds)}`;
}

/** Below this coverage a ratio is labelled as shaky: the dashboard's own line (LOW_COVERAGE). */
export const LOW_COVERAGE = 0.6;

/** What this week's ratio rests on, and a caution when that is little: a ratio is no verdict then. */
export function weekDetail(week) {
  const basis = basisWords(week);
  if (!basis) return "No AI time recorded this week yet.";
  const shaky = typeof week.coverage === "number" && week.coverage < LOW_COVERAGE;
  return `${basis} active${shaky ? ": too little to read the ratio as a verdict yet" : ""}.`;
}

/** "3 sessions waiting for your verdict", or that none is. */
export function verdictWords(count) {
  if (!count) return "No session is waiting for your verdict.";
  return `${plural(count, "session")} waiting for your verdict`;
}

/** When a moment (ISO text) was, in the person's locale: the time alone when it was today. */
export function whenWords(iso, now = new Date(), locale = undefined) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const sameDay = moment.toDateString() === now.toDateString();
  const options = sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale, options).format(moment);
}

/** "Last synced at 14:05", "Last synced 3 Dec 2026, 14:05", or "Not synced yet". */
export function lastSyncWords(iso, now = new Date(), locale = undefined) {
  const when = iso ? whenWords(iso, now, locale) : "";
  if (!when) return "Not synced yet.";
  const sameDay = new Date(iso).toDateString() === now.toDateString();
  return `Last synced ${sameDay ? "at " : ""}${when}`;
}

/** What waits to sync: "12 events and 1 tag waiting to sync", or "Nothing waiting to sync". */
export function waitingWords({ events = 0, tags = 0 } = {}) {
  const parts = [];
  if (events) parts.push(plural(events, "event"));
  if (tags) parts.push(plural(tags, "tag"));
  return parts.length ? `${parts.join(" and ")} waiting to sync` : "Nothing waiting to sync";
}
