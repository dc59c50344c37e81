// Perplexity (perplexity.ai). Hooks: the #ask-input editor (a textarea on older pages),
// answers rendered in [id^="markdown-content-"] blocks (one per question, so a copy
// button belongs to the answer in its own block); a thread lives at /search/<slug>.

import { defineAdapter } from "./define.js";

/** The Perplexity adapter. */
export const adapter = defineAdapter({
  composer: ['#ask-input', 'textarea[placeholder*="Ask" i]'],
  send: ['button[aria-label="Submit" i]', 'button[data-testid="submit-button"]'],
  response: '[id^="markdown-content-"]',
  copy: 'button[aria-label="Copy" i]',
  stop: 'button[aria-label*="Stop" i]',
  model: null,
  conversation: /\/search\/([\w.-]+)/,
});
