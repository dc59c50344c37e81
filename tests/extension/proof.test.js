import test from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { fakeServer } from "./fake-server.js";
import { proveServer, proofFor, newNonce, PROOF_PATH } from "../../extension/lib/proof.js";

const SERVER = "http://127.0.0.1:5765/";

test("the proof is HMAC-SHA256 keyed by the token's UTF-8 bytes, in lower-case hex (RFC 4231 case 2)", async () => {
  assert.equal(
    await proofFor("Jefe", "what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  const nonce = newNonce();
  assert.equal(await proofFor("tökén", nonce), createHmac("sha256", Buffer.from("tökén", "utf8")).update(nonce).digest("hex"));
});

test("a nonce is 64 lower-case hex digits, new each time", () => {
  const nonces = new Set(Array.from({ length: 20 }, () => newNonce()));
  assert.equal(nonces.size, 20);
  for (const nonce of nonces) assert.match(nonce, /^[0-9a-f]{64}$/);
});

test("a server that knows the token is trusted; the token itself is never sent", async () => {
  const server = fakeServer({ token: "the-token" });
  assert.deepEqual(await proveServer({ fetch: server.fetch, serverUrl: SERVER, token: "the-token" }), { status: "trusted" });
  const [request] = server.all;
  assert.equal(request.url, `http://127.0.0.1:5765${PROOF_PATH}`);
  assert.equal(request.method, "POST");
  assert.equal(request.headers.Authorization, undefined);
  assert.deepEqual(Object.keys(request.body), ["nonce"]);
  assert.match(request.body.nonce, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(request).includes("the-token"));
});

test("a server that does not know the token is not trusted", async () => {
  const server = fakeServer({ token: "the-token" });
  server.proofKey = "another-token"; // whoever listens on the port, with a token of its own
  const result = await proveServer({ fetch: server.fetch, serverUrl: SERVER, token: "the-token" });
  assert.equal(result.status, "untrusted");
  assert.match(result.error, /does not know/);
});

for (const [mode, words] of [["missing", /HTTP 404/], ["garbage", /no proof/]]) {
  test(`a proof answered ${mode === "missing" ? "with 404" : "without a proof"} is not trusted`, async () => {
    const server = fakeServer();
    server.proofMode = mode;
    const result = await proveServer({ fetch: server.fetch, serverUrl: SERVER, token: "secret" });
    assert.equal(result.status, "untrusted");
    assert.match(result.error, words);
  });
}

test("a proof echoing the nonce, or any other 64 hex digits, is not trusted", async () => {
  const echo = async (url, options) => ({ status: 200, headers: { get: () => null }, json: async () => ({ proof: JSON.parse(options.body).nonce }) });
  assert.equal((await proveServer({ fetch: echo, serverUrl: SERVER, token: "secret" })).status, "untrusted");
});

for (const mode of ["down", "error500", "busy429"]) {
  test(`a server that is ${mode} is unreachable, not untrusted`, async () => {
    const server = fakeServer();
    server.mode = mode;
    const result = await proveServer({ fetch: server.fetch, serverUrl: SERVER, token: "secret" });
    assert.equal(result.status, "unreachable");
    if (mode === "busy429") assert.equal(result.retryAfterMs, 120_000);
  });
}
