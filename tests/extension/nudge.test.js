import test from "node:test";
import assert from "node:assert/strict";
import { fakeChrome } from "./fake-chrome.js";
import { fakeServer } from "./fake-server.js";
import { createStorage, KEYS } from "../../extension/lib/storage.js";
import { createQueue } from "../../extension/lib/queue.js";
import { createSync } from "../../extension/lib/sync.js";
import { createPairing } from "../../extension/lib/pairing.js";
import { createBadge, createNudge, nudgeFor, fetchSummary, UNTAGGED_NUDGE_SECONDS } from "../../extension/lib/nudge.js";

const HOUR = 3600;
const week = (untagged_seconds) => ({ this_week: { untagged_seconds, value_ratio: 0.6, coverage: 0.5 } });

/** The toolbar icon's action API, remembering what it shows. */
function fakeAction() {
  const action = { text: "", title: "Candor", color: null };
  return Object.assign(action, {
    async setBadgeText({ text }) {
      action.text = text;
    },
    async setTitle({ title }) {
      action.title = title;
    },
    async setBadgeBackgroundColor({ color }) {
      action.color = color;
    },
  });
}

/** The background's pieces, over fakes: storage, the badge, the nudge, sync and pairing. */
function worker(server, { token = "secret" } = {}) {
  const api = fakeChrome();
  const storage = createStorage(api);
  const action = fakeAction();
  const badge = createBadge({ action, storage });
  const nudge = createNudge({ storage, badge, fetch: server.fetch, now: () => Date.parse("2026-12-02T10:00:00Z") });
  const queue = createQueue({ storage });
  const sync = createSync({
    api,
    storage,
    queue,
    fetch: server.fetch,
    client: async () => ({ id: "c1", browser: "chrome", extension_version: "0.1.0" }),
    onSynced: (run) => nudge.check(run),
  });
  const pairing = createPairing({
    storage,
    fetch: server.fetch,
    client: async () => ({ id: "c1", browser: "chrome", extension_version: "0.1.0" }),
    tell: async () => {},
    onPaired: async () => {},
    badge: (text, title) => badge.set("pairing", text ? { text, title } : null),
  });
  const ready = storage.update(KEYS.settings, (s) => ({ ...s, token, serverUrl: "http://127.0.0.1:5765" }));
  return { api, storage, action, badge, nudge, sync, pairing, ready };
}

test("the nudge starts past two hours untagged this week, and says how much", () => {
  assert.equal(UNTAGGED_NUDGE_SECONDS, 2 * HOUR);
  assert.equal(nudgeFor(week(2 * HOUR)), null, "two hours exactly is not yet a pile");
  assert.equal(nudgeFor(week(0)), null);
  assert.deepEqual(nudgeFor(week(2 * HOUR + 60)), {
    text: "2h",
    title: "Candor: 2 h 01 min untagged this week. Open Candor to review your sessions.",
  });
  assert.equal(nudgeFor(week(11 * HOUR + 59 * 60)).text, "11h");
  for (const odd of [null, undefined, {}, { this_week: null }, week("lots"), week(Number.NaN)]) {
    assert.equal(nudgeFor(odd), null, JSON.stringify(odd));
  }
});

test("after a sync the badge shows untagged time piling up, and clears once it is tagged", async () => {
  const server = fakeServer();
  const w = worker(server);
  await w.ready;
  server.summary = { ...server.summary, ...week(3 * HOUR), untagged_sessions: 4 };
  assert.equal((await w.sync.syncNow()).status, "ok");
  assert.equal(w.action.text, "3h");
  assert.match(w.action.title, /3 h 00 min untagged this week/);
  const asked = server.all.filter((r) => r.path === "/api/v1/summary");
  assert.equal(asked.length, 1, "one summary per sync");
  assert.equal(asked[0].headers.Authorization, "Bearer secret");
  // The popup reads what the worker last saw.
  const kept = await w.storage.get(KEYS.summary);
  assert.equal(kept.untagged_sessions, 4);
  assert.equal(kept.fetchedAt, "2026-12-02T10:00:00.000Z");

  server.summary = { ...server.summary, ...week(HOUR) };
  await w.sync.syncNow();
  assert.equal(w.action.text, "", "tagged down to an hour: no badge");
  assert.equal(w.action.title, "Candor");
});

test("the summary's token goes only to a server that proved it knows it", async () => {
  const server = fakeServer();
  server.proofKey = "another token";
  const w = worker(server);
  await w.ready;
  const answer = await w.nudge.check();
  assert.equal(answer.status, "untrusted");
  assert.equal(server.all.filter((r) => r.path === "/api/v1/summary").length, 0);
  assert.equal(w.action.text, "");
});

test("a server that is down leaves the badge as it was; one that refuses the token clears it", async () => {
  const server = fakeServer();
  const w = worker(server);
  await w.ready;
  server.summary = { ...server.summary, ...week(5 * HOUR) };
  await w.nudge.check();
  assert.equal(w.action.text, "5h");

  server.mode = "down";
  assert.equal((await w.nudge.check()).status, "unreachable");
  assert.equal(w.action.text, "5h", "the time is still untagged");
  assert.notEqual(await w.storage.get(KEYS.summary), null);

  server.mode = "up";
  server.token = "rotated";
  server.proofKey = "secret";
  assert.equal((await w.nudge.check()).status, "not_paired");
  assert.equal(w.action.text, "");
  assert.equal(await w.storage.get(KEYS.summary), null);
});

test("a pairing question's badge wins over the nudge, which comes back once it is answered", async () => {
  const server = fakeServer();
  const w = worker(server);
  await w.ready;
  server.summary = { ...server.summary, ...week(4 * HOUR) };
  await w.nudge.check();
  assert.equal(w.action.text, "4h");

  const asked = await w.pairing.request({ url: "http://127.0.0.1:6000/connect", tabId: 7, code: "ABCD-EFGH" });
  assert.equal(asked.status, "confirm");
  assert.equal(w.action.text, "1");
  assert.match(w.action.title, /pair with 127\.0\.0\.1:6000/);
  // A sync meanwhile does not hide the question.
  await w.nudge.check();
  assert.equal(w.action.text, "1");

  await w.pairing.answer({ origin: "http://127.0.0.1:6000", accept: false });
  assert.equal(w.action.text, "4h", "the nudge is back");
});

test("a summary without this week's figures is no answer", async () => {
  const server = fakeServer();
  server.summary = { hello: "world" };
  const settings = { token: "secret", serverUrl: "http://127.0.0.1:5765" };
  assert.equal((await fetchSummary({ fetch: server.fetch, settings })).status, "unreachable");
  assert.equal((await fetchSummary({ fetch: server.fetch, settings: { ...settings, token: "" } })).status, "not_paired");
});

test("a failing nudge never fails the sync", async () => {
  const server = fakeServer();
  const w = worker(server);
  await w.ready;
  w.action.setBadgeText = async () => {
    throw new Error("no badge here");
  };
  server.summary = { ...server.summary, ...week(3 * HOUR) };
  const result = await w.sync.syncNow();
  assert.equal(result.status, "ok");
  assert.equal((await w.storage.get(KEYS.syncState)).status, "ok");
});
