// Adapter health: does the adapter still read the page? Sites change their markup often.
// Two checks, reported per tab:
//  - hooks: the page has the composer the adapter expects (else the generic adapter
//    counts there, "fallback"); a read-only page (a share page) is recognised and left
//    alone: nothing to track, nothing wrong;
//  - what matters: each prompt that shows up on the page as a new user message was seen
//    being sent, and each answer that came back was seen. A composer can be present and
//    still be the wrong element (Claude keeps an inert copy of it): when several sends in
//    a row go unseen, health turns "degraded" with the reason.

/** How long a page may take to render its composer before the adapter is judged broken. */
export const HEALTH_WAIT_MS = 10_000;
/** Sends (or answers) in a row that went unseen before health says counting is incomplete. */
export const UNSEEN_LIMIT = 3;
/** Delay between a change on the page and health's look at it. */
const LOOK_DELAY_MS = 500;

/** Resolves to `{status: "ok"|"fallback"|"read-only", missing}` once the hooks appear or the wait ends. */
export function checkHealth(doc, adapter, location, waitMs = HEALTH_WAIT_MS) {
  return new Promise((resolve) => {
    let observer = null;
    let timer = null;
    const verdict = () => {
      if (adapter.readOnly?.(location, doc)) return { status: "read-only", missing: [] };
      const missing = adapter.missingHooks(doc);
      return { status: missing.length ? "fallback" : "ok", missing };
    };
    const done = (result) => {
      observer?.disconnect();
      clearTimeout(timer);
      resolve(result);
    };
    const check = () => {
      const result = verdict();
      if (result.status !== "fallback") done(result);
      return result.status !== "fallback";
    };
    if (check()) return;
    // The composer is often hydrated a moment after load: watch for it, but not forever.
    observer = new MutationObserver(() => check());
    observer.observe(doc.documentElement, { childList: true, subtree: true });
    timer = setTimeout(() => done(verdict()), waitMs);
  });
}

/** "3 prompts sent were not seen" and the like. */
function unseenWords(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Compare what the page shows with what the adapter saw. Call `noticed(kind)` for each
 * signal the page reports ("prompt", "response"); `onChange({status, reason})` is called
 * when the verdict changes. Returns `{noticed, check, stop}`.
 */
export function watchHealth({ win, adapter, onChange, limit = UNSEEN_LIMIT }) {
  const doc = win.document;
  const count = (list) => list?.length ?? 0;
  let users = count(adapter.userMessages?.(doc));
  let answers = count(adapter.responses(doc));
  let credit = 0; // prompts seen that no new user message has matched yet
  // The exchange under way (from the last new user message): was its prompt seen, did an
  // answer appear on the page, how many answers were reported.
  let exchange = { promptSeen: false, answered: false, responsesSeen: 0 };
  let unseenPrompts = 0;
  let unseenAnswers = 0;
  let url = win.location.href;

  let current = { status: "ok" };
  function verdict() {
    const reasons = [];
    if (unseenPrompts >= limit) reasons.push(`${unseenWords(unseenPrompts, "prompt", "prompts")} sent ${unseenPrompts === 1 ? "was" : "were"} not seen`);
    if (unseenAnswers >= limit) reasons.push(`${unseenWords(unseenAnswers, "answer", "answers")} ${unseenAnswers === 1 ? "was" : "were"} not seen`);
    const next = reasons.length ? { status: "degraded", reason: reasons.join("; ") } : { status: "ok" };
    if (next.status === current.status && next.reason === current.reason) return;
    current = next;
    onChange(next);
  }

  function check() {
    const nowUsers = count(adapter.userMessages?.(doc));
    const nowAnswers = count(adapter.responses(doc));
    const added = nowUsers - users;
    const appeared = nowAnswers > answers;
    const before = adapter.conversation?.(new URL(url)) ?? null;
    const after = adapter.conversation?.(win.location) ?? null;
    // A new chat getting its address is the same conversation; any other change of
    // conversation brings its history, which appears without prompts: start again from there.
    const switched = win.location.href !== url && !(before === null && after !== null);
    url = win.location.href;
    if (switched || (added !== 0 && added !== 1)) {
      // History rendered or removed at once: not prompts sent here.
      credit = 0;
      exchange = { promptSeen: false, answered: false, responsesSeen: 0 };
    } else if (added === 1) {
      // A new prompt on the page closes the previous exchange: its answer should have been seen.
      if (exchange.promptSeen && exchange.answered) unseenAnswers = exchange.responsesSeen > 0 ? 0 : unseenAnswers + 1;
      const seen = credit > 0;
      if (seen) credit -= 1;
      unseenPrompts = seen ? 0 : unseenPrompts + 1;
      // An answer that appeared along with this prompt belongs to it.
      exchange = { promptSeen: seen, answered: appeared, responsesSeen: 0 };
    } else if (appeared) {
      exchange.answered = true;
    }
    users = nowUsers;
    answers = nowAnswers;
    verdict();
  }

  let timer = null;
  const observer = new MutationObserver(() => {
    if (timer === null) {
      timer = win.setTimeout(() => {
        timer = null;
        check();
      }, LOOK_DELAY_MS);
    }
  });
  observer.observe(doc.body ?? doc.documentElement, { childList: true, subtree: true });

  return {
    /** The page reported a signal of this kind. */
    noticed(kind) {
      if (kind === "prompt") {
        credit = Math.min(credit + 1, limit);
      } else if (kind === "response") {
        exchange.responsesSeen += 1;
        unseenAnswers = 0;
        verdict();
      }
    },
    check,
    stop() {
      observer.disconnect();
      if (timer !== null) win.clearTimeout(timer);
    },
  };
}
