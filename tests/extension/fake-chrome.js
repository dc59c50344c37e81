// A plain, in-memory stand-in for the parts of the extension API Candor uses.
// Values are structured-cloned on the way in and out, as the real storage does.

/** One storage area backed by a Map, with the promise API of chrome.storage. */
function fakeArea(name, changed) {
  const data = new Map();
  return {
    data,
    async get(keys) {
      const names = keys === null || keys === undefined ? [...data.keys()] : [].concat(keys);
      const out = {};
      for (const key of names) if (data.has(key)) out[key] = structuredClone(data.get(key));
      return out;
    },
    async set(values) {
      const changes = {};
      for (const [key, value] of Object.entries(values)) {
        changes[key] = { oldValue: data.get(key), newValue: structuredClone(value) };
        data.set(key, structuredClone(value));
      }
      changed(changes, name);
    },
    async remove(keys) {
      for (const key of [].concat(keys)) data.delete(key);
    },
  };
}

/**
 * A fake extension API. Pass `storage` from an earlier fake to model a service worker
 * restart: the stored data stays, every in-memory object is new.
 */
export function fakeChrome({ storage } = {}) {
  const listeners = new Set();
  const changed = (changes, area) => listeners.forEach((listener) => listener(changes, area));
  const alarms = new Map();
  const api = {
    storage: storage ?? {
      local: fakeArea("local", changed),
      session: fakeArea("session", changed),
    },
    alarms: {
      created: alarms,
      async create(name, info) {
        alarms.set(name, { name, scheduledTime: info.when ?? 0, periodInMinutes: info.periodInMinutes });
      },
      async get(name) {
        return alarms.get(name);
      },
      async clear(name) {
        return alarms.delete(name);
      },
    },
    idle: {
      state: "active",
      async queryState() {
        return api.idle.state;
      },
    },
    runtime: {
      getURL: (path) => `chrome-extension://fakeid/${path}`,
      getManifest: () => ({ version: "0.1.0" }),
    },
  };
  // A restarted worker gets fresh listeners on the same stored data.
  api.storage.onChanged = { addListener: (l) => listeners.add(l), removeListener: (l) => listeners.delete(l) };
  return api;
}
