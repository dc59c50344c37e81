// Meta AI (meta.ai). Hooks: the composer (a textarea or an editable textbox), the send
// control's aria-label, and the prompt URL shape /prompt/<id>.

import { defineAdapter } from "./define.js";

/** The Meta AI adapter. */
export const adapter = defineAdapter({
  composer: ['textarea[placeholder*="Meta AI" i]', 'div[contenteditable="true"][role="textbox"]'],
  send: ['[aria-label="Send Message" i][role="button"]', 'button[aria-label="Send" i]'],
  response: ['[data-testid="assistant-message"]', 'div[dir="auto"].x1lliihq'],
  user: '[data-testid="user-message"]',
  copy: ['[aria-label="Copy" i][role="button"]', 'button[aria-label="Copy" i]'],
  stop: '[aria-label="Stop" i][role="button"]',
  model: null,
  conversation: /\/prompt\/([\w-]+)/,
});
