// The offscreen document that counts tokens in Chromium (see lib/tokenizer-host.js). It
// answers only the service worker's counting requests, with a number; the text is not kept.
// After a while without counting it closes itself, giving back the tokenizer's memory; the
// worker opens it again for the next text.

import { countTokens } from "../vendor/gpt-tokenizer/esm/encoding/o200k_base.js";
import { extensionApi } from "../lib/chrome-api.js";
import { AS_TEXT, TOKENIZER_TARGET } from "../lib/tokenizer-host.js";

/** How long the document stays open after its last count. */
export const IDLE_CLOSE_MS = 5 * 60_000;

const api = extensionApi();
let idle = setTimeout(() => window.close(), IDLE_CLOSE_MS);

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Everything else (a content script's messages reach every extension page) is the
  // service worker's to answer.
  if (message?.target !== TOKENIZER_TARGET || sender.id !== api.runtime.id || sender.tab) return false;
  sendResponse({ tokens: countTokens(String(message.text ?? ""), AS_TEXT) });
  clearTimeout(idle);
  idle = setTimeout(() => window.close(), IDLE_CLOSE_MS);
  return false;
});
