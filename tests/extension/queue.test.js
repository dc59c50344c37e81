import test from "node:test";
import assert from "node:assert/strict";
import { fakeChrome } from "./fake-chrome.js";
import { createStorage } from "../../extension/lib/storage.js";
import { createQueue, warningLevel } from "../../extension/lib/queue.js";

let counter = 0;
const event = (type, fields = {}) => ({
  id: `e${(counter += 1)}`,
  session_id: fields.session_id ?? "s1",
  type,
  ts: new Date(1_700_000_000_000 + counter * 1000).toISOString(),
  site: "chatgpt",
  ...fields,
});
const activity = (ms, session_id = "s1") => event("activity", { active_ms: ms, session_id });

function setup(options = {}) {
  const api = fakeChrome();
  return { api, queue: createQueue({ storage: createStorage(api), ...options }) };
}

test("events come out in the order they went in, across segments", async () => {
  const { queue } = setup({ segmentSize: 3 });
  const events = Array.from({ length: 10 }, () => event("prompt"));
  await queue.append(events.slice(0, 4));
  await queue.append(events.slice(4));
  assert.deepEqual(await queue.all(), events);
  assert.deepEqual(await queue.takeBatch(5), events.slice(0, 5));
  assert.equal((await queue.status()).waiting, 10);
});

test("an event leaves the queue only when removed by id", async () => {
  const { queue } = setup({ segmentSize: 2 });
  const events = Array.from({ length: 5 }, () => event("copy"));
  await queue.append(events);
  const batch = await queue.takeBatch(3);
  assert.equal(await queue.remove(batch.map((e) => e.id)), 3);
  assert.deepEqual(await queue.all(), events.slice(3));
  assert.equal((await queue.status()).waiting, 2);
});

test("empty segments are deleted from storage", async () => {
  const { api, queue } = setup({ segmentSize: 2 });
  const events = Array.from({ length: 4 }, () => event("copy"));
  await queue.append(events);
  await queue.remove(events.map((e) => e.id));
  const keys = [...api.storage.local.data.keys()].filter((k) => k.startsWith("queue.segment."));
  assert.deepEqual(keys, []);
});

test("the queue survives a restart: a new queue on the same storage sees every event", async () => {
  const { api, queue } = setup({ segmentSize: 4 });
  const events = Array.from({ length: 9 }, () => event("prompt"));
  await queue.append(events);
  const restarted = createQueue({ storage: createStorage(fakeChrome({ storage: api.storage })), segmentSize: 4 });
  assert.deepEqual(await restarted.all(), events);
});

test("concurrent appends lose nothing", async () => {
  const { queue } = setup({ segmentSize: 3 });
  const events = Array.from({ length: 20 }, () => event("prompt"));
  await Promise.all(events.map((e) => queue.append([e])));
  assert.deepEqual(new Set((await queue.all()).map((e) => e.id)), new Set(events.map((e) => e.id)));
});

test("near the bound, adjacent activity of one session is merged, summing active time", async () => {
  const { queue } = setup({ limit: 100, segmentSize: 10 });
  const spans = Array.from({ length: 95 }, (_, i) => activity(1000, i < 50 ? "a" : "b"));
  await queue.append(spans);
  const left = await queue.all();
  assert.deepEqual(left.map((e) => e.session_id), ["a", "b"]);
  assert.deepEqual(left.map((e) => e.active_ms), [50_000, 45_000]);
  assert.equal(left[1].ts, spans.at(-1).ts, "a merged span ends at its last part");
  const status = await queue.status();
  assert.equal(status.merged, 93);
  assert.equal(status.lost, 0);
});

test("merging keeps other events and their order, and never crosses them", async () => {
  const { queue } = setup({ limit: 20, segmentSize: 4 });
  const events = [
    activity(10), activity(10), event("prompt"), activity(10), activity(10, "other"), activity(10),
    ...Array.from({ length: 13 }, () => event("copy")),
  ];
  await queue.append(events);
  const left = await queue.all();
  assert.deepEqual(left.slice(0, 5).map((e) => [e.type, e.session_id, e.active_ms]), [
    ["activity", "s1", 20],
    ["prompt", "s1", undefined],
    ["activity", "s1", 10],
    ["activity", "other", 10],
    ["activity", "s1", 10],
  ]);
});

test("events already handed to the server are never merged (it may hold them already)", async () => {
  const { queue } = setup({ limit: 10, segmentSize: 4 });
  await queue.append([activity(5), activity(5)]);
  const sent = await queue.takeBatch(2);
  await queue.append(Array.from({ length: 8 }, () => activity(5)));
  const left = await queue.all();
  assert.deepEqual(left.slice(0, 2), sent, "sent events unchanged");
  assert.equal(left.length, 3);
  assert.equal(left[2].active_ms, 40);
});

test("merged activity never exceeds the server's one-hour bound", async () => {
  const { queue } = setup({ limit: 10, segmentSize: 4 });
  await queue.append(Array.from({ length: 10 }, () => activity(1_000_000)));
  const left = await queue.all();
  assert.ok(left.every((e) => e.active_ms <= 3_600_000));
  assert.equal(left.reduce((sum, e) => sum + e.active_ms, 0), 10_000_000);
});

test("at the bound the oldest events are dropped and counted as lost", async () => {
  const { queue } = setup({ limit: 10, segmentSize: 4 });
  const events = Array.from({ length: 13 }, () => event("prompt"));
  await queue.append(events);
  assert.deepEqual(await queue.all(), events.slice(3));
  const status = await queue.status();
  assert.equal(status.lost, 3);
  assert.equal(status.level, "losing");
});

test("the warning level rises long before anything is lost", () => {
  const level = (count, lost = 0) => warningLevel({ count, lost }, 100_000);
  assert.equal(level(0), "ok");
  assert.equal(level(9_999), "ok");
  assert.equal(level(10_000), "warning");
  assert.equal(level(50_000), "critical");
  assert.equal(level(99_999), "critical");
  assert.equal(level(10, 1), "losing");
});

test("at the real bound, weeks of typical events fit without loss by merging activity", async () => {
  const { queue } = setup(); // QUEUE_LIMIT = 100,000, segments of 500
  let n = 0;
  for (let batch = 0; batch < 110; batch += 1) {
    // A prompt, then nine activity beats, as a working session produces them.
    await queue.append(Array.from({ length: 1_000 }, (_, i) =>
      event(i % 10 ? "activity" : "prompt", { active_ms: 15_000, session_id: `s${Math.floor((n += 1) / 5_000)}` })));
  }
  const status = await queue.status();
  assert.equal(status.lost, 0);
  assert.ok(status.waiting < 100_000);
  assert.equal(status.waiting + status.merged, 110_000);
  const all = await queue.all();
  assert.equal(all.filter((e) => e.type === "activity").reduce((sum, e) => sum + e.active_ms, 0), 99_000 * 15_000);
});
