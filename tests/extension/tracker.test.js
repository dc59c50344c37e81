import test from "node:test";
import assert from "node:assert/strict";
import { fakeChrome } from "./fake-chrome.js";
import { createStorage, KEYS } from "../../extension/lib/storage.js";
import { createTracker, SESSION_IDLE_MS, SWEEP_ALARM } from "../../extension/lib/tracker.js";

const T0 = Date.parse("2026-11-25T10:00:00Z");

/** A tracker on a fake API with a settable clock; `recorded` collects what it stores. */
function setup({ api = fakeChrome(), settings = {} } = {}) {
  const clock = { now: T0 };
  const recorded = [];
  let ids = 0;
  const storage = createStorage(api);
  const ready = storage.update(KEYS.settings, (s) => ({ ...s, ...settings }));
  const tracker = createTracker({
    storage,
    idle: api.idle,
    alarms: api.alarms,
    record: async (events) => recorded.push(...events),
    now: () => clock.now,
    newId: () => `id-${(ids += 1)}`,
  });
  const at = (ms) => (clock.now = T0 + ms);
  const send = async (ms, signal) => {
    await ready;
    at(ms);
    return tracker.signal(7, { site: "chatgpt", conversation: "abc", url: "https://chatgpt.com/c/abc", ...signal });
  };
  return { api, storage, tracker, recorded, send, at, clock };
}

const types = (events) => events.map((e) => e.type);
const activeMs = (events) => events.filter((e) => e.type === "activity").reduce((sum, e) => sum + e.active_ms, 0);

test("focus starts a session; heartbeats send active time about every 15 s", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus" });
  await send(15_000, { kind: "heartbeat" });
  await send(30_000, { kind: "heartbeat" });
  assert.deepEqual(types(recorded), ["session_start", "activity", "activity"]);
  assert.deepEqual(recorded.slice(1).map((e) => e.active_ms), [15_000, 15_000]);
  assert.ok(recorded.every((e) => e.session_id === recorded[0].session_id));
  assert.equal(recorded[1].ts, new Date(T0 + 15_000).toISOString());
});

test("blur sends the active time gathered so far and stops the clock", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus" });
  await send(4_000, { kind: "blur" });
  await send(60_000, { kind: "heartbeat" }); // a late beat from a hidden tab restarts counting
  await send(64_000, { kind: "blur" });
  assert.deepEqual(recorded.filter((e) => e.type === "activity").map((e) => e.active_ms), [4_000, 4_000]);
});

test("time while the user is idle (chrome.idle) is not active time", async () => {
  const { api, send, recorded } = setup();
  await send(0, { kind: "focus" });
  api.idle.state = "idle";
  await send(15_000, { kind: "heartbeat" });
  api.idle.state = "locked";
  await send(30_000, { kind: "heartbeat" });
  api.idle.state = "active";
  await send(45_000, { kind: "heartbeat" });
  assert.equal(activeMs(recorded), 15_000);
});

test("a long gap between reports (a sleeping laptop) credits at most 30 s", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus" });
  await send(20 * 60_000, { kind: "heartbeat" });
  assert.equal(activeMs(recorded), 30_000);
});

test("prompt, response and copy events carry only their counts", async () => {
  const { send, recorded } = setup();
  await send(0, {
    kind: "prompt", prompt_chars: 42, est_tokens: 11, fingerprint: "0123456789abcdef", model: "gpt-4o",
    text: "SENTINEL should never be copied",
  });
  await send(5_000, { kind: "response", response_chars: 400, est_tokens: 100, model: "gpt-4o" });
  await send(6_000, { kind: "copy", response_chars: 120 });
  const [start, prompt, response, copy] = recorded;
  assert.equal(start.type, "session_start");
  const { id, session_id, ts, ...promptRest } = prompt;
  assert.deepEqual(promptRest, {
    type: "prompt", site: "chatgpt", prompt_chars: 42, est_tokens: 11, fingerprint: "0123456789abcdef",
    model: "gpt-4o", url: "https://chatgpt.com/c/abc",
  });
  assert.equal(response.response_chars, 400);
  assert.equal(response.est_tokens, 100);
  assert.equal(copy.response_chars, 120);
  assert.ok(!JSON.stringify(recorded).includes("SENTINEL"));
});

test("ids are unique and every event names its session", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus" });
  await send(1_000, { kind: "prompt", prompt_chars: 1 });
  await send(16_000, { kind: "heartbeat" });
  assert.equal(new Set(recorded.map((e) => e.id)).size, recorded.length);
});

test("URL is sent by default without query or fragment; title only when allowed", async () => {
  const off = setup({ settings: { sendTitle: false } });
  await off.send(0, { kind: "prompt", url: "https://chatgpt.com/c/abc?q=secret#frag", title: "My chat" });
  assert.equal(off.recorded[1].url, "https://chatgpt.com/c/abc");
  assert.equal(off.recorded[1].title, undefined);

  const on = setup({ settings: { sendUrl: false, sendTitle: true } });
  await on.send(0, { kind: "prompt", title: "My chat" });
  assert.equal(on.recorded[1].url, undefined);
  assert.equal(on.recorded[1].title, "My chat");
});

