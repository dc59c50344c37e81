// Poe (poe.com). Its CSS-module class names keep a stable prefix (the suffix is a
// build hash), so hooks match on the prefix. The bot's name is the model; a chat lives
// at /chat/<id>.

import { defineAdapter } from "./define.js";

/** The Poe adapter. */
export const adapter = defineAdapter({
  composer: 'textarea[class*="GrowingTextArea_textArea"]',
  send: ['button[class*="ChatMessageSendButton"]', 'button[data-button-send="true"]', 'button[aria-label="Send message" i]'],
  response: ['[class*="Message_leftSideMessageBubble"]', '[class*="Message_botMessageBubble"]'],
  user: ['[class*="Message_rightSideMessageBubble"]', '[class*="Message_humanMessageBubble"]'],
  copy: ['button[aria-label="Copy message" i]', 'button[aria-label="Copy" i]'],
  stop: ['button[aria-label="Stop message" i]', '[class*="ChatStopMessageButton"]'],
  model: ['[class*="BotHeader_textContainer"] p', '[class*="BotInfoCardHeader_botName"]'],
  conversation: /\/chat\/([\w-]+)/,
  readOnly: /^\/s\//, // a shared conversation
});
