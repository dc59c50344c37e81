// Builds a site adapter from a short description of the site's markup, so each site's
// file holds only what is particular to it. The adapter interface (used by
// content/page-watch.js, content/responses.js and content/health.js):
//   composer(doc), sendButton(target), responses(doc), responseKey(el), isStreaming(el, doc),
//   copyButtonResponse(target), responseAround(node), userMessages(doc), model(doc),
//   conversation(location), readOnly(location, doc), missingHooks(doc), watchedAttributes.

import { anyOf, allOnce, around, closest, firstUsable, responseNear } from "./dom.js";

/**
 * An adapter from `spec`. Hooks are CSS selectors, or lists of them in order of
 * preference: `composer`, `send`, `response`, `user`, `copy`, optional `stop` (shown
 * while an answer streams). `nesting` ("outer" by default, or "inner") says which of two
 * nested response matches is the answer. `key(element)` gives an answer's id from the
 * page (else the element is its identity). `model` is a selector or function giving the
 * label the page shows, `modelName(label)` its one spelling (null for a mode).
 * `conversation` is a RegExp whose first group is the conversation id in the path;
 * `readOnly` a RegExp of read-only paths (share pages) and `readOnlyMarkup` a selector
 * found only on them. Optional overrides: `isStreaming`, `watchedAttributes`.
 */
export function defineAdapter(spec) {
  const nesting = spec.nesting ?? "outer";
  const user = spec.user ? anyOf(spec.user) : ":not(*)";
  const responses = (doc) => allOnce(doc, spec.response, nesting);
  const last = (list) => list[list.length - 1];
  const modelName = spec.modelName ?? ((label) => label || null);

  return {
    watchedAttributes: spec.watchedAttributes ?? [],

    /** The prompt box the user can type in, or null. */
    composer: (doc) => firstUsable(doc, spec.composer),

    /** The send button at or around a clicked element, or null. */
    sendButton: (target) => closest(target, anyOf(spec.send)),

    /** Response elements, oldest first, one per answer. */
    responses,

    /** An answer's identity: the page's own id for it where the site has one, else the element. */
    responseKey: (element) => spec.key?.(element) ?? element,

    /** Whether the site marks this response as still streaming. */
    isStreaming:
      spec.isStreaming ??
      ((element, doc) => Boolean(spec.stop) && firstUsable(doc, spec.stop) !== null && last(responses(doc)) === element),

    /** The response whose copy button was clicked (the button may sit inside it); a user message's gives null. */
    copyButtonResponse(target) {
      const button = spec.copy ? closest(target, anyOf(spec.copy)) : null;
      return button ? responseNear(button, spec.response, user, nesting) : null;
    },

    /** The response containing a node, or null. */
    responseAround: (node) => around(node, spec.response, nesting),

    /** The user's messages on the page (what health compares prompts with). */
    userMessages: (doc) => (spec.user ? allOnce(doc, spec.user, "outer") : []),

    /** The model the page names, in one spelling, or null (none shown, or only a mode). */
    model(doc) {
      const label = typeof spec.model === "function" ? spec.model(doc) : spec.model ? firstUsable(doc, spec.model)?.textContent : null;
      return label ? modelName(label.replace(/\s+/g, " ").trim()) ?? null : null;
    },

    /** The conversation id from the URL's path, or null for a new chat. */
    conversation: (location) => location.pathname.match(spec.conversation)?.[1] ?? null,

    /** Whether the page is a read-only conversation (a share page): nothing to track there. */
    readOnly: (location, doc) =>
      Boolean(spec.readOnly?.test(location.pathname) || (spec.readOnlyMarkup && doc?.querySelector(spec.readOnlyMarkup))),

    /** Hooks this page lacks (empty when the markup matches). */
    missingHooks: (doc) => (firstUsable(doc, spec.composer) ? [] : [`composer ${anyOf(spec.composer)}`]),
  };
}
