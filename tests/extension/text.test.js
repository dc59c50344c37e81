import test from "node:test";
import assert from "node:assert/strict";
import { wellFormed, replaceLoneSurrogates, cut, wellFormedDeep } from "../../extension/lib/text.js";

const HIGH = "\ud83d"; // the first half of 😀
const LOW = "\ude00"; // its second half
const isWellFormed = (text) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

for (const [name, clean] of [["wellFormed", wellFormed], ["the fallback without toWellFormed", replaceLoneSurrogates]]) {
  test(`${name} replaces lone surrogates and keeps pairs`, () => {
    assert.equal(clean(`Plan ${HIGH}`), "Plan \ufffd");
    assert.equal(clean(`${LOW}Plan`), "\ufffdPlan");
    assert.equal(clean(`a${LOW}${HIGH}b`), "a\ufffd\ufffdb", "a low before a high is not a pair");
    assert.equal(clean(`${HIGH}${HIGH}${LOW}`), `\ufffd${HIGH}${LOW}`);
    assert.equal(clean("Plan 😀 ok"), "Plan 😀 ok");
    assert.equal(clean(""), "");
  });
}

test("wellFormed works where String.prototype.toWellFormed is missing", (t) => {
  const native = String.prototype.toWellFormed;
  delete String.prototype.toWellFormed;
  t.after(() => {
    String.prototype.toWellFormed = native;
  });
  assert.equal(wellFormed(`Plan ${HIGH}`), "Plan \ufffd");
});

test("cut never splits a surrogate pair and counts characters as the server does", () => {
  const title = `${"t".repeat(511)}😀😀`; // 513 characters, 515 UTF-16 units
  const cutTitle = cut(title, 512);
  assert.equal(cutTitle, `${"t".repeat(511)}😀`);
  assert.equal([...cutTitle].length, 512);
  assert.ok(isWellFormed(cutTitle));
  assert.equal(cut("😀".repeat(300), 100), "😀".repeat(100));
  assert.equal(cut("short", 10), "short");
  assert.equal(cut(`ab${HIGH}`, 10), "ab\ufffd", "a lone surrogate is replaced even in a short string");
});

test("wellFormedDeep cleans every string of a JSON value, keys too", () => {
  const value = { events: [{ title: `x${HIGH}`, n: 3, ok: true, none: null }], [`k${LOW}`]: "v" };
  assert.deepEqual(wellFormedDeep(value), { events: [{ title: "x\ufffd", n: 3, ok: true, none: null }], "k\ufffd": "v" });
});
