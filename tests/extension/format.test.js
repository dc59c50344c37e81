import test from "node:test";
import assert from "node:assert/strict";
import { duration, plural } from "../../extension/ui/format.js";

test("duration: one format, as the dashboard's (30 s, 45 min, 2 h 44 min)", () => {
  assert.equal(duration(30), "30 s");
  assert.equal(duration(59.4), "59 s");
  assert.equal(duration(59.6), "1 min");
  assert.equal(duration(2700), "45 min");
  assert.equal(duration(3599), "1 h 00 min");
  assert.equal(duration(3900), "1 h 05 min");
  assert.equal(duration(9840), "2 h 44 min");
  assert.equal(duration(undefined), "0 s");
  assert.equal(duration(-5), "0 s");
});

test("plural: a count with its noun (1 prompt, 2 prompts, 3 copies)", () => {
  assert.equal(plural(1, "prompt"), "1 prompt");
  assert.equal(plural(2, "prompt"), "2 prompts");
  assert.equal(plural(0, "response"), "0 responses");
  assert.equal(plural(1, "copy"), "1 copy");
  assert.equal(plural(3, "copy"), "3 copies");
  assert.equal(plural(1204, "event"), "1,204 events");
  assert.equal(plural(1, "event waiting", "events waiting"), "1 event waiting");
  assert.equal(plural(2, "person", "people"), "2 people");
});
