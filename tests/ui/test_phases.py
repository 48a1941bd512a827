"""Incident phases and their time boxes, with frozen time: which phase, how long against its
box, the overrun as a word in the header, and each overrun written to the timeline once."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from cockpit.core.records import Event, EventKind, Incident, IncidentStatus
from cockpit.incident.phases import (
    DEFAULT_BOXES,
    Phase,
    PhaseWatch,
    marks_from_record,
    phase_state,
    resolve_boxes,
)
from cockpit.incident.phases import clock as phase_clock
from tests.conftest import T0, FakeClock
from tests.support.demo_cockpit import demo_cockpit
from tests.support.screen_text import screen_lines, wait_for
from tests.support.workers import runbooks_read, timeline_ready


def at(minutes: float) -> object:
    return T0 + timedelta(minutes=minutes)


def event(kind: EventKind, minutes: float, **data: object) -> Event:
    when = T0 + timedelta(minutes=minutes)
    return Event("e", "i", when, when, kind, "me", "test", "t", data)


def incident(**stamps: object) -> Incident:
    return Incident("i", "checkout 5xx", "SEV2", "active", T0, **stamps)  # type: ignore[arg-type]


def test_phases_follow_the_record() -> None:
    events = [
        event(EventKind.SLO, -3, breached=True),  # the breach came before the declaration
        event(EventKind.ACTION, 12, phase="intent"),
    ]
    record = marks_from_record(incident(mitigated_at=T0 + timedelta(minutes=40)), events)
    phases = [(m.phase, m.at) for m in record.marks]
    assert phases == [
        (Phase.DETECT, at(-3)),
        (Phase.TRIAGE, at(0)),
        (Phase.MITIGATE, at(12)),
        (Phase.COMMUNICATE, at(40)),
    ]
    state = phase_state(record.marks, DEFAULT_BOXES, T0 + timedelta(minutes=50))
    assert state.current is not None and state.current.phase is Phase.COMMUNICATE
    assert state.header() == "COMMUNICATE 10:00/15:00"
    assert state.totals()[Phase.MITIGATE] == 28 * 60


def test_a_hand_mark_is_not_undone_by_an_action_after_it() -> None:
    # Marked COMMUNICATE by hand at +4 min, then a scale at +6 min: still communicating.
    events = [
        event(EventKind.SYSTEM, 4, phase_mark="communicate"),
        event(EventKind.ACTION, 6, phase="intent"),
    ]
    record = marks_from_record(incident(), events)
    state = phase_state(record.marks, DEFAULT_BOXES, at(7))  # type: ignore[arg-type]
    assert state.current is not None and state.current.phase is Phase.COMMUNICATE
    # A hand mark of an earlier phase, though, is the person moving back: it counts.
    events.append(event(EventKind.SYSTEM, 8, phase_mark="mitigate"))
    record = marks_from_record(incident(), events)
    state = phase_state(record.marks, DEFAULT_BOXES, at(9))  # type: ignore[arg-type]
    assert state.current is not None and state.current.phase is Phase.MITIGATE


def test_an_overrun_is_a_word_and_logged_once() -> None:
    record = marks_from_record(incident(), [])
    boxes = resolve_boxes(DEFAULT_BOXES, {Phase.TRIAGE: 300.0}, {"triage": 240.0})
    assert boxes[Phase.TRIAGE] == 240.0  # config wins over the runbook, which wins over defaults
    watch = PhaseWatch()
    inside = phase_state(record.marks, boxes, T0 + timedelta(minutes=3))
    assert inside.header() == "TRIAGE 3:00/4:00" and watch.check(inside) == []
    over = phase_state(record.marks, boxes, T0 + timedelta(minutes=5, seconds=30))
    assert over.header() == "TRIAGE OVER +1:30"
    (entry,) = watch.check(over)
    assert entry.kind is EventKind.SYSTEM
    assert entry.text == "Phase triage is over its 4:00 time box (5:30 so far)"
    assert watch.check(phase_state(record.marks, boxes, T0 + timedelta(minutes=9))) == []
    # A restarted cockpit reads the record and does not write it again.
    logged = Event("x", "i", T0, T0, entry.kind, "me", entry.source, entry.text, entry.data)
    again = PhaseWatch([logged]).check(over)
    assert again == []


def test_closed_incidents_run_no_phase() -> None:
    closed = Incident(
        "i", "t", "SEV3", IncidentStatus.CLOSED, T0,
        mitigated_at=T0 + timedelta(minutes=5), resolved_at=T0 + timedelta(minutes=9),
    )  # fmt: skip
    record = marks_from_record(closed, [])
    state = phase_state(
        record.marks, DEFAULT_BOXES, T0 + timedelta(days=9), closed_at=record.closed_at
    )
    assert state.header() == ""


def test_clock_is_short_enough_for_the_header() -> None:
    assert [phase_clock(s) for s in (5, 65, 3725, 2 * 86400 + 7200)] == [
        "0:05",
        "1:05",
        "1:02:05",
        "2d02h",
    ]


def phase_events(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT text FROM events WHERE source = 'phases' ORDER BY seq")
        return [text for (text,) in rows.fetchall()]


async def test_header_shows_the_phase_and_the_overrun_once(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(80, 24)) as (app, pilot):
        await timeline_ready(pilot, app)
        await runbooks_read(pilot, app)
        # The demo declared its incident 1:54 ago; api-service.md boxes triage at 5 minutes.
        await wait_for(pilot, lambda: "TRIAGE 1:54/5:00" in screen_lines(app)[0])
        assert "OVER" not in screen_lines(app)[0]
        clock.advance(400)
        await wait_for(pilot, lambda: "TRIAGE OVER +3:34" in screen_lines(app)[0])
        await wait_for(pilot, lambda: phase_events(db))
        clock.advance(60)
        await wait_for(pilot, lambda: "OVER +4:34" in screen_lines(app)[0])
        await pilot.pause()
        assert phase_events(db) == ["Phase triage is over its 5:00 time box (8:34 so far)"]


async def test_m_marks_the_phase_by_hand_and_the_record_keeps_it(
    clock: FakeClock, tmp_path: Path
) -> None:
    from cockpit.screens.phase_picker import PhasePicker

    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(100, 30)) as (app, pilot):
        await wait_for(pilot, lambda: "TRIAGE 1:54/5:00" in screen_lines(app)[0])
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PhasePicker))
        assert "triage       time box 5:00  (now)" in "\n".join(screen_lines(app))
        await pilot.press("enter")  # the next phase is highlighted: mitigate
        await wait_for(pilot, lambda: "MITIGATE 0:00/30:00" in screen_lines(app)[0])
        await wait_for(pilot, lambda: len(phase_events(db)) == 2)
        assert phase_events(db) == [
            "Phase: mitigate (marked by hand)",
            "Phase triage took 1:54 (time box 5:00)",
        ]
