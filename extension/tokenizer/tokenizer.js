// The offscreen document that counts tokens in Chromium (see lib/tokenizer-host.js). It
// answers only the service worker's counting requests, with a number; the text is not kept.

import { countTokens } from "../vendor/gpt-tokenizer/esm/encoding/o200k_base.js";
import { extensionApi } from "../lib/chrome-api.js";
import { AS_TEXT, TOKENIZER_TARGET } from "../lib/tokenizer-host.js";

const api = extensionApi();

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Everything else (a content script's messages reach every extension page) is the
  // service worker's to answer.
  if (message?.target !== TOKENIZER_TARGET || sender.id !== api.runtime.id || sender.tab) return false;
  sendResponse({ tokens: countTokens(String(message.text ?? ""), AS_TEXT) });
  return false;
});
