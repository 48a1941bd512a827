"""The incident record inside the cockpit, as the on-call uses it: keys, forms, header, file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Select

from cockpit.app.cockpit_app import CockpitApp
from cockpit.app.notes import NotesApp
from cockpit.config.schema import Config
from cockpit.incident.store import Timeline, TimelineWriteError
from cockpit.runtime.wiring import Runtime
from cockpit.screens.incident_forms import DeclareForm, IncidentPicker, NoteForm, StatusForm
from cockpit.screens.timeline import TimelineScreen
from tests.conftest import FakeClock
from tests.support.screen_text import screen_lines, screen_text, wait_for
from tests.support.workers import sources_ready, timeline_ready


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    # A second, independent connection: what is here is on disk, not in the app's memory.
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()



def quiet_app(db: Path, clock: FakeClock) -> CockpitApp:
    """A cockpit with no panels: only the incident record is under test."""
    return CockpitApp(Runtime.build(Config(), clock=clock, db=db), start_sources=False)


async def test_declare_then_note_is_on_disk_when_the_form_closes(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    app = quiet_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        assert "no incident declared" in screen_text(app)
        await pilot.press("n")  # no incident yet: the declare form comes first
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareForm))
        await pilot.press(*"checkout 5xx", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        assert rows(db, "SELECT title, severity, status FROM incidents") == [
            ("checkout 5xx", "SEV3", "active")
        ]
        await pilot.press(*"rolled back to v1.8.2", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
        # Durable before the form closed: read through another connection, no waiting.
        notes = rows(db, "SELECT text, kind, occurred_at FROM events WHERE kind = 'note'")
        assert notes == [("rolled back to v1.8.2", "note", "2026-11-24T14:02:00.000000Z")]
        header = screen_text(app).splitlines()[0]
        assert "SEV3" in header and "T+00:00:00" in header and "ACTIVE" in header


async def test_a_failed_save_keeps_the_text_and_says_why(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        await store.start_incident("queue backlog", 2, "ana@laptop")
    app = quiet_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        assert app.recorder is not None

        async def disk_full(*_: object, **__: object) -> None:
            raise TimelineWriteError(f"could not save to {db}: database or disk is full")

        monkeypatch.setattr(app.recorder.timeline, "add_note", disk_full)
        await pilot.press("n", *"consumer lag 40k", "enter")
        await wait_for(pilot, lambda: "NOT SAVED" in screen_text(app))
        form = app.screen
        assert isinstance(form, NoteForm)
        assert form.text == "consumer lag 40k"
        assert "NOT SAVED" in screen_text(app) and "disk is full" in screen_text(app)
        monkeypatch.undo()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
    assert rows(db, "SELECT text FROM events WHERE kind = 'note'") == [("consumer lag 40k",)]


async def test_multi_line_note(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        await store.start_incident("db failover", 1, "ana@laptop")
    app = quiet_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("n", *"first line", "ctrl+e", "enter", *"second line", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
    assert rows(db, "SELECT text FROM events WHERE kind = 'note'") == [("first line\nsecond line",)]


async def test_status_reminder_counts_down_nags_and_resets(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        await store.start_incident("latency", 2, "ana@laptop")
    app = quiet_app(db, clock)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: "upd in 15m00s" in screen_text(app))
        clock.advance(16 * 60)
        await wait_for(pilot, lambda: "UPDATE DUE +1m00s" in screen_text(app))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusForm))
        app.screen.query_one("#status", Select).value = "mitigated"
        await pilot.press(*"rolled back; p95 back under 300 ms", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, StatusForm))
        await wait_for(pilot, lambda: "upd in 15m00s" in screen_text(app))
        assert "MITIGATED" in screen_text(app).splitlines()[0]
    assert rows(db, "SELECT status, mitigated_at FROM incidents") == [
        ("mitigated", "2026-11-24T14:18:00.000000Z")
    ]
    kinds = rows(db, "SELECT kind, text FROM events ORDER BY seq")
    assert ("status", "Status update: rolled back; p95 back under 300 ms") in kinds


async def test_demo_records_breaches_and_the_timeline_view_filters_and_searches(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "demo.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(100, 30)) as pilot:
        await timeline_ready(pilot, app)
        await wait_for(pilot, lambda: len(rows(db, "SELECT 1 FROM events WHERE kind = 'slo'")) >= 3)
        await pilot.press("n", *"paging the payments team", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        await wait_for(pilot, lambda: len(screen.events) >= 4)
        await app.settle()
        # The rows are in the table; read the screen once they are drawn.
        await wait_for(pilot, lambda: "paging the payments team" in screen_text(app))
        text = screen_text(app)
        assert "Incident declared: checkout" in text
        assert "Latency: SLO breached — p50" in text
        assert text.index("Incident declared") < text.index("paging the payments team")
        await pilot.press("f", "f")  # all → note → action … the second press: action
        await wait_for(pilot, lambda: screen.kind is not None and screen.events == [])
        await pilot.press("f", "f", "f", "f", "f")  # back round to "all kinds"
        await pilot.press("slash", *"payments", "enter")
        await wait_for(
            pilot, lambda: [e.text for e in screen.events] == ["paging the payments team"]
        )
        await pilot.press("P")
        await wait_for(
            pilot, lambda: rows(db, "SELECT pinned FROM events WHERE kind='note'") == [(1,)]
        )
        await pilot.press("escape")
        assert not isinstance(app.screen, TimelineScreen)


async def test_breaches_confirmed_before_the_timeline_opens_are_still_recorded(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow disk or a busy machine: the readings confirm breaches before the timeline file is
    open. They are written once it is, not lost (the file's opening is held back here until
    every breaching panel has had its two readings)."""
    from cockpit.app.cockpit_app import ReadingArrived
    from cockpit.incident.recorder import Recorder

    gate = asyncio.Event()
    real_open = Recorder.open

    async def held_open(*args: object, **kwargs: object) -> Recorder:
        await gate.wait()
        return await real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Recorder, "open", held_open)
    readings: dict[str, int] = {}

    def count(message: object) -> None:
        if isinstance(message, ReadingArrived):
            panel = message.reading.panel
            readings[panel] = readings.get(panel, 0) + 1

    db = tmp_path / "demo.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(100, 30), message_hook=count) as pilot:
        await wait_for(pilot, lambda: min(readings.get(p, 0) for p in app.states) >= 2)
        assert app.recorder is None
        gate.set()
        await timeline_ready(pilot, app)
        await app.settle()
    breached = rows(db, "SELECT source FROM events WHERE kind = 'slo' ORDER BY source")
    assert breached == [
        ("panel:error_rate",), ("panel:health",), ("panel:latency",), ("panel:pods",),
        ("panel:queue",),
    ]  # fmt: skip


