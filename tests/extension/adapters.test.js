import test from "node:test";
import assert from "node:assert/strict";
import { ADAPTERS } from "../../extension/lib/pages.js";

const adapters = Object.fromEntries(
  await Promise.all(ADAPTERS.map(async (name) => [name, (await import(`../../extension/sites/${name}.js`)).adapter])),
);
const at = (url) => new URL(url);

// A new chat (first path) has no id; its first URL change gives the id (second path).
const CONVERSATIONS = {
  chatgpt: ["https://chatgpt.com/", "https://chatgpt.com/c/68a1-b2", "68a1-b2"],
  claude: ["https://claude.ai/new", "https://claude.ai/chat/0b6a1f9e-3c2d", "0b6a1f9e-3c2d"],
  gemini: ["https://gemini.google.com/app", "https://gemini.google.com/app/9f8e7d", "9f8e7d"],
  copilot: ["https://copilot.microsoft.com/", "https://copilot.microsoft.com/chats/AbC123", "AbC123"],
  perplexity: ["https://www.perplexity.ai/", "https://www.perplexity.ai/search/how-to-x-ab.12", "how-to-x-ab.12"],
  deepseek: ["https://chat.deepseek.com/", "https://chat.deepseek.com/a/chat/s/1234-ab", "1234-ab"],
  grok: ["https://grok.com/", "https://grok.com/c/5678-cd", "5678-cd"],
  mistral: ["https://chat.mistral.ai/chat", "https://chat.mistral.ai/chat/ef-90", "ef-90"],
  poe: ["https://poe.com/Claude-Sonnet", "https://poe.com/chat/2x3y4z", "2x3y4z"],
  meta: ["https://www.meta.ai/", "https://www.meta.ai/prompt/77aa", "77aa"],
};

test("every known site has an adapter with the whole interface", () => {
  const methods = ["composer", "sendButton", "responses", "isStreaming", "copyButtonResponse", "responseAround", "model", "conversation", "missingHooks"];
  for (const [name, adapter] of Object.entries(adapters)) {
    for (const method of methods) assert.equal(typeof adapter[method], "function", `${name}.${method}`);
    assert.ok(Array.isArray(adapter.watchedAttributes), name);
  }
});

for (const [name, [fresh, addressed, id]] of Object.entries(CONVERSATIONS)) {
  test(`${name}: a new chat has no conversation id, and gets it from its URL`, () => {
    assert.equal(adapters[name].conversation(at(fresh)), null);
    assert.equal(adapters[name].conversation(at(addressed)), id);
  });
}
