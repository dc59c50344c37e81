// The one place that names what Candor keeps in chrome.storage. `local` survives browser
// restarts; `session` lives as long as the browser and outlives service worker restarts.

/** Settings a new install starts with. */
export const DEFAULT_SETTINGS = Object.freeze({
  serverUrl: "http://127.0.0.1:5765",
  token: "",
  paused: false,
  sendUrl: true,
  // Titles stay on this machine (exports leave them out unless kept); asked when pairing.
  sendTitle: true,
  // Per-site switches: a site missing here is on.
  sites: {},
  // Hostnames the user added in options, tracked with the generic adapter.
  customSites: [],
});

/** Every stored value: its storage area and its default. */
export const KEYS = Object.freeze({
  settings: { area: "local", name: "settings", default: DEFAULT_SETTINGS },
  clientId: { area: "local", name: "clientId", default: null },
  syncState: {
    area: "local",
    name: "syncState",
    default: { status: "idle", failures: 0, lastAttemptAt: null, lastSuccessAt: null, lastError: null },
  },
  rejectedLog: { area: "local", name: "rejectedLog", default: [] },
  // Events the server refused for good since the log was last cleared (the log keeps 50).
  refusedCount: { area: "local", name: "refusedCount", default: 0 },
  pendingTags: { area: "local", name: "pendingTags", default: [] },
  // How well each site's adapter reads each open tab: {site: {tabId: {status, reason, missing, at}}}.
  // Per tab, so it lives as long as the browser (tab ids do not survive a restart).
  adapterHealth: { area: "session", name: "adapterHealth", default: {} },
  lastSession: { area: "local", name: "lastSession", default: null },
  queueMeta: {
    area: "local",
    name: "queue.meta",
    default: { nextSeq: 1, count: 0, segments: [], sentThrough: 0, lost: 0, merged: 0 },
  },
  tabs: { area: "session", name: "tabs", default: {} },
  // A Connect page on an address not paired yet, waiting for the person's answer in the
  // popup: {origin, code, tabId, at}. Its code is single use and lives five minutes.
  pendingPairing: { area: "session", name: "pendingPairing", default: null },
  // What the toolbar badge shows, by layer ({pairing, nudge}: each {text, title} or null);
  // the first layer set wins (lib/nudge.js). The icon forgets its badge when the browser quits.
  badge: { area: "session", name: "badge", default: { pairing: null, nudge: null } },
  // The server's last summary (GET /api/v1/summary) with `fetchedAt`: the popup shows it at
  // once, before it asks again, and says how old it is when the server is away.
  summary: { area: "local", name: "summary", default: null },
});

/** Storage key of one queue segment (the queue keeps its events in numbered segments). */
export function queueSegmentKey(number) {
  return `queue.segment.${number}`;
}

/** Structured copy of a default, so callers never mutate the shared one. */
function fresh(value) {
  return value === null || typeof value !== "object" ? value : structuredClone(value);
}

/** Settings with defaults filled in for anything a stored copy lacks. */
function withDefaults(key, value) {
  if (value === undefined) return fresh(key.default);
  if (key === KEYS.settings) return { ...fresh(DEFAULT_SETTINGS), ...value };
  return value;
}

/** Typed access to chrome.storage for the keys above. */
export function createStorage(api) {
  // storage.session is missing in old browsers; local is the safe stand-in.
  const areaOf = (key) => api.storage[key.area] ?? api.storage.local;

  return {
    /** The stored value of `key`, or its default. */
    async get(key) {
      const found = await areaOf(key).get(key.name);
      return withDefaults(key, found[key.name]);
    },

    /** Store `value` under `key`. */
    async set(key, value) {
      await areaOf(key).set({ [key.name]: value });
    },

    /** Read-modify-write of one key; `change` gets the current value and returns the new one. */
    async update(key, change) {
      const next = await change(await this.get(key));
      await this.set(key, next);
      return next;
    },

    /** Raw values of local keys by name (the queue's segments). */
    async readLocal(names) {
      return api.storage.local.get(names);
    },

    /** Write several local keys in one call, so they change together. */
    async writeLocal(values) {
      await api.storage.local.set(values);
    },

    /** Remove local keys by name. */
    async removeLocal(names) {
      if (names.length) await api.storage.local.remove(names);
    },

    /** Call `listener(newValue)` whenever `key` changes; returns a function that stops it. */
    watch(key, listener) {
      const handler = (changes, areaName) => {
        const area = api.storage[key.area] ? key.area : "local";
        if (areaName === area && key.name in changes) {
          listener(withDefaults(key, changes[key.name].newValue));
        }
      };
      api.storage.onChanged.addListener(handler);
      return () => api.storage.onChanged.removeListener(handler);
    },
  };
}
