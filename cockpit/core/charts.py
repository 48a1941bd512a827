"""What a chart shows, in plain data: series in display units, the SLO line, and the incident's
events on the time axis. "Did p95 fall after the rollback at 14:02?" is answered by this data;
the screen only draws it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.core.model import Measure, Reading
from cockpit.core.records import Event, EventKind

WINDOWS: tuple[tuple[str, float], ...] = (("15m", 900.0), ("1h", 3600.0), ("6h", 21600.0))
DEFAULT_WINDOW = 3600.0
# Events worth a mark on the time axis: what people did and said, not machine chatter.
MARKED_KINDS = (EventKind.ACTION, EventKind.NOTE, EventKind.STATUS)
MAX_LABEL = 60


def display_scale(unit: str) -> tuple[float, str]:
    """Multiplier and axis label that turn base units (s, ratio) into what people read."""
    if unit == "seconds":
        return 1000.0, "ms"
    if unit == "ratio":
        return 100.0, "%"
    if unit == "age":
        return 1 / 3600, "hours"
    return 1.0, ""


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    # Minutes relative to the chart's `now` (negative = past) and values in display units.
    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Marker:
    at_minutes: float
    label: str
    kind: str


@dataclass(frozen=True, slots=True)
class ChartData:
    title: str
    unit_label: str
    window: float
    now: datetime
    series: tuple[Series, ...] = ()
    slo: float | None = None  # display units
    slo_label: str = ""
    markers: tuple[Marker, ...] = ()
    error: str = ""
    ticks: tuple[tuple[float, str], ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not any(s.x for s in self.series)


def minutes_before(now: datetime, at: datetime) -> float:
    return (at - now).total_seconds() / 60.0


def time_ticks(now: datetime, window: float, count: int = 5) -> tuple[tuple[float, str], ...]:
    """Evenly spaced ticks labelled with UTC wall-clock time (HH:MM)."""
    ticks = []
    for i in range(count):
        offset = -window + i * window / (count - 1)
        moment = now.timestamp() + offset
        label = datetime.fromtimestamp(moment, now.tzinfo).strftime("%H:%M")
        ticks.append((offset / 60.0, label))
    return tuple(ticks)


def build_chart(
    title: str,
    measures: Sequence[Measure],
    readings: Iterable[Reading],
    events: Iterable[Event],
    now: datetime,
    window: float,
    error: str = "",
) -> ChartData:
    """Series per measure (the one people watch is drawn last, on top), the SLO line of the
    measure with the tightest SLO that is plotted, and a marker per action / note / status
    inside the window."""
    start = now.timestamp() - window
    unit = measures[0].unit if measures else "count"
    scale, unit_label = display_scale(unit)
    points: dict[str, list[tuple[float, float]]] = {m.key: [] for m in measures}
    for reading in readings:
        stamp = reading.observed_at.timestamp()
        if stamp < start or reading.error is not None:
            continue
        for m in measures:
            value = reading.values.get(m.key)
            if value is not None and math.isfinite(value):
                points[m.key].append((minutes_before(now, reading.observed_at), value * scale))
    series = []
    for m in measures:
        pairs = sorted(points[m.key])
        if pairs:
            series.append(Series(m.label, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)))
    slo_measure = measures[-1] if measures else None
    slo = None
    slo_label = ""
    if slo_measure is not None and slo_measure.threshold.crit is not None:
        slo = slo_measure.threshold.crit * scale
        slo_label = f"{slo_measure.label} SLO"
    markers = []
    for event in events:
        if event.kind not in MARKED_KINDS or event.occurred_at.timestamp() < start:
            continue
        if event.occurred_at > now:
            continue
        text = event.text.split("\n")[0]
        if len(text) > MAX_LABEL:
            text = text[: MAX_LABEL - 1] + "…"
        markers.append(
            Marker(minutes_before(now, event.occurred_at), text, event.kind.value)
        )
    return ChartData(
        title=title,
        unit_label=unit_label,
        window=window,
        now=now,
        series=tuple(series),
        slo=slo,
        slo_label=slo_label,
        markers=tuple(markers),
        error=error,
        ticks=time_ticks(now, window),
    )
