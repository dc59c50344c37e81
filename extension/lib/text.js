// Strings as the server can store them. JavaScript strings are UTF-16 and may hold a lone
// surrogate (half of an emoji): a page can put one in its title, and cutting at a UTF-16
// length can split a pair. Such a string is not text; the server refuses a body holding
// one as a whole. Everything Candor sends goes through here first.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD, without String.prototype.toWellFormed. */
export function replaceLoneSurrogates(text) {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** `text` as well-formed Unicode: lone surrogates become U+FFFD (the replacement character). */
export function wellFormed(text) {
  return typeof text.toWellFormed === "function" ? text.toWellFormed() : replaceLoneSurrogates(text);
}

const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;

/**
 * Well-formed `text` cut to at most `max` characters as the server counts them (code
 * points), never between the two halves of a surrogate pair.
 */
export function cut(text, max) {
  const whole = wellFormed(text);
  // A string has at least as many UTF-16 units as code points.
  if (whole.length <= max) return whole;
  let units = 0;
  for (let points = 0; points < max && units < whole.length; points += 1) {
    units += isHigh(whole.charCodeAt(units)) && isLow(whole.charCodeAt(units + 1)) ? 2 : 1;
  }
  return whole.slice(0, units);
}

/** A copy of a JSON value whose every string (keys too) is well-formed. */
export function wellFormedDeep(value) {
  if (typeof value === "string") return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key), wellFormedDeep(item)]));
  }
  return value;
}
