import test from "node:test";
import assert from "node:assert/strict";
import { countChars, estimateTokens } from "../../extension/lib/tokens.js";

test("estimated tokens are characters divided by four, rounded up", () => {
  assert.equal(estimateTokens(0), 0);
  assert.equal(estimateTokens(1), 1);
  assert.equal(estimateTokens(4), 1);
  assert.equal(estimateTokens(5), 2);
  assert.equal(estimateTokens(10_000), 2_500);
});

test("nonsense counts estimate to zero tokens", () => {
  assert.equal(estimateTokens(-3), 0);
  assert.equal(estimateTokens(Number.NaN), 0);
});

test("characters are counted as code points, so an emoji is one", () => {
  assert.equal(countChars("abc"), 3);
  assert.equal(countChars("👍🏽"), 2); // thumbs up + skin tone modifier
  assert.equal(countChars("é"), 1);
  assert.equal(countChars(""), 0);
});
