"""Enter in the runbook pane acts and never records; marking a step done is space, confirmed
("Mark step N done? y/esc"), and records once. Read back from the real timeline file."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from cockpit.app.cockpit_app import CockpitApp
from cockpit.screens.actions import ConfirmAction
from cockpit.screens.runbook import NO_ACTION, ConfirmStep, RunbookScreen
from tests.conftest import FakeClock
from tests.support.demo_cockpit import demo_cockpit
from tests.support.screen_text import screen_text, wait_for
from tests.ui.test_actions_pilot import actions_recorded
from tests.ui.test_runbook_pilot import notices, open_on_breach, runbook_events


def step(screen: RunbookScreen, number: int) -> None:
    screen.items.highlighted = screen.items.get_option_index(f"s{number - 1}")


async def mark(pilot: Pilot[None], app: CockpitApp) -> None:
    """Space, then y once the question is on screen."""
    await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmStep))
    await pilot.press("y")


async def test_enter_on_a_plain_step_records_nothing_and_says_what_marks_it(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "latency")
        assert "space marks a step done · enter runs an action" in screen_text(app)
        # Step 2 is plain text; step 1 has commands, but none is one of the cockpit's actions.
        for number in (2, 1):
            step(screen, number)
            app.clear_notifications()
            await pilot.press("enter")
            # The key travels the list, the screen and the app: wait for what it said.
            await wait_for(pilot, lambda: notices(app))
            assert notices(app) == NO_ACTION
            assert app.screen is screen  # no question, no preview
        assert "[ ] 1. Check whether" in screen_text(app)
        assert "[ ] 2. Look at the pods panel" in screen_text(app)
        # Records are written in order: once step 4's mark is on disk, an entry for the Enter
        # presses before it would be too.
        step(screen, 4)
        await mark(pilot, app)
        await wait_for(pilot, lambda: runbook_events(db))
    events = runbook_events(db)
    assert [(data["step"], data["ticked"]) for _, _, data in events] == [
        ("high-latency-p95--300ms/4", True)
    ]
    assert events[0][1].startswith("Runbook step done: Check the payments dependency")


async def test_space_asks_first_esc_records_nothing_y_records_once(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "latency")
        step(screen, 2)
        await pilot.press("space")
        await wait_for(pilot, lambda: "Mark step 2 done?" in screen_text(app))
        assert isinstance(app.screen, ConfirmStep)
        assert "y records it · esc cancels" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "[ ] 2. Look at the pods panel" in screen_text(app))
        assert app.screen is screen
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmStep))
        await pilot.press("y")
        await wait_for(pilot, lambda: "[x] 2. Look at the pods panel" in screen_text(app))
        await wait_for(pilot, lambda: runbook_events(db))
        # Marked again: the question is the other way round, and esc keeps it done.
        await pilot.press("space")
        await wait_for(pilot, lambda: "Mark step 2 not done?" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen and "not done?" not in screen_text(app))
        assert "1/5 steps done" in screen_text(app)
    events = runbook_events(db)
    assert len(events) == 1
    kind, text, data = events[0]
    assert kind == "note" and text.startswith("Runbook step done: Look at the pods panel")
    assert data == {
        "runbook": "api-service.md",
        "section": "high-latency-p95--300ms",
        "step": "high-latency-p95--300ms/2",
        "ticked": True,
    }


async def test_enter_on_a_step_with_an_action_opens_its_preview_and_marks_nothing(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "latency")
        assert "▶ enter: scale deployment/checkout to 8 replicas" in screen_text(app)
        step(screen, 3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        assert "Scale deployment/checkout to 8 replicas" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "[ ] 3. If CPU is pinned" in screen_text(app)
    assert runbook_events(db) == [] and actions_recorded(db) == []
