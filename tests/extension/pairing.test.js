import test from "node:test";
import assert from "node:assert/strict";
import { fakeServer } from "./fake-server.js";
import { fakeChrome } from "./fake-chrome.js";
import { createStorage, KEYS } from "../../extension/lib/storage.js";
import { exchangeCode, cleanCode, PAIRING_PATH, createPairing, connectOrigin, hostOf, PENDING_MS } from "../../extension/lib/pairing.js";

const SERVER = "http://127.0.0.1:5765";

test("a pairing code is exchanged for the token, which the server then proves it knows", async () => {
  const server = fakeServer({ token: "the-token" });
  server.pairingCodes.set("Zx_9-aB", "the-token");
  assert.deepEqual(await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "Zx_9-aB" }), { status: "paired", token: "the-token" });
  assert.deepEqual(server.all.map((r) => r.path), [PAIRING_PATH, "/api/v1/pairing/proof"]);
  assert.deepEqual(server.all[0].body, { code: "Zx_9-aB" });
  assert.ok(server.all.every((r) => r.headers.Authorization === undefined), "no request carries a token");
});

test("a code works once", async () => {
  const server = fakeServer();
  server.pairingCodes.set("once", "secret");
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "once" })).status, "paired");
  const again = await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "once" });
  assert.equal(again.status, "refused");
  assert.match(again.error, /unknown, used or expired/);
});

test("a token from a server that cannot prove it knows it is not taken", async () => {
  const server = fakeServer({ token: "the-token" });
  server.pairingCodes.set("code", "the-token");
  server.proofKey = "something-else";
  const result = await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "code" });
  assert.equal(result.status, "untrusted");
  assert.equal(result.token, undefined);
});

test("an answer without a token is a refusal", async () => {
  const fetch = async () => ({ status: 200, headers: { get: () => null }, json: async () => ({ nope: 1 }) });
  assert.equal((await exchangeCode({ fetch, serverUrl: SERVER, code: "code" })).status, "refused");
});

test("a server that is down leaves the extension unpaired", async () => {
  const server = fakeServer();
  server.mode = "down";
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "code" })).status, "unreachable");
});

test("only URL-safe codes are sent", async () => {
  assert.equal(cleanCode(" abc-DEF_123 "), "abc-DEF_123");
  for (const bad of ["", "a b", "a/b", "a?b=c", "x".repeat(257), 42, null]) assert.equal(cleanCode(bad), null, String(bad));
  const server = fakeServer();
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "../events" })).status, "refused");
  assert.equal(server.all.length, 0);
});

// --- pairing with a Candor on any port, confirmed in the popup --------------------------

/** The background's pairing over a fake extension API and server, recording what it told. */
function background({ settings = {}, now = () => 1_000_000 } = {}) {
  const api = fakeChrome();
  const storage = createStorage(api);
  const server = fakeServer({ token: "the-token" });
  const told = [];
  const badges = [];
  let synced = 0;
  const pairing = createPairing({
    storage,
    fetch: server.fetch,
    client: async () => ({ id: "c1", browser: "firefox", extension_version: "0.1.0" }),
    tell: async (tabId, outcome) => told.push([tabId, outcome]),
    onPaired: async () => (synced += 1),
    badge: async (text) => badges.push(text),
    now,
  });
  const ready = storage.update(KEYS.settings, (s) => ({ ...s, ...settings }));
  return { api, storage, server, told, badges, pairing, ready, synced: () => synced };
}

test("Connect pages are recognised on any port of this machine, and nowhere else", () => {
  assert.equal(connectOrigin("http://127.0.0.1:5766/connect"), "http://127.0.0.1:5766");
  assert.equal(connectOrigin("http://localhost:8080/connect/"), "http://localhost:8080");
  assert.equal(connectOrigin("http://127.0.0.1/connect"), "http://127.0.0.1");
  for (const url of ["http://127.0.0.1:5766/connectx", "https://127.0.0.1:5766/connect", "http://10.0.0.2/connect", "http://localhost.evil.example/connect", "nonsense"]) {
    assert.equal(connectOrigin(url), null, url);
  }
  assert.equal(hostOf("http://127.0.0.1:5766"), "127.0.0.1:5766");
  assert.equal(hostOf("http://localhost"), "localhost:80");
});

