// Claude (claude.ai). Hooks: data-testid attributes, the send button's aria-label,
// data-is-streaming on the answer's container, the /chat/<uuid> URL shape.
// The server-rendered composer (textarea[data-testid="chat-input-ssr"] in an inert,
// invisible fieldset) stays in the page before the live editor: the live editor is
// preferred, and the SSR textarea only counts while it is the one the user can use.
// Answers carry no id in the page, so the element is their identity.

import { defineAdapter } from "./define.js";
import { modelNames } from "./models.js";

/** The Claude adapter. */
export const adapter = defineAdapter({
  composer: ['[data-testid="chat-input"][contenteditable="true"]', 'textarea[data-testid="chat-input-ssr"]'],
  send: ['button[aria-label="Send message"]', 'button[aria-label="Send Message"]'],
  response: "[data-is-streaming]",
  user: '[data-testid="user-message"]',
  copy: '[data-testid="action-bar-copy"]',
  watchedAttributes: ["data-is-streaming"],
  isStreaming: (element) => element.getAttribute("data-is-streaming") === "true",
  model: '[data-testid="model-selector-dropdown"]',
  // The picker says "Sonnet 4.5" on some pages and "Claude Sonnet 4.5" on others.
  modelName: modelNames({ rewrite: (label) => (/^claude\b/i.test(label) ? label : `Claude ${label}`) }),
  conversation: /\/chat\/([\w-]+)/,
  readOnly: /^\/share\//,
});
