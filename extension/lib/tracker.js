// Turns what the content scripts report into sessions and events.
//
// A session is one conversation in one tab. It ends after 30 minutes without activity,
// when the tab closes, or when the tab switches to another conversation; a new chat's
// first URL change (e.g. "/" → "/c/<id>" after the first prompt) is the same
// conversation. Active time counts only while the tab is focused and chrome.idle says
// the user is active; it is sent as `activity` events about every 15 s and on blur.
//
// All state lives in chrome.storage.session (via storage.js), never in variables, because
// the service worker can be stopped between any two messages.

import { KEYS } from "./storage.js";
import { serial } from "./serial.js";
import { makeEvent } from "./events.js";
import { uuidv7 } from "./ids.js";

/** A session with no activity for this long is over. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** chrome.idle's detection interval, in seconds. */
export const IDLE_SECONDS = 60;
/** Active time is sent once this much has gathered (content scripts beat every 15 s). */
export const ACTIVITY_FLUSH_MS = 15_000;
/** Most active time credited between two reports of a focused tab (guards against sleep). */
export const MAX_CREDIT_MS = 30_000;
/** Alarm that ends sessions gone quiet. */
export const SWEEP_ALARM = "candor-sessions";

/** Signals that show the user is working in the tab, so they may start a session. */
const STARTS_SESSION = new Set(["focus", "heartbeat", "prompt", "response", "copy"]);
const COUNTED = { prompt: "prompts", response: "responses", copy: "copies" };

/**
 * The session tracker. `record(events)` stores events (the queue); `idle` is chrome.idle;
 * `alarms` is chrome.alarms; `now` and `newId` are injectable for tests.
 */
