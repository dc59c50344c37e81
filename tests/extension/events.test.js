import test from "node:test";
import assert from "node:assert/strict";
import { makeEvent, cleanUrl, EVENT_TYPES } from "../../extension/lib/events.js";
import { DEFAULT_SETTINGS } from "../../extension/lib/storage.js";

const session = { id: "5d0c0d38-6a1f-4a43-9a4b-1f0e2d3c4b5a", site: "claude", url: "https://claude.ai/chat/x?q=1", title: "T" };
const make = (type, details, settings = DEFAULT_SETTINGS) =>
  makeEvent({ type, session, details, settings, at: Date.parse("2026-11-25T10:00:00Z"), newId: () => "the-id" });

// The fields the server accepts for each type (issue 2); anything else is rejected there.
const ALLOWED = {
  common: ["id", "session_id", "type", "ts", "site", "model", "url", "title"],
  activity: ["active_ms"],
  prompt: ["prompt_chars", "est_tokens", "fingerprint", "tokenizer"],
  response: ["response_chars", "est_tokens", "tokenizer"],
  copy: ["response_chars"],
  session_start: [],
  session_end: [],
};

test("each type carries only the fields the server accepts for it", () => {
  const details = {
    active_ms: 5, prompt_chars: 1, response_chars: 2, est_tokens: 3, fingerprint: "00ff00ff00ff00ff",
    model: "m", text: "never", prompt: "never", innerHTML: "never",
  };
  for (const type of EVENT_TYPES) {
    const event = make(type, details);
    const allowed = new Set([...ALLOWED.common, ...ALLOWED[type]]);
    for (const field of Object.keys(event)) assert.ok(allowed.has(field), `${type} carries ${field}`);
    assert.ok(!JSON.stringify(event).includes("never"));
  }
});

test("the common fields are well formed", () => {
  const event = make("prompt", { prompt_chars: 10, est_tokens: 3, fingerprint: "0123456789abcdef" });
  assert.deepEqual(event, {
    id: "the-id", session_id: session.id, type: "prompt", ts: "2026-11-25T10:00:00.000Z", site: "claude",
    prompt_chars: 10, est_tokens: 3, fingerprint: "0123456789abcdef", url: "https://claude.ai/chat/x", title: "T",
  });
  // The journal stays on this machine: titles are kept unless the person turns them off.
  assert.equal(make("prompt", {}, { ...DEFAULT_SETTINGS, sendTitle: false }).title, undefined);
});

test("counts from the page are clamped to whole numbers in the server's ranges", () => {
  assert.equal(make("activity", { active_ms: 9_999_999 }).active_ms, 3_600_000);
  assert.equal(make("activity", { active_ms: -5 }).active_ms, 0);
  assert.equal(make("activity", { active_ms: Number.NaN }).active_ms, 0);
  assert.equal(make("response", { response_chars: 12.6, est_tokens: Infinity }).response_chars, 13);
  assert.equal(make("response", { response_chars: 1, est_tokens: Infinity }).est_tokens, 0);
});

test("prompts and answers say how their tokens were counted; an unknown way is left out", () => {
  assert.equal(make("prompt", { est_tokens: 66, tokenizer: "o200k" }).tokenizer, "o200k");
  assert.equal(make("response", { est_tokens: 9, tokenizer: "chars/4" }).tokenizer, "chars/4");
  for (const tokenizer of ["words", 4, "", null, undefined, "mixed"]) {
    assert.equal("tokenizer" in make("prompt", { est_tokens: 1, tokenizer }), false, String(tokenizer));
  }
  assert.equal("tokenizer" in make("copy", { response_chars: 3, tokenizer: "o200k" }), false);
});

test("a malformed fingerprint is left out rather than sent", () => {
  assert.equal(make("prompt", { fingerprint: "not hex" }).fingerprint, undefined);
});

test("model, URL and title are cut to the server's lengths", () => {
  const long = { ...DEFAULT_SETTINGS, sendTitle: true };
  const event = makeEvent({
    type: "response", details: { model: "m".repeat(300) }, settings: long, at: 0, newId: () => "i",
    session: { ...session, url: `https://claude.ai/${"p".repeat(5000)}`, title: "t".repeat(900) },
  });
  assert.equal(event.model.length, 100);
  assert.equal(event.url.length, 2048);
  assert.equal(event.title.length, 512);
});

test("model and title are cut between characters, never inside an emoji", () => {
  const settings = { ...DEFAULT_SETTINGS, sendTitle: true };
  const event = makeEvent({
    type: "response", details: { model: `${"m".repeat(99)}😀 and more` }, settings, at: 0, newId: () => "i",
    session: { ...session, title: `${"t".repeat(511)}😀 after` },
  });
  assert.equal(event.model, `${"m".repeat(99)}😀`);
  assert.equal(event.title, `${"t".repeat(511)}😀`);
  assert.equal([...event.title].length, 512, "the server counts characters, not UTF-16 units");
});

test("a lone surrogate in a page's title or model name is replaced, not sent", () => {
  const settings = { ...DEFAULT_SETTINGS, sendTitle: true };
  const event = makeEvent({
    type: "prompt", details: { model: "gpt \udc00" }, settings, at: 0, newId: () => "i",
    session: { ...session, title: "Plan \ud83d" },
  });
  assert.equal(event.title, "Plan \ufffd");
  assert.equal(event.model, "gpt \ufffd");
  assert.ok(event.title.isWellFormed() && event.model.isWellFormed());
});

test("URLs lose their query and fragment, and only web URLs are sent", () => {
  assert.equal(cleanUrl("https://chatgpt.com/c/abc?model=x#top"), "https://chatgpt.com/c/abc");
  assert.equal(cleanUrl("javascript:alert(1)"), null);
  assert.equal(cleanUrl("not a url"), null);
});
