"""The timeline screen at 80x24: an entry cut to one row opens in full with Enter, and the
incident clock on it keeps ticking."""

from __future__ import annotations

from pathlib import Path

from cockpit.app.cockpit_app import CockpitApp
from cockpit.runtime.wiring import Runtime
from cockpit.screens.event_detail import EventDetailScreen
from cockpit.screens.timeline import TimelineScreen
from tests.conftest import FakeClock
from tests.support.screen_text import screen_lines, screen_text, wait_for
from tests.support.workers import timeline_ready

LONG_NOTE = (
    "paged payments: their gateway returns 502 for checkout since 13:38, "
    "they are failing over to the secondary region, ETA ten minutes"
)


async def test_enter_opens_an_entry_in_full_and_the_clock_ticks(
    tmp_path: Path, clock: FakeClock
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("n", *LONG_NOTE, "enter")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        await wait_for(pilot, lambda: any(e.text == LONG_NOTE for e in screen.events))
        # The row is cut at 80 columns: the end of the note is not on screen.
        assert "ETA ten minutes" not in screen_text(app)
        title = screen_lines(app)[0]
        assert "T+00:01:54" in title

        # The clock on this screen moves with time, not only when the record changes.
        clock.advance(8)
        await wait_for(pilot, lambda: "T+00:02:02" in screen_lines(app)[0])

        # The note is the newest entry, where the cursor follows; Enter opens it in full.
        await wait_for(pilot, lambda: screen.selected_event() is not None)
        assert screen.selected_event() is not None
        assert screen.selected_event().text == LONG_NOTE  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EventDetailScreen))
        text = " ".join(line.strip(" │") for line in screen_lines(app))
        assert "ETA ten minutes" in text and "note ·" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
