// Microsoft Copilot (copilot.microsoft.com). Hooks: the #userInput textarea and the
// data-content attributes of its messages; conversations live at /chats/<id>.

import { defineAdapter } from "./define.js";

/** The Copilot adapter. */
export const adapter = defineAdapter({
  composer: '#userInput, textarea[data-testid="composer-input"]',
  send: 'button[data-testid="submit-button"], button[aria-label="Submit message" i]',
  response: '[data-content="ai-message"]',
  user: '[data-content="user-message"]',
  copy: 'button[data-testid="copy-message-button"], button[aria-label="Copy" i]',
  stop: 'button[data-testid="stop-button"], button[aria-label*="Stop" i]',
  model: null,
  conversation: /\/chats\/([\w-]+)/,
});
