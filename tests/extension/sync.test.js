import test from "node:test";
import assert from "node:assert/strict";
import { fakeChrome } from "./fake-chrome.js";
import { fakeServer } from "./fake-server.js";
import { createStorage, KEYS } from "../../extension/lib/storage.js";
import { createQueue } from "../../extension/lib/queue.js";
import { createSync, backoffDelay, SYNC_ALARM, BATCH_SIZE } from "../../extension/lib/sync.js";
import { CLIENT_FIELDS } from "../../extension/lib/contract.js";

let counter = 0;
const event = (type = "prompt", session_id = "11111111-1111-4111-8111-111111111111") => ({
  id: `00000000-0000-4000-8000-${String((counter += 1)).padStart(12, "0")}`,
  session_id,
  type,
  ts: new Date().toISOString(),
  site: "chatgpt",
});

const CLIENT = { id: "c1", browser: "chrome", extension_version: "0.1.0" };

/** The extension's modules as the service worker builds them, over `api`. */
function worker(api, server, now = () => 1_000_000) {
  const storage = createStorage(api);
  const queue = createQueue({ storage });
  const sync = createSync({ api, storage, queue, fetch: server.fetch, client: async () => CLIENT, now, random: () => 0.5 });
  return { storage, queue, sync };
}

async function paired(api, token = "secret") {
  await createStorage(api).update(KEYS.settings, (s) => ({ ...s, token }));
}

test("queued events are sent with the token and client, then leave the queue", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { queue, sync } = worker(api, server);
  const events = [event("session_start"), event("prompt")];
  await queue.append(events);
  const result = await sync.syncNow();
  assert.deepEqual(result, { status: "ok", sent: 2 });
  const [request] = server.requests;
  assert.equal(request.url, "http://127.0.0.1:5765/api/v1/events");
  assert.equal(request.headers.Authorization, "Bearer secret");
  assert.deepEqual(request.body, { client: { ...CLIENT, waiting: 0, titles: true }, events });
  assert.equal((await queue.status()).waiting, 0);
});

test("each batch tells the server how many events still wait, in the contract's client fields", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { queue, sync } = worker(api, server);
  await queue.append(Array.from({ length: 1_201 }, () => event("activity")));
  await sync.syncNow();
  assert.deepEqual(server.requests.map((r) => r.body.client.waiting), [701, 201, 0]);
  for (const request of server.requests) assert.deepEqual(Object.keys(request.body.client).sort(), Object.keys(CLIENT_FIELDS).sort());
});

test("titles turned off after events were queued are not sent with them", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  await queue.append([{ ...event("prompt"), title: "Plans for Q3", url: "https://chatgpt.com/c/1" }]);
  await storage.update(KEYS.settings, (s) => ({ ...s, sendTitle: false }));
  await sync.syncNow();
  const [sent] = server.requests[0].body.events;
  assert.equal(sent.title, undefined);
  assert.equal(sent.url, "https://chatgpt.com/c/1");
});

test("asked to leave titles out, it does so at once, for events still waiting too, and says so", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  await storage.update(KEYS.settings, (s) => ({ ...s, sites: { claude: false }, sendUrl: false }));
  await queue.append(Array.from({ length: 1_001 }, () => ({ ...event("prompt"), title: "Plans for Q3" })));
  server.titlesWish = false;
  await sync.syncNow();
  const [first, ...later] = server.requests;
  assert.equal(first.body.client.titles, true);
  assert.ok(first.body.events.every((e) => e.title === "Plans for Q3"), "sent before it was asked");
  assert.equal(later.length, 2);
  for (const request of later) {
    assert.equal(request.body.client.titles, false, "the next batches say titles are left out");
    assert.ok(request.body.events.every((e) => !("title" in e)), "waiting events lose their titles");
  }
  assert.equal(server.titlesWish, null, "the server saw it done");
  // The same change as the options page's switch: the other settings stay as they were.
  const settings = await storage.get(KEYS.settings);
  assert.deepEqual([settings.sendTitle, settings.sendUrl, settings.sites], [false, false, { claude: false }]);
});

