// Notices when a response has finished streaming, for sites whose adapter can point at
// response elements. A response counts once, when it is finished:
//  - the site marked it as streaming (adapter.isStreaming) and the mark is gone, or
//  - its text grew between two looks and then stayed the same for one look, or
//  - it appeared right after a prompt and its text stayed the same for one look.
// Responses already on the page (history, or a conversation the user switches to) are
// never counted: they appear without a prompt and never grow.

import { countChars } from "../lib/tokens.js";

/**
 * Watch the adapter's response elements; `onResponse(chars, text)` fires once per finished
 * answer (the text is for counting its tokens in the extension, never for sending).
 */
export function watchResponses({ doc, adapter, onResponse }) {
  const keyOf = (element) => adapter.responseKey?.(element) ?? element;
  const settled = new Set();
  const flagged = new Set(); // seen with the site's own "streaming" mark
  const grown = new Set(); // seen growing
  const lengths = new Map();
  let promptPending = false;

  for (const element of adapter.responses(doc)) settled.add(keyOf(element));

  function finish(key, element) {
    settled.add(key);
    flagged.delete(key);
    grown.delete(key);
    lengths.delete(key);
    promptPending = false;
    const text = element.textContent.trim();
    onResponse(countChars(text), text);
  }

  /** Look at the unsettled responses; returns true while one may still be streaming. */
  function check() {
    const list = [...adapter.responses(doc)];
    // Only the unsettled tail can be new; everything before it was handled already.
    let first = list.length;
    while (first > 0 && !settled.has(keyOf(list[first - 1]))) first -= 1;
    const fresh = list.slice(first);
    let busy = false;
    fresh.forEach((element, index) => {
      const key = keyOf(element);
      const isLast = index === fresh.length - 1;
      const length = element.textContent.length;
      const before = lengths.get(key);
      lengths.set(key, length);
      if (adapter.isStreaming(element, doc)) {
        flagged.add(key);
        busy = true;
      } else if (flagged.has(key)) {
        finish(key, element); // the site says it is done
      } else if (before === undefined) {
        if (promptPending && isLast) busy = true; // new after a prompt: wait for it to settle
        else settled.add(key); // history rendered on the page: not an answer to count
      } else if (length !== before) {
        grown.add(key);
        busy = true;
      } else if (grown.has(key) || (promptPending && isLast)) {
        finish(key, element);
      } else {
        settled.add(key);
      }
    });
    if (!busy) lengths.clear();
    return busy;
  }

  return {
    /** A prompt was just sent: the next finished response answers it. */
    promptSent() {
      promptPending = true;
    },
    check,
    stop() {
      settled.clear();
      flagged.clear();
      grown.clear();
      lengths.clear();
    },
  };
}
