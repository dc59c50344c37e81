import test from "node:test";
import assert from "node:assert/strict";
import { ADAPTERS } from "../../extension/lib/pages.js";
import { parse } from "./fake-dom.js";

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
  const methods = ["composer", "sendButton", "responses", "responseKey", "isStreaming", "copyButtonResponse", "responseAround", "userMessages", "model", "conversation", "readOnly", "missingHooks"];
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

// Markup as the real pages had it in 2026 (see tests/fixtures/sites/ for the full pages).

test("claude: the composer is the live editor, not the inert server-rendered textarea before it", () => {
  const doc = parse(`<main>
    <fieldset data-testid="prompt-input-ssr-interactive" inert class="opacity-0 pointer-events-none">
      <textarea data-testid="chat-input-ssr" aria-label="Write your prompt to Claude"></textarea>
    </fieldset>
    <div contenteditable="true" role="textbox" data-testid="chat-input" class="tiptap ProseMirror"><p>typed</p></div>
  </main>`);
  const composer = adapters.claude.composer(doc);
  assert.equal(composer.getAttribute("data-testid"), "chat-input");
  assert.deepEqual(adapters.claude.missingHooks(doc), []);
  const beforeHydration = parse('<fieldset><textarea data-testid="chat-input-ssr"></textarea></fieldset>');
  assert.equal(adapters.claude.composer(beforeHydration).tagName, "TEXTAREA", "until then the SSR textarea is the composer");
});

test("gemini: an answer nested in two matching wrappers is one answer, keyed by its id", () => {
  const answer = (id) => `<model-response><div class="response-content">
      <structured-content-container class="model-response-text"><div class="container">
        <message-content id="message-content-id-r_${id}" class="model-response-text"><div class="markdown">answer ${id}</div></message-content>
      </div></structured-content-container>
      <message-actions><copy-button><button data-test-id="copy-button" aria-label="Copy"></button></copy-button></message-actions>
    </div></model-response>`;
  const doc = parse(`<main><user-query>q1</user-query>${answer("f8439")}<user-query>q2</user-query>${answer("f843a")}</main>`);
  const found = [...adapters.gemini.responses(doc)];
  assert.deepEqual(found.map((e) => e.tagName), ["MESSAGE-CONTENT", "MESSAGE-CONTENT"]);
  assert.deepEqual(found.map(adapters.gemini.responseKey), ["message-content-id-r_f8439", "message-content-id-r_f843a"]);
  const copy = doc.querySelectorAll('[data-test-id="copy-button"]')[1];
  assert.equal(adapters.gemini.copyButtonResponse(copy), found[1]);
  const inner = doc.querySelector(".markdown");
  assert.equal(adapters.gemini.responseAround(inner), found[0]);
});

test("gemini: share pages hold answers without model-response, and are read-only", () => {
  const doc = parse(`<share-landing-page><share-viewer><share-turn-viewer>
    <user-query>q</user-query><message-content id="message-content-id-r_5ha4e">shared answer</message-content>
  </share-turn-viewer></share-viewer></share-landing-page>`);
  assert.equal(adapters.gemini.responses(doc).length, 1);
  assert.equal(adapters.gemini.readOnly(at("https://gemini.google.com/share/5ha4e"), doc), true);
  assert.equal(adapters.gemini.readOnly(at("https://gemini.google.com/app/9f8e"), parse("<main></main>")), false);
  assert.equal(adapters.gemini.readOnly(at("https://gemini.google.com/app"), doc), true, "by its markup too");
});

test("copilot: the copy button inside the answer belongs to that answer; the key is its parts' id", () => {
  const doc = parse(`<main id="thread">
    <div data-content="user-message" id="u1-content-0">question</div>
    <div data-content="ai-message"><span id="Xk1P-author"></span><div id="Xk1P-content-0">answer</div>
      <div class="actions"><button data-testid="copy-message-button" title="Copy message"></button></div></div>
  </main>`);
  const [answer] = adapters.copilot.responses(doc);
  assert.equal(adapters.copilot.copyButtonResponse(doc.querySelector("button")), answer);
  assert.equal(adapters.copilot.responseKey(answer), "Xk1P");
});

