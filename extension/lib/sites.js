// The AI sites Candor knows: the site name the server expects, the hosts it lives on,
// and the adapter module that reads its pages. They come from the contract shared with
// the server: scripts/contract.py writes lib/contract.js and the manifest's host lists
// from server/candor/contract.json, and tests/test_contract.py keeps them all in step.

import { SITES } from "./contract.js";

/** Known sites, in the order the options page lists them: {site, label, hosts, adapter}. */
export const KNOWN_SITES = SITES;

/** The known site a hostname belongs to, or null. */
export function knownSiteFor(hostname) {
  return KNOWN_SITES.find((entry) => entry.hosts.includes(hostname)) ?? null;
}

/** The site name events carry for a custom host: `custom:<hostname>`. */
export function customSiteName(hostname) {
  return `custom:${hostname}`;
}

/** A hostname typed by the user, cleaned up ("https://AI.corp.example/x" → "ai.corp.example"), or null. */
export function normalizeHost(input) {
  const text = String(input ?? "").trim();
  if (!text) return null;
  try {
    const url = new URL(text.includes("://") ? text : `https://${text}`);
    return url.hostname ? url.hostname.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The match patterns that cover a custom host (both schemes: in-house tools often use http). */
export function originPatterns(hostname) {
  return [`https://${hostname}/*`, `http://${hostname}/*`];
}
