// The persistent outbox of events. Every event is stored here before anything tries to
// send it, and leaves only when the server has acknowledged it, so a killed service
// worker, a browser restart or a server that is down for days loses nothing.
//
// Events live in chrome.storage.local in numbered segments of SEGMENT_SIZE, so appending
// rewrites one small segment, never the whole queue. Each event gets a sequence number;
// `sentThrough` remembers the highest one ever handed to the server, because such an
// event may already be stored there and must be re-sent unchanged (never merged).

import { KEYS, queueSegmentKey } from "./storage.js";
import { serial } from "./serial.js";
import { LIMITS } from "./contract.js";

/** Most events the queue holds; beyond this the oldest are dropped (and counted as lost). */
export const QUEUE_LIMIT = 100_000;
/** Events per stored segment. */
export const SEGMENT_SIZE = 500;
/** Largest active_ms one activity event may carry (the server's bound). */
export const MAX_ACTIVE_MS = LIMITS.active_ms;

/** Fractions of the limit at which the queue warns, and at which it starts merging. */
const WARN_FRACTION = 0.1;
const CRITICAL_FRACTION = 0.5;
const MERGE_FRACTION = 0.9;

/** How full the queue is, in words the popup shows: ok, warning, critical or losing. */
export function warningLevel(meta, limit = QUEUE_LIMIT) {
  if (meta.lost > 0) return "losing";
  if (meta.count >= limit * CRITICAL_FRACTION) return "critical";
  if (meta.count >= limit * WARN_FRACTION) return "warning";
  return "ok";
}

/** Whether `later` can be folded into `earlier`: adjacent unsent activity of one session. */
function canMerge(earlier, later, sentThrough) {
  return (
    earlier.seq > sentThrough &&
    later.seq > sentThrough &&
    earlier.event.type === "activity" &&
    later.event.type === "activity" &&
    earlier.event.session_id === later.event.session_id &&
    earlier.event.active_ms + later.event.active_ms <= MAX_ACTIVE_MS
  );
}

/** The persistent queue over `storage` (see storage.js); `limit` is lowered in tests. */
export function createQueue({ storage, limit = QUEUE_LIMIT, segmentSize = SEGMENT_SIZE }) {
  const run = serial();
  const mergeAt = Math.floor(limit * MERGE_FRACTION);
  // Merging rescans everything, so near the bound it runs once per this many new events.
  const mergeStep = Math.max(1, Math.floor(limit / 100));

  const readMeta = () => storage.get(KEYS.queueMeta);

  async function readSegments(numbers) {
    const names = numbers.map(queueSegmentKey);
    const found = await storage.readLocal(names);
    return numbers.map((number) => found[queueSegmentKey(number)] ?? []);
  }

  /** Rewrite all entries into fresh segments, reusing the lowest numbers, in one write. */
  async function rewrite(meta, entries) {
    const old = meta.segments;
    const segments = [];
    const writes = {};
    for (let i = 0; i < entries.length; i += segmentSize) {
      const number = old[segments.length] ?? (old.at(-1) ?? 0) + segments.length + 1;
      segments.push(number);
      writes[queueSegmentKey(number)] = entries.slice(i, i + segmentSize);
    }
    const next = { ...meta, segments, count: entries.length };
    writes[KEYS.queueMeta.name] = next;
    await storage.writeLocal(writes);
    await storage.removeLocal(old.filter((n) => !segments.includes(n)).map(queueSegmentKey));
    return next;
  }

  /** Fold adjacent unsent activity events of one session into one, summing active_ms. */
  async function merge(meta) {
    const entries = (await readSegments(meta.segments)).flat();
    const kept = [];
    for (const entry of entries) {
      const last = kept.at(-1);
      if (last && canMerge(last, entry, meta.sentThrough)) {
        last.event.active_ms += entry.event.active_ms;
        last.event.ts = entry.event.ts; // the merged span ends where the later one did
      } else {
        kept.push(entry);
      }
    }
    const mergedNow = entries.length - kept.length;
    return rewrite({ ...meta, merged: meta.merged + mergedNow, mergedAtCount: kept.length }, kept);
  }

  /** Drop the `excess` oldest events, counting them as lost. */
  async function dropOldest(meta, excess) {
    const entries = (await readSegments(meta.segments)).flat();
    return rewrite({ ...meta, lost: meta.lost + excess }, entries.slice(excess));
  }

  return {
    /** Store events at the end of the queue. */
    append(events) {
      return run(async () => {
        if (!events.length) return readMeta();
        let meta = await readMeta();
        const segments = [...meta.segments];
        let number = segments.at(-1) ?? 0;
        let segment = number ? (await readSegments([number]))[0] : null;
        const writes = {};
        let { nextSeq, count } = meta;
        for (const event of events) {
          if (!segment || segment.length >= segmentSize) {
            number += 1;
            segments.push(number);
            segment = [];
          }
          segment.push({ seq: nextSeq, event });
          nextSeq += 1;
          count += 1;
          writes[queueSegmentKey(number)] = segment;
        }
        meta = { ...meta, segments, nextSeq, count };
        writes[KEYS.queueMeta.name] = meta;
        await storage.writeLocal(writes);

        if (meta.count >= mergeAt && meta.count - (meta.mergedAtCount ?? 0) >= mergeStep) {
          meta = await merge(meta);
        }
        if (meta.count > limit) meta = await dropOldest(meta, meta.count - limit);
        return meta;
      });
    },

    /** The oldest `size` events, marked as handed to the server (they are never merged after). */
    takeBatch(size) {
      return run(async () => {
        const meta = await readMeta();
        const batch = [];
        for (const number of meta.segments) {
          const [segment] = await readSegments([number]);
          batch.push(...segment.slice(0, size - batch.length));
          if (batch.length >= size) break;
        }
        const lastSeq = batch.at(-1)?.seq ?? 0;
        if (lastSeq > meta.sentThrough) {
          await storage.set(KEYS.queueMeta, { ...meta, sentThrough: lastSeq });
        }
        return batch.map((entry) => entry.event);
      });
    },

    /** Remove the events with these ids (the server has them, or refused them for good). */
    remove(ids) {
      return run(async () => {
        const wanted = new Set(ids);
        const meta = await readMeta();
        const writes = {};
        const emptied = [];
        let removed = 0;
        for (const number of meta.segments) {
          if (removed === wanted.size) break;
          const [segment] = await readSegments([number]);
          const kept = segment.filter((entry) => !wanted.has(entry.event.id));
          if (kept.length === segment.length) continue;
          removed += segment.length - kept.length;
          if (kept.length) writes[queueSegmentKey(number)] = kept;
          else emptied.push(number);
        }
        const next = {
          ...meta,
          count: meta.count - removed,
          segments: meta.segments.filter((n) => !emptied.includes(n)),
        };
        writes[KEYS.queueMeta.name] = next;
        await storage.writeLocal(writes);
        await storage.removeLocal(emptied.map(queueSegmentKey));
        return removed;
      });
    },

    /** Counts for the popup: events waiting, merged, lost, and the warning level. */
    async status() {
      const meta = await readMeta();
      return {
        waiting: meta.count,
        merged: meta.merged,
        lost: meta.lost,
        limit,
        level: warningLevel(meta, limit),
      };
    },

    /** Every queued event in order (for tests and diagnostics; reads the whole queue). */
    all() {
      return run(async () => {
        const meta = await readMeta();
        return (await readSegments(meta.segments)).flat().map((entry) => entry.event);
      });
    },
  };
}
