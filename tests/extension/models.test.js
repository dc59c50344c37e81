import test from "node:test";
import assert from "node:assert/strict";
import { modelNames } from "../../extension/sites/models.js";

test("a label becomes the model's one spelling; a mode label gives no model", () => {
  const name = modelNames({
    modes: [/^(auto|fast)$/i],
    aliases: { "GPT-5.2": "gpt-5-2", "5.2 Instant": "gpt-5-2" },
    rewrite: (label) => label.toLowerCase(),
  });
  assert.equal(name("  gpt-5.2 "), "gpt-5-2", "aliases ignore case and spacing");
  assert.equal(name("5.2   Instant"), "gpt-5-2");
  assert.equal(name("Auto"), null);
  assert.equal(name("FAST"), null);
  assert.equal(name("Grok 4"), "grok 4", "anything else is rewritten");
  assert.equal(name(""), null);
  assert.equal(name(null), null);
});

test("without options a label is kept as shown", () => {
  assert.equal(modelNames()("Claude Sonnet 4.5"), "Claude Sonnet 4.5");
});
