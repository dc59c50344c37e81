"""Charts of the journal as self-contained SVG, for the dashboard and the exports.

No scripts and no external files: the SVG is inlined into the page, so it works
offline, prints, and goes into the coach's HTML export unchanged. Each chart is drawn
twice, for a wide and a narrow (phone) layout, because SVG text shrinks with its
picture: a chart drawn 900 wide would print 5 px text in a 390 px window. The
stylesheet (charts.css) shows one of the two.

Values show on hover and on keyboard focus. The dashboard's policy refuses inline
scripts and the export holds none, so each bar or point is a focusable element whose
label CSS shows (:hover, :focus), with an SVG <title> too. Those elements lie in a
second SVG over the drawing: the drawing is role="img", whose children a screen reader
never reaches, so focusable values inside it would be lost to it.
"""

import math
from datetime import date
from html import escape
from pathlib import Path

from .words import duration

COLORS = {"real": "#1f6f5c", "busywork": "#b5462f", "unsure": "#9a7412", "untagged": "#79808c"}
TAG_LABELS = {"real": "Real output", "busywork": "Busywork", "unsure": "Unsure",
              "untagged": "Untagged"}
INK, MUTED, GRID = "#1d2433", "#4f5b70", "#d9dce3"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Widths of the two drawings, in SVG units: a dashboard column and a phone's.
WIDE, NARROW = 900, 360
SIZE = 13  # text size in SVG units: about 13 px wide, about 12 px at 390 px


def stylesheet():
    """The CSS the charts need (which drawing shows, the values on hover and focus)."""
    return (Path(__file__).parent / "web" / "static" / "charts.css").read_text()


def _page_color(color):
    """A class that lets the page's colours (light or dark, charts.css) replace the drawing's."""
    name = {INK: "chart-ink", MUTED: "chart-muted", GRID: "chart-grid",
            **{tag_color: f"chart-{tag}" for tag, tag_color in COLORS.items()}}.get(color)
    return f' class="{name}"' if name else ""


def _text_width(text, size=SIZE):
    return len(text) * size * 0.56


class _Drawing:
    """One layout of a chart: SVG elements of the drawing, and its focusable values."""

    def __init__(self, width):
        self.width, self.parts, self.points, self.y = width, [], [], 4

    def text(self, x, y, text, anchor="start", size=SIZE, fill=INK, weight=None):
        bold = f' font-weight="{weight}"' if weight else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
                          f'font-size="{size}" fill="{fill}"{_page_color(fill)}{bold}>'
                          f'{escape(text)}</text>')

    def rect(self, x, y, w, h, fill):
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
                          f'height="{max(h, 0):.1f}" fill="{fill}"{_page_color(fill)}/>')

    def line(self, x1, y1, x2, y2, stroke=GRID, dash=None, width=1):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'stroke="{stroke}"{_page_color(stroke)} stroke-width="{width}"'
                          f'{dashed}/>')

    def title(self, title):
        """The chart's title, wrapped to the width."""
        for line in _wrap(title, self.width - 8, 15):
            self.y += 18
            self.text(4, self.y, line, size=15, weight=600)
        self.y += 8

    def legend(self, items):
        """Swatches and names, wrapped to the width: [(name, color, dashed)].

        `dashed` None draws a square (a bar's colour), False a line, True a dashed line.
        """
        x, row = 4, self.y + 14
        for name, color, dashed in items:
            w = 22 + _text_width(name) + 14
            if x + w > self.width and x > 4:
                x, row = 4, row + 20
            if dashed is None:
                self.rect(x, row - 10, 12, 12, color)
            else:
                self.line(x, row - 4, x + 16, row - 4, color, "5 3" if dashed else None, 3)
            self.text(x + 20, row, name, fill=INK)
            x += w
        self.y = row + 12

    def point(self, box, lines):
        """A focusable value over `box` (x, y, w, h), labelled with `lines` on hover and focus."""
        self.points.append((box, lines))

    def _value(self, box, lines):
        x, y, w, h = box
        label = ": ".join([lines[0], ", ".join(lines[1:])]) if len(lines) > 1 else lines[0]
        tip_w = max(_text_width(line) for line in lines) + 16
        tip_h = 18 * len(lines) + 8
        tip_x = min(max(x + w / 2 - tip_w / 2, 2), self.width - tip_w - 2)
        # Above the value where there is room, else inside the drawing below its top.
        tip_y = y - tip_h - 4 if y - tip_h - 4 > 2 else max(min(y + 8, self.height - tip_h - 2), 2)
        bold = ' font-weight="600"'  # the first line names the value
        texts = "".join(
            f'<text x="{tip_x + 8:.1f}" y="{tip_y + 18 * (i + 1):.1f}" font-size="{SIZE}" '
            f'fill="#fff"{bold if i == 0 else ""}>{escape(line)}</text>'
            for i, line in enumerate(lines))
        return (f'<g class="point" tabindex="0" role="listitem" aria-label="{escape(label)}">'
                f'<title>{escape(label)}</title>'
                f'<rect class="hit" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"/>'
                f'<g class="tip"><rect x="{tip_x:.1f}" y="{tip_y:.1f}" width="{tip_w:.1f}" '
                f'height="{tip_h:.1f}" rx="4" fill="{INK}"/>{texts}</g></g>')

    def svg(self, label, title, variant):
        """The drawing (role img, labelled) and, over it, the layer of focusable values."""
        box = f'viewBox="0 0 {self.width} {self.height:.0f}"'
        drawing = (f'<svg class="chart-drawing" xmlns="http://www.w3.org/2000/svg" {box} '
                   f'role="img" aria-label="{escape(label)}" font-family="{FONT}">'
                   f'{"".join(self.parts)}</svg>')
        values = ""
        if self.points:
            values = (f'<svg class="chart-points" xmlns="http://www.w3.org/2000/svg" {box} '
                      f'role="list" aria-label="{escape(title)}, each value" '
                      f'font-family="{FONT}">'
                      f'{"".join(self._value(*p) for p in self.points)}</svg>')
        return f'<div class="chart-box chart-{variant}">{drawing}{values}</div>'


