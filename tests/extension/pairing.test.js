import test from "node:test";
import assert from "node:assert/strict";
import { fakeServer } from "./fake-server.js";
import { exchangeCode, cleanCode, PAIRING_PATH } from "../../extension/lib/pairing.js";

const SERVER = "http://127.0.0.1:5765";

test("a pairing code is exchanged for the token, which the server then proves it knows", async () => {
  const server = fakeServer({ token: "the-token" });
  server.pairingCodes.set("Zx_9-aB", "the-token");
  assert.deepEqual(await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "Zx_9-aB" }), { status: "paired", token: "the-token" });
  assert.deepEqual(server.all.map((r) => r.path), [PAIRING_PATH, "/api/v1/pairing/proof"]);
  assert.deepEqual(server.all[0].body, { code: "Zx_9-aB" });
  assert.ok(server.all.every((r) => r.headers.Authorization === undefined), "no request carries a token");
});

test("a code works once", async () => {
  const server = fakeServer();
  server.pairingCodes.set("once", "secret");
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "once" })).status, "paired");
  const again = await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "once" });
  assert.equal(again.status, "refused");
  assert.match(again.error, /unknown, used or expired/);
});

test("a token from a server that cannot prove it knows it is not taken", async () => {
  const server = fakeServer({ token: "the-token" });
  server.pairingCodes.set("code", "the-token");
  server.proofKey = "something-else";
  const result = await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "code" });
  assert.equal(result.status, "untrusted");
  assert.equal(result.token, undefined);
});

test("an answer without a token is a refusal", async () => {
  const fetch = async () => ({ status: 200, headers: { get: () => null }, json: async () => ({ nope: 1 }) });
  assert.equal((await exchangeCode({ fetch, serverUrl: SERVER, code: "code" })).status, "refused");
});

test("a server that is down leaves the extension unpaired", async () => {
  const server = fakeServer();
  server.mode = "down";
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "code" })).status, "unreachable");
});

test("only URL-safe codes are sent", async () => {
  assert.equal(cleanCode(" abc-DEF_123 "), "abc-DEF_123");
  for (const bad of ["", "a b", "a/b", "a?b=c", "x".repeat(257), 42, null]) assert.equal(cleanCode(bad), null, String(bad));
  const server = fakeServer();
  assert.equal((await exchangeCode({ fetch: server.fetch, serverUrl: SERVER, code: "../events" })).status, "refused");
  assert.equal(server.all.length, 0);
});
