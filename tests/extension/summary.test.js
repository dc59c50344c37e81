import test from "node:test";
import assert from "node:assert/strict";
import { goalLines, weekDetail, verdictWords, lastSyncWords, waitingWords, whenWords } from "../../extension/ui/summary.js";

const summary = (week, goals, met) => ({ this_week: week, goals, goals_met: met });

test("goal lines say this week's figure against each goal set, plainly", () => {
  const week = { value_ratio: 0.62, coverage: 0.4 };
  assert.deepEqual(goalLines(summary(week, { value_ratio: 0.7, coverage: null }, { value_ratio: false, coverage: null })), [
    { goal: "value_ratio", met: false, text: "62% real this week — goal 70%" },
  ]);
  assert.deepEqual(goalLines(summary(week, { value_ratio: 0.6, coverage: 0.35 }, { value_ratio: true, coverage: true })), [
    { goal: "value_ratio", met: true, text: "62% real this week — goal 60%" },
    { goal: "coverage", met: true, text: "40% tagged this week — goal 35%" },
  ]);
  assert.deepEqual(goalLines(summary({ value_ratio: null, coverage: null }, { value_ratio: 0.7, coverage: 0.5 }, { value_ratio: null, coverage: null })), [
    { goal: "value_ratio", met: null, text: "No value ratio yet this week — goal 70%" },
    { goal: "coverage", met: null, text: "Nothing to tag yet this week — goal 50%" },
  ]);
  assert.deepEqual(goalLines(summary(week, { value_ratio: null, coverage: null }, {})), [], "no goals, no lines");
  assert.deepEqual(goalLines(null), []);
});

test("the week's detail says what the ratio rests on, and when that is too little to judge", () => {
  const week = { active_seconds: 7200, real_seconds: 1200, busywork_seconds: 2400, unsure_seconds: 0, coverage: 0.5 };
  assert.equal(weekDetail(week), "1 h 00 min tagged of 2 h 00 min active: too little to read the ratio as a verdict yet.");
  assert.equal(weekDetail({ ...week, unsure_seconds: 1800, coverage: 0.75 }), "1 h 30 min tagged of 2 h 00 min active.");
  assert.equal(weekDetail({ active_seconds: 0 }), "No AI time recorded this week yet.");
});

test("sessions waiting for a verdict are counted in words", () => {
  assert.equal(verdictWords(0), "No session is waiting for your verdict.");
  assert.equal(verdictWords(1), "1 session waiting for your verdict");
  assert.equal(verdictWords(1204), "1,204 sessions waiting for your verdict");
});

test("the last sync reads in the person's locale: the time alone today, with its date before", () => {
  const now = new Date(2026, 11, 5, 16, 30);
  const today = new Date(2026, 11, 5, 14, 5).toISOString();
  const earlier = new Date(2026, 11, 3, 9, 7).toISOString();
  assert.equal(lastSyncWords(today, now, "en-GB"), "Last synced at 14:05");
  assert.match(lastSyncWords(today, now, "en-US"), /^Last synced at 2:05\sPM$/); // the space differs by ICU version
  assert.equal(lastSyncWords(earlier, now, "en-GB"), "Last synced 3 Dec 2026, 09:07");
  assert.equal(lastSyncWords(earlier, now, "de-DE"), "Last synced 03.12.2026, 09:07");
  assert.equal(lastSyncWords(null, now), "Not synced yet.");
  assert.equal(lastSyncWords("not a time", now), "Not synced yet.");
  assert.equal(whenWords(today, now, "en-GB"), "14:05");
});

test("what waits to sync: events and tags", () => {
  assert.equal(waitingWords({ events: 0, tags: 0 }), "Nothing waiting to sync");
  assert.equal(waitingWords({ events: 1 }), "1 event waiting to sync");
  assert.equal(waitingWords({ events: 12_000, tags: 1 }), "12,000 events and 1 tag waiting to sync");
  assert.equal(waitingWords({ tags: 2 }), "2 tags waiting to sync");
});