test("asked to keep titles, it keeps them from then on and its next batch says so", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  await storage.update(KEYS.settings, (s) => ({ ...s, sendTitle: false }));
  await queue.append([{ ...event("prompt"), title: "Plans for Q3" }]);
  server.titlesWish = true;
  await sync.syncNow();
  assert.equal(server.requests[0].body.client.titles, false);
  assert.equal("title" in server.requests[0].body.events[0], false);
  assert.equal((await storage.get(KEYS.settings)).sendTitle, true);
  await queue.append([{ ...event("prompt"), title: "Plans for Q4" }]);
  await sync.syncNow();
  assert.equal(server.requests[1].body.client.titles, true);
  assert.equal(server.requests[1].body.events[0].title, "Plans for Q4");
  assert.equal(server.titlesWish, null);
});

test("an answer asking anything but titles true or false changes nothing", async () => {
  for (const asked of [{ titles: "no" }, { titles: 0 }, { titles: null }, { urls: false }, null, "titles", [false]]) {
    const api = fakeChrome();
    const server = fakeServer();
    await paired(api);
    const { storage, queue, sync } = worker(api, server);
    const before = await storage.get(KEYS.settings);
    await queue.append([event("prompt")]);
    server.answerSettings = asked;
    assert.equal((await sync.syncNow()).status, "ok", JSON.stringify(asked));
    assert.deepEqual(await storage.get(KEYS.settings), before, JSON.stringify(asked));
  }
});

test("batches hold at most 500 events", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { queue, sync } = worker(api, server);
  await queue.append(Array.from({ length: 1_201 }, () => event("activity")));
  await sync.syncNow();
  assert.deepEqual(server.requests.map((r) => r.body.events.length), [BATCH_SIZE, BATCH_SIZE, 201]);
  assert.equal(server.stored.size, 1_201);
});

test("without a token nothing is sent and the state says not paired", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  const { storage, queue, sync } = worker(api, server);
  await queue.append([event()]);
  assert.equal((await sync.syncNow()).status, "not_paired");
  assert.equal(server.requests.length, 0);
  assert.equal((await storage.get(KEYS.syncState)).status, "not_paired");
});

test("a 401 keeps the events and marks the extension not paired", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  server.proofKey = "wrong"; // the proof passes, yet the events endpoint refuses the token
  await paired(api, "wrong");
  const { storage, queue, sync } = worker(api, server);
  await queue.append([event(), event()]);
  assert.equal((await sync.syncNow()).status, "not_paired");
  assert.equal((await queue.status()).waiting, 2);
  assert.equal((await storage.get(KEYS.syncState)).status, "not_paired");
  assert.equal(api.alarms.created.has(SYNC_ALARM), false, "no retry until a new token");
});

test("rejected events are dropped and their reasons logged; the others are acknowledged", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  const events = [event("prompt"), event("bogus"), event("copy")];
  await queue.append(events);
  await sync.syncNow();
  assert.equal((await queue.status()).waiting, 0);
  assert.deepEqual([...server.stored.keys()], [events[0].id, events[2].id]);
  const [entry, ...rest] = await storage.get(KEYS.rejectedLog);
  assert.equal(rest.length, 0);
  assert.equal(entry.id, events[1].id);
  assert.equal(entry.type, "bogus");
  assert.deepEqual(entry.errors, { type: ["Must be one of: session_start, …"] });
});

test("the rejected-events log is bounded", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  await queue.append(Array.from({ length: 80 }, () => event("bogus")));
  await sync.syncNow();
  assert.equal((await storage.get(KEYS.rejectedLog)).length, 50);
});

for (const [mode, status] of [["down", "unreachable"], ["error500", "unreachable"], ["busy429", "unreachable"]]) {
  test(`server ${mode}: events stay and a retry is scheduled with backoff`, async () => {
    const api = fakeChrome();
    const server = fakeServer();
    server.mode = mode;
    await paired(api);
    const { storage, queue, sync } = worker(api, server);
    await queue.append([event()]);
    assert.equal((await sync.syncNow()).status, status);
    assert.equal((await queue.status()).waiting, 1);
    const alarm = api.alarms.created.get(SYNC_ALARM);
    const state = await storage.get(KEYS.syncState);
    assert.equal(alarm.scheduledTime, state.retryAt);
    assert.ok(alarm.scheduledTime > 1_000_000);
    if (mode === "busy429") assert.ok(alarm.scheduledTime >= 1_000_000 + 120_000, "Retry-After honoured");
  });
}

