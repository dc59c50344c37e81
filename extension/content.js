// Content scripts cannot be ES modules, so this classic script only loads the real one.
// It is the second and last place that names the extension API: it must, to find the
// module's URL; everything after receives the API as a parameter.
(async () => {
  const api = globalThis.browser ?? globalThis.chrome;
  try {
    const { start } = await import(api.runtime.getURL("content/main.js"));
    await start(api, window);
  } catch (error) {
    // A page that blocks the import must not break; there is nothing to tell it.
    console.debug("Candor: not tracking this page:", error?.message ?? error);
  }
})();
