// Mistral Le Chat (chat.mistral.ai). Hooks: the composer's textarea or ProseMirror editor,
// messages tagged with data-message-author-role, conversations at /chat/<id>.

import { defineAdapter } from "./define.js";

/** The Le Chat adapter. */
export const adapter = defineAdapter({
  composer: ['textarea[name="message.text"]', 'form .ProseMirror[contenteditable="true"]', 'form textarea'],
  send: ['button[aria-label="Send question" i]', 'button[type="submit"]'],
  response: '[data-message-author-role="assistant"]',
  user: '[data-message-author-role="user"]',
  copy: ['button[aria-label="Copy to clipboard" i]', 'button[aria-label="Copy" i]'],
  stop: 'button[aria-label*="Stop" i]',
  model: null,
  conversation: /\/chat\/([\w-]+)/,
});
