// Pairing by one-time code. The dashboard's Connect page carries a short-lived, single-use
// code (never the token); the background exchanges it at POST /api/v1/pairing for the
// token, and keeps the token only once the same server proves it knows it.

import { endpoint, jsonOf, timeoutSignal } from "./http.js";
import { proveServer } from "./proof.js";

/** The path that exchanges a pairing code for the token. */
export const PAIRING_PATH = "/api/v1/pairing";
/** Longest code and token accepted. */
const MAX_CODE_LENGTH = 256;
const MAX_TOKEN_LENGTH = 512;
const TIMEOUT_MS = 10_000;

/** The code as sent to the server, or null when it cannot be a pairing code (URL-safe characters only). */
export function cleanCode(code) {
  if (typeof code !== "string") return null;
  const trimmed = code.trim();
  return trimmed.length <= MAX_CODE_LENGTH && /^[A-Za-z0-9._~-]+$/.test(trimmed) ? trimmed : null;
}

/**
 * Exchange a pairing code for the token. Resolves to `{status: "paired", token}`, or
 * `{status: "refused" | "unreachable" | "untrusted", error}`.
 */
export async function exchangeCode({ fetch, serverUrl, code, crypto = globalThis.crypto, timeoutMs = TIMEOUT_MS }) {
  const clean = cleanCode(code);
  if (!clean) return { status: "refused", error: "not a pairing code" };
  let response;
  try {
    response = await fetch(endpoint(serverUrl, PAIRING_PATH), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: clean }),
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
