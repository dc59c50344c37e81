import test from "node:test";
import assert from "node:assert/strict";
import { fakeChrome } from "./fake-chrome.js";
import { createStorage, KEYS, DEFAULT_SETTINGS } from "../../extension/lib/storage.js";

test("a fresh install reads the defaults: URL and title kept, not paused, local server", async () => {
  const storage = createStorage(fakeChrome());
  const settings = await storage.get(KEYS.settings);
  assert.deepEqual(settings, { ...DEFAULT_SETTINGS, sites: {}, customSites: [] });
  assert.equal(settings.serverUrl, "http://127.0.0.1:5765");
  assert.equal(settings.sendUrl, true);
  assert.equal(settings.sendTitle, true);
  assert.equal(settings.paused, false);
});

test("defaults are copies: changing one read does not change the next", async () => {
  const storage = createStorage(fakeChrome());
  (await storage.get(KEYS.settings)).customSites.push("x.example");
  (await storage.get(KEYS.rejectedLog)).push({});
  assert.deepEqual((await storage.get(KEYS.settings)).customSites, []);
  assert.deepEqual(await storage.get(KEYS.rejectedLog), []);
});

test("stored settings from an older version get the newer defaults filled in", async () => {
  const api = fakeChrome();
  await api.storage.local.set({ settings: { token: "abc" } });
  const settings = await createStorage(api).get(KEYS.settings);
  assert.equal(settings.token, "abc");
  assert.equal(settings.sendUrl, true);
});

test("tab state lives in session storage, the rest in local storage", async () => {
  const api = fakeChrome();
  const storage = createStorage(api);
  await storage.set(KEYS.tabs, { 1: {} });
  await storage.set(KEYS.lastSession, { id: "s" });
  assert.ok(api.storage.session.data.has("tabs"));
  assert.ok(!api.storage.local.data.has("tabs"));
  assert.ok(api.storage.local.data.has("lastSession"));
});

test("watch calls back with the new value of that key only, until stopped", async () => {
  const storage = createStorage(fakeChrome());
  const seen = [];
  const stop = storage.watch(KEYS.settings, (settings) => seen.push(settings.token));
  await storage.update(KEYS.settings, (s) => ({ ...s, token: "one" }));
  await storage.set(KEYS.lastSession, { id: "not settings" });
  stop();
  await storage.update(KEYS.settings, (s) => ({ ...s, token: "two" }));
  assert.deepEqual(seen, ["one"]);
});