export function createTracker({ storage, idle, alarms, record, now = Date.now, newId = () => uuidv7() }) {
  const run = serial();

  /** Active time since the tab's last mark, if the user is active; moves the mark. */
  async function credit(tab, at) {
    if (!tab.focused) return 0;
    const elapsed = Math.max(0, Math.min(at - tab.markAt, MAX_CREDIT_MS));
    tab.markAt = at;
    if (!elapsed) return 0;
    const state = await idle.queryState(IDLE_SECONDS);
    return state === "active" ? elapsed : 0;
  }

  /** Emit the gathered active time of the tab's session when due (or when `force`d). */
  function flushActivity(tab, events, settings, at, force) {
    const session = tab.session;
    if (!session || tab.pendingMs <= 0) return;
    if (!force && tab.pendingMs < ACTIVITY_FLUSH_MS) return;
    events.push(makeEvent({ type: "activity", session, details: { active_ms: tab.pendingMs }, settings, at, newId }));
    session.activeMs += tab.pendingMs;
    session.lastSeenAt = at;
    tab.pendingMs = 0;
  }

  /** End the tab's session with its last active time and a session_end. */
  function endSession(tab, events, settings, at) {
    flushActivity(tab, events, settings, at, true);
    const session = tab.session;
    if (!session) return;
    events.push(makeEvent({ type: "session_end", session, settings, at: session.lastSeenAt, newId }));
    tab.ended = [...(tab.ended ?? []), session];
    tab.session = null;
  }

  /** Start a session in the tab for the signal's site and conversation. */
  function startSession(tab, signal, events, settings, at) {
    tab.session = {
      id: newId(),
      site: signal.site,
      conversation: signal.conversation ?? null,
      url: signal.url ?? null,
      title: signal.title ?? null,
      startedAt: at,
      lastSeenAt: at,
      activeMs: 0,
      prompts: 0,
      responses: 0,
      copies: 0,
    };
    events.push(makeEvent({ type: "session_start", session: tab.session, settings, at, newId }));
  }

  /** Apply the session rules (30 min idle, conversation switch) before handling a signal. */
  function applySessionRules(tab, signal, events, settings, at) {
    const session = tab.session;
    if (session && at - session.lastSeenAt > SESSION_IDLE_MS) {
      tab.pendingMs = 0; // time credited across a 30-minute gap is not believable
      endSession(tab, events, settings, at);
    }
    if (tab.session && "conversation" in signal) {
      const before = tab.session.conversation;
      const after = signal.conversation ?? null;
      if (before === null && after !== null) {
        tab.session.conversation = after; // a new chat just got its address: same conversation
      } else if (before !== after) {
        endSession(tab, events, settings, at);
      }
    }
    if (tab.session) {
      if (signal.url) tab.session.url = signal.url;
      if (signal.title) tab.session.title = signal.title;
    }
    // Moving to another conversation in a focused tab is working there already.
    const starts = STARTS_SESSION.has(signal.kind) || (signal.kind === "navigate" && tab.focused);
    if (!tab.session && starts) startSession(tab, signal, events, settings, at);
  }

  /** What the popup shows as the current or last session. */
  function summary(session, ended) {
    const { id, site, startedAt, lastSeenAt, activeMs, prompts, responses, copies } = session;
    return { id, site, startedAt, lastSeenAt, activeMs, prompts, responses, copies, ended };
  }

  async function handle(tabId, signal) {
    const settings = await storage.get(KEYS.settings);
    if (settings.paused) return [];
    const at = now();
    const tabs = await storage.get(KEYS.tabs);
    const tab = tabs[tabId] ?? { focused: false, markAt: at, pendingMs: 0, session: null };
    const events = [];

    // Time up to now belongs to the session that was running until now.
    tab.pendingMs += await credit(tab, at);
    applySessionRules(tab, signal, events, settings, at);

    const session = tab.session;
    switch (signal.kind) {
      case "focus":
        tab.focused = true;
        tab.markAt = at;
        break;
      case "blur":
        flushActivity(tab, events, settings, at, true);
        tab.focused = false;
        break;
      case "heartbeat":
        if (!tab.focused) {
          tab.focused = true; // a lost focus report: count from now on
          tab.markAt = at;
        }
        flushActivity(tab, events, settings, at, false);
        break;
      case "prompt":
      case "response":
      case "copy":
        flushActivity(tab, events, settings, at, false);
        events.push(makeEvent({ type: signal.kind, session, details: signal, settings, at, newId }));
        session[COUNTED[signal.kind]] += 1;
        session.lastSeenAt = at;
        break;
      default:
        break; // "navigate": only the session rules apply
    }
    if (!tab.session) tab.pendingMs = 0; // time outside any session belongs to none

    await publish(tab, events);
    tabs[tabId] = tab;
    await storage.set(KEYS.tabs, tabs);
    return events;
  }

  /** Show `session` as the popup's current (or, once ended, last) session. */
  async function showInPopup(session, ended) {
    const current = summary(session, ended);
    await storage.update(KEYS.lastSession, (last) => {
      // An ended session only updates the popup if it is the one shown there.
      if (ended && last && last.id !== current.id) return last;
      // Keep what the popup added to this session (its tag) across updates.
      return { ...(last?.id === current.id ? last : {}), ...current };
    });
  }

  /** Store the events; keep the popup's session and the sweep alarm current. */
  async function publish(tab, events) {
    const ended = tab.ended ?? [];
    delete tab.ended;
    if (!events.length) return;
    await record(events);
    for (const session of ended) await showInPopup(session, true);
    if (tab.session) {
      await showInPopup(tab.session, false);
      await alarms.create(SWEEP_ALARM, { periodInMinutes: 5 });
    }
  }

  return {
    /** Handle one signal from the content script in tab `tabId`; resolves to the events made. */
    signal(tabId, signal) {
      return run(() => handle(String(tabId), signal));
    },

    /** The tab closed: its session ends. */
    tabClosed(tabId) {
      return run(async () => {
        const tabs = await storage.get(KEYS.tabs);
        const tab = tabs[String(tabId)];
        if (!tab) return [];
        const settings = await storage.get(KEYS.settings);
        const events = [];
        tab.pendingMs += await credit(tab, now());
        endSession(tab, events, settings, now());
        await publish(tab, events);
        delete tabs[String(tabId)];
        await storage.set(KEYS.tabs, tabs);
        // With no session left, nothing needs the worker woken every few minutes.
        if (!Object.values(tabs).some((t) => t.session)) await alarms.clear(SWEEP_ALARM);
        return events;
      });
    },

    /** End sessions that have been quiet for 30 minutes; stops the alarm when none is left. */
    sweep() {
      return run(async () => {
        const tabs = await storage.get(KEYS.tabs);
        const settings = await storage.get(KEYS.settings);
        const at = now();
        const events = [];
        let open = 0;
        for (const tab of Object.values(tabs)) {
          if (tab.session && at - tab.session.lastSeenAt > SESSION_IDLE_MS) {
            tab.pendingMs = 0;
            const ended = [];
            endSession(tab, ended, settings, at);
            await publish(tab, ended);
            events.push(...ended);
          }
          if (tab.session) open += 1;
        }
        await storage.set(KEYS.tabs, tabs);
        if (!open) await alarms.clear(SWEEP_ALARM);
        return events;
      });
    },
  };
}
