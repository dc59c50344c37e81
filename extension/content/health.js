// Adapter health: does the page still have the elements the site's adapter keys on?
// Sites change their markup often; when they do, the content script falls back to the
// generic adapter and the popup says so, instead of silently recording nothing.

/** How long a page may take to render its composer before the adapter is judged broken. */
export const HEALTH_WAIT_MS = 10_000;

/** Resolves to `{status: "ok"|"fallback", missing}` once the hooks appear or the wait ends. */
export function checkHealth(doc, adapter, waitMs = HEALTH_WAIT_MS) {
  return new Promise((resolve) => {
    let observer = null;
    let timer = null;
    const done = (missing) => {
      observer?.disconnect();
      clearTimeout(timer);
      resolve({ status: missing.length ? "fallback" : "ok", missing });
    };
    const check = () => {
      const missing = adapter.missingHooks(doc);
      if (!missing.length) done(missing);
      return missing;
    };
    if (!check().length) return;
    // The composer is often hydrated a moment after load: watch for it, but not forever.
    observer = new MutationObserver(() => check());
    observer.observe(doc.documentElement, { childList: true, subtree: true });
    timer = setTimeout(() => done(adapter.missingHooks(doc)), waitMs);
  });
}
