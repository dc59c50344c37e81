// Reads from the Candor server for the popup and the options page: is it there, and
// today's figures. The token goes only to a server that has just proved it knows it.

import { endpoint } from "../lib/http.js";
import { proveServer } from "../lib/proof.js";
import { plural } from "./format.js";

/**
 * GET a JSON path; resolves to {ok, status, body, untrusted}; status 0 means the server did
 * not answer, `untrusted` that what answers does not know the token (nothing was sent to it).
 */
export async function getJson(settings, path, { auth = true, timeoutMs = 3_000 } = {}) {
  const withToken = Boolean(auth && settings.token);
  if (withToken) {
    const proof = await proveServer({ fetch: (...args) => fetch(...args), serverUrl: settings.serverUrl, token: settings.token, timeoutMs });
    if (proof.status !== "trusted") return { ok: false, status: 0, body: null, untrusted: proof.status === "untrusted" };
  }
  const headers = withToken ? { Authorization: `Bearer ${settings.token}` } : {};
  try {
    const response = await fetch(endpoint(settings.serverUrl, path), { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body, untrusted: false };
  } catch {
    return { ok: false, status: 0, body: null, untrusted: false };
  }
}

/** "127.0.0.1:5765": the server's address as a person reads it. */
export function serverHost(settings) {
  try {
    return new URL(settings.serverUrl).host;
  } catch {
    return settings.serverUrl;
  }
}

/** The words for a server that does not know this extension's token. */
export function untrustedWords(settings) {
  return `The server at ${serverHost(settings)} does not know this extension's token: not sending anything. Pair again from the dashboard if you rotated the token.`;
}

/** "1 event refused", "3 events refused". */
export function refusedWords(count) {
  return `${plural(count, "event")} refused`;
}
