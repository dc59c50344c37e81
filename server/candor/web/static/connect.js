// Shows what the extension did with this page (it marks <html> and fires `candor-pairing`).
const status = document.getElementById("pairing-status");
const WORDS = {
  paired: "Connected: the extension is paired with this journal. You can close this page.",
  refused: "The extension saw this page but refused it: check the server address in its options.",
};

function show(outcome) {
  if (WORDS[outcome]) status.textContent = WORDS[outcome];
}

document.addEventListener("candor-pairing", (event) => show(event.detail));
show(document.documentElement.dataset.candorPairing);
