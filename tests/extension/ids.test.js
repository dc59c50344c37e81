import test from "node:test";
import assert from "node:assert/strict";
import { uuidv7 } from "../../extension/lib/ids.js";
import { createTracker } from "../../extension/lib/tracker.js";
import { createStorage } from "../../extension/lib/storage.js";
import { fakeChrome } from "./fake-chrome.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("an id is a version 7 UUID carrying its millisecond", () => {
  const at = Date.parse("2026-11-25T10:00:00.123Z");
  const id = uuidv7(at);
  assert.match(id, V7);
  assert.equal(parseInt(id.replace(/-/g, "").slice(0, 12), 16), at);
});

test("version and variant bits are set whatever the random bytes are", () => {
  assert.equal(uuidv7(0, new Uint8Array(16).fill(0xff)), "00000000-0000-7fff-bfff-ffffffffffff");
  assert.equal(uuidv7(0, new Uint8Array(16)), "00000000-0000-7000-8000-000000000000");
});

test("ids made later sort after ids made earlier", () => {
  const start = Date.parse("2026-01-01T00:00:00Z");
  const ids = Array.from({ length: 2000 }, (_, n) => uuidv7(start + n * 7919));
  assert.deepEqual([...ids].sort(), ids);
});

test("ids made in the same millisecond differ", () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000)));
  assert.equal(ids.size, 10_000);
});

test("the tracker names sessions and events with time-ordered ids by default", async () => {
  const api = fakeChrome();
  const recorded = [];
  let clock = Date.parse("2026-11-25T10:00:00Z");
  const tracker = createTracker({
    storage: createStorage(api), idle: api.idle, alarms: api.alarms,
    record: async (events) => recorded.push(...events), now: () => clock,
  });
  const page = { site: "chatgpt", conversation: "abc", url: "https://chatgpt.com/c/abc" };
  await tracker.signal(7, { ...page, kind: "focus" });
  clock += 4_000;
  await tracker.signal(7, { ...page, kind: "blur" });
  assert.deepEqual(recorded.map((e) => e.type), ["session_start", "activity"]);
  for (const event of recorded) {
    assert.match(event.id, V7);
    assert.match(event.session_id, V7);
  }
});
