// Pairing without copying a secret: the Candor dashboard's "Connect the extension" page
// ({server}/connect) carries <meta name="candor-pairing-code" content="CODE">, a one-time
// code that expires in minutes (never the token itself). This reads it and hands it to
// the background, which accepts it only from the configured server's own origin and
// exchanges it for the token. The page contract is documented in extension/README.md.

/** Read the pairing code from the connect page and pair with it; marks the page with the outcome. */
export async function pair(api, doc) {
  const code = doc.querySelector('meta[name="candor-pairing-code"]')?.getAttribute("content")?.trim();
  if (!code) return;
  let reply = null;
  try {
    reply = await api.runtime.sendMessage({ type: "candor:pair", code });
  } catch {
    reply = null;
  }
  const outcome = reply?.ok ? "paired" : "refused";
  // The page can show "Connected" by watching this attribute or listening for the event.
  doc.documentElement.setAttribute("data-candor-pairing", outcome);
  doc.dispatchEvent(new CustomEvent("candor-pairing", { detail: outcome })); // a string: crosses into the page in every browser
}
