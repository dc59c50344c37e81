// DeepSeek (chat.deepseek.com). Hooks: the #chat-input textarea and the .ds-markdown
// blocks answers are rendered in; a chat lives at /a/chat/s/<id> (older: /chat/s/<id>).

import { defineAdapter } from "./define.js";

/** The DeepSeek adapter. */
export const adapter = defineAdapter({
  composer: "#chat-input, textarea[placeholder]",
  send: 'div[role="button"][aria-disabled="false"]:not([aria-label]), button[type="submit"]',
  response: ".ds-markdown",
  user: '[class*="user-message"]',
  copy: ".ds-icon-button",
  stop: null,
  model: null,
  conversation: /\/chat\/s\/([\w-]+)/,
});