def _wrap(text, width, size):
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and _text_width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


def _both(draw, label, title, wide=WIDE):
    """The chart in its wide layout (`wide` units across) and its narrow one."""
    return "".join(draw(width).svg(label, title, variant)
                   for width, variant in ((wide, "wide"), (NARROW, "narrow")))


def _empty(title, message, wide=WIDE):
    """A chart with nothing to draw: its title, then a plain sentence, nothing over the title."""
    def draw(width):
        d = _Drawing(width)
        d.title(title)
        for line in _wrap(message, width - 8, SIZE):
            d.y += 20
            d.text(4, d.y, line, fill=MUTED)
        d.height = d.y + 12
        return d
    return _both(draw, f"{title}: {message}", title, wide)


def _short(minutes):
    """An axis label in the one duration format (30 min, 1 h 30 min), from 0."""
    return duration(minutes * 60) if minutes else "0"


def _step(most_minutes):
    """A round step for an axis reaching `most_minutes`, with at most five steps."""
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880):
        if most_minutes / step <= 4:
            return step
    return math.ceil(most_minutes / 4 / 1440) * 1440


def _day(key):
    """A group key (2026-11-24 or 2026-W48) as the date it starts on."""
    key = str(key)
    if "-W" in key:
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    return date.fromisoformat(key)


def _tags_line(group):
    return [f"{TAG_LABELS[t]} {duration(group[f'{t}_seconds'])}" for t in COLORS
            if group[f"{t}_seconds"] >= 30]


