"""Parsing and formatting of durations, ages and panel values.

One place for every unit rule so that panels, `cockpit snapshot` and config errors agree.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str | float | int) -> float:
    """Seconds from a Prometheus-style duration: "300ms", "15s", "1h30m", or a bare number."""
    if isinstance(text, bool):
        raise ValueError("expected a duration, found a boolean")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ValueError(f"expected a non-negative duration, found {text!r}")
        return float(text)
    cleaned = text.strip()
    if not cleaned:
        raise ValueError('expected a duration like "300ms", "15s" or "12h", found an empty string')
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(cleaned):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(cleaned) or pos == 0:
        raise ValueError(
            f'expected a duration like "300ms", "15s", "1h30m" or "12h", found {text!r}'
        )
    return total


def short_age_next_change(seconds: float) -> float:
    """The smallest age after `seconds` at which `short_age` may show another text: the next
    second while seconds are shown, the next minute while minutes are, and so on (early rather
    than late: a caller may look again for nothing, never miss a change)."""
    if math.isnan(seconds):
        return math.inf
    if seconds < 0:
        return math.floor(seconds) + 1.0
    s = int(seconds)
    for below, step in ((10 * 60, 1), (8 * 3600, 60), (8 * 86400, 3600)):
        if s < below:
            return float((s // step + 1) * step)
    return float((s // 86400 + 1) * 86400)


def short_age(seconds: float) -> str:
    """kubectl's short human duration (`kubectl get` AGE column): 45s, 3m12s, 5h, 2d3h, 3y."""
    if math.isnan(seconds) or int(seconds) < -1:
        return "<invalid>"
    # kubectl tolerates up to a second of clock skew between client and server as "now".
    s = max(0, int(seconds))
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        rem = days % 365
        return f"{days // 365}y{rem}d" if rem else f"{days // 365}y"
    return f"{hours // 24 // 365}y"


def format_seconds_as_ms(value: float) -> str:
    ms = value * 1000.0
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def format_ratio_as_percent(value: float) -> str:
    pct = value * 100.0
    if pct >= 10:
        return f"{pct:.1f} %"
    return f"{pct:.2f} %"


def format_count(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} M"
    if value >= 10_000:
        return f"{value / 1000:.1f} k"
    return f"{value:.0f}"


def format_hours(seconds: float) -> str:
    """Backup age: hours and minutes up to two days, then days and hours."""
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    hours = int(seconds // 3600)
    if hours < 48:
        return f"{hours} h {int(seconds % 3600 // 60):02d} min"
    return f"{hours // 24} d {hours % 24} h"


def format_clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def format_elapsed(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_value(unit: str, value: float) -> str:
    """A measure's value in the unit people read it in: ms, %, a count, hours."""
    if math.isnan(value):
        return "NaN"
    if unit == "seconds":
        return format_seconds_as_ms(value)
    if unit == "ratio":
        return format_ratio_as_percent(value)
    if unit == "age":
        return format_hours(value)
    return format_count(value)


def format_threshold(unit: str, crit: float | None, warn: float | None = None) -> str:
    """The bound a value must stay under; ages show both bounds ("< 12h/36h")."""
    if crit is None:
        return "no SLO" if warn is None else f"warn ≥ {format_value(unit, warn)}"
    if unit == "age":
        if warn is not None:
            return f"< {_compact_hours(warn)}/{_compact_hours(crit)}"
        return f"< {_compact_hours(crit)}"
    return f"< {format_value(unit, crit)}"


def _compact_hours(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds % 60 == 0 and seconds < 3600:
        return f"{int(seconds // 60)}m"
    return f"{seconds / 3600:.1f}h"
