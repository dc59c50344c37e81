// Claude (claude.ai). Hooks: data-testid attributes, the send button's aria-label,
// data-is-streaming on the answer's container, the /chat/<uuid> URL shape.

import { defineAdapter } from "./define.js";

/** The Claude adapter. */
export const adapter = defineAdapter({
  composer: '[data-testid="chat-input"], textarea[data-testid="chat-input-ssr"]',
  send: 'button[aria-label="Send message"], button[aria-label="Send Message"]',
  response: "[data-is-streaming]",
  user: '[data-testid="user-message"]',
  copy: '[data-testid="action-bar-copy"]',
  watchedAttributes: ["data-is-streaming"],
  isStreaming: (element) => element.getAttribute("data-is-streaming") === "true",
  model: '[data-testid="model-selector-dropdown"]',
  conversation: /\/chat\/([\w-]+)/,
});
