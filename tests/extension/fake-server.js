// A stand-in for the Candor server's events endpoint, holding what it stored, so sync
// tests can check that every event arrives exactly once.

/** A fake `fetch` answering POST /api/v1/events and PATCH /api/v1/sessions/<id> like the server. */
export function fakeServer({ token = "secret" } = {}) {
  const server = {
    stored: new Map(), // event id → event
    storedTimes: new Map(), // event id → how many times it was stored (must stay 1)
    requests: [],
    tags: new Map(),
    mode: "up", // up | down | error500 | busy429 | hang
    rejectIf: (event) => event.type === "bogus",
    hung: [],
    async fetch(url, options) {
      const body = options.body ? JSON.parse(options.body) : null;
      server.requests.push({ url, method: options.method, headers: options.headers, body });
      if (server.mode === "down") throw new TypeError("Failed to fetch");
      if (server.mode === "error500") return reply(500, { error: "boom" });
      if (server.mode === "busy429") return reply(429, { error: "slow down" }, { "Retry-After": "120" });
      if (options.headers.Authorization !== `Bearer ${token}`) return reply(401, { error: "unauthorized" });
      if (options.method === "PATCH") {
        const id = url.split("/").at(-1);
        if (![...server.stored.values()].some((e) => e.session_id === id)) return reply(404, { error: "not found" });
        server.tags.set(id, body.tag);
        return reply(200, { id, tag: body.tag });
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
      // "hang": the server committed, but the answer never reaches the (killed) worker.
      if (server.mode === "hang") return new Promise((resolve) => server.hung.push(resolve));
      return reply(200, receipt);
    },
  };
  return server;
}

function reply(status, body, headers = {}) {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headers[name] ?? null },
    json: async () => body,
  };
}
