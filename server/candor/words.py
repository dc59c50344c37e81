"""Numbers in words people read: one duration format everywhere, and counts with their noun.

The dashboard, the CLI, the charts and the HTML report all print through these, so a
duration never reads "164m" in one place and "2 h 44 min" in another. The extension's
popup has the same two in JavaScript (extension/ui/format.js), rounding the same way.
"""

import math

# Nouns whose plural is not the noun and an "s".
_IRREGULAR = {"copy": "copies", "was": "were", "is": "are", "has": "have", "entry": "entries",
              "reply": "replies", "retry": "retries", "its": "their"}


def _round(number):
    """Halves rounded up, as JavaScript's Math.round does (Python's round() goes to even)."""
    return math.floor(number + 0.5)


def duration(seconds):
    """Seconds as people read a duration: 30 s, 45 min, 2 h 44 min, 3 h 05 min."""
    whole = _round(max(seconds or 0, 0))
    if whole < 60:
        return f"{whole} s"
    minutes = _round(whole / 60)  # minutes first, so 59 min 50 s reads "1 h 00 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def plural(count, noun, many=None):
    """The count and its noun: '1 prompt', '2 prompts', '1,204 events', '3 copies'.

    `many` is the plural where it is not the noun and an "s" (and not one of the few known).
    """
    count = count or 0
    many = many or _IRREGULAR.get(noun) or f"{noun}s"
    return f"{count:,} {noun if count == 1 else many}"
