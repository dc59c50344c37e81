import test from "node:test";
import assert from "node:assert/strict";
import { allOnce, around, firstUsable, isUsable, ownValue, responseNear } from "../../extension/sites/dom.js";
import { parse } from "./fake-dom.js";

test("firstUsable tries selectors in order of preference, not in document order", () => {
  const doc = parse('<main><textarea class="b"></textarea><div class="a"></div></main>');
  assert.equal(doc.querySelector(".a, .b").getAttribute("class"), "b", "a list answers in document order");
  assert.equal(firstUsable(doc, [".a", ".b"]).getAttribute("class"), "a");
  assert.equal(firstUsable(doc, [".missing", ".b"]).getAttribute("class"), "b");
  assert.equal(firstUsable(doc, [".missing"]), null);
});

test("inert, hidden, aria-hidden and undisplayed subtrees are never usable", () => {
  const doc = parse(`<main>
    <fieldset inert><textarea id="ssr"></textarea></fieldset>
    <div hidden><textarea id="h"></textarea></div>
    <div aria-hidden="true"><textarea id="ah"></textarea></div>
    <div style="display:none"><textarea id="none"></textarea></div>
    <div aria-hidden="false"><textarea id="live"></textarea></div>
  </main>`);
  for (const id of ["ssr", "h", "ah", "none"]) assert.equal(isUsable(doc.querySelector(`#${id}`)), false, id);
  assert.equal(firstUsable(doc, "textarea").id, "live");
});

test("allOnce keeps one element per nested match: the outer or the inner one, by rule", () => {
  const doc = parse(`<main>
    <div class="answer" id="o1"><div class="answer" id="i1">one</div></div>
    <div class="answer" id="o2"><p><span class="answer" id="i2">two</span></p></div>
    <div class="answer" id="solo">three</div>
    <div aria-hidden="true"><div class="answer" id="gone">hidden</div></div>
  </main>`);
  assert.deepEqual(allOnce(doc, ".answer", "outer").map((e) => e.id), ["o1", "o2", "solo"]);
  assert.deepEqual(allOnce(doc, ".answer", "inner").map((e) => e.id), ["i1", "i2", "solo"]);
  assert.deepEqual(allOnce(doc, ["#o1", "#i1"], "inner").map((e) => e.id), ["i1"], "a list of selectors is one set");
});

test("around finds the match containing a node by the same rule", () => {
  const doc = parse('<main><div class="answer" id="o"><div class="answer" id="i"><p id="p">text</p></div></div></main>');
  const p = doc.querySelector("#p");
  assert.equal(around(p, ".answer", "outer").id, "o");
  assert.equal(around(p, ".answer", "inner").id, "i");
  assert.equal(around(p.childNodes[0], ".answer", "inner").id, "i", "from a text node");
  assert.equal(around(null, ".answer"), null);
});

test("responseNear: a control inside an answer belongs to it; beside one, to the answer of its turn; a user's, to none", () => {
  const doc = parse(`<main id="thread">
    <div class="user" id="u1">question<button class="copy" id="cu"></button></div>
    <div class="ai" id="a1">answer<div class="actions"><button class="copy" id="ci"></button></div></div>
    <div class="turn"><div class="ai" id="a2">answer two</div><button class="copy" id="cb"></button></div>
  </main>`);
  const near = (id) => responseNear(doc.querySelector(`#${id}`), ".ai", ".user")?.id ?? null;
  assert.equal(near("ci"), "a1", "inside the answer (the thread above also holds the question)");
  assert.equal(near("cb"), "a2", "beside it in its turn");
  assert.equal(near("cu"), null, "a user message's copy button");
});

test("ownValue reads an id on the element, an ancestor or a descendant", () => {
  const doc = parse(`<main>
    <div data-virtual-list-item-key="7"><div class="md" id="m"></div></div>
    <div id="response-3d6d"><div class="bubble" id="b"></div></div>
    <div class="ai" id="c"><span id="Xk1-author"></span></div>
  </main>`);
  assert.equal(ownValue(doc.querySelector("#m"), "[data-virtual-list-item-key]", "data-virtual-list-item-key"), "7");
  assert.equal(ownValue(doc.querySelector("#b"), '[id^="response-"]'), "response-3d6d");
  assert.equal(ownValue(doc.querySelector("#c"), '[id$="-author"]'), "Xk1-author");
  assert.equal(ownValue(doc.querySelector("#c"), "[data-none]"), null);
});
