// Builds a site adapter from a short description of the site's markup, so each site's
// file holds only what is particular to it. The adapter interface (used by
// content/page-watch.js, content/responses.js and content/health.js):
//   composer(doc), sendButton(target), responses(doc), responseKey(el), isStreaming(el, doc),
//   copyButtonResponse(target), responseAround(node), model(doc), conversation(location),
//   missingHooks(doc), watchedAttributes.

import { closest, responseNear } from "../content/dom.js";

/**
 * An adapter from `spec`: CSS selectors `composer`, `send`, `response`, `user`, `copy`,
 * optional `stop` (shown while an answer streams) and `model` (selector or function),
 * `conversation` (a RegExp whose first group is the conversation id in the path), and
 * optional overrides `isStreaming`, `responseKey`, `watchedAttributes`.
 */
export function defineAdapter(spec) {
  const last = (list) => list[list.length - 1];
  return {
    watchedAttributes: spec.watchedAttributes ?? [],

    /** The prompt box, or null. */
    composer: (doc) => doc.querySelector(spec.composer),

    /** The send button at or around a clicked element, or null. */
    sendButton: (target) => closest(target, spec.send),

    /** Response elements, oldest first. */
    responses: (doc) => doc.querySelectorAll(spec.response),

    /** A response's stable identity. */
    responseKey: spec.responseKey ?? ((element) => element),

    /** Whether the site marks this response as still streaming. */
    isStreaming:
      spec.isStreaming ??
      ((element, doc) => Boolean(spec.stop) && doc.querySelector(spec.stop) !== null && last(doc.querySelectorAll(spec.response)) === element),

    /** The response whose copy button was clicked; a user message's copy button gives null. */
    copyButtonResponse(target) {
      const button = spec.copy ? closest(target, spec.copy) : null;
      return button ? responseNear(button, spec.response, spec.user ?? ":not(*)") : null;
    },

    /** The response containing a node, or null. */
    responseAround: (node) => closest(node, spec.response),

    /** The model the page names, or null. */
    model(doc) {
      if (typeof spec.model === "function") return spec.model(doc) ?? null;
      return (spec.model && doc.querySelector(spec.model)?.textContent.trim()) || null;
    },

    /** The conversation id from the URL's path, or null for a new chat. */
    conversation: (location) => location.pathname.match(spec.conversation)?.[1] ?? null,

    /** Hooks this page lacks (empty when the markup matches). */
    missingHooks: (doc) => (doc.querySelector(spec.composer) ? [] : [`composer ${spec.composer}`]),
  };
}