test("backoff grows exponentially, is capped, and is jittered", () => {
  assert.equal(backoffDelay(1, () => 0), 2_500);
  assert.equal(backoffDelay(1, () => 1), 5_000);
  assert.equal(backoffDelay(3, () => 1), 20_000);
  assert.equal(backoffDelay(30, () => 1), 15 * 60_000);
  assert.notEqual(backoffDelay(4, () => 0.1), backoffDelay(4, () => 0.9));
});

test("a soon-request does not cut a running backoff short", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  server.mode = "down";
  await paired(api);
  const { queue, sync } = worker(api, server);
  await queue.append([event()]);
  await sync.syncNow();
  await sync.syncNow();
  const backoff = api.alarms.created.get(SYNC_ALARM).scheduledTime;
  await sync.requestSoon();
  assert.equal(api.alarms.created.get(SYNC_ALARM).scheduledTime, backoff);
});

test("events queued while the server is down for days all arrive once it is back", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  server.mode = "down";
  await paired(api);
  const { queue, sync } = worker(api, server);
  const events = Array.from({ length: 700 }, () => event("activity"));
  for (let i = 0; i < 7; i += 1) {
    await queue.append(events.slice(i * 100, (i + 1) * 100));
    await sync.syncNow();
  }
  server.mode = "up";
  await sync.syncNow();
  assert.equal(server.stored.size, 700);
  assert.ok([...server.storedTimes.values()].every((n) => n === 1));
  assert.equal((await queue.status()).waiting, 0);
});

test("a killed service worker mid-sync loses nothing and sends nothing twice", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const first = worker(api, server);
  const events = Array.from({ length: 750 }, () => event("activity"));
  await first.queue.append(events);

  // The server commits the first batch, but the worker dies before it reads the answer.
  server.mode = "hang";
  first.sync.syncNow(); // never settles: its worker is gone
  while (server.requests.length < 1) await new Promise((r) => setImmediate(r));

  // A new worker: every in-memory object is rebuilt from the same stored data.
  server.mode = "up";
  const second = worker(fakeChrome({ storage: api.storage }), server);
  assert.equal((await second.queue.status()).waiting, 750, "unacknowledged events are still queued");
  await second.sync.syncNow();

  assert.equal(server.stored.size, 750, "every event arrived");
  assert.ok([...server.storedTimes.values()].every((n) => n === 1), "each stored exactly once");
  assert.equal((await second.queue.status()).waiting, 0);

  // Acknowledged events are never sent again.
  const before = server.requests.length;
  await second.sync.syncNow();
  assert.equal(server.requests.length, before);
  const sentIds = server.requests.flatMap((r) => r.body.events.map((e) => e.id));
  assert.equal(sentIds.length, 750 + 500, "only the batch whose answer was lost went twice");
});

test("a tag reaches the server once the session's events have", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  const start = event("session_start", "22222222-2222-4222-8222-222222222222");
  await queue.append([start]);
  assert.deepEqual(await sync.tag(start.session_id, "real"), { delivered: true });
  assert.equal(server.tags.get(start.session_id), "real");
  assert.deepEqual(await storage.get(KEYS.pendingTags), []);
});

test("a tag waits while the server is down, and is delivered later", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { queue, sync } = worker(api, server);
  const start = event("session_start", "33333333-3333-4333-8333-333333333333");
  await queue.append([start]);
  server.mode = "down";
  assert.deepEqual(await sync.tag(start.session_id, "busywork"), { delivered: false });
  server.mode = "up";
  await sync.syncNow();
  assert.equal(server.tags.get(start.session_id), "busywork");
});

