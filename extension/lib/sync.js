// Sends queued events to the local Candor server in batches, and pending tags after them.
// Nothing carrying the token leaves before the server has proved, in this run, that it
// knows the token (lib/proof.js): another program on the port gets nothing.
// An event leaves the queue only once the server has settled it: accepted or duplicate
// (the server keys events by id, so re-sending after a lost answer is harmless), or
// refused for good. A batch the server refuses as a whole (400, 413, 422 in its own error
// shape) is split in halves until the one event it refuses is found; that event alone is
// dropped, its reason kept in the rejected-events log, and the rest goes on. Everything
// else (server down, 5xx, 429, a strange answer) keeps the events and retries later with
// backoff via chrome.alarms; a 401 means "not paired" and waits for a new token.
// Each batch says whether titles are kept (`client.titles`); while the dashboard's Settings
// page asks for the other choice, the answer carries it (`settings.titles`) and it is
// applied here as the options page's switch would be: the next batch says it was done.

import { KEYS } from "./storage.js";
import { serial } from "./serial.js";
import { endpoint, jsonOf, isCandorError } from "./http.js";
import { proveServer } from "./proof.js";
import { wellFormedDeep } from "./text.js";

/** Name of the alarm that triggers the next sync attempt. */
export const SYNC_ALARM = "candor-sync";
/** Most events per request (the server takes up to 1,000). */
export const BATCH_SIZE = 500;
/** Entries kept in the rejected-events log. */
export const REJECTED_LOG_SIZE = 50;

const SOON_MS = 2_000;
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_CAP_MS = 15 * 60_000;
// One run sends at most this many batches, so a huge backlog yields to other work.
const MAX_BATCHES_PER_RUN = 20;
// A tag for a session the server does not know yet is retried this often, then dropped.
const TAG_ATTEMPTS = 20;

