import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { KNOWN_SITES, knownSiteFor, normalizeHost, originPatterns, customSiteName } from "../../extension/lib/sites.js";
import { describePage, ADAPTERS } from "../../extension/lib/pages.js";
import { DEFAULT_SETTINGS } from "../../extension/lib/storage.js";

const extensionDir = new URL("../../extension/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", extensionDir), "utf8"));
const settings = (changes = {}) => ({ ...DEFAULT_SETTINGS, sites: {}, customSites: [], ...changes });

test("every known site's hosts are in the manifest's content scripts and host permissions", () => {
  const matches = manifest.content_scripts.flatMap((script) => script.matches);
  for (const { hosts } of KNOWN_SITES) {
    for (const host of hosts) {
      assert.ok(matches.includes(`https://${host}/*`), `${host} has no content script`);
      assert.ok(manifest.host_permissions.includes(`https://${host}/*`), `${host} has no host permission`);
    }
  }
});

test("every adapter module named exists", () => {
  for (const path of [...ADAPTERS.map((name) => `sites/${name}.js`), "sites/generic.js", "content/main.js", "background.js"]) {
    assert.ok(existsSync(new URL(path, extensionDir)), path);
  }
});

test("the manifest loads in Chromium and Firefox: both background forms, a gecko id, no incognito", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.background.service_worker, "background.js");
  assert.deepEqual(manifest.background.scripts, ["background.js"]);
  assert.equal(manifest.background.type, "module");
  assert.ok(manifest.browser_specific_settings.gecko.id);
  assert.equal(manifest.incognito, "not_allowed");
});

test("pages map to sites by their real host", () => {
  assert.deepEqual(describePage("https://chatgpt.com/c/1", settings()), { role: "track", site: "chatgpt", adapter: "chatgpt" });
  assert.deepEqual(describePage("https://chat.openai.com/", settings()).site, "chatgpt");
  assert.deepEqual(describePage("https://claude.ai/new", settings()).adapter, "claude");
  assert.deepEqual(describePage("https://grok.com/", settings()).adapter, "grok");
  assert.deepEqual(describePage("https://example.com/", settings()), { role: "none" });
  assert.deepEqual(describePage("https://chatgpt.com.evil.example/", settings()), { role: "none" });
  assert.equal(knownSiteFor("grok.com").site, "grok");
});

test("a site switched off is not tracked", () => {
  assert.deepEqual(describePage("https://claude.ai/", settings({ sites: { claude: false } })), { role: "none" });
});

test("custom sites are tracked with the generic adapter as custom:<host>", () => {
  const page = describePage("https://ai.corp.example/chat", settings({ customSites: ["ai.corp.example"] }));
  assert.deepEqual(page, { role: "track", site: "custom:ai.corp.example", adapter: "generic" });
  assert.equal(customSiteName("x.y"), "custom:x.y");
});

test("a Connect page on any port of this machine is a pairing page (the popup asks first)", () => {
  for (const url of ["http://127.0.0.1:5765/connect", "http://127.0.0.1:5766/connect/", "http://localhost:8080/connect", "http://[::1]:5765/connect"]) {
    assert.deepEqual(describePage(url, settings()), { role: "pair" }, url);
  }
  for (const url of ["http://127.0.0.1:5765/connectx", "https://127.0.0.1:5765/connect", "http://evil.example/connect", "http://127.0.0.1.evil.example/connect"]) {
    assert.deepEqual(describePage(url, settings()), { role: "none" }, url);
  }
});

test("hosts typed by the user are cleaned up", () => {
  assert.equal(normalizeHost("https://AI.corp.example/path?x"), "ai.corp.example");
  assert.equal(normalizeHost(" ai.corp.example "), "ai.corp.example");
  assert.equal(normalizeHost(""), null);
  assert.equal(normalizeHost("http://"), null);
  assert.deepEqual(originPatterns("h.example"), ["https://h.example/*", "http://h.example/*"]);
});