test("after a 401, new events do not retry the refused token; a new token does", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  server.proofKey = "wrong";
  await paired(api, "wrong");
  const { queue, sync } = worker(api, server);
  await queue.append([event()]);
  await sync.syncNow();
  await sync.requestSoon();
  assert.equal(api.alarms.created.has(SYNC_ALARM), false, "no retry with the refused token");
  await paired(api, "secret");
  server.proofKey = "secret";
  await sync.requestSoon();
  assert.ok(api.alarms.created.has(SYNC_ALARM), "a new token is tried");
  await sync.syncNow();
  assert.equal((await queue.status()).waiting, 0);
});

test("a 200 answer that is not an events receipt keeps the batch", async () => {
  const api = fakeChrome();
  await paired(api);
  const server = fakeServer();
  const strange = {
    fetch: async (url, options) =>
      url.endsWith("/pairing/proof") ? server.fetch(url, options) : { status: 200, ok: true, headers: { get: () => null }, json: async () => ({ hello: 1 }) },
  };
  const { queue, sync } = worker(api, strange);
  await queue.append([event()]);
  assert.equal((await sync.syncNow()).status, "error");
  assert.equal((await queue.status()).waiting, 1);
});

test("a batch refused as a whole is split until the one refused event is found; the rest arrive", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  const before = Array.from({ length: 300 }, () => event("activity"));
  const bad = event("malformed");
  const after = Array.from({ length: 400 }, () => event("activity"));
  await queue.append([...before, bad, ...after]);
  assert.equal((await sync.syncNow()).status, "ok");
  assert.equal(server.stored.size, 700, "every good event arrived");
  assert.ok(!server.stored.has(bad.id));
  assert.ok([...server.storedTimes.values()].every((n) => n === 1));
  assert.equal((await queue.status()).waiting, 0, "nothing is stuck behind the refused event");
  assert.ok(server.requests.length <= 2 * Math.ceil(Math.log2(BATCH_SIZE)) + 2, `${server.requests.length} requests`);
  const [entry, ...rest] = await storage.get(KEYS.rejectedLog);
  assert.equal(rest.length, 0);
  assert.equal(entry.id, bad.id);
  assert.equal(entry.type, "malformed");
  assert.equal(entry.site, "chatgpt");
  assert.equal(entry.status, 422);
  assert.equal(entry.message, "The batch is malformed; nothing was stored.");
  assert.deepEqual(entry.errors, { type: ["Not a type."] });
  assert.equal(await storage.get(KEYS.refusedCount), 1);
  assert.equal((await storage.get(KEYS.syncState)).status, "ok");
});

test("an event too large for the server's body limit is refused alone (413)", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  server.maxBodyBytes = 50_000;
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  const huge = { ...event("prompt"), model: "m".repeat(60_000) };
  const good = Array.from({ length: 200 }, () => event("activity"));
  await queue.append([good[0], huge, ...good.slice(1)]);
  await sync.syncNow();
  assert.equal(server.stored.size, 200);
  assert.equal((await queue.status()).waiting, 0);
  const [entry] = await storage.get(KEYS.rejectedLog);
  assert.equal(entry.id, huge.id);
  assert.equal(entry.status, 413);
  assert.match(entry.message, /larger/);
  assert.equal(await storage.get(KEYS.refusedCount), 1);
});

test("a lone surrogate left in the queue is sent as U+FFFD, not refused", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  // Queued by a version that cut titles inside an emoji.
  const old = { ...event("prompt"), title: "Plan \ud83d" };
  await queue.append([old, event("copy")]);
  await sync.syncNow();
  assert.equal(server.stored.size, 2);
  assert.equal(server.stored.get(old.id).title, "Plan \ufffd");
  assert.equal(await storage.get(KEYS.refusedCount), 0);
});

test("events rejected one by one in a receipt are counted as refused too", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { storage, queue, sync } = worker(api, server);
  await queue.append([event("bogus"), event("prompt"), event("bogus"), event("malformed")]);
  await sync.syncNow();
  assert.equal(await storage.get(KEYS.refusedCount), 3);
  assert.equal((await storage.get(KEYS.rejectedLog)).length, 3);
});