test("a new chat's first URL change is the same conversation", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus", conversation: null, url: "https://chatgpt.com/" });
  await send(1_000, { kind: "prompt", conversation: null, prompt_chars: 5 });
  await send(2_000, { kind: "navigate", conversation: "new-id", url: "https://chatgpt.com/c/new-id" });
  await send(9_000, { kind: "response", conversation: "new-id", url: "https://chatgpt.com/c/new-id", response_chars: 50 });
  assert.deepEqual(types(recorded), ["session_start", "prompt", "response"]);
  assert.equal(new Set(recorded.map((e) => e.session_id)).size, 1);
  assert.equal(recorded[2].url, "https://chatgpt.com/c/new-id");
});

test("switching to another conversation ends the session and starts another", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "focus", conversation: "one" });
  await send(10_000, { kind: "navigate", conversation: "two" });
  await send(15_000, { kind: "heartbeat", conversation: "two" });
  await send(20_000, { kind: "blur", conversation: "two" });
  assert.deepEqual(types(recorded), ["session_start", "activity", "session_end", "session_start", "activity"]);
  const [first, , , second] = recorded;
  assert.notEqual(first.session_id, second.session_id);
  assert.equal(recorded[1].active_ms, 10_000, "time before the switch belongs to the first session");
  assert.equal(recorded[1].session_id, first.session_id);
  assert.equal(recorded[4].active_ms, 10_000);
  assert.equal(recorded[4].session_id, second.session_id);
});

test("after 30 minutes without activity the next signal starts a new session", async () => {
  const { send, recorded } = setup();
  await send(0, { kind: "prompt", prompt_chars: 3 });
  await send(SESSION_IDLE_MS + 1_000, { kind: "prompt", prompt_chars: 3 });
  assert.deepEqual(types(recorded), ["session_start", "prompt", "session_end", "session_start", "prompt"]);
  assert.equal(recorded[2].ts, new Date(T0).toISOString(), "the old session ends at its last activity");
});

test("the sweep ends sessions quiet for 30 minutes and then stops its alarm", async () => {
  const { api, send, tracker, recorded, at } = setup();
  await send(0, { kind: "prompt", prompt_chars: 3 });
  assert.ok(api.alarms.created.has(SWEEP_ALARM));
  at(10 * 60_000);
  assert.deepEqual(await tracker.sweep(), []);
  at(SESSION_IDLE_MS + 1);
  assert.deepEqual(types(await tracker.sweep()), ["session_end"]);
  assert.equal(api.alarms.created.has(SWEEP_ALARM), false);
  assert.equal(recorded.at(-1).type, "session_end");
});

test("closing the tab ends its session with the last active time", async () => {
  const { api, send, tracker, recorded, at } = setup();
  await send(0, { kind: "focus" });
  at(6_000);
  await tracker.tabClosed(7);
  assert.deepEqual(types(recorded), ["session_start", "activity", "session_end"]);
  assert.equal(recorded[1].active_ms, 6_000);
  assert.equal(api.alarms.created.has(SWEEP_ALARM), false, "no session left: no alarm wakes the worker");
});

test("paused: nothing is recorded", async () => {
  const { send, recorded } = setup({ settings: { paused: true } });
  await send(0, { kind: "focus" });
  await send(1_000, { kind: "prompt", prompt_chars: 3 });
  assert.deepEqual(recorded, []);
});

test("sessions survive a service worker restart (state is in storage, not memory)", async () => {
  const first = setup();
  await first.send(0, { kind: "focus" });
  await first.send(15_000, { kind: "heartbeat" });
  const second = setup({ api: fakeChrome({ storage: first.api.storage }) });
  await second.send(30_000, { kind: "heartbeat" });
  assert.equal(second.recorded[0].session_id, first.recorded[0].session_id);
  assert.equal(second.recorded[0].active_ms, 15_000);
});

test("the popup's current session reflects counts and active time", async () => {
  const { send, storage } = setup();
  await send(0, { kind: "focus" });
  await send(3_000, { kind: "prompt", prompt_chars: 3 });
  await send(15_000, { kind: "heartbeat" });
  const last = await storage.get(KEYS.lastSession);
  assert.equal(last.site, "chatgpt");
  assert.equal(last.prompts, 1);
  assert.equal(last.activeMs, 15_000);
  assert.equal(last.ended, false);
});

test("two tabs keep separate sessions", async () => {
  const { tracker, recorded, storage } = setup();
  await storage.get(KEYS.settings);
  await tracker.signal(1, { kind: "prompt", site: "chatgpt", conversation: "a", prompt_chars: 1 });
  await tracker.signal(2, { kind: "prompt", site: "claude", conversation: "a", prompt_chars: 1 });
  const starts = recorded.filter((e) => e.type === "session_start");
  assert.deepEqual(starts.map((e) => e.site), ["chatgpt", "claude"]);
  assert.notEqual(starts[0].session_id, starts[1].session_id);
});

test("when a session ends, the popup shows it as the last session with its final active time", async () => {
  const { send, tracker, storage, at } = setup();
  await send(0, { kind: "focus" });
  await send(2_000, { kind: "prompt", prompt_chars: 3 });
  at(9_000);
  await tracker.tabClosed(7);
  const last = await storage.get(KEYS.lastSession);
  assert.equal(last.ended, true);
  assert.equal(last.activeMs, 9_000);
  assert.equal(last.prompts, 1);
});

test("a tag the popup set on the current session is kept as the session goes on", async () => {
  const { send, storage } = setup();
  await send(0, { kind: "prompt", prompt_chars: 3 });
  await storage.update(KEYS.lastSession, (last) => ({ ...last, tag: "real" }));
  await send(1_000, { kind: "response", response_chars: 30 });
  assert.equal((await storage.get(KEYS.lastSession)).tag, "real");
});