async def test_a_corrupt_timeline_is_reported_untouched_and_the_dashboard_runs(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    garbage = b"this is not a database" * 100
    db.write_bytes(garbage)
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.timeline_problem)
        await wait_for(pilot, lambda: "NO TIMELINE" in screen_text(app).splitlines()[0])
        await wait_for(pilot, lambda: "CRIT" in screen_text(app))  # the panels still work
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, NoteForm)
    assert db.read_bytes() == garbage


async def test_notes_app_needs_no_config_and_opens_the_newest_open_incident(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        old = await store.start_incident("old one", 3, "ana@laptop")
        await store.set_status(old.id, "resolved", "ana@laptop")
        clock.advance(60)
        await store.start_incident("payments timeouts", 1, "ana@laptop")
    app = NotesApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "payments timeouts" in screen_text(app))
        assert "SEV1" in screen_text(app)
        await pilot.press("n", *"scribe here", "enter")
        await wait_for(pilot, lambda: "scribe here" in screen_text(app))
        await asyncio.sleep(0)
    assert rows(db, "SELECT text FROM events WHERE kind='note'") == [("scribe here",)]


async def test_attach_to_another_open_incident_or_declare_one(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        older = await store.start_incident("payments timeouts", 2, "ana@laptop")
        clock.advance(60)
        await store.start_incident("search latency", 3, "ana@laptop")
    app = quiet_app(db, clock)
    # 120 columns: at 100 the header gives the title way first, after the countdown and phase.
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: "search latency" in screen_text(app))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentPicker))
        text = screen_text(app)
        assert text.index("search latency") < text.index("payments timeouts")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "payments timeouts" in screen_lines(app)[0])
        assert app.recorder is not None and app.recorder.incident is not None
        assert app.recorder.incident.id == older.id
        await pilot.press("n", *"timeouts from the card processor", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentPicker))
        await pilot.press("down", "down", "enter")  # "+ declare a new incident"
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareForm))
    notes = rows(db, "SELECT incident_id, text FROM events WHERE kind = 'note'")
    assert notes == [(older.id, "timeouts from the card processor")]