for (const [name, answer] of [
  ["a 400 in another shape", { status: 400, body: { error: "bad" } }],
  ["a 404 in Candor's shape", { status: 404, body: { code: 404, status: "Not Found", message: "Not found." } }],
  ["a 422 about the batch's client, not its events", { status: 422, body: { code: 422, status: "Unprocessable Entity", message: "The batch is malformed; nothing was stored.", errors: { json: { client: { id: ["Longer than maximum length 100."] } } } } }],
]) {
  test(`${name} keeps every event and backs off`, async () => {
    const api = fakeChrome();
    const server = fakeServer();
    await paired(api);
    const fetch = async (url, options) =>
      url.endsWith("/api/v1/events")
        ? { status: answer.status, ok: false, headers: { get: () => null }, json: async () => answer.body }
        : server.fetch(url, options);
    const { storage, queue, sync } = worker(api, { fetch });
    await queue.append([event(), event(), event()]);
    assert.equal((await sync.syncNow()).status, "error");
    assert.equal((await queue.status()).waiting, 3);
    assert.equal(await storage.get(KEYS.refusedCount), 0);
    assert.ok(api.alarms.created.get(SYNC_ALARM).scheduledTime > 1_000_000);
  });
}

test("a server that does not know the token gets nothing that carries it", async () => {
  const api = fakeChrome();
  const impostor = fakeServer();
  impostor.proofKey = "whatever-it-guesses";
  await paired(api);
  const { storage, queue, sync } = worker(api, impostor);
  const start = event("session_start", "44444444-4444-4444-8444-444444444444");
  await queue.append([start, event()]);
  await storage.set(KEYS.pendingTags, [{ sessionId: start.session_id, tag: "real", at: "2026-12-01T10:00:00Z" }]);
  assert.equal((await sync.syncNow()).status, "untrusted_server");
  assert.equal((await sync.syncNow()).status, "untrusted_server");
  assert.ok(impostor.all.length >= 2);
  assert.ok(impostor.all.every((r) => r.path === "/api/v1/pairing/proof" && r.headers.Authorization === undefined));
  assert.ok(!JSON.stringify(impostor.all).includes("secret"));
  const state = await storage.get(KEYS.syncState);
  assert.equal(state.status, "untrusted_server");
  assert.equal(state.failures, 2);
  assert.equal(api.alarms.created.get(SYNC_ALARM).scheduledTime, state.retryAt, "tried again later, with backoff");
  assert.equal((await queue.status()).waiting, 2);
  assert.equal((await storage.get(KEYS.pendingTags)).length, 1);

  // The real server is back on its port: everything goes.
  const real = fakeServer();
  const back = worker(api, real);
  assert.equal((await back.sync.syncNow()).status, "ok");
  assert.equal(real.stored.size, 2);
  assert.equal(real.tags.get(start.session_id), "real");
});

test("each run proves the server once, before the first request that carries the token", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { queue, sync } = worker(api, server);
  await queue.append(Array.from({ length: 1_100 }, () => event("activity")));
  await sync.syncNow();
  assert.deepEqual(server.all.map((r) => r.path), ["/api/v1/pairing/proof", "/api/v1/events", "/api/v1/events", "/api/v1/events"]);
  await queue.append([event()]);
  await sync.syncNow();
  assert.equal(server.all.filter((r) => r.path === "/api/v1/pairing/proof").length, 2);
});

test("with nothing to send, nothing is asked of the server", async () => {
  const api = fakeChrome();
  const server = fakeServer();
  await paired(api);
  const { sync } = worker(api, server);
  assert.equal((await sync.syncNow()).status, "ok");
  assert.equal(server.all.length, 0);
});

for (const [mode, status] of [["missing", "untrusted_server"], ["garbage", "untrusted_server"]]) {
  test(`a proof endpoint that answers ${mode} sends nothing else (${status})`, async () => {
    const api = fakeChrome();
    const server = fakeServer();
    server.proofMode = mode;
    await paired(api);
    const { queue, sync } = worker(api, server);
    await queue.append([event()]);
    assert.equal((await sync.syncNow()).status, status);
    assert.equal(server.requests.length, 0);
  });
}
