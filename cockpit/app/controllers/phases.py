"""Incident phase timers in the cockpit: which phase the incident is in, against its time box,
for the header; an overrun (and each phase's end) is written to the timeline once.

`PhaseController` belongs to `CockpitApp` and needs `PhaseHost` of it. The marks come from
the record (re-read when the timeline changes, off the UI path); the clock only moves the
numbers, so each header refresh is arithmetic.
Time boxes: the defaults, then the runbooks' own ("triage 5 min"), then `[runbooks] phases`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from textual.binding import Binding

from cockpit.app.controllers.host import KeepsRecord, Notifies, RunsWork, ShowsScreens
from cockpit.runtime.wiring import Runtime

if TYPE_CHECKING:
    from cockpit.incident.phases import Phase, PhaseWatch, RecordMarks
    from cockpit.runbooks.model import Runbook

log = logging.getLogger(__name__)

PHASE_BINDINGS = [Binding("m", "mark_phase", "Phase", show=False, id="incident.phase")]

LOAD_PHASES = "phases"
# Enough history to find the first breach of any incident a person still has open.
EVENTS_READ = 5000


class PhaseHost(Notifies, ShowsScreens, RunsWork, KeepsRecord, Protocol):
    """What the phase controller needs from the app that owns it."""

    runtime: Runtime

    @property
    def runbooks(self) -> Sequence[Runbook] | None: ...

    def now(self) -> datetime: ...

    def header_changed(self) -> None:
        """Something the header shows was loaded: draw it now, not at the next tick."""
        ...


class PhaseController:
    """The incident's phase against its time box, for the header; the `m` key marks one."""

    def __init__(self, host: PhaseHost) -> None:
        self._host = host
        self._phase_record: RecordMarks | None = None
        self._phase_watch: PhaseWatch | None = None
        self._phase_incident = ""

    def refresh(self) -> None:
        """Re-read the marks from the record (the timeline changed)."""
        app = self._host
        recorder = app.recorder
        if recorder is None or recorder.incident is None:
            self._phase_record = None
            return

        async def load() -> None:
            from cockpit.incident.phases import PhaseWatch, marks_from_record

            incident = recorder.incident
            if incident is None:
                return
            try:
                events = await recorder.events(limit=EVENTS_READ)
            except Exception as error:  # the header goes without the phase, nothing else
                log.info("phases: %s", error)
                return
            if incident.id != self._phase_incident or self._phase_watch is None:
                # Seeded from the record: a restarted cockpit does not log an overrun twice.
                self._phase_watch = PhaseWatch(events)
                self._phase_incident = incident.id
            self._phase_record = marks_from_record(incident, events)
            # Drawn now, not at the next clock tick: the header is complete once this is done.
            app.header_changed()

        # A worker, so a newer load replaces one still running and a test can wait for it.
        app.run_load(load, LOAD_PHASES, "phase marks", exclusive=True)

    def phase_boxes(self) -> dict[Phase, float]:
        from cockpit.incident.phases import DEFAULT_BOXES, resolve_boxes

        app = self._host
        from_runbooks: dict[Phase, float] = {}
        for book in sorted(app.runbooks or [], key=lambda b: b.name):
            for phase, seconds in book.phase_boxes().items():
                from_runbooks.setdefault(phase, seconds)
        return resolve_boxes(DEFAULT_BOXES, from_runbooks, app.runtime.config.runbooks.phases)

    def phase_header(self, now: datetime) -> tuple[str, bool]:
        """(`TRIAGE 3:12/5:00`, overrun?) for the header; logs what the watch finds new."""
        app = self._host
        record, watch, recorder = self._phase_record, self._phase_watch, app.recorder
        if record is None or watch is None or recorder is None or recorder.incident is None:
            return "", False
        if recorder.incident.id != self._phase_incident:
            return "", False  # another incident was attached; its marks are on the way
        from cockpit.incident.phases import phase_state

        state = phase_state(record.marks, self.phase_boxes(), now, closed_at=record.closed_at)
        for entry in watch.check(state):
            app.write_in_background(
                recorder.record(entry.kind, entry.text, entry.source, entry.data), "a phase"
            )
        return state.header(), state.overrun > 0

    def mark_phase(self) -> None:
        """Mark the phase by hand; a hand mark wins over the one derived from the record."""
        from cockpit.incident.phases import Phase, clock, mark_entry, phase_state
        from cockpit.screens.phase_picker import PhasePicker

        app = self._host
        recorder = app.recorder
        if recorder is None or recorder.incident is None:
            app.notify("Declare the incident first (D); phases belong to an incident.")
            return
        boxes = self.phase_boxes()
        current = ""
        if self._phase_record is not None:
            state = phase_state(self._phase_record.marks, boxes, app.now())
            current = state.current.phase.value if state.current else ""
        choices = [(p.value, clock(boxes[p]) if p in boxes else "none") for p in Phase]

        def chosen(name: str | None) -> None:
            phase = Phase.parse(name) if name else None
            if phase is None or phase.value == current:
                return
            entry = mark_entry(phase)
            app.write_in_background(
                recorder.record(entry.kind, entry.text, entry.source, entry.data), "a phase"
            )

        app.push_screen(PhasePicker(choices, current), chosen)