/** Delay before retry number `failures` (1, 2, …): exponential, capped, with equal jitter. */
export function backoffDelay(failures, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Seconds from a Retry-After header, or 0. */
function retryAfterMs(response) {
  const seconds = Number(response.headers?.get?.("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** Whether a 200 answer has the shape the events contract promises. */
function isReceipt(body) {
  return (
    body !== null &&
    typeof body === "object" &&
    Number.isInteger(body.accepted) &&
    Number.isInteger(body.duplicates) &&
    Array.isArray(body.rejected)
  );
}

/** Answers to a whole batch that mean "something in it is refused" (in Candor's error shape). */
const REFUSALS = [400, 413, 422];

/**
 * Whether a refusal is about the events, so splitting the batch finds the one to blame.
 * A 422 naming only the batch's envelope (its `client`) is not: no event is dropped for it.
 */
function blamesEvents(body) {
  const fieldErrors = body.errors?.json;
  if (body.code !== 422 || fieldErrors === null || typeof fieldErrors !== "object") return true;
  const fields = Object.keys(fieldErrors);
  return fields.length === 0 || fields.includes("events");
}

/** The server's field errors as `{"field.path": ["message", …]}`, paths relative to the event. */
export function flattenErrors(errors, path = "") {
  const out = {};
  if (errors === null || errors === undefined) return out;
  if (typeof errors !== "object" || Array.isArray(errors)) {
    out[path.replace(/^(json\.)?(events\.\d+\.?)?/, "") || "_schema"] = [].concat(errors).map(String);
    return out;
  }
  for (const [key, value] of Object.entries(errors)) Object.assign(out, flattenErrors(value, path ? `${path}.${key}` : key));
  return out;
}

/**
 * The sync engine. `fetch`, `now`, `random` and `crypto` are parameters so tests drive them;
 * `client` resolves to `{id, browser, extension_version}` (each batch adds `waiting` and
 * `titles`).
 * `onSynced({proved})` runs after each sync that ends well (`proved`: the server proved
 * itself in that run, so nothing needs proving again); it never changes the sync's outcome.
 */
export function createSync({ api, storage, queue, fetch, client, onSynced = async () => {}, now = Date.now, random = Math.random, crypto = globalThis.crypto }) {
  const run = serial();

  const setState = (change) => storage.update(KEYS.syncState, (state) => ({ ...state, ...change }));

  /** Remember a failure and schedule the retry after a backoff. */
  async function fail(status, error, minimumDelay = 0) {
    const state = await storage.get(KEYS.syncState);
    const failures = state.failures + 1;
    const delay = Math.max(minimumDelay, backoffDelay(failures, random));
    const retryAt = now() + delay;
    await setState({ status, failures, lastError: error, retryAt });
    await api.alarms.create(SYNC_ALARM, { when: retryAt });
    return { status, error };
  }

  /** Keep the reasons the server gave for refusing events (newest first, bounded) and count them. */
  async function logRefused(entries) {
    if (!entries.length) return;
    await storage.update(KEYS.rejectedLog, (log) => [...entries.reverse(), ...log].slice(0, REJECTED_LOG_SIZE));
    await storage.update(KEYS.refusedCount, (count) => count + entries.length);
  }

  /** Log entries for the events a 200 receipt rejected one by one. */
  function receiptEntries(batch, rejected) {
    const at = new Date(now()).toISOString();
    return rejected.map((item) => {
      const event = batch[item.index] ?? batch.find((e) => e.id === item.id) ?? {};
      return { at, id: event.id ?? item.id ?? null, type: event.type ?? null, site: event.site ?? null, errors: flattenErrors(item.errors) };
    });
  }

  /**
   * Apply what the server's answer asks of this extension (the Settings page's wish), as the
   * options page's switch would. Only `titles`, true or false; anything else is ignored.
   */
  async function applyAsked(asked) {
    if (asked === null || typeof asked !== "object" || typeof asked.titles !== "boolean") return;
    const { titles } = asked;
    await storage.update(KEYS.settings, (current) => (current.sendTitle === titles ? current : { ...current, sendTitle: titles }));
  }

  /** POST one batch; resolves to the response, or a failure result when there was none. */
  async function post(settings, batch) {
    // The dashboard shows what still waits here once this batch is in.
    const waiting = Math.max(0, (await queue.status()).waiting - batch.length);
    // Read now: an answer earlier in this run may have changed it.
    const { sendTitle } = await storage.get(KEYS.settings);
    // Titles turned off since these events were queued (when pairing, say) stay here too.
    const events = sendTitle ? batch : batch.map(({ title, ...event }) => event);
    try {
      return await fetch(endpoint(settings.serverUrl, "/api/v1/events"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${settings.token}` },
        // Events queued by an older version may hold lone surrogates: never send one.
        body: JSON.stringify(wellFormedDeep({ client: { ...(await client()), waiting, titles: sendTitle }, events })),
      });
    } catch (error) {
      return { failed: await fail("unreachable", String(error?.message ?? error)) };
    }
  }

  /**
   * Deliver `batch`; resolves to "sent" (every event settled) or a failure result. A batch
   * refused as a whole is split in halves until the event the server refuses is alone.
   */
  async function deliver(settings, batch) {
    const response = await post(settings, batch);
    if (response.failed) return response.failed;

    if (response.status === 200) {
      const body = await jsonOf(response);
      if (!isReceipt(body)) return fail("error", "the server's answer was not an events receipt");
      await logRefused(receiptEntries(batch, body.rejected));
      // Accepted, duplicate and rejected events are all settled: none is sent again.
      await queue.remove(batch.map((event) => event.id));
      await applyAsked(body.settings);
      return "sent";
    }
    if (response.status === 401 || response.status === 403) {
      // Remember which token was refused, so new events do not retry it over and over.
      await setState({ status: "not_paired", lastError: `HTTP ${response.status}`, retryAt: null, refusedToken: settings.token });
      return { status: "not_paired" };
    }
    if (response.status === 429 || response.status >= 500) {
      return fail("unreachable", `HTTP ${response.status}`, retryAfterMs(response));
    }
    const body = REFUSALS.includes(response.status) ? await jsonOf(response) : null;
    if (!isCandorError(body) || !blamesEvents(body)) return fail("error", `HTTP ${response.status}`);
    if (batch.length === 1) {
      const [event] = batch;
      const at = new Date(now()).toISOString();
      await logRefused([{ at, id: event.id, type: event.type ?? null, site: event.site ?? null, status: response.status, message: body.message, errors: flattenErrors(body.errors) }]);
      await queue.remove([event.id]);
      return "sent";
    }
    const half = Math.ceil(batch.length / 2);
    for (const part of [batch.slice(0, half), batch.slice(half)]) {
      const outcome = await deliver(settings, part);
      if (outcome !== "sent") return outcome;
    }
    return "sent";
  }

  /** PATCH each pending tag; keeps those the server cannot take yet. */
  async function sendTags(settings) {
    const pending = await storage.get(KEYS.pendingTags);
    const left = [];
    let unreachable = false;
    for (const item of pending) {
      if (unreachable) {
        left.push(item);
        continue;
      }
      let response;
      try {
        response = await fetch(endpoint(settings.serverUrl, `/api/v1/sessions/${item.sessionId}`), {
          method: "PATCH",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${settings.token}` },
          body: JSON.stringify({ tag: item.tag }),
        });
      } catch {
        unreachable = true;
        left.push(item);
        continue;
      }
      if (response.ok) continue;
      // 404: the session's events have not reached the server yet; try again later.
      const attempts = (item.attempts ?? 0) + 1;
      if (response.status >= 500 || response.status === 429 || response.status === 401) unreachable = true;
      if (attempts < TAG_ATTEMPTS) left.push({ ...item, attempts });
    }
    // Tags added while this ran are kept too.
    await storage.update(KEYS.pendingTags, (current) => [
      ...left,
      ...current.filter((c) => !pending.some((p) => p.sessionId === c.sessionId && p.tag === c.tag && p.at === c.at)),
    ]);
    return left.length === 0;
  }

  return {
    /** Send everything waiting now; resolves to a short summary of what happened. */
    syncNow() {
      return run(async () => {
        const settings = await storage.get(KEYS.settings);
        if (!settings.token) {
          await setState({ status: "not_paired", retryAt: null });
          return { status: "not_paired" };
        }
        await setState({ lastAttemptAt: new Date(now()).toISOString() });
        const hasWork = (await queue.status()).waiting > 0 || (await storage.get(KEYS.pendingTags)).length > 0;
        if (hasWork) {
          const proof = await proveServer({ fetch, serverUrl: settings.serverUrl, token: settings.token, crypto });
          if (proof.status === "unreachable") return fail("unreachable", proof.error, proof.retryAfterMs ?? 0);
          if (proof.status !== "trusted") return fail("untrusted_server", proof.error);
        }
        let sent = 0;
        for (let round = 0; round < MAX_BATCHES_PER_RUN; round += 1) {
          const batch = await queue.takeBatch(BATCH_SIZE);
          if (!batch.length) break;
          const outcome = await deliver(settings, batch);
          if (outcome !== "sent") return outcome;
          sent += batch.length;
        }
        await setState({ status: "ok", failures: 0, lastError: null, retryAt: null, lastSuccessAt: new Date(now()).toISOString() });
        const tagsDone = await sendTags(settings);
        const { waiting } = await queue.status();
        if (waiting > 0 || !tagsDone) await api.alarms.create(SYNC_ALARM, { when: now() + (waiting ? SOON_MS : 60_000) });
        try {
          await onSynced({ proved: hasWork });
        } catch {
          // The nudge is a nicety: a failure there is no failure to sync.
        }
        return { status: "ok", sent };
      });
    },

    /** Ask for a sync a moment from now (events batch up meanwhile); honours a running backoff. */
    async requestSoon() {
      const state = await storage.get(KEYS.syncState);
      const { token } = await storage.get(KEYS.settings);
      // Not paired: wait for a token, or for one other than the token the server refused.
      if (!token || (state.status === "not_paired" && state.refusedToken === token)) return;
      const when = Math.max(now() + SOON_MS, state.retryAt ?? 0);
      const existing = await api.alarms.get(SYNC_ALARM);
      if (!existing || existing.scheduledTime > when) await api.alarms.create(SYNC_ALARM, { when });
    },

    /** Remember a tag for a session and try to deliver it at once. */
    async tag(sessionId, tag) {
      await storage.update(KEYS.pendingTags, (pending) => [
        ...pending.filter((item) => item.sessionId !== sessionId),
        { sessionId, tag, at: new Date(now()).toISOString() },
      ]);
      await this.syncNow();
      const left = await storage.get(KEYS.pendingTags);
      return { delivered: !left.some((item) => item.sessionId === sessionId) };
    },

    /** Called for a new token: forget the old failures and try again now. */
    async paired() {
      await setState({ status: "idle", failures: 0, retryAt: null, lastError: null, refusedToken: null });
      return this.syncNow();
    },
  };
}
