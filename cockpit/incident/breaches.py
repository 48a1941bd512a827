"""SLO breach and recovery per panel, debounced, as timeline events.

A single slow scrape must not write "breached" into the incident record, and a value hovering
around its threshold must not write ten breach/recovery pairs. So:

- a breach is confirmed after `confirm_readings` CRIT readings in a row; it is dated at the
  first of them (that is when the user-visible trouble began);
- a recovery needs the panel below CRIT for `recover_after` seconds *and* `confirm_readings`
  readings; it is dated at the first good reading of that run;
- error, stale and unknown readings neither confirm nor clear anything: a source that cannot be
  read says nothing about the SLO;
- a cockpit started while the SLO is already broken confirms the breach only after it starts,
  but the record must say when the data went bad: `first_bad_at` walks the panel's history
  (backfilled from the source's range API) back over the unbroken run of CRIT samples.

Pure Python: the app feeds readings in and writes what comes out to the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.core.model import Measure, Reading, Status
from cockpit.core.units import format_threshold, format_value

CONFIRM_READINGS = 2
RECOVER_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class SloChange:
    """A confirmed breach (`breached=True`) or recovery of one panel's SLO."""

    panel: str
    title: str
    breached: bool
    occurred_at: datetime
    text: str
    values: dict[str, float] = field(default_factory=dict)


@dataclass
class _PanelTrack:
    breached: bool = False
    run_start: datetime | None = None  # first reading of the current candidate run
    run_length: int = 0
    run_values: dict[str, float] = field(default_factory=dict)


def describe_values(measures: Iterable[Measure], values: dict[str, float], only_crit: bool) -> str:
    """`p95 412 ms (SLO < 300 ms)` for the measures that matter in the event text."""
    parts = []
    for m in measures:
        value = values.get(m.key)
        if value is None:
            continue
        if only_crit and m.threshold.evaluate(value) is not Status.CRIT:
            continue
        bound = format_threshold(m.unit, m.threshold.crit)
        parts.append(f"{m.label} {format_value(m.unit, value)} (SLO {bound})")
    return ", ".join(parts)


def first_bad_at(readings: Sequence[Reading], confirmed_from: datetime) -> datetime:
    """The first sample of the unbroken CRIT run that ends in the breach confirmed from
    `confirmed_from`: history readings (oldest first) are walked back from there, and the run
    ends at the first one that is not CRIT. `confirmed_from` when history has nothing older."""
    first = confirmed_from
    for reading in reversed(readings):
        if reading.observed_at >= confirmed_from:
            continue
        if reading.status is not Status.CRIT:
            break
        first = reading.observed_at
    return first


class BreachTracker:
    def __init__(
        self,
        panels: Sequence[tuple[str, str, tuple[Measure, ...]]],
        *,
        confirm_readings: int = CONFIRM_READINGS,
        recover_after: float = RECOVER_AFTER,
    ) -> None:
        """`panels`: (panel id, title, measures) of every panel whose SLO is tracked."""
        self._panels = {panel: (title, measures) for panel, title, measures in panels}
        self._tracks = {panel: _PanelTrack() for panel in self._panels}
        self.confirm_readings = max(1, confirm_readings)
        self.recover_after = recover_after

    def breached(self) -> list[str]:
        return [panel for panel, track in self._tracks.items() if track.breached]

    def feed(self, reading: Reading) -> SloChange | None:
        track = self._tracks.get(reading.panel)
        if track is None or reading.status not in (Status.OK, Status.WARN, Status.CRIT):
            return None
        crit = reading.status is Status.CRIT
        # A reading that continues the run towards the other state lengthens it; anything
        # else (back to the current state) ends the candidate run.
        if crit != track.breached:
            if track.run_start is None:
                track.run_start = reading.observed_at
                track.run_length = 0
                track.run_values = dict(reading.values)
            track.run_length += 1
        else:
            track.run_start = None
            track.run_length = 0
            return None
        start = track.run_start
        assert start is not None
        enough = track.run_length >= self.confirm_readings
        if not crit:
            enough = enough and (reading.observed_at - start).total_seconds() >= self.recover_after
        if not enough:
            return None
        track.breached = crit
        track.run_start = None
        track.run_length = 0
        return self._change(reading.panel, crit, start, track.run_values, dict(reading.values))

    def _change(
        self,
        panel: str,
        breached: bool,
        at: datetime,
        first_values: dict[str, float],
        last_values: dict[str, float],
    ) -> SloChange:
        title, measures = self._panels[panel]
        if breached:
            detail = describe_values(measures, first_values, only_crit=True)
            text = f"{title}: SLO breached" + (f" — {detail}" if detail else "")
            values = first_values
        else:
            detail = describe_values(measures, last_values, only_crit=False)
            text = f"{title}: SLO recovered" + (f" — {detail}" if detail else "")
            values = last_values
        return SloChange(panel, title, breached, at, text, values)