async def test_notes_are_edited_and_deleted_by_new_events_history_kept(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "timeline.db"
    async with await Timeline.open(db, clock=clock) as store:
        incident = await store.start_incident("cache stampede", 2, "ana@laptop")
        await store.add_note(incident.id, "restarted redis", "ana@laptop")
    app = quiet_app(db, clock)
    async with app.run_test(size=(100, 24)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("t")
        await wait_for(pilot, lambda: "restarted redis" in screen_text(app))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        form = app.screen
        assert isinstance(form, NoteForm) and form.text == "restarted redis"
        await pilot.press("end", *" (the replica, not the primary: colon stays)", "enter")
        await wait_for(
            pilot,
            lambda: "(edited) restarted redis (the replica, not the primary:" in screen_text(app),
        )
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "restarted redis" not in screen_text(app))
        await pilot.press("up")  # the "Incident declared" status event: not editable by hand
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, NoteForm)
    versions = rows(db, "SELECT text, deleted FROM events WHERE kind = 'note' ORDER BY seq")
    assert versions == [
        ("restarted redis", 0),
        ("restarted redis (the replica, not the primary: colon stays)", 0),
        ("", 1),
    ]


async def test_declare_note_action_status_then_export_tells_the_story(
    tmp_path: Path, clock: FakeClock
) -> None:
    from cockpit.incident.postmortem import export_markdown, panel_values_from_events
    from cockpit.screens.actions import ConfirmAction, ScaleForm

    db = tmp_path / "demo.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(100, 30)) as pilot:
        await timeline_ready(pilot, app)
        await sources_ready(pilot, app)
        await wait_for(pilot, lambda: app.states["latency"].latest is not None)
        await pilot.press("n", *"scaling out to drain the queue", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        await pilot.press("6", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: len(rows(db, "SELECT 1 FROM events WHERE kind='action'")) >= 2
        )
        clock.advance(300)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusForm))
        app.screen.query_one("#status", Select).value = "mitigated"
        await pilot.press(*"queue draining; p95 recovering", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, StatusForm))
        assert app.recorder is not None and app.recorder.incident is not None
        incident = app.recorder.incident
        events = await app.recorder.events(limit=10_000)
    markdown = export_markdown(incident, events, panel_values_from_events(events))
    assert "# Postmortem (draft): checkout: p95 and 5xx up after v1.9.0 rollout" in markdown
    assert "[note] scaling out to drain the queue" in markdown
    assert "Intent: scale deployment/checkout to 6 replicas (spec.replicas 4 → 6)" in markdown
    assert "Done: deployment.apps/checkout scaled" in markdown
    assert "Status update: queue draining; p95 recovering" in markdown
    assert "Time to mitigate" in markdown
    values = panel_values_from_events(events)
    assert "mitigated" in values and values["mitigated"]["Latency p95"].endswith("CRIT")
