// DOM helpers the site adapters need, beside them: an adapter describes a site's markup,
// and these turn that description into elements. Real pages keep decoys in the document
// (Claude's server-rendered composer stays, inert and invisible, before the live editor;
// Gemini nests one answer in two elements that both match), so lookups here try
// selectors in order of preference, skip what the user cannot use, and never return
// one answer twice.

/** Attributes that take a subtree away from the user: nothing in it is live. */
const OUT_OF_USE = '[inert], [hidden], [aria-hidden="true"]';

/** The element itself if it is one, else its parent (text nodes have no `closest`). */
export function elementOf(node) {
  if (!node) return null;
  return node.nodeType === 1 ? node : node.parentElement;
}

/** `node.closest(selector)` that also works for text nodes and null. */
export function closest(node, selector) {
  return elementOf(node)?.closest(selector) ?? null;
}

/** A selector or a list of them (in order of preference), as one selector list. */
export function anyOf(selectors) {
  return Array.isArray(selectors) ? selectors.join(", ") : selectors;
}

/** Whether an element sits in an inert, hidden or aria-hidden subtree (attributes only, no layout). */
export function isOutOfUse(element) {
  return elementOf(element)?.closest(OUT_OF_USE) != null;
}

/** Whether the user can reach an element: not out of use, and rendered (not display:none or visibility:hidden). */
export function isUsable(element) {
  if (!element || isOutOfUse(element)) return false;
  // checkVisibility reads computed style only; older browsers without it get the attribute test.
  return typeof element.checkVisibility === "function" ? element.checkVisibility({ visibilityProperty: true }) : true;
}

/**
 * The first usable element for the first selector that has one. A list given to
 * `querySelector` as "A, B" answers in document order, so a decoy matching B placed
 * before the real A wins; here A is tried first, then B.
 */
export function firstUsable(root, selectors) {
  for (const selector of [selectors].flat()) {
    if (!selector) continue;
    for (const element of root.querySelectorAll(selector)) {
      if (isUsable(element)) return element;
    }
  }
  return null;
}

/**
 * Every element matching any of `selectors`, in document order, outside out-of-use
 * subtrees, one per item: where matches nest, `nesting` keeps the "outer" or the
 * "inner" one, so a site that wraps an answer in two matching elements counts it once.
 */
export function allOnce(root, selectors, nesting = "outer") {
  const found = [...root.querySelectorAll(anyOf(selectors))].filter((element) => !isOutOfUse(element));
  if (found.length < 2) return found;
  const members = new Set(found);
  const drop = new Set();
  for (const element of found) {
    for (let up = element.parentElement; up; up = up.parentElement) {
      if (!members.has(up)) continue;
      drop.add(nesting === "inner" ? up : element);
      if (nesting !== "inner") break;
    }
  }
  return drop.size ? found.filter((element) => !drop.has(element)) : found;
}

/** The matching element at or around a node, by the same nesting rule as `allOnce`. */
export function around(node, selectors, nesting = "outer") {
  const selector = anyOf(selectors);
  let match = closest(node, selector);
  if (!match || nesting === "inner") return match;
  for (let up = match.parentElement?.closest(selector); up; up = up.parentElement?.closest(selector)) match = up;
  return match;
}

/**
 * The response a control (e.g. a copy button) belongs to: the response it sits in, if
 * any; else, walking up from the control, the first ancestor holding a response or a
 * user message decides, and a user message (or both) means none.
 */
export function responseNear(control, responseSelector, userSelector, nesting = "outer") {
  const inside = around(control, responseSelector, nesting);
  if (inside) return inside;
  if (closest(control, userSelector)) return null;
  for (let node = elementOf(control); node; node = node.parentElement) {
    // Both at once means we climbed past the control's own turn: it is not a response's.
    if (node.querySelector(userSelector) !== null) return null;
    const responses = allOnce(node, responseSelector, nesting);
    if (responses.length) return responses[responses.length - 1];
  }
  return null;
}

/** The value of `attribute` on the element, its nearest ancestor or first descendant matching `selector`, or null. */
export function ownValue(element, selector, attribute = "id") {
  const holder = element.matches(selector) ? element : element.closest(selector) ?? element.querySelector(selector);
  return holder?.getAttribute(attribute) || null;
}

/** A visible element's area in px² (0 when hidden): to pick a page's main prompt box. */
export function visibleArea(element) {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 ? box.width * box.height : 0;
}
