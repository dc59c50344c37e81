// Counts with their noun on the dashboard's pages, as words.py prints them: "1 session",
// "2 sessions", "1,204 events", "3 copies".

const IRREGULAR = { copy: "copies", was: "were", is: "are", has: "have", entry: "entries", reply: "replies", retry: "retries", its: "their" };

/** The count and its noun; `many` where the plural is not the noun and an "s". */
export function plural(count, noun, many) {
  const n = count ?? 0;
  return `${n.toLocaleString("en")} ${n === 1 ? noun : many ?? IRREGULAR[noun] ?? `${noun}s`}`;
}
