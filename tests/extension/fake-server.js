// A stand-in for the Candor server's endpoints the extension uses, holding what it stored,
// so sync tests can check that every event arrives exactly once.

import { createHmac } from "node:crypto";

const STATUS_WORDS = { 400: "Bad Request", 404: "Not Found", 413: "Content Too Large", 422: "Unprocessable Entity" };

/** Whether every string in a parsed JSON value is well-formed (the server refuses lone surrogates). */
function allWellFormed(value) {
  if (typeof value === "string") return value.isWellFormed();
  if (Array.isArray(value)) return value.every(allWellFormed);
  if (value !== null && typeof value === "object") return Object.entries(value).every(([k, v]) => k.isWellFormed() && allWellFormed(v));
  return true;
}

/**
 * A fake `fetch` answering like the server: POST /api/v1/events, PATCH /api/v1/sessions/<id>,
 * GET /api/v1/summary, POST /api/v1/pairing/proof and POST /api/v1/pairing.
 */
export function fakeServer({ token = "secret" } = {}) {
  const server = {
    token,
    stored: new Map(), // event id → event
    storedTimes: new Map(), // event id → how many times it was stored (must stay 1)
    requests: [], // events and tags
    all: [], // every request, proofs and pairing included
    tags: new Map(),
    mode: "up", // up | down | error500 | busy429 | hang
    rejectIf: (event) => event.type === "bogus",
    // Refuse the whole batch (422, nothing stored) when one of its events matches.
    refuseBatchIf: (event) => event.type === "malformed",
    maxBodyBytes: Infinity, // larger bodies are refused with 413
    // The key the proof endpoint signs with: the real token, another one (an impostor), or
    // proofMode "missing" (404, an older server or another program), "garbage" (no proof).
    proofKey: token,
    proofMode: "answer",
    pairingCodes: new Map(), // code → token, single use
    // What the Settings page asks of the extension about titles (true, false, or null:
    // nothing): answers carry it until a batch's client says it was done.
    titlesWish: null,
    // Overrides the answer's `settings` member when set (to test odd answers).
    answerSettings: undefined,
    hung: [],
    // What GET /api/v1/summary answers: this week's figures, the goals, the sessions to review.
    summary: {
      today: { date: "2026-12-02", value_ratio: null, coverage: null, active_seconds: 0, untagged_seconds: 0 },
      this_week: { from: "2026-11-30", to: "2026-12-02", value_ratio: null, coverage: null, active_seconds: 0, untagged_seconds: 0 },
      untagged_sessions: 0,
      goals: { value_ratio: null, coverage: null },
      goals_met: { value_ratio: null, coverage: null },
    },
    async fetch(url, options) {
      const body = options.body ? JSON.parse(options.body) : null;
      const path = new URL(url).pathname;
      const request = { url, path, method: options.method, headers: options.headers, body };
      server.all.push(request);
      if (server.mode === "down") throw new TypeError("Failed to fetch");
      if (server.mode === "error500") return reply(500, { error: "boom" });
      if (server.mode === "busy429") return reply(429, { error: "slow down" }, { "Retry-After": "120" });
      if (path === "/api/v1/pairing/proof") return server.prove(body);
      if (path === "/api/v1/pairing") return server.exchange(body);
      server.requests.push(request);
      if (options.body && options.body.length > server.maxBodyBytes) {
        return candorError(413, "The body is larger than the server takes.");
      }
      if (!allWellFormed(body)) return candorError(400, "The body holds a lone surrogate (\\ud800-\\udfff), not text.");
      if (options.headers.Authorization !== `Bearer ${server.token}`) return reply(401, { error: "unauthorized" });
      if (path === "/api/v1/summary") return reply(200, server.summary);
      if (options.method === "PATCH") {
        const id = url.split("/").at(-1);
        if (![...server.stored.values()].some((e) => e.session_id === id)) return reply(404, { error: "not found" });
        server.tags.set(id, body.tag);
        return reply(200, { id, tag: body.tag });
      }
      const bad = body.events.findIndex((event) => server.refuseBatchIf(event));
      if (bad >= 0) {
        return candorError(422, "The batch is malformed; nothing was stored.", { json: { events: { [bad]: { type: ["Not a type."] } } } });
      }
      const receipt = { accepted: 0, duplicates: 0, rejected: [] };
      body.events.forEach((event, index) => {
        if (server.rejectIf(event)) {
          receipt.rejected.push({ index, id: event.id, errors: { type: ["Must be one of: session_start, …"] } });
        } else if (server.stored.has(event.id)) {
          receipt.duplicates += 1;
        } else {
          server.stored.set(event.id, event);
          server.storedTimes.set(event.id, (server.storedTimes.get(event.id) ?? 0) + 1);
          receipt.accepted += 1;
        }
      });
      if (body.client.titles === server.titlesWish) server.titlesWish = null;
      if (server.titlesWish !== null) receipt.settings = { titles: server.titlesWish };
      if (server.answerSettings !== undefined) receipt.settings = server.answerSettings;
      // "hang": the server committed, but the answer never reaches the (killed) worker.
      if (server.mode === "hang") return new Promise((resolve) => server.hung.push(resolve));
      return reply(200, receipt);
    },
    prove(body) {
      if (server.proofMode === "missing") return reply(404, { error: "no such page" });
      if (server.proofMode === "garbage") return reply(200, { hello: "world" });
      if (typeof body?.nonce !== "string") return candorError(422, "Some fields are not valid: see errors.");
      return reply(200, { proof: createHmac("sha256", Buffer.from(server.proofKey, "utf8")).update(Buffer.from(body.nonce, "utf8")).digest("hex") });
    },
    exchange(body) {
      const given = server.pairingCodes.get(body?.code);
      if (!given) return candorError(404, "This pairing code is unknown, used or expired.");
      server.pairingCodes.delete(body.code);
      return reply(200, { token: given });
    },
  };
  return server;
}

/** An error in the server's one shape. */
function candorError(code, message, errors) {
  return reply(code, { code, status: STATUS_WORDS[code] ?? "Error", message, ...(errors ? { errors } : {}) });
}

function reply(status, body, headers = {}) {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headers[name] ?? null },
    json: async () => body,
  };
}
