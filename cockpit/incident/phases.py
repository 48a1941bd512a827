"""Incident phases and their time boxes: detect → triage → mitigate → communicate → postmortem.

An incident does not announce which phase it is in, so the phases are read from what the record
already holds: the first signal (detect), the declaration (triage), the incident going active or
the first action taken (mitigate), mitigated (communicate: tell people it is fixed, watch it
hold) and resolved (postmortem). Anyone can also mark a phase by hand; a hand mark wins over the
derived one for that phase, because the person on call knows better than a heuristic.

Each phase has a time box (from config, else the runbook, else the defaults here). The header
shows the current phase against its box; an overrun is shown as a word, not only a colour, and
written to the timeline once. Pure Python: the app feeds times in and records what comes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cockpit.core.records import Event, EventKind, Incident, IncidentStatus, format_utc, utc

SOURCE = "phases"


class Phase(StrEnum):
    DETECT = "detect"
    TRIAGE = "triage"
    MITIGATE = "mitigate"
    COMMUNICATE = "communicate"
    POSTMORTEM = "postmortem"

    @classmethod
    def parse(cls, text: str) -> Phase | None:
        """The phase a word in a runbook or config names, or None; runbooks rarely agree on
        vocabulary ("ack", "diagnosis", "comms", "PIR"), so synonyms count."""
        word = re.sub(r"[^a-z]", "", text.lower())
        for phase, pattern in _SYNONYMS:
            if pattern.fullmatch(word):
                return phase
        return None

    @property
    def order(self) -> int:
        return PHASE_ORDER.index(self)


PHASE_ORDER: tuple[Phase, ...] = tuple(Phase)

_SYNONYMS: tuple[tuple[Phase, re.Pattern[str]], ...] = (
    (Phase.DETECT, re.compile(r"detect\w*|ack|acknowledge\w*")),
    (Phase.TRIAGE, re.compile(r"triage\w*|diagnos\w*|investigat\w*")),
    (Phase.MITIGATE, re.compile(r"mitigat\w*|remediat\w*")),
    (Phase.COMMUNICATE, re.compile(r"communicat\w*|comms|statusupdates?")),
    (Phase.POSTMORTEM, re.compile(r"postmortem\w*|postincident\w*|pir|retro\w*")),
)

# A starting point only: a runbook's own boxes and the config replace these.
DEFAULT_BOXES: Mapping[Phase, float] = {
    Phase.DETECT: 5 * 60.0,
    Phase.TRIAGE: 10 * 60.0,
    Phase.MITIGATE: 30 * 60.0,
    Phase.COMMUNICATE: 15 * 60.0,
    Phase.POSTMORTEM: 5 * 86400.0,
}


def resolve_boxes(*layers: Mapping[Phase | str, float] | None) -> dict[Phase, float]:
    """Merge time boxes; a later layer wins (defaults, then runbook, then config). Unknown
    phase names are ignored here: config validation is where they are reported."""
    boxes: dict[Phase, float] = {}
    for layer in layers:
        for name, seconds in (layer or {}).items():
            phase = name if isinstance(name, Phase) else Phase.parse(name)
            if phase is not None and seconds > 0:
                boxes[phase] = float(seconds)
    return boxes


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An event for `Recorder.record(kind, text, source, data)`; built here so the app's
    wiring is one call and the wording is tested with the logic."""

    kind: EventKind
    text: str
    source: str
    data: Mapping[str, Any] = field(default_factory=dict)


# ---- marks: when each phase began ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseMark:
    phase: Phase
    at: datetime
    origin: str = "derived"  # "derived" (from the record) or "manual" (marked by a person)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", utc(self.at))


