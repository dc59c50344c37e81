// Reads from the Candor server for the popup: is it there, and today's figures.

import { endpoint } from "../lib/sync.js";

/** GET a JSON path; resolves to {ok, status, body}; status 0 means the server did not answer. */
export async function getJson(settings, path, { auth = true, timeoutMs = 3_000 } = {}) {
  const headers = auth && settings.token ? { Authorization: `Bearer ${settings.token}` } : {};
  try {
    const response = await fetch(endpoint(settings.serverUrl, path), { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}
