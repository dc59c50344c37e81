// A 64-bit SimHash of a prompt: similar prompts get fingerprints that differ in few
// bits, so the server can spot repeated prompts without ever seeing their text.

const BITS = 64;

/** Lowercase words of `text` (letters and digits of any script). */
function words(text) {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Features that describe the prompt: its words and its word pairs (pairs keep order). */
function features(text) {
  const list = words(text);
  const out = [...list];
  for (let i = 1; i < list.length; i += 1) out.push(`${list[i - 1]} ${list[i]}`);
  return out;
}

/** FNV-1a over the string's UTF-16 units, 32 bits, from a given offset basis. */
function fnv1a32(text, basis) {
  let hash = basis;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The 64-bit hash of a feature as two 32-bit halves (two FNV bases: cheap, no BigInt per feature). */
function hash64(feature) {
  return [fnv1a32(feature, 0x811c9dc5), fnv1a32(feature, 0x050c5d1f)];
}

/** 64-bit SimHash of `text` as 16 lowercase hex digits. */
export function fingerprint(text) {
  const weights = new Int32Array(BITS);
  for (const feature of features(text)) {
    const [high, low] = hash64(feature);
    for (let bit = 0; bit < 32; bit += 1) {
      weights[bit] += (high >>> bit) & 1 ? 1 : -1;
      weights[32 + bit] += (low >>> bit) & 1 ? 1 : -1;
    }
  }
  let value = 0n;
  for (let bit = 0; bit < BITS; bit += 1) {
    if (weights[bit] > 0) value |= 1n << BigInt(bit);
  }
  return value.toString(16).padStart(16, "0");
}

/** Number of differing bits between two fingerprints (0 = same, 64 = opposite). */
export function hammingDistance(a, b) {
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff) {
    diff &= diff - 1n;
    count += 1;
  }
  return count;
}