def derive_marks(
    *,
    started_at: datetime,
    detected_at: datetime | None = None,
    active_at: datetime | None = None,
    first_action_at: datetime | None = None,
    mitigated_at: datetime | None = None,
    resolved_at: datetime | None = None,
    manual: Iterable[PhaseMark] = (),
) -> list[PhaseMark]:
    """When each phase began, in time order. `detected_at` is the first breach or alert;
    `active_at` is the incident leaving status triage; a hand mark replaces the derived
    mark of its phase (the earliest hand mark per phase counts) and outranks derived marks of
    earlier phases that come after it."""
    derived: dict[Phase, datetime] = {}
    if detected_at is not None and utc(detected_at) < utc(started_at):
        derived[Phase.DETECT] = detected_at
    derived[Phase.TRIAGE] = started_at
    # Mitigation starts at whichever comes first: the status saying so, or the first action.
    begun = [t for t in (active_at, first_action_at) if t is not None and t >= started_at]
    if begun:
        derived[Phase.MITIGATE] = min(begun)
    if mitigated_at is not None:
        derived[Phase.COMMUNICATE] = mitigated_at
    if resolved_at is not None:
        derived[Phase.POSTMORTEM] = resolved_at
    hand: dict[Phase, datetime] = {}
    for mark in manual:
        if mark.phase not in hand or mark.at < hand[mark.phase]:
            hand[mark.phase] = mark.at
    # A derived mark never takes the phase back behind a hand mark made before it: once the
    # person on call says "communicate", a scale that follows is part of that phase, not a
    # return to mitigation.
    marks = [
        PhaseMark(p, t, "derived")
        for p, t in derived.items()
        if p not in hand
        and not any(hp.order >= p.order and ht <= t for hp, ht in hand.items())
    ]
    marks += [PhaseMark(p, t, "manual") for p, t in hand.items()]
    # Equal times (declared and acted in the same second) keep the phases in their order.
    return sorted(marks, key=lambda m: (m.at, m.phase.order))


def manual_marks(events: Iterable[Event]) -> list[PhaseMark]:
    """Hand marks as recorded by `mark_entry`, read back from the timeline."""
    marks = []
    for event in events:
        name = event.data.get("phase_mark")
        phase = Phase.parse(name) if isinstance(name, str) else None
        if phase is not None and not event.deleted:
            marks.append(PhaseMark(phase, event.occurred_at, "manual"))
    return marks


def mark_entry(phase: Phase) -> TimelineEntry:
    """The event that records a phase marked by hand."""
    return TimelineEntry(
        EventKind.SYSTEM,
        f"Phase: {phase.value} (marked by hand)",
        SOURCE,
        {"phase_mark": phase.value},
    )


# ---- state: where we are now ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    phase: Phase
    start: datetime
    end: datetime | None  # None: still running
    box: float | None  # seconds; None: no time box

    def duration(self, now: datetime) -> float:
        return max(0.0, ((self.end or now) - self.start).total_seconds())

    def overrun(self, now: datetime) -> float:
        """Seconds past the box (0 when within it or without one)."""
        if self.box is None:
            return 0.0
        return max(0.0, self.duration(now) - self.box)


@dataclass(frozen=True, slots=True)
class PhaseState:
    spans: tuple[PhaseSpan, ...]
    now: datetime
    closed: bool = False  # the incident is closed: no phase is running

    @property
    def current(self) -> PhaseSpan | None:
        if self.closed or not self.spans or self.spans[-1].end is not None:
            return None
        return self.spans[-1]

    @property
    def elapsed(self) -> float:
        span = self.current
        return span.duration(self.now) if span else 0.0

    @property
    def overrun(self) -> float:
        span = self.current
        return span.overrun(self.now) if span else 0.0

    @property
    def remaining(self) -> float | None:
        span = self.current
        if span is None or span.box is None:
            return None
        return span.box - span.duration(self.now)

    def header(self) -> str:
        """`TRIAGE 3:12/10:00`, then `TRIAGE OVER +4:10` once past the box: the word carries
        the meaning so no one depends on colour, and it stays short enough for 80 columns."""
        span = self.current
        if span is None:
            return ""
        name = span.phase.value.upper()
        over = span.overrun(self.now)
        if over > 0:
            return f"{name} OVER +{clock(over)}"
        text = f"{name} {clock(span.duration(self.now))}"
        return text if span.box is None else f"{text}/{clock(span.box)}"

    def totals(self) -> dict[Phase, float]:
        """Time spent per phase, summed when a phase came back (mitigated, then regressed)."""
        totals: dict[Phase, float] = {}
        for span in self.spans:
            totals[span.phase] = totals.get(span.phase, 0.0) + span.duration(self.now)
        return totals


