// The site adapters by name. Static paths, resolved next to this module, so a page only
// loads the one adapter it needs and nothing is imported from a computed URL.

const LOADERS = {
  chatgpt: () => import("../sites/chatgpt.js"),
  claude: () => import("../sites/claude.js"),
  gemini: () => import("../sites/gemini.js"),
  copilot: () => import("../sites/copilot.js"),
  perplexity: () => import("../sites/perplexity.js"),
  deepseek: () => import("../sites/deepseek.js"),
  grok: () => import("../sites/grok.js"),
  mistral: () => import("../sites/mistral.js"),
  poe: () => import("../sites/poe.js"),
  meta: () => import("../sites/meta.js"),
  generic: () => import("../sites/generic.js"),
};

/** The adapter called `name` (see lib/pages.js), or the generic one for an unknown name. */
export async function loadAdapter(name) {
  const load = LOADERS[name] ?? LOADERS.generic;
  return (await load()).adapter;
}
