// Asks the extension's service worker to count a text's tokens (lib/token-count.js): the
// text goes no further than the extension, and the page's main thread does not tokenize.
// If the worker does not answer in time, the count is estimated here as characters / 4.

import { countChars, estimateTokens } from "../lib/tokens.js";

/** How long a report waits for the worker's count (a cold start loads the tokenizer). */
export const COUNT_TIMEOUT_MS = 10_000;

/** `(text, chars) => Promise<{est_tokens, tokenizer}>`, counted by the service worker. */
export function askForTokens(api, { timeoutMs = COUNT_TIMEOUT_MS, setTimer = setTimeout } = {}) {
  return async (text, chars = countChars(text)) => {
    const estimate = { est_tokens: estimateTokens(chars), tokenizer: "chars/4" };
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimer(() => resolve(null), timeoutMs);
    });
    try {
      const answer = await Promise.race([api.runtime.sendMessage({ type: "candor:tokens", text }), late]);
      const { est_tokens: tokens, tokenizer } = answer ?? {};
      if (Number.isSafeInteger(tokens) && tokens >= 0 && (tokenizer === "o200k" || tokenizer === "chars/4")) {
        return { est_tokens: tokens, tokenizer };
      }
    } catch {
      // No worker to ask (the extension was updated or removed): estimate.
    } finally {
      clearTimeout(timer);
    }
    return estimate;
  };
}
