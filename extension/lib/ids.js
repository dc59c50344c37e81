// Ids for sessions and events: UUID version 7 (RFC 9562), 48 bits of Unix milliseconds
// then 74 random bits.
//
// The journal keys its events and sessions by these ids in B-tree indexes. Random
// (version 4) ids put each new event on a random page of the index, so a commit of ten
// events rewrote about ten index pages; ids that grow with time all land at the end of
// the index, on one or two pages. The time in the id says nothing the event's `ts`
// doesn't already say.

/** A new time-ordered UUID; `now` and `random` (16 bytes) are injectable for tests. */
export function uuidv7(now = Date.now(), random = crypto.getRandomValues(new Uint8Array(16))) {
  const bytes = Uint8Array.from(random);
  let ms = Math.floor(now);
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // the RFC 9562 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
