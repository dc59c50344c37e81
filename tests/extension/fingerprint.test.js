import test from "node:test";
import assert from "node:assert/strict";
import { fingerprint, hammingDistance } from "../../extension/lib/fingerprint.js";

const PROMPT = "Write a Python function that parses a CSV file and returns the rows as a list of dictionaries";

test("a fingerprint is 16 lowercase hex digits", () => {
  for (const text of [PROMPT, "", "x", "日本語のテキスト"]) assert.match(fingerprint(text), /^[0-9a-f]{16}$/);
});

test("the same prompt gives the same fingerprint, whatever its case and spacing", () => {
  assert.equal(fingerprint(PROMPT), fingerprint(PROMPT));
  assert.equal(fingerprint(PROMPT), fingerprint(`  ${PROMPT.toUpperCase()}\n`));
});

test("near-identical prompts are close; unrelated prompts are far apart", () => {
  const near = fingerprint(PROMPT.replace("dictionaries", "dicts"));
  const far = fingerprint("What is the capital of France, and when did it become the capital?");
  assert.ok(hammingDistance(fingerprint(PROMPT), near) <= 8, "one word changed");
  assert.ok(hammingDistance(fingerprint(PROMPT), far) >= 16, "unrelated prompt");
});

test("word order matters (pairs of words are features too)", () => {
  assert.notEqual(fingerprint("dog bites man"), fingerprint("man bites dog"));
});

test("hamming distance counts differing bits", () => {
  assert.equal(hammingDistance("0000000000000000", "0000000000000000"), 0);
  assert.equal(hammingDistance("0000000000000000", "ffffffffffffffff"), 64);
  assert.equal(hammingDistance("0000000000000001", "8000000000000000"), 2);
});

test("a very long prompt is fingerprinted quickly (it runs on the page)", () => {
  const text = "the quick brown fox jumps over the lazy dog ".repeat(5_000);
  const started = performance.now();
  fingerprint(text);
  assert.ok(performance.now() - started < 250);
});
