// ChatGPT (chatgpt.com, chat.openai.com). Hooks, most stable first: data-testid and
// data-message-author-role attributes, the composer's id, the /c/<id> URL shape.

import { defineAdapter } from "./define.js";
import { modelNames } from "./models.js";

const RESPONSE = '[data-message-author-role="assistant"]';

/** The ChatGPT adapter. */
export const adapter = defineAdapter({
  composer: ["div#prompt-textarea[contenteditable]", "#prompt-textarea"],
  send: ['#composer-submit-button[data-testid="send-button"]', '[data-testid="send-button"]'],
  response: RESPONSE,
  user: '[data-message-author-role="user"]',
  copy: '[data-testid="copy-turn-action-button"]',
  stop: '[data-testid="stop-button"]',
  watchedAttributes: ["class", "data-testid"],
  key: (element) => element.getAttribute("data-message-id") || null,

  /** Streaming while `.result-streaming` marks it, or while the stop button shows for the last one. */
  isStreaming(element, doc) {
    if (element.matches(".result-streaming") || element.querySelector(".result-streaming")) return true;
    const all = doc.querySelectorAll(RESPONSE);
    return all[all.length - 1] === element && doc.querySelector('[data-testid="stop-button"]') !== null;
  },

  /** The model of the latest answer, else the model switcher's label. */
  model(doc) {
    const slugs = doc.querySelectorAll(`${RESPONSE}[data-message-model-slug]`);
    const slug = slugs[slugs.length - 1]?.getAttribute("data-message-model-slug");
    return slug || doc.querySelector('[data-testid="model-switcher-dropdown-button"]')?.textContent || null;
  },
  // Answers name the model by its slug ("gpt-5-2"); the picker of a new chat says
  // "ChatGPT 5.2": one spelling, the slug's.
  modelName: modelNames({
    modes: [/^chatgpt$/i],
    rewrite: (label) => label.replace(/^chatgpt\s+/i, "gpt-").toLowerCase().replace(/[\s.]+/g, "-"),
  }),

  // /c/<id>, also under /g/<gpt>/c/<id> and project chats.
  conversation: /\/c\/([\w-]+)/,
  readOnly: /^\/share\//,
});
