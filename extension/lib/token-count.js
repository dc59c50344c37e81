// Counts a prompt's or an answer's tokens in the extension, never in the page: the content
// script hands the text to the service worker (a message that stays in the browser), which
// answers with a number. The count uses OpenAI's o200k_base encoding (gpt-tokenizer), one
// yardstick for every site and every language; characters / 4 overcounts English prose
// and undercounts Japanese or Chinese threefold. Where the tokenizer is not there (an
// unpacked copy without `python3 scripts/vendor.py`), the count falls back to characters
// / 4 and says so. The text is counted and dropped: never stored, logged or sent.

import { countChars, estimateTokens } from "./tokens.js";

/** How an event's est_tokens was counted (the contract's `tokenizer` values). */
export const O200K = "o200k";
export const CHARS_PER_4 = "chars/4";

/** The estimate used without a tokenizer: ceil(characters / 4). */
export function estimate(text) {
  return { est_tokens: estimateTokens(countChars(text)), tokenizer: CHARS_PER_4 };
}

/**
 * A counter over `load()`, which resolves to a function counting a text's o200k tokens
 * (sync or async), or to null when there is no tokenizer. Loads once; a counter that
 * fails (the document holding it closed when idle) is loaded again, once per count.
 */
export function createTokenCounter({ load }) {
  let loading = null;
  return {
    /** {est_tokens, tokenizer} for `text`. */
    async count(text) {
      if (typeof text !== "string") text = "";
      for (let attempt = 0; attempt < 2; attempt += 1) {
        loading ??= Promise.resolve().then(load).catch(() => null);
        const counter = await loading;
        if (!counter) break;
        try {
          const tokens = await counter(text);
          if (Number.isSafeInteger(tokens) && tokens >= 0) return { est_tokens: tokens, tokenizer: O200K };
          break; // a nonsense answer is not believed
        } catch {
          loading = null;
        }
      }
      return estimate(text);
    },
  };
}
