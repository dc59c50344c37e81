// Pairing by one-time code. The dashboard's Connect page carries a short-lived, single-use
// code (never the token); the background exchanges it at POST /api/v1/pairing for the
// token, and keeps the token only once the same server proves it knows it.
//
// Candor may run on any port (`candor serve --port`, CANDOR_PORT), so a Connect page on
// any port of 127.0.0.1 or localhost may ask to pair. A page on an address the extension
// is not paired with is only remembered, and the person is asked once, in the extension's
// own popup: "Pair with Candor at 127.0.0.1:PORT?". Until they confirm, nothing is sent
// there: not the code, not the token, not an event. A Connect page of the server the
// extension is already paired with (a rotated token) pairs again without asking.

import { KEYS } from "./storage.js";
import { endpoint, jsonOf, timeoutSignal } from "./http.js";
import { proveServer } from "./proof.js";

/** The path that exchanges a pairing code for the token. */
export const PAIRING_PATH = "/api/v1/pairing";
/** How long a request to pair waits for the person's answer: a code lives five minutes. */
export const PENDING_MS = 5 * 60_000;
/** Longest code and token accepted. */
const MAX_CODE_LENGTH = 256;
const MAX_TOKEN_LENGTH = 512;
const TIMEOUT_MS = 10_000;
// Where Candor's server can be: it listens on this machine only.
const LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

/** The code as sent to the server, or null when it cannot be a pairing code (URL-safe characters only). */
export function cleanCode(code) {
  if (typeof code !== "string") return null;
  const trimmed = code.trim();
  return trimmed.length <= MAX_CODE_LENGTH && /^[A-Za-z0-9._~-]+$/.test(trimmed) ? trimmed : null;
}

/** The origin ("http://127.0.0.1:5766") of a Candor Connect page on this machine, any port; else null. */
export function connectOrigin(url) {
  try {
    const page = new URL(url);
    if (page.protocol !== "http:" || !LOCAL_HOSTS.includes(page.hostname)) return null;
    return /^\/connect\/?$/.test(page.pathname) ? page.origin : null;
  } catch {
    return null;
  }
}

/** "127.0.0.1:5766": an origin as the question names it (the port even when it is 80). */
export function hostOf(origin) {
  try {
    const url = new URL(origin);
    return `${url.hostname}:${url.port || "80"}`;
  } catch {
    return String(origin);
  }
}

/** The origin of the server the extension is paired with (it holds a token for it), or null. */
export function pairedOrigin(settings) {
  if (!settings.token) return null;
  try {
    return new URL(settings.serverUrl).origin;
  } catch {
    return null;
  }
}

/** The request to pair that still waits for an answer, or null (none, or too old). */
export function waitingRequest(pending, now = Date.now()) {
  return pending && typeof pending.origin === "string" && now - pending.at < PENDING_MS ? pending : null;
}

/**
 * Exchange a pairing code for the token. Resolves to `{status: "paired", token}`, or
 * `{status: "refused" | "unreachable" | "untrusted", error}`. `client` (id, browser,
 * version) tells the server which extension paired, for its dashboard.
 */
export async function exchangeCode({ fetch, serverUrl, code, client, crypto = globalThis.crypto, timeoutMs = TIMEOUT_MS }) {
  const clean = cleanCode(code);
  if (!clean) return { status: "refused", error: "not a pairing code" };
  let response;
  try {
    response = await fetch(endpoint(serverUrl, PAIRING_PATH), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(client ? { code: clean, client } : { code: clean }),
      signal: timeoutSignal(timeoutMs),
    });
  } catch (error) {
    return { status: "unreachable", error: String(error?.message ?? error) };
  }
  const body = await jsonOf(response);
  if (response.status !== 200) {
    return { status: response.status >= 500 ? "unreachable" : "refused", error: body?.message ?? `HTTP ${response.status}` };
  }
  const token = typeof body?.token === "string" ? body.token.trim() : "";
  if (!token || token.length > MAX_TOKEN_LENGTH) return { status: "refused", error: "the server's answer holds no token" };
  const proof = await proveServer({ fetch, serverUrl, token, crypto, timeoutMs });
  if (proof.status !== "trusted") return { status: proof.status, error: proof.error };
  return { status: "paired", token };
}

/**
 * Pairing as the background runs it. `tell(tabId, outcome)` lets a Connect page know how
 * it went; `onPaired()` starts the first sync; `badge(text, title)` marks the toolbar icon
 * while a question waits. Everything it must remember lives in storage (the worker may stop).
 */
export function createPairing({ storage, fetch, client, tell, onPaired, badge = async () => {}, now = Date.now, crypto = globalThis.crypto }) {
  /** Trade `code` at `origin`, and keep the token (and the address) when it proves itself. */
  async function pairWith(origin, code, change = {}) {
    const result = await exchangeCode({ fetch, serverUrl: origin, code, client: await client(), crypto });
    if (result.status !== "paired") return result;
    await storage.update(KEYS.settings, (settings) => ({ ...settings, ...change, serverUrl: origin, token: result.token }));
    await onPaired();
    return result;
  }

  async function forget() {
    await storage.set(KEYS.pendingPairing, null);
    await badge("", "");
  }

  return {
    /**
     * A Connect page at `url` (tab `tabId`) hands over `code`. Resolves to `{status}`:
     * "paired" (its server is the one already paired), "confirm" (the person is asked in
     * the popup), "refused"/"unreachable"/"untrusted", or "ignored" (not a Connect page).
     */
    async request({ url, tabId, code }) {
      const origin = connectOrigin(url);
      if (!origin || !cleanCode(code)) return { status: "ignored" };
      const settings = await storage.get(KEYS.settings);
      if (origin === pairedOrigin(settings)) {
        const result = await pairWith(origin, code);
        return { status: result.status };
      }
      // Only remembered: the latest Connect page is the one the popup asks about.
      await storage.set(KEYS.pendingPairing, { origin, code: cleanCode(code), tabId, at: now() });
      await badge("1", `Candor: pair with ${hostOf(origin)}?`);
      return { status: "confirm", host: hostOf(origin) };
    },

    /** The request the popup asks about: `{origin, host, at}` (never its code), or null. */
    async waiting() {
      const stored = await storage.get(KEYS.pendingPairing);
      const pending = waitingRequest(stored, now());
      if (stored && !pending) await forget(); // expired: its code is no use, its badge goes
      return pending ? { origin: pending.origin, host: hostOf(pending.origin), at: pending.at } : null;
    },

    /**
     * The person's answer, from the popup, about the address it showed (`origin`).
     * `keepTitles` is their choice about conversation titles. Resolves to `{status}`.
     */
    async answer({ origin, accept, keepTitles }) {
      const pending = waitingRequest(await storage.get(KEYS.pendingPairing), now());
      // The popup showed another (or an expired) request: the person did not confirm this one.
      if (!pending || pending.origin !== origin) return { status: "expired" };
      await forget();
      if (!accept) {
        await tell(pending.tabId, "declined");
        return { status: "declined" };
      }
      const result = await pairWith(origin, pending.code, { sendTitle: keepTitles !== false });
      await tell(pending.tabId, result.status === "paired" ? "paired" : "refused");
      return result.status === "paired" ? { status: "paired" } : { status: result.status, error: result.error };
    },
  };
}
