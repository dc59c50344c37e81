// The one module that touches the browser's extension API. Everything else receives
// the object it returns as a parameter, so the logic runs against a plain fake in tests.

/** The browser's extension API: `browser` in Firefox, `chrome` in Chromium. */
export function extensionApi() {
  return globalThis.browser ?? globalThis.chrome;
}

/** Which browser runs the extension, as the server's `client.browser` expects. */
export function browserName(api = extensionApi()) {
  return api.runtime.getURL("").startsWith("moz-extension:") ? "firefox" : "chrome";
}
