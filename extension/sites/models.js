// One spelling per model. Pages name the model in more than one way (ChatGPT's answers
// say "gpt-5-2" where its picker says "ChatGPT 5.2"), and some pickers show a mode, not a
// model (Gemini's "Fast", localised; Grok's "Auto"): a mode tells nothing about the model.

/**
 * A function from the label a page shows to the model's one spelling, or null when the
 * label is a mode. `modes` are patterns of mode labels; `aliases` maps labels (any case)
 * to the spelling; `rewrite` turns any other label into the spelling (default: as shown).
 */
export function modelNames({ modes = [], aliases = {}, rewrite = (label) => label } = {}) {
  const table = new Map(Object.entries(aliases).map(([label, model]) => [label.toLowerCase(), model]));
  return (label) => {
    const text = String(label ?? "").replace(/\s+/g, " ").trim();
    if (!text || modes.some((mode) => mode.test(text))) return null;
    const known = text.toLowerCase();
    return table.has(known) ? table.get(known) : rewrite(text) ?? null;
  };
}
