// Custom sites (an in-house AI tool) get the content script only after the user grants
// Candor access to them, which the options page asks for. This keeps the registered
// content script in step with the hosts that are both listed and granted.

import { originPatterns } from "./sites.js";

/** Id of the dynamically registered content script for custom sites. */
export const CUSTOM_SCRIPT_ID = "candor-custom-sites";

/** Register content.js for every custom host the user listed and granted; resolves to those hosts. */
export async function registerCustomSites(api, hosts) {
  const granted = [];
  for (const host of hosts) {
    if (await api.permissions.contains({ origins: originPatterns(host) })) granted.push(host);
  }
  const existing = await api.scripting.getRegisteredContentScripts({ ids: [CUSTOM_SCRIPT_ID] });
  if (existing.length) await api.scripting.unregisterContentScripts({ ids: [CUSTOM_SCRIPT_ID] });
  if (granted.length) {
    await api.scripting.registerContentScripts([
      { id: CUSTOM_SCRIPT_ID, matches: granted.flatMap(originPatterns), js: ["content.js"], runAt: "document_idle" },
    ]);
  }
  return granted;
}
