// Pairing without copying a secret: the Candor dashboard's "Connect the extension" page
// ({server}/connect, on any port of this machine) carries
// <meta name="candor-pairing-code" content="CODE">, a one-time code that expires in minutes
// (never the token itself). This reads it and hands it to the background, which pairs at
// once with the server it is already paired with, and otherwise asks the person to confirm
// the address in the extension's popup first. The page contract is in extension/README.md.

/** Mark the page with how pairing went ("paired", "confirm", "declined", "refused"). */
function mark(doc, outcome) {
  // The page can show it by watching this attribute or listening for the event.
  doc.documentElement.setAttribute("data-candor-pairing", outcome);
  doc.dispatchEvent(new CustomEvent("candor-pairing", { detail: outcome })); // a string: crosses into the page in every browser
}

/** Read the pairing code from the connect page and ask to pair with it; marks the page with the outcome. */
export async function pair(api, doc) {
  const code = doc.querySelector('meta[name="candor-pairing-code"]')?.getAttribute("content")?.trim();
  if (!code) return;
  // The answer given later in the popup comes back as a message to this tab.
  const listener = (message) => {
    if (message?.type !== "candor:pairing-outcome" || typeof message.outcome !== "string") return;
    mark(doc, message.outcome);
    if (message.outcome !== "confirm") api.runtime.onMessage.removeListener(listener);
  };
  api.runtime.onMessage?.addListener(listener);
  let reply = null;
  try {
    reply = await api.runtime.sendMessage({ type: "candor:pair", code });
  } catch {
    reply = null;
  }
  const outcome = reply?.ok ? "paired" : reply?.status === "confirm" ? "confirm" : "refused";
  if (outcome !== "confirm") api.runtime.onMessage?.removeListener(listener);
  mark(doc, outcome);
}
