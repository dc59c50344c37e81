// The service worker: wires the extension API into Candor's modules and routes what
// content scripts, the popup and the options page ask for. It keeps no state of its own
// (the browser stops it whenever it likes): everything lives in storage and alarms.
// Listeners are registered synchronously at the top level, so a restarted worker gets
// the event that woke it.

import { extensionApi, browserName } from "./lib/chrome-api.js";
import { createStorage, KEYS } from "./lib/storage.js";
import { createQueue } from "./lib/queue.js";
import { createSync, SYNC_ALARM } from "./lib/sync.js";
import { createTracker, SWEEP_ALARM } from "./lib/tracker.js";
import { describePage } from "./lib/pages.js";
import { registerCustomSites } from "./lib/custom-sites.js";
import { createPairing } from "./lib/pairing.js";
import { createTokenCounter } from "./lib/token-count.js";
import { loadTokenizer } from "./lib/tokenizer-host.js";
import { createHealthRecord } from "./lib/health.js";
import { createBadge, createNudge } from "./lib/nudge.js";

const api = extensionApi();
const storage = createStorage(api);
const queue = createQueue({ storage });
// Tokens are counted here, off the page's main thread (o200k, or characters / 4 without it).
const tokens = createTokenCounter({ load: () => loadTokenizer({ api }) });

/** The client description the server records with each batch. */
async function client() {
  let id = await storage.get(KEYS.clientId);
  if (!id) {
    id = crypto.randomUUID();
    await storage.set(KEYS.clientId, id);
  }
  return { id, browser: browserName(api), extension_version: api.runtime.getManifest().version };
}

const badge = createBadge({ action: api.action, storage });
// After each sync, the summary says whether untagged time has piled up (the badge's nudge).
const nudge = createNudge({ storage, badge, fetch: (...args) => fetch(...args) });
const sync = createSync({ api, storage, queue, client, fetch: (...args) => fetch(...args), onSynced: (run) => nudge.check(run) });
const tracker = createTracker({
  storage,
  idle: api.idle,
  alarms: api.alarms,
  async record(events) {
    await queue.append(events);
    await sync.requestSoon();
  },
});

const health = createHealthRecord({ storage });

const pairing = createPairing({
  storage,
  fetch: (...args) => fetch(...args),
  client,
  // The Connect page learns the answer given in the popup (it may have been closed since).
  tell: (tabId, outcome) => api.tabs.sendMessage(tabId, { type: "candor:pairing-outcome", outcome }).catch(() => {}),
  onPaired: () => sync.paired(),
  // The pairing question's layer of the badge: it wins over the nudge while it waits.
  badge: (text, title) => badge.set("pairing", text ? { text, title } : null),
});

/** Whether a message comes from this extension's own pages (popup, options), not a web page. */
const fromExtensionPage = (sender) => sender.id === api.runtime.id && (sender.url ?? "").startsWith(api.runtime.getURL(""));

/** Answer one message; resolves to the reply. */
async function handle(message, sender) {
  const settings = await storage.get(KEYS.settings);
  const tab = sender.tab;
  // Private windows are never tracked (the manifest already keeps Candor out of them).
  if (tab?.incognito) return { role: "none" };

  switch (message?.type) {
    case "candor:hello":
      return describePage(sender.url ?? tab?.url ?? "", settings);

    case "candor:signal": {
      const page = describePage(sender.url ?? tab?.url ?? "", settings);
      if (page.role !== "track" || !tab) return { ok: false };
      await tracker.signal(tab.id, { ...message.signal, site: page.site });
      return { ok: true };
    }

    case "candor:tokens": {
      // The text is counted and dropped: it is never stored, logged or put in an event.
      const page = describePage(sender.url ?? tab?.url ?? "", settings);
      if (page.role !== "track" || !tab) return { ok: false };
      return tokens.count(message.text);
    }

    case "candor:health": {
      const page = describePage(sender.url ?? "", settings);
      if (page.role !== "track" || !tab) return { ok: false };
      const report = { status: message.status, reason: message.reason, missing: message.missing, at: new Date().toISOString() };
      await health.report(page.site, tab.id, report);
      return { ok: true };
    }

    case "candor:pair": {
      // A Connect page of this machine, any port, from the sender's real URL. The server
      // already paired with pairs again at once; any other address waits for the person
      // to confirm it in the popup (lib/pairing.js).
      const result = await pairing.request({ url: sender.url ?? "", tabId: tab?.id, code: message.code });
      return { ok: result.status === "paired", status: result.status, host: result.host };
    }

    case "candor:pairing-waiting":
      if (!fromExtensionPage(sender)) return { ok: false };
      return { ok: true, waiting: await pairing.waiting() };

    case "candor:pairing-answer":
      if (!fromExtensionPage(sender)) return { ok: false };
      return pairing.answer({ origin: message.origin, accept: message.accept === true, keepTitles: message.keepTitles !== false });

    case "candor:tag":
      if (!fromExtensionPage(sender)) return { ok: false };
      return sync.tag(message.sessionId, message.tag ?? null);

    case "candor:sync-now":
      if (!fromExtensionPage(sender)) return { ok: false };
      return sync.syncNow();

    case "candor:queue-status":
      if (!fromExtensionPage(sender)) return { ok: false };
      return queue.status();

    case "candor:custom-sites-changed":
      if (!fromExtensionPage(sender)) return { ok: false };
      return { hosts: await registerCustomSites(api, settings.customSites) };

    default:
      return { ok: false };
  }
}

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handle(message, sender).then(sendResponse, (error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
  return true; // the reply is sent asynchronously
});

api.tabs.onRemoved.addListener((tabId) => {
  tracker.tabClosed(tabId);
  health.tabClosed(tabId);
});

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === SYNC_ALARM) sync.syncNow();
  if (alarm.name === SWEEP_ALARM) tracker.sweep();
});

api.idle.setDetectionInterval(60);

storage.watch(KEYS.settings, (settings) => {
  // A pasted token (options page) counts as pairing too.
  if (settings.token) sync.requestSoon();
});

/** On install and on browser start: custom sites' scripts, and any events left to send. */
async function wakeUp() {
  const settings = await storage.get(KEYS.settings);
  await registerCustomSites(api, settings.customSites).catch(() => {});
  if ((await queue.status()).waiting > 0) await sync.requestSoon();
}
api.runtime.onInstalled.addListener(() => {
  wakeUp();
});
api.runtime.onStartup.addListener(() => {
  wakeUp();
});
