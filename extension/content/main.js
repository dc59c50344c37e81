// Runs in each tracked page (loaded by content.js). Asks the background what this page
// is, then either pairs with the Candor server or watches the AI site and reports
// counts. Reports carry numbers and a fingerprint, never the text itself.

import { watchPresence } from "./presence.js";
import { watchPage } from "./page-watch.js";
import { pair } from "./pairing.js";
import { checkHealth, watchHealth } from "./health.js";
import { loadAdapter } from "./adapters.js";
import { askForTokens } from "./token-count.js";

/** Start Candor in this page; `api` is the extension API, `win` the page's window. */
export async function start(api, win) {
  const page = await api.runtime.sendMessage({ type: "candor:hello", url: win.location.href });
  if (page?.role === "pair") return pair(api, win.document);
  if (page?.role !== "track") return undefined;

  const stops = [];
  const stopAll = () => stops.splice(0).forEach((stop) => stop());
  const known = await loadAdapter(page.adapter);
  /** Tell the background how well the adapter reads this tab (kept per site and tab). */
  const tellHealth = (health) => api.runtime.sendMessage({ type: "candor:health", ...health }).catch(() => {});
  let monitor = null;

  /** Send a signal to the background, with where the page is now. */
  const report = (kind, details = {}) => {
    monitor?.noticed(kind);
    const signal = {
      kind,
      ...details,
      // The site's own URL rules even when its markup forced the generic reader:
      // URL shapes outlive redesigns, and a changed key would split the session.
      conversation: known.conversation(win.location),
      url: win.location.href,
      title: win.document.title,
    };
    api.runtime.sendMessage({ type: "candor:signal", signal }).catch((error) => {
      // After the extension is updated or removed this page's link to it is gone for good.
      if (/context invalidated/i.test(String(error?.message))) stopAll();
    });
  };

  // A share page is a read-only conversation: no session, and no alarm for its missing composer.
  // Presence waits for this verdict (at most HEALTH_WAIT_MS, usually until the composer renders).
  const hooks = await checkHealth(win.document, known, win.location);
  if (hooks.status === "read-only") {
    tellHealth({ status: "read-only" });
    return stopAll;
  }
  stops.push(watchPresence(win, report));
  // The site's markup changed under us: count what we can with the generic adapter.
  const adapter = hooks.status === "fallback" ? await loadAdapter("generic") : known;
  tellHealth(hooks);
  if (adapter === known) {
    monitor = watchHealth({ win, adapter, onChange: (health) => tellHealth({ ...health, missing: [] }) });
    stops.push(() => monitor.stop());
  }
  stops.push(watchPage({ win, adapter, report, countTokens: askForTokens(api) }));
  return stopAll;
}
