// Microsoft Copilot (copilot.microsoft.com). Hooks: the #userInput textarea and the
// data-content attributes of its messages; conversations live at /chats/<id>.
// The copy button (button[data-testid="copy-message-button"], title "Copy message")
// sits inside the answer. An answer's id is the prefix of its parts' ids
// (#<id>-author, #<id>-content-0).

import { defineAdapter } from "./define.js";

/** The Copilot adapter. */
export const adapter = defineAdapter({
  composer: ["#userInput", 'textarea[data-testid="composer-input"]'],
  send: ['button[data-testid="submit-button"]', 'button[aria-label="Submit message" i]'],
  response: '[data-content="ai-message"]',
  key(element) {
    const part = element.querySelector('[id$="-author"], [id*="-content-"]');
    return part?.id.replace(/-(author|content-\d+)$/, "") || null;
  },
  user: '[data-content="user-message"]',
  copy: ['button[data-testid="copy-message-button"]', 'button[title="Copy message" i]', 'button[aria-label="Copy" i]'],
  stop: ['button[data-testid="stop-button"]', 'button[aria-label*="Stop" i]'],
  model: null,
  conversation: /\/chats\/([\w-]+)/,
  readOnly: /^\/shares?\//,
});
