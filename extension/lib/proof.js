// Proof that the server at `serverUrl` is the Candor server the extension paired with.
// While Candor is down, any local process can listen on its port; it would receive the
// token with the next request that carries it. So before sending the token, the
// extension sends a random nonce (and no token) to POST /api/v1/pairing/proof; only a
// server that holds the token can answer HMAC-SHA256(key = token, message = nonce).

import { endpoint, jsonOf, timeoutSignal } from "./http.js";

/** The path the server answers proofs on. */
export const PROOF_PATH = "/api/v1/pairing/proof";
/** How long a proof may take; an answer that never comes must not hold sync up. */
export const PROOF_TIMEOUT_MS = 10_000;

const encoder = new TextEncoder();

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** 32 random bytes as 64 lower-case hex digits. */
export function newNonce(crypto = globalThis.crypto) {
  return hex(crypto.getRandomValues(new Uint8Array(32)));
}

/** HMAC-SHA256 of the nonce's UTF-8 bytes keyed by the token's UTF-8 bytes, as lower-case hex. */
export async function proofFor(token, nonce, crypto = globalThis.crypto) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(nonce)));
}

/** Whether two strings are equal, looking at every character whatever the first difference. */
function sameText(a, b) {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return difference === 0;
}

/**
 * Ask the server to prove it knows `token`, without sending it. Resolves to
 * `{status: "trusted"}`, `{status: "untrusted", error}` (a wrong or strange answer) or
 * `{status: "unreachable", error, retryAfterMs}` (no answer, 5xx, 429).
 */
export async function proveServer({ fetch, serverUrl, token, crypto = globalThis.crypto, timeoutMs = PROOF_TIMEOUT_MS }) {
  const nonce = newNonce(crypto);
  let response;
  try {
    response = await fetch(endpoint(serverUrl, PROOF_PATH), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nonce }),
      signal: timeoutSignal(timeoutMs),
    });
  } catch (error) {
    return { status: "unreachable", error: String(error?.message ?? error) };
  }
  if (response.status === 429 || response.status >= 500) {
    const seconds = Number(response.headers?.get?.("Retry-After"));
    return { status: "unreachable", error: `HTTP ${response.status}`, retryAfterMs: seconds > 0 ? seconds * 1000 : 0 };
  }
  if (response.status !== 200) return { status: "untrusted", error: `the proof was answered with HTTP ${response.status}` };
  const body = await jsonOf(response);
  const given = typeof body?.proof === "string" ? body.proof.toLowerCase() : "";
  if (!/^[0-9a-f]{64}$/.test(given)) return { status: "untrusted", error: "the server's answer holds no proof" };
  if (!sameText(given, await proofFor(token, nonce, crypto))) {
    return { status: "untrusted", error: "the server does not know this extension's token" };
  }
  return { status: "trusted" };
}
