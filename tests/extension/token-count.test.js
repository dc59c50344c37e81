import test from "node:test";
import assert from "node:assert/strict";
import { createTokenCounter, estimate } from "../../extension/lib/token-count.js";
import { loadTokenizer, TOKENIZER_PAGE, TOKENIZER_TARGET, VENDOR_ENTRY } from "../../extension/lib/tokenizer-host.js";
import { askForTokens } from "../../extension/content/token-count.js";

const NPM = new URL("../../node_modules/gpt-tokenizer/esm/encoding/o200k_base.js", import.meta.url).href;
// Japanese prose: o200k gives it about three times the tokens characters / 4 would.
const JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";

/** An extension API for the loader: runtime URLs, and an offscreen API if `offscreen`. */
function fakeApi({ offscreen = false, answer } = {}) {
  const sent = [];
  const made = [];
  const api = {
    runtime: {
      getURL: (path) => `chrome-extension://candor/${path}`,
      async sendMessage(message) {
        sent.push(message);
        return answer(message);
      },
    },
  };
  if (offscreen) {
    let open = false;
    api.offscreen = {
      hasDocument: async () => open,
      async createDocument(options) {
        made.push(options);
        open = true;
      },
      async closeDocument() {
        open = false;
      },
    };
  }
  return { api, sent, made };
}

const present = async () => ({ ok: true });
const missing = async () => {
  throw new TypeError("Failed to fetch");
};

test("the worker counts with the real o200k tokenizer, in any language", async () => {
  const { countTokens } = await import(NPM);
  const { api } = fakeApi();
  const counter = createTokenCounter({ load: () => loadTokenizer({ api, fetch: present, importModule: () => import(NPM) }) });
  const japanese = await counter.count(JAPANESE);
  assert.deepEqual(japanese, { est_tokens: countTokens(JAPANESE), tokenizer: "o200k" });
  assert.ok(japanese.est_tokens > 2 * estimate(JAPANESE).est_tokens, "characters / 4 undercounts Japanese");
  const english = "The quick brown fox jumps over the lazy dog, again and again, until it tires.";
  assert.equal((await counter.count(english)).est_tokens, countTokens(english));
  // Text that spells a special token is text, not a reason to fail.
  assert.equal((await counter.count("say <|endoftext|> twice")).tokenizer, "o200k");
  assert.deepEqual(await counter.count(""), { est_tokens: 0, tokenizer: "o200k" });
});

test("without the vendored files the worker estimates characters / 4 and says so", async () => {
  let imported = 0;
  const { api } = fakeApi();
  const counter = createTokenCounter({
    load: () => loadTokenizer({ api, fetch: missing, importModule: () => (imported += 1) }),
  });
  assert.deepEqual(await counter.count("abcdefghij"), { est_tokens: 3, tokenizer: "chars/4" });
  assert.deepEqual(await counter.count(JAPANESE), estimate(JAPANESE));
  assert.equal(imported, 0);
  const notFound = createTokenCounter({ load: () => loadTokenizer({ api, fetch: async () => ({ ok: false }) }) });
  assert.equal((await notFound.count("abc")).tokenizer, "chars/4");
});

test("the tokenizer loads once, and a counter that fails is loaded again for the same text", async () => {
  let loads = 0;
  let failures = 1;
  const counter = createTokenCounter({
    async load() {
      loads += 1;
      return (text) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error("Receiving end does not exist."); // the idle document had closed
        }
        return text.length;
      };
    },
  });
  assert.deepEqual(await counter.count("abcdefgh"), { est_tokens: 8, tokenizer: "o200k" });
  assert.deepEqual(await counter.count("abc"), { est_tokens: 3, tokenizer: "o200k" });
  assert.equal(loads, 2);
  failures = 5;
  assert.deepEqual(await counter.count("abcdefgh"), { est_tokens: 2, tokenizer: "chars/4" }, "once only");
  const broken = createTokenCounter({ load: async () => () => -1 });
  assert.equal((await broken.count("abcd")).tokenizer, "chars/4", "a nonsense count is not believed");
});

test("in Chromium the text goes to the offscreen document, which answers with a number", async () => {
  const { countTokens } = await import(NPM);
  const { api, sent, made } = fakeApi({
    offscreen: true,
    answer: (message) => (message.target === TOKENIZER_TARGET ? { tokens: countTokens(message.text) } : undefined),
  });
  const counter = createTokenCounter({ load: () => loadTokenizer({ api, fetch: present }) });
  assert.deepEqual(await counter.count(JAPANESE), { est_tokens: countTokens(JAPANESE), tokenizer: "o200k" });
  await counter.count("again");
  assert.equal(made.length, 1);
  assert.equal(made[0].url, TOKENIZER_PAGE);
  assert.ok(sent.every((message) => message.target === TOKENIZER_TARGET && Object.keys(message).length === 2));
});

test("in Chromium a document whose module failed to load means characters / 4", async () => {
  const { api, made } = fakeApi({
    offscreen: true,
    answer: async () => {
      throw new Error("Could not establish connection. Receiving end does not exist.");
    },
  });
  const counter = createTokenCounter({ load: () => loadTokenizer({ api, fetch: present }) });
  assert.deepEqual(await counter.count("abcde"), { est_tokens: 2, tokenizer: "chars/4" });
  assert.equal(made.length, 1);
  assert.equal(await api.offscreen.hasDocument(), false, "the useless document is closed");
});

test("the content script asks the worker, and estimates when it cannot", async () => {
  const asked = [];
  const api = {
    runtime: {
      async sendMessage(message) {
        asked.push(message);
        return { est_tokens: 66, tokenizer: "o200k" };
      },
    },
  };
  assert.deepEqual(await askForTokens(api)("日本語の文", 5), { est_tokens: 66, tokenizer: "o200k" });
  assert.deepEqual(asked, [{ type: "candor:tokens", text: "日本語の文" }]);

  const gone = { runtime: { sendMessage: async () => Promise.reject(new Error("Extension context invalidated.")) } };
  assert.deepEqual(await askForTokens(gone)("abcdefghi"), { est_tokens: 3, tokenizer: "chars/4" });
  const refused = { runtime: { sendMessage: async () => ({ ok: false }) } };
  assert.deepEqual(await askForTokens(refused)("abcd"), { est_tokens: 1, tokenizer: "chars/4" });
  const silent = { runtime: { sendMessage: () => new Promise(() => {}) } };
  const quick = askForTokens(silent, { timeoutMs: 20 });
  assert.deepEqual(await quick("abcdefgh"), { est_tokens: 2, tokenizer: "chars/4" });
  const lying = { runtime: { sendMessage: async () => ({ est_tokens: 5, tokenizer: "words" }) } };
  assert.equal((await askForTokens(lying)("abcd")).tokenizer, "chars/4");
});

test("the vendored entry is the module the tokenizer page imports", async () => {
  const { readFile } = await import("node:fs/promises");
  const page = await readFile(new URL("../../extension/tokenizer/tokenizer.js", import.meta.url), "utf8");
  assert.ok(page.includes(`from "../${VENDOR_ENTRY}"`));
});
