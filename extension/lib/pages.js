// What a page is to Candor: a Candor Connect page on this machine (pairing), an AI site to track
// (with the adapter that reads it), or nothing. Decided in the background from the
// sender's real URL, never from what the page claims.

import { KNOWN_SITES, knownSiteFor, customSiteName } from "./sites.js";
import { connectOrigin } from "./pairing.js";

export const GENERIC_ADAPTER = "generic";
/** Adapters of known sites that have their own (sites/<name>.js); the contract gives the
 * others "generic" (content/adapters.js needs a static loader for each one named here). */
export const ADAPTERS = [...new Set(KNOWN_SITES.map((entry) => entry.adapter))].filter((name) => name !== GENERIC_ADAPTER);

/** `{role: "pair"}`, `{role: "track", site, adapter}` or `{role: "none"}` for a page URL. */
export function describePage(url, settings) {
  // A Connect page on any port: Candor may run on any; the popup asks before pairing.
  if (connectOrigin(url)) return { role: "pair" };
  let hostname;
  try {
    const page = new URL(url);
    if (page.protocol !== "https:" && page.protocol !== "http:") return { role: "none" };
    hostname = page.hostname;
  } catch {
    return { role: "none" };
  }
  const known = knownSiteFor(hostname);
  if (known) {
    if (settings.sites[known.site] === false) return { role: "none" };
    return { role: "track", site: known.site, adapter: ADAPTERS.includes(known.adapter) ? known.adapter : GENERIC_ADAPTER };
  }
  if (settings.customSites.includes(hostname)) {
    const site = customSiteName(hostname);
    if (settings.sites[site] === false) return { role: "none" };
    return { role: "track", site, adapter: GENERIC_ADAPTER };
  }
  return { role: "none" };
}