def _columns(items, title, empty, wide=WIDE):
    """Stacked columns of active time by tag: items are (tick, name, group)."""
    totals = [sum(g[f"{t}_seconds"] for t in COLORS) for _, _, g in items]
    if not items or max(totals) < 30:
        return _empty(title, empty, wide)
    most = max(totals)
    step = _step(most / 60)
    top = math.ceil(most / 60 / step) * step
    busiest = items[totals.index(most)][1]
    label = (f"{title}: {duration(sum(totals))} of active time in all; the most, "
             f"{duration(most)}, {busiest}.")

    def draw(width):
        d = _Drawing(width)
        d.title(title)
        d.legend([(TAG_LABELS[t], COLORS[t], None) for t in COLORS])
        ticks = [_short(step * i) for i in range(int(top / step) + 1)]
        left = max(_text_width(t) for t in ticks) + 10
        plot_top, plot_h = d.y + 10, 190 if width > NARROW else 170
        bottom, right = plot_top + plot_h, width - 6
        slot = (right - left) / len(items)
        d.height = bottom + 26
        for i, tick in enumerate(ticks):
            y = bottom - plot_h * i / (len(ticks) - 1)
            d.line(left, y, right, y)
            d.text(left - 6, y + 4, tick, anchor="end", fill=MUTED)
        every = max(1, math.ceil((max(_text_width(t) for t, _, _ in items) + 18) / slot))
        for i, ((tick, name, group), total) in enumerate(zip(items, totals, strict=True)):
            x = left + i * slot
            bar_w = max(slot * 0.72, 1)
            y = bottom
            for t in COLORS:
                h = plot_h * group[f"{t}_seconds"] / 60 / top
                if h > 0:
                    y -= h
                    d.rect(x + (slot - bar_w) / 2, y, bar_w, h, COLORS[t])
            if i % every == 0:
                d.text(x + slot / 2, bottom + 18, tick, anchor="middle", fill=MUTED)
            lines = [name, f"{duration(total)} active", *_tags_line(group)] if total else [
                name, "no active time"]
            d.point((x, plot_top, slot, plot_h), lines)
        return d

    return _both(draw, label, title, wide)


def time_by_day(groups, title="Active time, day by day"):
    """Stacked columns of active time by tag, one per local day (groups of report.stats)."""
    items = [(f"{_day(g['key']).day} {_day(g['key']):%b}", f"{_day(g['key']):%a} "
              f"{_day(g['key']).day} {_day(g['key']):%b %Y}", g) for g in groups]
    return _columns(items, title, "No active time on these days.")


def time_by_hour(groups, title="Busiest hours (active time by hour of day)", width=WIDE):
    """Stacked columns of active time by tag, one per hour of the day (`width` when wide)."""
    items = [(str(g["key"]), f"{int(g['key']):02d}:00–{(int(g['key']) + 1) % 24:02d}:00", g)
             for g in groups]
    return _columns(items, title, "No active time in these dates.", width)


def ratio_over_time(groups, title="Value ratio and coverage, week by week"):
    """Lines of the value ratio and its coverage per week (or day), in %."""
    items = [(f"{_day(g['key']).day} {_day(g['key']):%b}",
              ("the week of " if "-W" in str(g["key"]) else "")
              + f"{_day(g['key']):%a} {_day(g['key']).day} {_day(g['key']):%b %Y}", g)
             for g in groups]
    if not any(g["coverage"] for _, _, g in items):
        return _empty(title, "No tagged time in these weeks yet: tag sessions to see the ratio.")
    ratios = [round(g["value_ratio"] * 100) for _, _, g in items if g["value_ratio"] is not None]
    last = items[-1][2]
    label = (f"{title}, from {items[0][1]} to {items[-1][1]}: value ratio "
             + ("none yet" if not ratios else f"{ratios[0]}%" if min(ratios) == max(ratios)
                else f"between {min(ratios)}% and {max(ratios)}%")
             + (f", {last['value_ratio'] * 100:.0f}% the last week"
                if last["value_ratio"] is not None else "")
             + (f"; coverage {last['coverage'] * 100:.0f}% the last week"
                if last["coverage"] is not None else "") + ".")

    def draw(width):
        d = _Drawing(width)
        d.title(title)
        d.legend([("Value ratio", COLORS["real"], False), ("Coverage", COLORS["untagged"], True)])
        left, right = _text_width("100%") + 10, width - 6
        plot_top, plot_h = d.y + 10, 180 if width > NARROW else 160
        bottom = plot_top + plot_h
        slot = (right - left) / len(items)
        d.height = bottom + 26
        for pct in (0, 25, 50, 75, 100):
            y = bottom - plot_h * pct / 100
            d.line(left, y, right, y)
            d.text(left - 6, y + 4, f"{pct}%", anchor="end", fill=MUTED)
        every = max(1, math.ceil((_text_width("30 Nov") + 12) / slot))
        for name, color, dash in (("value_ratio", COLORS["real"], None),
                                  ("coverage", COLORS["untagged"], "6 4")):
            runs, run = [], []
            for i, (_, _, g) in enumerate(items):
                if g[name] is None:
                    runs, run = runs + [run] if run else runs, []
                    continue
                run.append((left + (i + .5) * slot, bottom - plot_h * g[name]))
            runs += [run] if run else []
            for run in runs:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                d.parts.append(f'<polyline points="{points}" fill="none" stroke="{color}"'
                               f'{_page_color(color)} stroke-width="2.5"{dashed}/>')
                if name == "value_ratio":
                    d.parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"'
                                f'{_page_color(color)}/>' for x, y in run]
        for i, (tick, name, g) in enumerate(items):
            x = left + i * slot
            if (len(items) - 1 - i) % every == 0:  # the latest week always labelled
                d.text(x + slot / 2, bottom + 18, tick, anchor="middle", fill=MUTED)
            ratio = ("none (nothing tagged real or busywork)" if g["value_ratio"] is None
                     else f"{g['value_ratio'] * 100:.0f}%")
            d.point((x, plot_top, slot, plot_h), [
                name[:1].upper() + name[1:], f"value ratio {ratio}",
                "coverage " + ("none" if g["coverage"] is None
                               else f"{g['coverage'] * 100:.0f}%")])
        return d

    return _both(draw, label, title)


