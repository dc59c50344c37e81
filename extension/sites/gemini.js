// Gemini (gemini.google.com). Angular custom elements are its most stable hooks:
// <rich-textarea> (a Quill editor), <user-query>, <model-response> with <message-content>.
// New chats live at /app and get /app/<id> after the first prompt.

import { defineAdapter } from "./define.js";

/** The Gemini adapter. */
export const adapter = defineAdapter({
  composer: 'rich-textarea [contenteditable="true"], rich-textarea .ql-editor',
  send: 'button.send-button, button[aria-label*="Send message" i]',
  response: "model-response message-content, model-response .model-response-text",
  user: "user-query",
  copy: 'button[data-test-id="copy-button"], button[aria-label="Copy" i]',
  stop: 'button[aria-label*="Stop" i]',
  model: '[data-test-id="bard-mode-menu-button"], bard-mode-switcher button',
  conversation: /\/app\/([\w-]+)/,
});
