// Grok (grok.com). Hooks: the query bar's editor, answers in .message-bubble inside
// rows #response-<uuid> (the user's rows carry the same id shape and bubble class: its
// rows are .items-end and its bubbles .bg-surface-l1), conversations at /c/<id> (older:
// /chat/<id>). The row's id is the answer's id. The model picker may show a mode
// ("Auto"), which names no model.

import { defineAdapter } from "./define.js";
import { ownValue } from "./dom.js";
import { modelNames } from "./models.js";

/** The Grok adapter. */
export const adapter = defineAdapter({
  composer: ['.query-bar [contenteditable="true"]', 'div.tiptap[contenteditable="true"]', "form textarea"],
  send: ['button[type="submit"]', 'button[aria-label="Submit" i]'],
  response: ['[id^="response-"].items-start .message-bubble', '[id^="response-"]:not(.items-end) .message-bubble:not(.bg-surface-l1)', ".items-start .message-bubble:not(.bg-surface-l1)"],
  key: (element) => ownValue(element, '[id^="response-"]'),
  user: [".items-end .message-bubble", ".message-bubble.bg-surface-l1"],
  copy: 'button[aria-label="Copy" i]',
  stop: 'button[aria-label*="Stop" i]',
  model: ["#model-select-trigger", 'button[aria-label="Model select"]'],
  modelName: modelNames({ modes: [/^(auto|fast|expert|heavy)$/i] }),
  conversation: /\/(?:c|chat)\/([\w-]+)/,
  readOnly: /^\/share\//,
});
