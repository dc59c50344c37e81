// Small DOM helpers shared by the site adapters.

/** The element itself if it is one, else its parent (text nodes have no `closest`). */
export function elementOf(node) {
  if (!node) return null;
  return node.nodeType === 1 ? node : node.parentElement;
}

/** `node.closest(selector)` that also works for text nodes and null. */
export function closest(node, selector) {
  return elementOf(node)?.closest(selector) ?? null;
}

/**
 * The response a control (e.g. a copy button) belongs to: walking up from the control,
 * the first ancestor holding a response or a user message decides; a user message (or both) means none.
 */
export function responseNear(control, responseSelector, userSelector) {
  for (let node = elementOf(control); node; node = node.parentElement) {
    const hasUser = node.querySelector(userSelector) !== null;
    const responses = node.querySelectorAll(responseSelector);
    // Both at once means we climbed past the control's own turn: it is not a response's.
    if (hasUser) return null;
    if (responses.length) return responses[responses.length - 1];
  }
  return null;
}

/** A visible element's area in px² (0 when hidden): to pick a page's main prompt box. */
export function visibleArea(element) {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 ? box.width * box.height : 0;
}
