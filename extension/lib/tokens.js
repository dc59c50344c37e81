// Token counts are an ESTIMATE: about four characters per token for English text with
// common tokenizers. Candor never sees a site's real tokenizer, and an honest rough
// figure is all the journal needs to compare sessions with each other.

/** Characters per token assumed by the estimate. */
export const CHARS_PER_TOKEN = 4;

/** Number of characters in `text`, counting each Unicode code point once. */
export function countChars(text) {
  let count = 0;
  // Counting code points (not UTF-16 units) so an emoji is one character, not two.
  for (const _ of text) count += 1;
  return count;
}

/** Estimated tokens for `chars` characters: ceil(chars / 4). */
export function estimateTokens(chars) {
  if (!Number.isFinite(chars) || chars <= 0) return 0;
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
