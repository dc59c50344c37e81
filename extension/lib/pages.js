// What a page is to Candor: the server's connect page (pairing), an AI site to track
// (with the adapter that reads it), or nothing. Decided in the background from the
// sender's real URL, never from what the page claims.

import { KNOWN_SITES, knownSiteFor, customSiteName } from "./sites.js";

export const GENERIC_ADAPTER = "generic";
/** Adapters of known sites that have their own (sites/<name>.js); the contract gives the
 * others "generic" (content/adapters.js needs a static loader for each one named here). */
export const ADAPTERS = [...new Set(KNOWN_SITES.map((entry) => entry.adapter))].filter((name) => name !== GENERIC_ADAPTER);

/** Whether `url` is the connect page of the configured server (same origin, /connect path). */
export function isConnectPage(url, serverUrl) {
  try {
    const page = new URL(url);
    return page.origin === new URL(serverUrl).origin && /^\/connect\/?$/.test(page.pathname);
  } catch {
    return false;
  }
}

/** `{role: "pair"}`, `{role: "track", site, adapter}` or `{role: "none"}` for a page URL. */
export function describePage(url, settings) {
  if (isConnectPage(url, settings.serverUrl)) return { role: "pair" };
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
