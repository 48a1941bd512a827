"""Quitting owes background work different things: a write in flight is finished before the
timeline closes (a note being saved is never cut off); a load that hangs is cancelled first
(a dead server never holds the quit up). Each test records the order in which it happened."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from cockpit.app.cockpit_app import CockpitApp
from cockpit.core.model import Reading, Status
from cockpit.runtime.wiring import Runtime, SourceSet
from tests.conftest import FakeClock
from tests.support.workers import timeline_ready


class Recorded(CockpitApp):
    """The cockpit, with the moments of its ending written down."""

    def __init__(self, runtime: Runtime, **kwargs: object) -> None:
        super().__init__(runtime, **kwargs)  # type: ignore[arg-type]
        self.moments: list[str] = []
        self.reading_stopped = asyncio.Event()

    async def stop_reading(self) -> None:
        await super().stop_reading()
        self.moments.append("stopped reading")
        self.reading_stopped.set()

    async def close_record(self) -> None:
        self.moments.append("timeline closing")
        await super().close_record()


async def test_a_write_in_flight_at_quit_is_on_disk_before_the_timeline_closes(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "t.db"
    app = Recorded(Runtime.for_demo(clock=clock, db=db), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        recorder = app.recorder
        assert recorder is not None and recorder.incident is not None

        async def slow_note() -> None:
            # Still in flight when quitting starts: it goes on only once reading has stopped.
            await app.reading_stopped.wait()
            await recorder.note("saved while quitting")
            app.moments.append("note written")

        app.write_in_background(slow_note(), "a note")
        await pilot.press("q")
    assert app.moments == ["stopped reading", "note written", "timeline closing"]
    with sqlite3.connect(db) as conn:
        notes = conn.execute("SELECT text FROM events WHERE kind = 'note'").fetchall()
    assert notes == [("saved while quitting",)]


class HangingBackfill:
    """A source whose history server never answers: its backfill waits until cancelled."""

    def __init__(self, panel: str, clock: FakeClock, moments: list[str]) -> None:
        self.panel = panel
        self._clock = clock
        self._moments = moments
        self.started = asyncio.Event()

    async def read(self) -> Reading:
        return Reading(self.panel, self._clock(), {}, Status.UNKNOWN)

    async def backfill(self) -> list[Reading]:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self._moments.append("backfill cancelled")
            raise
        return []

    async def aclose(self) -> None:
        pass


async def test_a_hanging_load_is_cancelled_before_the_timeline_closes(
    tmp_path: Path, clock: FakeClock
) -> None:
    runtime = Runtime.for_demo(clock=clock, db=tmp_path / "t.db")
    spec = runtime.specs[0]
    sources: list[HangingBackfill] = []

    def hanging(_: Runtime) -> SourceSet:
        source = HangingBackfill(spec.panel, clock, app.moments)
        sources.append(source)
        return SourceSet(sources=[(source, spec)])

    app = Recorded(runtime, sources_factory=hanging)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        while not sources:  # the sources start after the first frame
            await pilot.pause()
        await sources[0].started.wait()
        await pilot.press("q")
    # Cancelled by the quit itself (before the record closed), not by the loop's teardown.
    assert app.moments == ["backfill cancelled", "stopped reading", "timeline closing"]
