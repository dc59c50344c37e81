// The generic adapter, for custom sites (an in-house AI tool) and for known sites whose
// markup no longer matches their own adapter. Without knowing the page, it takes the
// page's main text box as the prompt box and counts a response as the text that appears
// on the page after a prompt, once the page has been quiet for a moment.

import { closest, visibleArea } from "./dom.js";
import { countChars } from "../lib/tokens.js";

/** The page must be quiet this long after a prompt before the new text counts as a response. */
export const QUIET_MS = 2_000;

const EDITABLE = 'textarea, [contenteditable="true"], [contenteditable=""], [role="textbox"]';
const SEND_WORDS = /\b(send|submit|ask|run|go)\b/i;
const COPY_WORDS = /\bcopy\b/i;

/** Words a control shows or is labelled with. */
function label(element) {
  return [element.getAttribute("aria-label"), element.getAttribute("title"), element.getAttribute("data-testid"), element.textContent]
    .filter(Boolean)
    .join(" ");
}

/** The page's main prompt box: the focused editable, else the largest visible one. */
function composer(doc) {
  const active = doc.activeElement;
  if (active && active.matches?.(EDITABLE)) return active;
  let best = null;
  let bestArea = 0;
  for (const element of doc.querySelectorAll(EDITABLE)) {
    const area = visibleArea(element);
    if (area > bestArea) [best, bestArea] = [element, area];
  }
  return best;
}

/** Length of the page's text outside the prompt box (no layout: textContent). */
function pageTextLength(doc) {
  const box = composer(doc);
  const boxLength = box ? (box.value ?? box.textContent ?? "").length : 0;
  return (doc.body?.textContent.length ?? 0) - boxLength;
}

/** Counts a response as page text grown after a prompt, minus the prompt's own echo. */
function watchResponses({ doc, onResponse }) {
  let pending = null;
  let quietTimer = null;
  // Only a pending prompt makes us listen to every change; otherwise we stay out of the way.
  const observer = new MutationObserver(() => {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(settle, QUIET_MS);
  });

  function settle() {
    observer.disconnect();
    if (!pending) return;
    const grown = pageTextLength(doc) - pending.baseline - pending.promptChars;
    pending = null;
    if (grown > 0) onResponse(grown);
  }

  return {
    promptSent(promptChars) {
      pending = { baseline: pageTextLength(doc), promptChars };
      observer.observe(doc.body ?? doc.documentElement, { childList: true, subtree: true, characterData: true });
    },
    check() {},
    stop() {
      observer.disconnect();
      clearTimeout(quietTimer);
    },
  };
}

/** The generic adapter (see content/page-watch.js for how adapters are used). */
export const adapter = {
  watchedAttributes: [],
  composer,

  /** A button near the prompt box that says send/submit, or a form's submit button. */
  sendButton(target) {
    const button = closest(target, 'button, [role="button"], input[type="submit"]');
    if (!button) return null;
    if (button.type === "submit" || SEND_WORDS.test(label(button))) return button;
    return null;
  },

  responses: () => [],
  isStreaming: () => false,
  watchResponses,

  /** For a "Copy" button: the block of text it sits under (its nearest ancestor with text). */
  copyButtonResponse(target) {
    const button = closest(target, 'button, [role="button"]');
    if (!button || !COPY_WORDS.test(label(button))) return null;
    for (let node = button.parentElement; node; node = node.parentElement) {
      if (countChars(node.textContent) - countChars(button.textContent) > 20) return node;
    }
    return null;
  },

  /** Any copied text outside the prompt box counts as copied from a response: its block. */
  responseAround: (node) => closest(node, "p, li, pre, td, blockquote, article, section, div"),

  userMessages: () => [],

  model: () => null,

  /** Without knowing the site's URLs, each path is a conversation and "/" a new chat. */
  conversation: (location) => (location.pathname === "/" ? null : location.pathname),

  readOnly: () => false,

  missingHooks: () => [],
};
