// Grok (grok.com). Hooks: the query bar's textarea or editor, answers in .message-bubble
// (the user's bubbles carry the same class, so responses are those outside the user's
// rows), conversations at /c/<id> (older: /chat/<id>).

import { defineAdapter } from "./define.js";

/** The Grok adapter. */
export const adapter = defineAdapter({
  composer: 'form textarea, .query-bar [contenteditable="true"], div.tiptap[contenteditable="true"]',
  send: 'button[type="submit"], button[aria-label="Submit" i]',
  response: '[id^="response-"] .message-bubble:not(.bg-surface-l1), .items-start .message-bubble',
  user: ".items-end .message-bubble, .message-bubble.bg-surface-l1",
  copy: 'button[aria-label="Copy" i]',
  stop: 'button[aria-label*="Stop" i]',
  model: '#model-select-trigger, button[aria-label="Model select"]',
  conversation: /\/(?:c|chat)\/([\w-]+)/,
});
