"""What the Settings page's form shows: date formats, goals, signal thresholds in people's units."""

from .. import goals, settings, signals, time_zone

# How the form shows a threshold of each unit: (the unit's words, API value per shown unit).
# Times are typed in seconds and shares in percent; the API keeps milliseconds and fractions.
_SHOWN = {"count": ("", 1), "share": ("%", 0.01), "ms": ("s", 1000)}
# Dates all in figures read differently in different countries: say which comes first.
_ORDER = {"YYYY-MM-DD": "(year-month-day, ISO)", "D/M/YYYY": "(day/month/year)",
          "M/D/YYYY": "(month/day/year)", "D.M.YYYY": "(day.month.year)"}
_SIGNAL_WORDS = {
    "repeated_prompts": "the same prompt sent again and again",
    "no_reading_time": "a long answer, then the session ended at once",
    "burst": "prompts sent faster than the answers could be read",
    "no_outcome": "many tokens and nothing to show for them",
    "loop": "an agent calling one tool over and over",
    "unattended": "an agent working on with nobody there",
    "retries": "model calls that failed",
}


def _shown(value, per):
    """An API value in the form's unit, without a trailing .0."""
    shown = round(value / per, 6)
    return int(shown) if shown == int(shown) else shown


def threshold_groups(db):
    """The thresholds by signal, in the form's units: [{signal, words, thresholds: [...]}]."""
    current = signals.threshold_values(db)
    groups = {}
    for f in signals.threshold_fields():
        meta = f.metadata
        unit, per = _SHOWN[meta["unit"]]
        whole = f.type in (int, "int") and per >= 1
        groups.setdefault(meta["signal"], []).append({
            "name": f.name, "label": meta["label"], "unit": unit, "per": per,
            "value": _shown(current[f.name], per), "default": _shown(f.default, per),
            "low": _shown(meta["low"], per), "high": _shown(meta["high"], per),
            "step": 1 if whole and per == 1 else "any", "whole": f.type in (int, "int"),
            "changed": current[f.name] != f.default,
        })
    return [{"signal": name, "title": name.replace("_", " ").capitalize(),
             "words": _SIGNAL_WORDS.get(name, ""), "thresholds": items}
            for name, items in groups.items()]


def context(db):
    """Everything the Settings page's form needs, read from the journal."""
    today = time_zone.today(time_zone.zone(db))
    return {
        "date_format": settings.date_format(db),
        "date_formats": [(pattern, " ".join(filter(None, (settings.format_date(today, pattern),
                                                          _ORDER.get(pattern)))))
                         for pattern in settings.DATE_FORMATS],
        "threshold_groups": threshold_groups(db),
        "goals": {name: None if value is None else round(value * 100)
                  for name, value in goals.get_goals(db).items()},
        "titles": settings.titles_seen(db),
    }
