import test from "node:test";
import assert from "node:assert/strict";
import { registerCustomSites, CUSTOM_SCRIPT_ID } from "../../extension/lib/custom-sites.js";

/** A fake of chrome.permissions and chrome.scripting with the given granted origins. */
function fakeApi(granted) {
  const registered = new Map();
  return {
    registered,
    permissions: { contains: async ({ origins }) => origins.every((o) => granted.includes(o)) },
    scripting: {
      getRegisteredContentScripts: async ({ ids }) => ids.filter((id) => registered.has(id)).map((id) => registered.get(id)),
      unregisterContentScripts: async ({ ids }) => ids.forEach((id) => registered.delete(id)),
      registerContentScripts: async (scripts) => scripts.forEach((s) => registered.set(s.id, s)),
    },
  };
}

test("only granted custom hosts get the content script", async () => {
  const api = fakeApi(["https://ai.corp.example/*", "http://ai.corp.example/*"]);
  const hosts = await registerCustomSites(api, ["ai.corp.example", "not-granted.example"]);
  assert.deepEqual(hosts, ["ai.corp.example"]);
  assert.deepEqual(api.registered.get(CUSTOM_SCRIPT_ID).matches, ["https://ai.corp.example/*", "http://ai.corp.example/*"]);
  assert.deepEqual(api.registered.get(CUSTOM_SCRIPT_ID).js, ["content.js"]);
});

test("removing the last custom site removes the registration", async () => {
  const api = fakeApi(["https://a.example/*", "http://a.example/*"]);
  await registerCustomSites(api, ["a.example"]);
  await registerCustomSites(api, []);
  assert.equal(api.registered.size, 0);
});
