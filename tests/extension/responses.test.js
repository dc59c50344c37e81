import test from "node:test";
import assert from "node:assert/strict";
import { watchResponses } from "../../extension/content/responses.js";

/** A page stand-in: response "elements" are plain objects with textContent and a streaming mark. */
function page(flagged = true) {
  const list = [];
  const adapter = {
    responses: () => list,
    // A site that marks streaming answers, or (flagged = false) one that does not.
    isStreaming: (element) => flagged && element.streaming === true,
  };
  const counted = [];
  const watcher = () => watchResponses({ doc: {}, adapter, onResponse: (chars) => counted.push(chars) });
  const add = (text, streaming = false) => {
    const element = { textContent: text, streaming };
    list.push(element);
    return element;
  };
  return { list, add, counted, watcher };
}

test("answers already on the page when watching starts are never counted", () => {
  const p = page();
  p.add("old answer");
  const w = p.watcher();
  assert.equal(w.check(), false);
  assert.deepEqual(p.counted, []);
});

test("a marked answer counts once, when the mark goes, with its final length", () => {
  const p = page();
  const w = p.watcher();
  w.promptSent();
  const answer = p.add("Par", true);
  assert.equal(w.check(), true, "still streaming");
  answer.textContent = "Partial answer";
  w.check();
  answer.textContent = "Partial answer, now complete.";
  answer.streaming = false;
  assert.equal(w.check(), false);
  w.check();
  assert.deepEqual(p.counted, ["Partial answer, now complete.".length]);
});

test("without a mark, an answer counts once its text stops growing", () => {
  const p = page(false);
  const w = p.watcher();
  w.promptSent();
  const answer = p.add("One");
  assert.equal(w.check(), true, "new after a prompt: wait for it to settle");
  answer.textContent = "One two";
  assert.equal(w.check(), true, "grew");
  assert.deepEqual(p.counted, []);
  assert.equal(w.check(), false, "stable");
  assert.deepEqual(p.counted, ["One two".length]);
});

test("an answer that appears complete right after a prompt counts after one stable look", () => {
  const p = page(false);
  const w = p.watcher();
  w.promptSent();
  p.add("Fast answer");
  w.check();
  w.check();
  assert.deepEqual(p.counted, ["Fast answer".length]);
});

test("history rendered after switching conversation is not counted", () => {
  const p = page(false);
  const w = p.watcher();
  p.add("yesterday's answer");
  p.add("another old one");
  assert.equal(w.check(), false);
  w.check();
  assert.deepEqual(p.counted, []);
});

test("without a prompt, only a site's streaming mark makes an answer count (regenerate)", () => {
  const p = page(false);
  const w = p.watcher();
  const answer = p.add("A");
  w.check(); // first sight, no prompt: looks like history…
  answer.textContent = "A regenerated answer"; // …but it is settled already, so it stays uncounted
  w.check();
  assert.deepEqual(p.counted, [], "first seen complete and without a prompt: treated as history");
  const marked = page(true);
  const w2 = marked.watcher();
  const again = marked.add("Re", true);
  w2.check();
  again.textContent = "Regenerated";
  again.streaming = false;
  w2.check();
  assert.deepEqual(marked.counted, ["Regenerated".length], "a site's streaming mark is enough");
});

test("two answers in a row count twice", () => {
  const p = page();
  const w = p.watcher();
  for (const text of ["first answer", "second answer"]) {
    w.promptSent();
    const answer = p.add(text, true);
    w.check();
    answer.streaming = false;
    w.check();
  }
  assert.deepEqual(p.counted, [12, 13]);
});
