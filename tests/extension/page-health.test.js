import test from "node:test";
import assert from "node:assert/strict";
import { watchHealth, checkHealth } from "../../extension/content/health.js";

// The page is not observed here: each test calls check() where the page would have changed.
globalThis.MutationObserver ??= class {
  observe() {}
  disconnect() {}
};

/** A page whose user messages and answers are counted, and the verdicts health gave. */
function page() {
  const state = { users: 0, answers: 0 };
  const win = {
    location: new URL("https://claude.ai/chat/1"),
    document: { body: {} },
    setTimeout: () => 0,
    clearTimeout: () => {},
  };
  const adapter = {
    userMessages: () => ({ length: state.users }),
    responses: () => ({ length: state.answers }),
    conversation: (location) => location.pathname.match(/\/chat\/(\w+)/)?.[1] ?? null,
  };
  const verdicts = [];
  const health = watchHealth({ win, adapter, onChange: (v) => verdicts.push(v) });
  /** The user sends a prompt (seen by the adapter or not); the page shows it and its answer. */
  const send = ({ seen = true, answerSeen = true } = {}) => {
    if (seen) health.noticed("prompt");
    state.users += 1;
    state.answers += 1;
    health.check();
    if (answerSeen) health.noticed("response");
  };
  return { state, win, health, verdicts, send };
}

test("prompts that show on the page but were never seen turn health degraded, with the reason", () => {
  const p = page();
  p.send({ seen: false });
  p.send({ seen: false });
  assert.deepEqual(p.verdicts, [], "two could be chance");
  p.send({ seen: false });
  assert.deepEqual(p.verdicts, [{ status: "degraded", reason: "3 prompts sent were not seen" }]);
  p.send({ seen: false });
  assert.equal(p.verdicts.at(-1).reason, "4 prompts sent were not seen");
  p.send();
  assert.deepEqual(p.verdicts.at(-1), { status: "ok" }, "a prompt seen again: all is well");
});

test("prompts seen as they are sent keep health ok", () => {
  const p = page();
  for (let i = 0; i < 5; i += 1) p.send();
  assert.deepEqual(p.verdicts, []);
});

test("history rendered at once, or another conversation, is not taken for unseen prompts", () => {
  const p = page();
  p.state.users += 6; // a conversation opened: its turns appear together
  p.health.check();
  p.win.location = new URL("https://claude.ai/chat/2");
  p.state.users += 1; // another conversation, of one turn
  p.health.check();
  p.send({ seen: false });
  p.send({ seen: false });
  assert.deepEqual(p.verdicts, []);
});

test("a new chat getting its address is the same conversation: its first prompt counts", () => {
  const p = page();
  p.win.location = new URL("https://claude.ai/new");
  p.health.check();
  p.win.location = new URL("https://claude.ai/chat/3");
  p.send({ seen: false });
  p.send({ seen: false });
  p.send({ seen: false });
  assert.deepEqual(p.verdicts, [{ status: "degraded", reason: "3 prompts sent were not seen" }]);
});

test("answers that came back but were never seen turn health degraded too", () => {
  const p = page();
  for (let i = 0; i < 4; i += 1) p.send({ answerSeen: false });
  assert.deepEqual(p.verdicts, [{ status: "degraded", reason: "3 answers were not seen" }]);
  p.health.noticed("response");
  assert.deepEqual(p.verdicts.at(-1), { status: "ok" });
});

test("an answer that appears a look after its prompt is still that prompt's answer", () => {
  const p = page();
  for (let i = 0; i < 4; i += 1) {
    p.health.noticed("prompt");
    p.state.users += 1;
    p.health.check(); // the prompt shows first…
    p.state.answers += 1;
    p.health.check(); // …its answer a moment later, and it is never reported
  }
  assert.deepEqual(p.verdicts, [{ status: "degraded", reason: "3 answers were not seen" }]);
});

test("a share page is read-only: no alarm for its missing composer", async () => {
  const adapter = { readOnly: (location) => location.pathname.startsWith("/share/"), missingHooks: () => ["composer"] };
  const doc = { documentElement: {} };
  assert.deepEqual(await checkHealth(doc, adapter, { pathname: "/share/5ha4e" }, 10), { status: "read-only", missing: [] });
  assert.deepEqual(await checkHealth(doc, adapter, { pathname: "/app" }, 10), { status: "fallback", missing: ["composer"] });
});