def phase_state(
    marks: Sequence[PhaseMark],
    boxes: Mapping[Phase, float],
    now: datetime,
    *,
    closed_at: datetime | None = None,
) -> PhaseState:
    """Spans between consecutive marks; the last runs until `closed_at` or now. Marks after
    `now` (a clock that moved backwards) are left out rather than shown as negative time."""
    now = utc(now)
    ordered = sorted((m for m in marks if m.at <= now), key=lambda m: (m.at, m.phase.order))
    spans: list[PhaseSpan] = []
    for index, mark in enumerate(ordered):
        end = ordered[index + 1].at if index + 1 < len(ordered) else None
        if end is None and closed_at is not None:
            end = max(mark.at, utc(closed_at))
        spans.append(PhaseSpan(mark.phase, mark.at, end, boxes.get(mark.phase)))
    return PhaseState(tuple(spans), now, closed=closed_at is not None)


class PhaseWatch:
    """Turns successive states into timeline entries, each written once: a phase that ended
    (with how long it took against its box) and a phase that overran its box while running.

    Seed it with the incident's events so a restarted cockpit does not write them again."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._seen: set[str] = set()
        for event in events:
            key = event.data.get("phase_key")
            if isinstance(key, str):
                self._seen.add(key)

    def check(self, state: PhaseState) -> list[TimelineEntry]:
        entries = []
        for span in state.spans:
            start = format_utc(span.start)
            if span.end is not None:
                key = f"ended:{span.phase.value}:{start}"
                if key not in self._seen:
                    self._seen.add(key)
                    entries.append(self._ended(span, state.now, key))
            elif span.overrun(state.now) > 0:
                key = f"overrun:{span.phase.value}:{start}"
                if key not in self._seen:
                    self._seen.add(key)
                    entries.append(self._overrun(span, state.now, key))
        return entries

    @staticmethod
    def _ended(span: PhaseSpan, now: datetime, key: str) -> TimelineEntry:
        took = span.duration(now)
        text = f"Phase {span.phase.value} took {clock(took)}"
        over = span.overrun(now)
        if span.box is not None:
            text += f" (time box {clock(span.box)}" + (
                f", over by {clock(over)})" if over > 0 else ")"
            )
        return TimelineEntry(
            EventKind.SYSTEM,
            text,
            SOURCE,
            {
                "phase_key": key,
                "phase": span.phase.value,
                "seconds": round(took, 3),
                "box": span.box,
                "overrun": round(over, 3),
            },
        )

    @staticmethod
    def _overrun(span: PhaseSpan, now: datetime, key: str) -> TimelineEntry:
        assert span.box is not None
        return TimelineEntry(
            EventKind.SYSTEM,
            f"Phase {span.phase.value} is over its {clock(span.box)} time box "
            f"({clock(span.duration(now))} so far)",
            SOURCE,
            {
                "phase_key": key,
                "phase": span.phase.value,
                "box": span.box,
                "seconds": round(span.duration(now), 3),
            },
        )


def clock(seconds: float) -> str:
    """`4:05`, `1:02:03`, `2d03h`: short enough for the header at 80 columns."""
    s = max(0, int(seconds))
    if s >= 86400:
        return f"{s // 86400}d{s % 86400 // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


# ---- from the incident record ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordMarks:
    marks: tuple[PhaseMark, ...]
    closed_at: datetime | None = None


def marks_from_record(incident: Incident, events: Iterable[Event]) -> RecordMarks:
    """Phase marks from what the timeline holds: the first breach or alert (detect), the
    declaration (triage), going active or the first action (mitigate), mitigated
    (communicate), resolved (postmortem); closed ends them all."""
    live = sorted((e for e in events if not e.deleted), key=lambda e: e.occurred_at)

    def first(test: Any) -> datetime | None:
        return next((e.occurred_at for e in live if test(e)), None)

    detected = first(
        lambda e: (
            (e.kind is EventKind.SLO and e.data.get("breached") is True)
            or (e.kind is EventKind.ALERT and e.data.get("state") == "firing")
        )
    )
    active = first(lambda e: e.kind is EventKind.STATUS and e.data.get("to") == "active")
    action = first(lambda e: e.kind is EventKind.ACTION and e.data.get("phase") == "intent")
    closed = None
    if incident.status is IncidentStatus.CLOSED:
        closed = first(lambda e: e.kind is EventKind.STATUS and e.data.get("to") == "closed")
        closed = closed or incident.resolved_at or incident.started_at
    marks = derive_marks(
        started_at=incident.started_at,
        detected_at=detected,
        active_at=active,
        first_action_at=action,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        manual=manual_marks(live),
    )
    return RecordMarks(tuple(marks), closed)
