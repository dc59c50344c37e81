import test from "node:test";
import assert from "node:assert/strict";
import { pair } from "../../extension/content/pairing.js";

/** A connect page holding these <meta> tags, recording how it was marked. */
function connectPage(metas) {
  const doc = new EventTarget();
  const attributes = {};
  doc.documentElement = { setAttribute: (name, value) => (attributes[name] = value) };
  doc.querySelector = (selector) => {
    const name = /meta\[name="([^"]+)"\]/.exec(selector)?.[1];
    return name in metas ? { getAttribute: (a) => (a === "content" ? metas[name] : null) } : null;
  };
  doc.attributes = attributes;
  return doc;
}

const extension = (reply) => {
  const sent = [];
  const listeners = new Set();
  return {
    sent,
    listeners,
    /** A message from the background to this tab, as runtime.onMessage delivers it. */
    deliver: (message) => [...listeners].forEach((listener) => listener(message)),
    runtime: {
      sendMessage: async (message) => (sent.push(message), reply),
      onMessage: { addListener: (l) => listeners.add(l), removeListener: (l) => listeners.delete(l) },
    },
  };
};

test("the connect page's one-time code goes to the background, and the page learns the outcome", async () => {
  const doc = connectPage({ "candor-pairing-code": " Zx_9-aB " });
  const outcomes = [];
  doc.addEventListener("candor-pairing", (event) => outcomes.push(event.detail));
  const api = extension({ ok: true });
  await pair(api, doc);
  assert.deepEqual(api.sent, [{ type: "candor:pair", code: "Zx_9-aB" }]);
  assert.equal(doc.attributes["data-candor-pairing"], "paired");
  assert.deepEqual(outcomes, ["paired"]);
});

test("a refused code marks the page refused", async () => {
  const doc = connectPage({ "candor-pairing-code": "used" });
  await pair(extension({ ok: false, status: "refused" }), doc);
  assert.equal(doc.attributes["data-candor-pairing"], "refused");
});

test("a token in the page is not read: only a code pairs", async () => {
  const doc = connectPage({ "candor-pairing-token": "the-token" });
  const api = extension({ ok: true });
  await pair(api, doc);
  assert.deepEqual(api.sent, []);
  assert.equal(doc.attributes["data-candor-pairing"], undefined);
});

test("a page on an address not paired yet says the popup asks, then shows the person's answer", async () => {
  for (const answer of ["paired", "declined"]) {
    const doc = connectPage({ "candor-pairing-code": "abc" });
    const outcomes = [];
    doc.addEventListener("candor-pairing", (event) => outcomes.push(event.detail));
    const api = extension({ ok: false, status: "confirm", host: "127.0.0.1:5766" });
    await pair(api, doc);
    assert.equal(doc.attributes["data-candor-pairing"], "confirm");
    api.deliver({ type: "candor:something-else" });
    api.deliver({ type: "candor:pairing-outcome", outcome: answer });
    assert.equal(doc.attributes["data-candor-pairing"], answer);
    assert.deepEqual(outcomes, ["confirm", answer]);
    assert.equal(api.listeners.size, 0, "it stops listening once answered");
  }
});
