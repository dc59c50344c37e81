// Formatting shared by the popup and the options page: words a person reads.

/** "72%" for 0.72; "—" when there is no ratio yet. */
export function percent(ratio) {
  return typeof ratio === "number" && Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "—";
}

/** "2 h 44 min", "1 h 05 min", "45 min", "30 s" for a duration in seconds: the dashboard's one
 * format (server/candor/words.py), rounded the same way. */
export function duration(seconds) {
  const s = Math.round(Math.max(0, seconds ?? 0));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

// Nouns whose plural is not the noun and an "s" (as words.py knows them).
const IRREGULAR = { copy: "copies", was: "were", is: "are", has: "have", entry: "entries", reply: "replies", retry: "retries", its: "their" };

/** "1 prompt", "2 prompts", "1,204 events", "3 copies": a count and its noun; `many` where the
 * plural is not the noun and an "s". */
export function plural(count, noun, many) {
  const n = count ?? 0;
  return `${n.toLocaleString("en")} ${n === 1 ? noun : many ?? IRREGULAR[noun] ?? `${noun}s`}`;
}

/** "14:05" for an epoch time in ms, in the user's locale. */
export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Today's local date as YYYY-MM-DD (the server reads dates in the machine's time zone too). */
export function today(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A site's display name: "ChatGPT", or the host of a custom site. */
export function siteLabel(site, knownSites) {
  if (site?.startsWith("custom:")) return site.slice("custom:".length);
  return knownSites.find((entry) => entry.site === site)?.label ?? site ?? "";
}
