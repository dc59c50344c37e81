// Gemini (gemini.google.com). Angular custom elements are its most stable hooks:
// <rich-textarea> (a Quill editor), <user-query>, <model-response> with <message-content>.
// New chats live at /app and get /app/<id> after the first prompt.
// `.model-response-text` sits on <message-content> in some versions and on an outer
// <structured-content-container> in others, so answers collapse to the innermost match
// (<message-content>, which carries the answer's id: #message-content-id-r_<hex>).
// Share pages (/share/<id>: share-landing-page > share-viewer > share-turn-viewer) hold
// message-content without model-response; they are read-only and not tracked.
// The picker ("Open mode picker") shows a mode such as "Fast", localised: only a label
// with a version number in it names a model.

import { defineAdapter } from "./define.js";
import { ownValue } from "./dom.js";
import { modelNames } from "./models.js";

/** The Gemini adapter. */
export const adapter = defineAdapter({
  composer: ['rich-textarea .ql-editor[contenteditable="true"]', 'rich-textarea [contenteditable="true"]:not(.ql-clipboard)'],
  send: ["button.send-button", 'button[aria-label*="Send message" i]'],
  response: ["model-response message-content", "share-turn-viewer message-content", "model-response .model-response-text"],
  nesting: "inner",
  key: (element) => ownValue(element, 'message-content[id^="message-content-id-"]'),
  user: "user-query",
  copy: ['button[data-test-id="copy-button"]', 'button[aria-label="Copy" i]'],
  stop: 'button[aria-label*="Stop" i]',
  model: ['[data-test-id="bard-mode-menu-button"]', "bard-mode-switcher button"],
  modelName: modelNames({
    modes: [/^\D*$/],
    rewrite: (label) => `gemini-${label.replace(/^gemini\s*/i, "").toLowerCase().replace(/\s+/g, "-")}`,
  }),
  conversation: /\/app\/([\w-]+)/,
  readOnly: /^\/share\//,
  readOnlyMarkup: "share-landing-page, share-viewer",
});
