// The charts' values by keyboard: one Tab stop per chart, the arrow keys move along its values.
// Without this script (the coach's report holds none) every value is a Tab stop of its own,
// which reaches each but makes a long road past a chart of 84 days.
const KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

for (const layer of document.querySelectorAll(".chart-points")) {
  const points = [...layer.querySelectorAll(".point")];
  if (points.length < 2) continue;
  // The latest value (the last day, the last week) is where a reader starts.
  points.forEach((point, i) => point.setAttribute("tabindex", i === points.length - 1 ? "0" : "-1"));
  layer.addEventListener("keydown", (event) => {
    const at = points.indexOf(document.activeElement);
    if (at < 0) return;
    let next = at + (KEYS[event.key] ?? 0);
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = points.length - 1;
    if (next === at || next < 0 || next >= points.length) return;
    event.preventDefault();
    points[at].setAttribute("tabindex", "-1");
    points[next].setAttribute("tabindex", "0");
    points[next].focus();
  });
}