test("grok: answers are the bubbles of the answer rows, keyed by the row's id", () => {
  const doc = parse(`<div id="last-reply-container">
    <div id="response-3d6d" class="relative group flex items-end"><div class="message-bubble bg-surface-l1">question</div></div>
    <div id="response-d626" class="relative group flex items-start"><div class="message-bubble">answer</div>
      <div class="action-buttons"><button aria-label="Copy"></button></div></div>
  </div>`);
  const found = adapters.grok.responses(doc);
  assert.deepEqual(found.map((e) => e.textContent), ["answer"]);
  assert.equal(adapters.grok.responseKey(found[0]), "response-d626");
  assert.equal(adapters.grok.copyButtonResponse(doc.querySelector("button")), found[0]);
});

test("deepseek: an answer is known by its virtual list item's key, not by its (reused) element", () => {
  const doc = parse('<div data-virtual-list-item-key="8"><div class="ds-markdown">answer</div></div>');
  const [answer] = adapters.deepseek.responses(doc);
  assert.equal(adapters.deepseek.responseKey(answer), "8");
  answer.parentElement.setAttribute("data-virtual-list-item-key", "4"); // scrolled: the row shows another answer
  assert.equal(adapters.deepseek.responseKey(answer), "4");
});

test("models: one spelling per model, and a mode names none", () => {
  const page = (html) => parse(`<main>${html}</main>`);
  const chatgpt = adapters.chatgpt;
  assert.equal(chatgpt.model(page('<div data-message-author-role="assistant" data-message-model-slug="gpt-5-2"></div>')), "gpt-5-2");
  assert.equal(chatgpt.model(page('<button data-testid="model-switcher-dropdown-button">ChatGPT 5.2</button>')), "gpt-5-2");
  assert.equal(chatgpt.model(page('<button data-testid="model-switcher-dropdown-button">ChatGPT</button>')), null);
  for (const label of ["Fast", "Rápido", "Thinking", "Pro"]) {
    assert.equal(adapters.gemini.model(page(`<button data-test-id="bard-mode-menu-button">${label}</button>`)), null, label);
  }
  assert.equal(adapters.gemini.model(page('<button data-test-id="bard-mode-menu-button">2.5 Flash</button>')), "gemini-2.5-flash");
  assert.equal(adapters.grok.model(page('<button id="model-select-trigger">Auto</button>')), null);
  assert.equal(adapters.grok.model(page('<button id="model-select-trigger">Grok 4</button>')), "Grok 4");
  for (const label of ["Sonnet 4.5", "Claude Sonnet 4.5"]) {
    assert.equal(adapters.claude.model(page(`<button data-testid="model-selector-dropdown"><div> ${label}</div></button>`)), "Claude Sonnet 4.5");
  }
});

test("share pages of every site with one are read-only; chats are not", () => {
  const empty = parse("<main></main>");
  const shares = {
    chatgpt: "https://chatgpt.com/share/68a1",
    claude: "https://claude.ai/share/0b6a",
    gemini: "https://gemini.google.com/share/5ha4e",
    grok: "https://grok.com/share/c2",
    copilot: "https://copilot.microsoft.com/shares/Ab1",
    deepseek: "https://chat.deepseek.com/share/x9",
    poe: "https://poe.com/s/AbC1",
  };
  for (const [name, url] of Object.entries(shares)) assert.equal(adapters[name].readOnly(at(url), empty), true, url);
  for (const [name, [fresh, addressed]] of Object.entries(CONVERSATIONS)) {
    assert.equal(adapters[name].readOnly(at(fresh), empty), false, fresh);
    assert.equal(adapters[name].readOnly(at(addressed), empty), false, addressed);
  }
});
