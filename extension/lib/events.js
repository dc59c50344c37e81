// Builds the events the server stores. This is the privacy boundary: an event carries
// counts, a fingerprint and (if allowed) the page's URL and title, nothing else; fields
// outside the server's schema are never copied in, so no text can slip through. Every
// string is well-formed and cut at character boundaries (lib/text.js).

import { cut } from "./text.js";
import { EVENT_TYPES, FIELDS_BY_TYPE, LIMITS as CONTRACT_LIMITS, TOKENIZERS } from "./contract.js";

/** Event types the server accepts (from the contract). */
export { EVENT_TYPES };

const LIMITS = { active_ms: CONTRACT_LIMITS.active_ms, count: CONTRACT_LIMITS.count, ...CONTRACT_LIMITS.length };

/** A whole number clamped into 0..max (page-side counts are never trusted blindly). */
function count(value, max) {
  const number = Math.round(Number(value));
  return Number.isFinite(number) ? Math.min(max, Math.max(0, number)) : 0;
}

/** The URL as sent: origin and path only; a query or fragment can hold a typed question. */
export function cleanUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    return cut(`${parsed.origin}${parsed.pathname}`, LIMITS.url);
  } catch {
    return null;
  }
}

/**
 * One event of `type` for `session`, with the type's fields from `details`
 * and the context fields the user's `settings` allow.
 */
export function makeEvent({ type, session, details = {}, settings, at, newId }) {
  const event = { id: newId(), session_id: session.id, type, ts: new Date(at).toISOString(), site: session.site };
  for (const field of FIELDS_BY_TYPE[type]) {
    if (field === "fingerprint") {
      if (/^[0-9a-f]{16}$/.test(details.fingerprint ?? "")) event.fingerprint = details.fingerprint;
    } else if (field === "tokenizer") {
      // How est_tokens was counted; anything else is left out (the server would refuse it).
      if (TOKENIZERS.includes(details.tokenizer)) event.tokenizer = details.tokenizer;
    } else if (field === "active_ms") {
      event.active_ms = count(details.active_ms, LIMITS.active_ms);
    } else {
      event[field] = count(details[field], LIMITS.count);
    }
  }
  if (type === "activity" || type === "session_end") return event;
  if (typeof details.model === "string" && details.model.trim()) event.model = cut(details.model.trim(), LIMITS.model);
  const url = settings.sendUrl && session.url ? cleanUrl(session.url) : null;
  if (url) event.url = url;
  if (settings.sendTitle && session.title) event.title = cut(String(session.title), LIMITS.title);
  return event;
}
