// The AI sites Candor knows: the site name the server expects, the hosts it lives on,
// and the adapter module that reads its pages. The manifest's content_scripts list the
// same hosts; tests/extension/sites.test.js keeps the two in step.

/** Known sites, in the order the options page lists them. */
export const KNOWN_SITES = [
  { site: "chatgpt", label: "ChatGPT", hosts: ["chatgpt.com", "chat.openai.com"] },
  { site: "claude", label: "Claude", hosts: ["claude.ai"] },
  { site: "gemini", label: "Gemini", hosts: ["gemini.google.com"] },
  { site: "copilot", label: "Microsoft Copilot", hosts: ["copilot.microsoft.com"] },
  { site: "perplexity", label: "Perplexity", hosts: ["www.perplexity.ai", "perplexity.ai"] },
  { site: "deepseek", label: "DeepSeek", hosts: ["chat.deepseek.com"] },
  { site: "grok", label: "Grok", hosts: ["grok.com"] },
  { site: "mistral", label: "Mistral Le Chat", hosts: ["chat.mistral.ai"] },
  { site: "poe", label: "Poe", hosts: ["poe.com"] },
  { site: "meta", label: "Meta AI", hosts: ["www.meta.ai", "meta.ai"] },
];

/** The known site a hostname belongs to, or null. */
export function knownSiteFor(hostname) {
  return KNOWN_SITES.find((entry) => entry.hosts.includes(hostname)) ?? null;
}

/** The site name events carry for a custom host: `custom:<hostname>`. */
export function customSiteName(hostname) {
  return `custom:${hostname}`;
}

/** A hostname typed by the user, cleaned up ("https://AI.corp.example/x" → "ai.corp.example"), or null. */
export function normalizeHost(input) {
  const text = String(input ?? "").trim();
  if (!text) return null;
  try {
    const url = new URL(text.includes("://") ? text : `https://${text}`);
    return url.hostname ? url.hostname.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The match patterns that cover a custom host (both schemes: in-house tools often use http). */
export function originPatterns(hostname) {
  return [`https://${hostname}/*`, `http://${hostname}/*`];
}
