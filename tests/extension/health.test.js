import test from "node:test";
import assert from "node:assert/strict";
import { withTabHealth, withoutTab, healthNotices, createHealthRecord } from "../../extension/lib/health.js";
import { createStorage, KEYS } from "../../extension/lib/storage.js";
import { fakeChrome } from "./fake-chrome.js";

const at = "2026-12-04T10:00:00.000Z";
const label = (site) => ({ chatgpt: "ChatGPT", claude: "Claude", gemini: "Gemini" })[site] ?? site;

test("health is kept per site, then per tab; one tab's report leaves the others alone", () => {
  let health = {};
  health = withTabHealth(health, "gemini", 7, { status: "ok", at });
  health = withTabHealth(health, "gemini", 9, { status: "degraded", reason: "3 prompts sent were not seen", at });
  health = withTabHealth(health, "claude", 8, { status: "fallback", missing: ["composer x"], at });
  assert.deepEqual(health, {
    gemini: { 7: { status: "ok", at }, 9: { status: "degraded", reason: "3 prompts sent were not seen", at } },
    claude: { 8: { status: "fallback", missing: ["composer x"], at } },
  });
  // Tab 7 goes to Claude: it is on one site at a time.
  health = withTabHealth(health, "claude", 7, { status: "ok", at });
  assert.deepEqual(Object.keys(health.gemini), ["9"]);
  assert.deepEqual(Object.keys(health.claude).sort(), ["7", "8"]);
});

test("a closed tab's entry goes, and a site with no tab left goes with it", () => {
  let health = withTabHealth({}, "gemini", 7, { status: "ok", at });
  health = withTabHealth(health, "claude", 8, { status: "ok", at });
  assert.deepEqual(withoutTab(health, 7), { claude: { 8: { status: "ok", at } } });
  assert.deepEqual(withoutTab({}, 7), {});
});

test("a share page is kept as read-only, and an unknown state is not kept", () => {
  const health = withTabHealth({}, "gemini", 7, { status: "read-only", at });
  assert.deepEqual(health, { gemini: { 7: { status: "read-only", at } } });
  assert.deepEqual(withTabHealth(health, "gemini", 7, { status: "bogus", at }), {});
});

test("the popup names the right site in a sentence, this tab first", () => {
  let health = {};
  health = withTabHealth(health, "gemini", 7, { status: "ok", at });
  health = withTabHealth(health, "gemini", 9, { status: "degraded", reason: "3 prompts sent were not seen", at });
  health = withTabHealth(health, "claude", 8, { status: "fallback", missing: [], at });
  health = withTabHealth(health, "chatgpt", 5, { status: "read-only", at });
  assert.deepEqual(
    healthNotices(health, 9, label).map((n) => n.text),
    [
      "Gemini: counting may be incomplete on this tab: 3 prompts sent were not seen.",
      "Claude's page changed: Candor is counting with its general reader in another tab.",
    ],
  );
  assert.deepEqual(
    healthNotices(health, 8, label).map((n) => n.text),
    [
      "Claude's page changed: Candor is counting with its general reader.",
      "Gemini: counting may be incomplete in another tab: 3 prompts sent were not seen.",
    ],
  );
  assert.deepEqual(healthNotices(withTabHealth({}, "gemini", 7, { status: "ok", at }), 7, label), [], "all well: nothing to say");
});

test("two tabs of one site in trouble: the worse state is told, for the other tabs", () => {
  let health = withTabHealth({}, "gemini", 1, { status: "degraded", reason: "3 answers were not seen", at });
  health = withTabHealth(health, "gemini", 2, { status: "fallback", at });
  assert.deepEqual(healthNotices(health, 99, label).map((n) => n.text), [
    "Gemini's page changed: Candor is counting with its general reader in other tabs.",
  ]);
});

test("reports that arrive together are all kept, and a closed tab's goes", async () => {
  const storage = createStorage(fakeChrome());
  const record = createHealthRecord({ storage });
  const sites = ["chatgpt", "claude", "gemini"];
  // Twelve tabs of three sites report at once, as the service worker receives them.
  await Promise.all(Array.from({ length: 12 }, (_, tab) => record.report(sites[tab % 3], tab, { status: "ok", at })));
  const health = await storage.get(KEYS.adapterHealth);
  assert.deepEqual(Object.fromEntries(Object.entries(health).map(([site, tabs]) => [site, Object.keys(tabs).length])), { chatgpt: 4, claude: 4, gemini: 4 });
  await Promise.all([record.tabClosed(0), record.report("claude", 1, { status: "degraded", reason: "3 prompts sent were not seen", at })]);
  const after = await storage.get(KEYS.adapterHealth);
  assert.equal(after.chatgpt[0], undefined);
  assert.equal(after.claude[1].status, "degraded");
});
