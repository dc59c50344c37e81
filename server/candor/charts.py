"""Charts of the journal as self-contained SVG (pygal), for the dashboard and the exports.

No scripts and no external files: the SVG is inlined into the page, so it works
offline, prints, and goes into the coach's HTML export unchanged.
"""

import re

import pygal
from pygal.style import Style

COLORS = {"real": "#1f6f5c", "busywork": "#b5462f", "unsure": "#9a7412", "untagged": "#79808c"}
TAG_LABELS = {"real": "Real output", "busywork": "Busywork", "unsure": "Unsure",
              "untagged": "Untagged"}

_STYLE_SETTINGS = dict(
    background="transparent",
    plot_background="transparent",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#4f5b70",
    opacity=".85",
    opacity_hover="1",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    title_font_size=15,
    colors=tuple(COLORS.values()),
)


def _config(colors=None, **extra):
    """Settings every chart shares: inline-ready SVG, no JavaScript, our style."""
    style = Style(**{**_STYLE_SETTINGS, **({"colors": colors} if colors else {})})
    return {"style": style, "js": [], "disable_xml_declaration": True,
            "explicit_size": False, "legend_at_bottom": True, "legend_at_bottom_columns": 4,
            "print_values": False, "show_y_guides": True, "margin": 8, "margin_bottom": 24,
            "truncate_label": -1, "truncate_legend": -1, **extra}


def _render(chart):
    """The chart's SVG without pygal's inline script (tooltip settings) or comments.

    pygal always writes a small config script; the charts need no script, the
    dashboard's CSP would refuse it and the coach's export must hold none.
    """
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S)


def ratio_over_time(groups, title="Value ratio and coverage, week by week"):
    """Line chart of the value ratio and its coverage per group (weeks or days), in %."""
    chart = pygal.Line(**_config(title=title, height=330, width=900, range=(0, 100),
                                 y_labels=[0, 25, 50, 75, 100], show_minor_x_labels=False,
                                 x_label_rotation=0, dots_size=2,
                                 value_formatter=lambda v: f"{v:.0f}%",
                                 colors=(COLORS["real"], COLORS["untagged"])))
    # "2026-W48" → "W48", unless the range spans years.
    years = {str(g["key"])[:4] for g in groups}
    labels = [g["key"] if len(years) > 1 else str(g["key"])[5:] for g in groups]
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 8)]

    def percent(value):
        return None if value is None else round(value * 100, 1)

    chart.add("Value ratio", [percent(g["value_ratio"]) for g in groups])
    chart.add("Coverage", [percent(g["coverage"]) for g in groups], stroke_style={
        "dasharray": "6, 4"})
    return _render(chart)


def _tag_minutes(group, tag):
    return round(group[f"{tag}_seconds"] / 60, 1)


def time_by(groups, title, horizontal=False, height=320, width=900):
    """Stacked bars of active minutes by tag, one bar per group (site, hour…)."""
    kind = pygal.HorizontalStackedBar if horizontal else pygal.StackedBar
    chart = kind(**_config(title=title, height=height, width=width, legend_at_bottom_columns=2,
                           x_label_rotation=30 if horizontal else 0, show_minor_x_labels=False,
                           value_formatter=lambda v: f"{v:.0f} min"))
    chart.x_labels = [str(g["key"]) for g in groups]
    if len(groups) > 12:  # e.g. 24 hours: label every third one
        chart.x_labels_major = chart.x_labels[::3]
    for tag in COLORS:
        chart.add(TAG_LABELS[tag], [_tag_minutes(g, tag) for g in groups])
    return _render(chart)


def time_by_tag(totals, title="Active time by tag"):
    """One stacked bar: where the active time of the range went."""
    chart = pygal.HorizontalStackedBar(**_config(title=title, height=170, width=900,
                                                 value_formatter=lambda v: f"{v:.0f} min"))
    chart.x_labels = [""]
    for tag in COLORS:
        chart.add(TAG_LABELS[tag], [_tag_minutes(totals, tag)])
    return _render(chart)