test("a Connect page on an address not paired yet is asked about, and nothing is sent there", async () => {
  const b = background();
  await b.ready;
  const asked = await b.pairing.request({ url: "http://127.0.0.1:5766/connect", tabId: 7, code: "abc" });
  assert.deepEqual(asked, { status: "confirm", host: "127.0.0.1:5766" });
  assert.equal(b.server.all.length, 0, "no request before the person confirms");
  assert.deepEqual(await b.pairing.waiting(), { origin: "http://127.0.0.1:5766", host: "127.0.0.1:5766", at: 1_000_000 });
  assert.deepEqual(b.badges, ["1"]);
  const settings = await b.storage.get(KEYS.settings);
  assert.equal(settings.token, "");
  assert.equal(settings.serverUrl, "http://127.0.0.1:5765", "the address is not taken before it is confirmed");
});

test("confirming pairs with the page's own address, keeps the titles choice and starts syncing", async () => {
  for (const keepTitles of [true, false]) {
    const b = background({ settings: { sendTitle: !keepTitles } });
    await b.ready;
    b.server.pairingCodes.set("abc", "the-token");
    await b.pairing.request({ url: "http://localhost:5766/connect", tabId: 7, code: "abc" });
    assert.deepEqual(await b.pairing.answer({ origin: "http://localhost:5766", accept: true, keepTitles }), { status: "paired" });
    const [exchange] = b.server.all;
    assert.equal(exchange.url, "http://localhost:5766/api/v1/pairing");
    assert.deepEqual(exchange.body, { code: "abc", client: { id: "c1", browser: "firefox", extension_version: "0.1.0" } });
    const settings = await b.storage.get(KEYS.settings);
    assert.deepEqual([settings.serverUrl, settings.token, settings.sendTitle], ["http://localhost:5766", "the-token", keepTitles]);
    assert.deepEqual(b.told, [[7, "paired"]]);
    assert.equal(b.synced(), 1);
    assert.equal(await b.pairing.waiting(), null);
    assert.deepEqual(b.badges, ["1", ""]);
  }
});

test("declining, an answer about another address, or a stale request pairs nothing", async () => {
  let clock = 1_000_000;
  const b = background({ now: () => clock });
  await b.ready;
  b.server.pairingCodes.set("abc", "the-token");
  await b.pairing.request({ url: "http://127.0.0.1:5766/connect", tabId: 7, code: "abc" });
  // A second Connect page replaced the question the popup was showing: not confirmed.
  await b.pairing.request({ url: "http://127.0.0.1:6000/connect", tabId: 8, code: "xyz" });
  assert.deepEqual(await b.pairing.answer({ origin: "http://127.0.0.1:5766", accept: true }), { status: "expired" });
  assert.deepEqual(await b.pairing.answer({ origin: "http://127.0.0.1:6000", accept: false }), { status: "declined" });
  assert.deepEqual(b.told, [[8, "declined"]]);
  assert.equal(await b.pairing.waiting(), null);

  await b.pairing.request({ url: "http://127.0.0.1:5766/connect", tabId: 7, code: "abc" });
  clock += PENDING_MS;
  assert.equal(await b.pairing.waiting(), null);
  assert.equal(b.badges.at(-1), "", "an expired question takes its badge away");
  assert.deepEqual(await b.pairing.answer({ origin: "http://127.0.0.1:5766", accept: true }), { status: "expired" });
  assert.equal(b.server.all.length, 0);
  assert.equal((await b.storage.get(KEYS.settings)).token, "");
});

test("the server already paired pairs again without asking (a rotated token); another port still asks", async () => {
  const b = background({ settings: { serverUrl: "http://127.0.0.1:5766", token: "old-token" } });
  await b.ready;
  b.server.pairingCodes.set("again", "the-token");
  assert.deepEqual(await b.pairing.request({ url: "http://127.0.0.1:5766/connect", tabId: 3, code: "again" }), { status: "paired" });
  assert.equal((await b.storage.get(KEYS.settings)).token, "the-token");
  assert.equal(await b.pairing.waiting(), null);

  const asked = await b.pairing.request({ url: "http://127.0.0.1:5999/connect", tabId: 4, code: "other" });
  assert.equal(asked.status, "confirm");
  const settings = await b.storage.get(KEYS.settings);
  assert.deepEqual([settings.serverUrl, settings.token], ["http://127.0.0.1:5766", "the-token"]);
  assert.ok(b.server.all.every((r) => r.url.startsWith("http://127.0.0.1:5766/")), "nothing went to the other port");
});

test("a page that is not a Connect page of this machine is ignored", async () => {
  const b = background();
  await b.ready;
  for (const url of ["https://chatgpt.com/connect", "http://127.0.0.1:5766/settings"]) {
    assert.deepEqual(await b.pairing.request({ url, tabId: 1, code: "abc" }), { status: "ignored" });
  }
  assert.equal(await b.pairing.waiting(), null);
});
