// Watches an AI site's page through its adapter and reports, as counts only:
// prompts sent (send button or Enter), responses finished, copies (the site's copy
// button or a selection copied with Ctrl/Cmd+C), and conversation switches.
//
// Cost on the page matters: one MutationObserver whose callback only sets a timer;
// the real look at the page happens at most every CHECK_DELAY_MS, never per chunk,
// and a last look SETTLE_DELAY_MS later while an answer may still be streaming.

import { countChars, estimateTokens } from "../lib/tokens.js";
import { fingerprint } from "../lib/fingerprint.js";
import { watchResponses } from "./responses.js";

/** Delay between a change on the page and Candor's look at it. */
export const CHECK_DELAY_MS = 300;
/** Delay of the extra look at a response that was still changing (no mutation may follow). */
export const SETTLE_DELAY_MS = 1_000;
/** The same prompt or copy reported twice within this time is one action (e.g. Enter + click). */
const SAME_ACTION_MS = 1_500;

/** Text of a prompt box: a textarea's value or an editable element's rendered text. */
export function composerText(box) {
  if (!box) return "";
  return "value" in box && typeof box.value === "string" ? box.value : box.innerText ?? box.textContent ?? "";
}

/** Tokens of `text` counted in the page, as characters / 4 (`chars` if there is no text). */
const estimateHere = async (text, chars = countChars(text ?? "")) => ({
  est_tokens: estimateTokens(chars),
  tokenizer: "chars/4",
});

/**
 * Start watching; `report(kind, details)` goes to the background. `countTokens(text, chars)`
 * resolves to {est_tokens, tokenizer} (content/token-count.js asks the service worker).
 * Returns a stop function.
 */
export function watchPage({ win, adapter, report: send, countTokens = estimateHere }) {
  const doc = win.document;
  // Counting a text takes a round trip to the service worker: reports wait for the ones
  // before them, so the background still sees prompt, answer and copy in page order.
  let reported = Promise.resolve();
  const report = (kind, details = {}, counted = {}) => {
    reported = reported
      .then(() => counted)
      .then((tokens) => send(kind, { ...details, ...tokens }))
      .catch(() => {});
  };
  /** The text's tokens, counted by `countTokens`, or estimated here if that fails. */
  const count = (text, chars) =>
    Promise.resolve()
      .then(() => countTokens(text, chars))
      .catch(() => estimateHere(text, chars));
  let lastPrompt = { fingerprint: null, at: 0 };
  let lastCopy = { response: null, chars: 0, at: 0 };
  let lastUrl = win.location.href;

  const model = () => adapter.model(doc) ?? undefined;

  const responses = (adapter.watchResponses ?? watchResponses)({
    doc,
    adapter,
    onResponse(chars, text) {
      // An adapter that reads no text (the generic one counts growth) gets the estimate.
      const counted = text === undefined ? estimateHere(undefined, chars) : count(text, chars);
      report("response", { response_chars: chars, model: model() }, counted);
    },
  });

  function promptSent() {
    const text = composerText(adapter.composer(doc)).trim();
    if (!text) return;
    const print = fingerprint(text);
    const at = Date.now();
    if (print === lastPrompt.fingerprint && at - lastPrompt.at < SAME_ACTION_MS) return;
    lastPrompt = { fingerprint: print, at };
    const chars = countChars(text);
    responses.promptSent(chars);
    report("prompt", { prompt_chars: chars, fingerprint: print, model: model() }, count(text, chars));
  }

  function copied(chars, response) {
    const at = Date.now();
    // A copy button that copies through the selection also fires a copy event: one copy.
    const same = response === lastCopy.response && chars === lastCopy.chars && at - lastCopy.at < SAME_ACTION_MS;
    if (!chars || same) return;
    lastCopy = { response, chars, at };
    report("copy", { response_chars: chars });
  }

  function checkUrl() {
    if (win.location.href === lastUrl) return;
    lastUrl = win.location.href;
    report("navigate");
  }

  const onKeyDown = (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    const box = adapter.composer(doc);
    if (box && box.contains(event.target)) promptSent();
  };

  const onClick = (event) => {
    if (adapter.sendButton(event.target)) {
      promptSent();
      return;
    }
    const response = adapter.copyButtonResponse(event.target);
    if (response) {
      responses.check(); // an answer copied the moment it finished is counted first
      copied(countChars(response.textContent.trim()), response);
    }
  };

  const onCopy = () => {
    const selection = doc.getSelection();
    const text = selection?.toString() ?? "";
    if (!text.trim()) return;
    const box = adapter.composer(doc);
    if (box && (box.contains(selection.anchorNode) || box.contains(selection.focusNode))) return;
    const response = adapter.responseAround(selection.anchorNode) ?? adapter.responseAround(selection.focusNode);
    if (response) {
      responses.check();
      copied(countChars(text), response);
    }
  };

  let timer = null;
  const schedule = (delay) => {
    if (timer === null) timer = win.setTimeout(check, delay);
  };
  function check() {
    timer = null;
    checkUrl();
    // A response that may still be streaming gets one more look once the page is quiet.
    if (responses.check()) schedule(SETTLE_DELAY_MS);
  }
  const observer = new MutationObserver(() => schedule(CHECK_DELAY_MS));
  observer.observe(doc.body ?? doc.documentElement, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: adapter.watchedAttributes ?? [],
  });

  // Capture phase: see the send before the site clears its prompt box.
  doc.addEventListener("keydown", onKeyDown, true);
  doc.addEventListener("click", onClick, true);
  doc.addEventListener("copy", onCopy, true);
  win.addEventListener("popstate", checkUrl);
  win.navigation?.addEventListener?.("navigatesuccess", checkUrl);

  return () => {
    observer.disconnect();
    if (timer !== null) win.clearTimeout(timer);
    responses.stop();
    doc.removeEventListener("keydown", onKeyDown, true);
    doc.removeEventListener("click", onClick, true);
    doc.removeEventListener("copy", onCopy, true);
    win.removeEventListener("popstate", checkUrl);
    win.navigation?.removeEventListener?.("navigatesuccess", checkUrl);
  };
}
