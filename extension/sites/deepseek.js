// DeepSeek (chat.deepseek.com). Hooks: the #chat-input textarea and the .ds-markdown
// blocks answers are rendered in; a chat lives at /a/chat/s/<id> (older: /chat/s/<id>).
// Messages sit in a virtual list ([data-virtual-list-item-key]) whose elements are
// reused as you scroll: an answer is known by its item's key, never by its element.

import { defineAdapter } from "./define.js";
import { ownValue } from "./dom.js";

/** The DeepSeek adapter. */
export const adapter = defineAdapter({
  composer: ["#chat-input", "textarea[placeholder]"],
  send: ['div[role="button"][aria-disabled="false"]:not([aria-label])', 'button[type="submit"]'],
  response: ".ds-markdown",
  key: (element) => ownValue(element, "[data-virtual-list-item-key]", "data-virtual-list-item-key"),
  user: '[class*="user-message"]',
  copy: ".ds-icon-button",
  stop: null,
  model: null,
  conversation: /\/chat\/s\/([\w-]+)/,
  readOnly: /^\/share\//,
});
