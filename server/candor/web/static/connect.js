// Shows what the extension did with this page (it marks <html> and fires `candor-pairing`).
const status = document.getElementById("pairing-status");
const WORDS = {
  confirm: `Almost there: click Candor's icon in your browser's toolbar and confirm “Pair with Candor at ${location.host}?”.`,
  paired: "Connected: the extension is paired with this journal. You can close this page.",
  declined: "Pairing was declined in the extension. Reload this page to be asked again.",
  refused: "The extension could not pair with this page's code (used or expired): reload the page for a new one.",
};

function show(outcome) {
  if (WORDS[outcome]) status.textContent = WORDS[outcome];
}

document.addEventListener("candor-pairing", (event) => show(event.detail));
show(document.documentElement.dataset.candorPairing);