def _rows(items, title, empty, wide=WIDE):
    """Horizontal bars of active time by tag: items are (name, group); the total at each end."""
    totals = [sum(g[f"{t}_seconds"] for t in COLORS) for _, g in items]
    if not items or max(totals) < 30:
        return _empty(title, empty, wide)
    most = max(totals)
    label = f"{title}: " + "; ".join(f"{name} {duration(total)}" for (name, _), total
                                     in zip(items, totals, strict=True)) + "."

    def draw(width):
        d = _Drawing(width)
        d.title(title)
        d.legend([(TAG_LABELS[t], COLORS[t], None) for t in COLORS])
        # Wide: names on the left of the bars; narrow: each name above its bar.
        names_w = 0 if width <= NARROW else min(max(_text_width(n) for n, _ in items) + 12,
                                                width * 0.3)
        value_w = _text_width("10 h 00 min") + 8
        y = d.y + 6
        for (name, group), total in zip(items, totals, strict=True):
            if names_w:
                d.text(names_w - 10, y + 15, name, anchor="end")
            else:
                y += 16
                d.text(4, y + 2, name)
                y += 6
            bar_top, x = y + 3, names_w + 4
            span = width - names_w - value_w - 8
            for t in COLORS:
                w = span * group[f"{t}_seconds"] / most
                if w > 0:
                    d.rect(x, bar_top, w, 18, COLORS[t])
                    x += w
            d.text(x + 6, bar_top + 14, duration(total), fill=MUTED)
            d.point((0, y, width, 24), [name, f"{duration(total)} active", *_tags_line(group)])
            y += 28
        d.height = y + 6
        return d

    return _both(draw, label, title, wide)


def time_by_site(groups, title="Active time by site", width=WIDE):
    """A bar per site (groups of report.stats by site, with the names people read)."""
    return _rows([(str(g["key"]), g) for g in groups], title, "No active time in these dates.",
                 width)


def time_by_tag(totals, title="Active time by tag"):
    """One bar: where the active time of the range went, tag by tag."""
    whole = sum(totals[f"{t}_seconds"] for t in COLORS)
    if whole < 30:
        return _empty(title, "No active time in these dates.")
    shares = {t: totals[f"{t}_seconds"] / whole for t in COLORS}
    label = f"{title}: " + ", ".join(
        f"{TAG_LABELS[t].lower()} {duration(totals[f'{t}_seconds'])} ({shares[t] * 100:.0f}%)"
        for t in COLORS) + "."

    def draw(width):
        d = _Drawing(width)
        d.title(title)
        d.legend([(TAG_LABELS[t], COLORS[t], None) for t in COLORS])
        x, top = 4, d.y + 6
        for t in COLORS:
            w = (width - 8) * shares[t]
            if w > 0:
                d.rect(x, top, w, 26, COLORS[t])
                d.point((x, top, w, 26), [TAG_LABELS[t], duration(totals[f"{t}_seconds"]),
                                          f"{shares[t] * 100:.0f}% of the active time"])
                x += w
        d.height = top + 34
        return d

    return _both(draw, label, title)
