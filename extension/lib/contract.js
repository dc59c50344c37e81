// The event contract shared with the server: event types and the fields each carries,
// limits, the known sites (label, hosts, adapter) and the signal names.
// WRITTEN BY scripts/contract.py FROM server/candor/contract.json: edit that file, then
// run `python3 scripts/contract.py` (tests/test_contract.py checks this file is current).

const freeze = (value) => {
  if (value && typeof value === "object") {
    Object.values(value).forEach(freeze);
    Object.freeze(value);
  }
  return value;
};

/** Event types the server accepts. */
export const EVENT_TYPES = freeze(["session_start", "prompt", "response", "activity", "copy", "session_end"]);

/** The typed fields each event type may carry. */
export const FIELDS_BY_TYPE = freeze({"session_start": [], "prompt": ["prompt_chars", "est_tokens", "fingerprint", "tokenizer"], "response": ["response_chars", "est_tokens", "tokenizer"], "activity": ["active_ms"], "copy": ["response_chars"], "session_end": []});

/** Typed fields an event type must carry. */
export const REQUIRED_FIELDS = freeze({"activity": ["active_ms"]});

/** What each typed field holds: count, active_ms, fingerprint or tokenizer. */
export const FIELD_KINDS = freeze({"prompt_chars": "count", "response_chars": "count", "est_tokens": "count", "active_ms": "active_ms", "fingerprint": "fingerprint", "tokenizer": "tokenizer"});

/** How est_tokens was counted: o200k (a real tokenizer) or chars/4. */
export const TOKENIZERS = freeze(["o200k", "chars/4"]);

/** Fields any event may carry, if the user's settings allow. */
export const CONTEXT_FIELDS = freeze(["model", "url", "title"]);

/** The server's bounds: events per batch, counts, active_ms, string lengths. */
export const LIMITS = freeze({"batch": 1000, "count": 10000000, "active_ms": 3600000, "length": {"model": 100, "url": 2048, "title": 512, "site": 270}, "client_length": {"id": 100, "browser": 100, "extension_version": 50}});

/** The batch's client object: its fields and what each holds (text, count, flag). */
export const CLIENT_FIELDS = freeze({"id": "text", "browser": "text", "extension_version": "text", "waiting": "count", "titles": "flag"});

/** Known sites, in the order the options page lists them. */
export const SITES = freeze([
  {"site": "chatgpt", "label": "ChatGPT", "hosts": ["chatgpt.com", "chat.openai.com"], "adapter": "chatgpt"},
  {"site": "claude", "label": "Claude", "hosts": ["claude.ai"], "adapter": "claude"},
  {"site": "gemini", "label": "Gemini", "hosts": ["gemini.google.com"], "adapter": "gemini"},
  {"site": "copilot", "label": "Microsoft Copilot", "hosts": ["copilot.microsoft.com"], "adapter": "copilot"},
  {"site": "perplexity", "label": "Perplexity", "hosts": ["www.perplexity.ai", "perplexity.ai"], "adapter": "perplexity"},
  {"site": "deepseek", "label": "DeepSeek", "hosts": ["chat.deepseek.com"], "adapter": "deepseek"},
  {"site": "grok", "label": "Grok", "hosts": ["grok.com"], "adapter": "grok"},
  {"site": "mistral", "label": "Mistral Le Chat", "hosts": ["chat.mistral.ai"], "adapter": "mistral"},
  {"site": "poe", "label": "Poe", "hosts": ["poe.com"], "adapter": "poe"},
  {"site": "meta", "label": "Meta AI", "hosts": ["www.meta.ai", "meta.ai"], "adapter": "meta"},
]);

/** Names of the signals the server may suggest on a session. */
export const SIGNALS = freeze(["repeated_prompts", "no_reading_time", "burst", "no_outcome", "loop", "unattended", "retries"]);
