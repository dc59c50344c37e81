// Where the o200k tokenizer runs, per browser. Its files (extension/vendor/, copied from
// node_modules by scripts/vendor.py) are imported statically by the page that holds them,
// so a missing folder only means "no tokenizer", never a broken extension:
//  - Chromium: an offscreen document (tokenizer/tokenizer.html), made when a first text is
//    counted. A service worker may not import() and would fail whole on a missing static
//    import; the document's own thread keeps the 2.4 MB table off the worker's every wake.
//  - Firefox: the background is a page, which may import() the module when first needed.

/** The tokenizer module, relative to the extension's root. */
export const VENDOR_ENTRY = "vendor/gpt-tokenizer/esm/encoding/o200k_base.js";
/** The offscreen document that counts in Chromium. */
export const TOKENIZER_PAGE = "tokenizer/tokenizer.html";
/** Messages for that document carry this `target`; it answers no other message. */
export const TOKENIZER_TARGET = "candor-tokenizer";
/** Text that happens to spell a special token (<|endoftext|>) is counted as text. */
export const AS_TEXT = { disallowedSpecial: new Set() };

/** Whether the vendored tokenizer is in the extension at all. */
async function vendored(api, fetch) {
  try {
    return (await fetch(api.runtime.getURL(VENDOR_ENTRY))).ok;
  } catch {
    return false; // a missing file of an unpacked extension fails the fetch
  }
}

/** Ask the offscreen document to count `text`; its answer's token count. */
async function askDocument(api, text) {
  const reply = await api.runtime.sendMessage({ target: TOKENIZER_TARGET, text });
  if (!Number.isSafeInteger(reply?.tokens)) throw new Error("the tokenizer did not answer");
  return reply.tokens;
}

async function openDocument(api) {
  const open = api.offscreen.hasDocument
    ? await api.offscreen.hasDocument()
    : (await api.runtime.getContexts({ contextTypes: ["OFFSCREEN_DOCUMENT"] })).length > 0;
  if (open) return;
  try {
    await api.offscreen.createDocument({
      url: TOKENIZER_PAGE,
      reasons: ["WORKERS"],
      justification: "Counts the tokens of prompts and answers off the page's main thread.",
    });
  } catch (error) {
    // Two counts at once on a fresh worker: the other one made it.
    if (!/single offscreen|already/i.test(String(error?.message))) throw error;
  }
}

/**
 * Load the tokenizer for this browser; resolves to `(text) => tokens` (maybe async), or
 * null when the extension has no tokenizer. `fetch` and `importModule` are injectable.
 */
export async function loadTokenizer({
  api,
  fetch = (...args) => globalThis.fetch(...args),
  importModule = (url) => import(url),
}) {
  if (!(await vendored(api, fetch))) return null;
  if (!api.offscreen) {
    const { countTokens } = await importModule(api.runtime.getURL(VENDOR_ENTRY));
    return (text) => countTokens(text, AS_TEXT);
  }
  await openDocument(api);
  // The document's module may still be starting: a few tries before giving up.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await askDocument(api, "");
      break;
    } catch (error) {
      if (attempt >= 20) {
        await api.offscreen.closeDocument().catch(() => {});
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return (text) => askDocument(api, text);
}
