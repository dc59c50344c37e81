// Tells the background when this tab is in front of the user: "focus" when the page
// becomes visible and focused, a "heartbeat" every 15 s while it stays so, "blur" when
// it is hidden or loses focus. The background turns these into active time.

/** Seconds between heartbeats of a focused page, in ms. */
export const HEARTBEAT_MS = 15_000;

/** Watch focus and visibility; calls `report(kind)`; returns a function that stops it. */
export function watchPresence(win, report, heartbeatMs = HEARTBEAT_MS) {
  const doc = win.document;
  let timer = null;

  const update = () => {
    const present = doc.visibilityState === "visible" && doc.hasFocus();
    if (present && timer === null) {
      report("focus");
      // A timer only while the user looks at the page; none at all in background tabs.
      timer = win.setInterval(() => report("heartbeat"), heartbeatMs);
    } else if (!present && timer !== null) {
      win.clearInterval(timer);
      timer = null;
      report("blur");
    }
  };

  const events = [
    [win, "focus"], [win, "blur"], [win, "pagehide"], [doc, "visibilitychange"],
  ];
  for (const [target, type] of events) target.addEventListener(type, update);
  update();
  return () => {
    for (const [target, type] of events) target.removeEventListener(type, update);
    if (timer !== null) win.clearInterval(timer);
  };
}
