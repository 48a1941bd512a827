"""Scale, restart and rollback from the keyboard, against the demo cluster: preview, confirm,
read-only refusal (before any dialog), preconditions, and the record (intent before, outcome
after)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cockpit.app.cockpit_app import CockpitApp
from cockpit.core.mitigation import Workload, rollout_status
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction, HistoryScreen, ScaleForm
from cockpit.sources.demo.simulation import GOOD_IMAGE, DemoWorld
from tests.conftest import FakeClock
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import sources_ready, timeline_ready


def actions_recorded(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT json_extract(data, '$.phase'), text FROM events "
            "WHERE kind = 'action' ORDER BY seq"
        ).fetchall()
    return [(phase, text) for phase, text in rows]


async def started(pilot: Pilot[None], app: CockpitApp) -> DemoWorld:
    await timeline_ready(pilot, app)
    await sources_ready(pilot, app)
    world = app.source_set.world if app.source_set else None
    assert isinstance(world, DemoWorld)
    return world


async def test_scale_previews_confirms_applies_and_records(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        app.screen.query_one(Input).value = "6"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        text = screen_text(app)
        assert "Scale deployment/checkout to 6 replicas" in text
        assert "spec.replicas  4        6" in text
        assert "--replicas=6 --current-replicas=4" in text
        assert actions_recorded(db) == []  # a preview changes nothing and records nothing
        await pilot.press("y")
        await wait_for(pilot, lambda: len(actions_recorded(db)) >= 2)
        assert world.replicas == 6
        recorded = actions_recorded(db)
        assert recorded[0][0] == "intent" and "scale deployment/checkout to 6" in recorded[0][1]
        assert recorded[1] == ("outcome", "Done: deployment.apps/checkout scaled")
        await wait_for(pilot, lambda: "rollout to finish" in screen_text(app))


async def test_read_only_refuses_before_any_dialog_and_records_nothing(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db, read_only=True))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        revision = world.revision
        await pilot.press("R")
        await wait_for(pilot, lambda: app._notifications)
        # Refused at the key: no preview to read, no confirmation to answer, no record.
        assert [str(n.message) for n in app._notifications] == [
            "read-only: actions are refused; nothing was sent or recorded"
        ]
        assert not isinstance(app.screen, ConfirmAction)
        assert world.revision == revision  # nothing reached the cluster
    assert actions_recorded(db) == []


async def test_rollback_picks_from_history_and_fixes_the_incident(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(100, 30)) as pilot:
        world = await started(pilot, app)
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        text = screen_text(app)
        assert "5 (current)" in text and "checkout:v1.9.0" in text
        await pilot.press("enter")  # the previous revision is preselected
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        assert "--to-revision=4" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(actions_recorded(db)) >= 2)
        assert world.revisions[world.revision].image == GOOD_IMAGE
        assert actions_recorded(db)[1][1] == "Done: deployment.apps/checkout rolled back"


async def test_a_stale_replica_count_is_refused_before_anything_is_sent(
    clock: FakeClock, tmp_path: Path
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        world.scale(5)  # someone else scaled while the form was open
        app.screen.query_one(Input).value = "8"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        assert "Expected replicas to be 4, was 5" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmAction) and world.replicas == 5


@pytest.mark.parametrize("key", ["s", "R", "U"])
async def test_every_mutating_key_stops_at_a_confirmation(
    key: str, clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        before = (world.replicas, world.revision)
        await pilot.press(key)
        if key == "s":
            await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
            app.screen.query_one(Input).value = "7"
        if key == "U":
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        if key in ("s", "U"):
            await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmAction))
        assert (world.replicas, world.revision) == before
        assert actions_recorded(db) == []


@pytest.mark.parametrize(
    ("total", "updated", "available", "expected"),
    [
        (5, 1, 4, "1 out of 4 new replicas have been updated..."),
        (6, 4, 4, "2 old replicas are pending termination..."),
        (4, 4, 3, "3 of 4 updated replicas are available..."),
        (4, 4, 4, 'deployment "web" successfully rolled out'),
    ],
)
def test_rollout_status_follows_kubectl(
    total: int, updated: int, available: int, expected: str
) -> None:
    workload = Workload("deployment", "web", "shop", 4, updated, available, available, total)
    status = rollout_status(workload)
    assert status.message.endswith(expected)
    assert status.done == expected.endswith("rolled out") and not status.failed


async def test_a_production_context_needs_the_name_typed(
    clock: FakeClock, tmp_path: Path
) -> None:
    from cockpit.config.schema import demo_config

    config = demo_config()
    config.cockpit.production_contexts.append("dem*")
    app = CockpitApp(Runtime.build(config, demo=True, clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        revision = world.revision
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        assert "PRODUCTION context: type checkout" in screen_text(app)
        await pilot.press("y", "enter")  # `y` is just a letter here, and not the name
        await pilot.pause()
        assert isinstance(app.screen, ConfirmAction) and world.revision == revision
        await pilot.press(*"checkout", "enter")
        await wait_for(pilot, lambda: world.revision != revision)


@pytest.mark.parametrize("read_only", [False, True])
async def test_a_configured_rollback_command_runs_as_argv_never_a_shell(
    clock: FakeClock, tmp_path: Path, read_only: bool
) -> None:
    from cockpit.config.schema import ActionsSettings, RollbackCommand, demo_config

    db = tmp_path / "t.db"
    marker = tmp_path / "ran"
    # A release name with shell syntax in it stays one argument: nothing extra runs.
    release = "checkout; touch " + str(tmp_path / "injected")
    write = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])"
    argv = [sys.executable, "-c", write, str(marker), release]
    config = demo_config().model_copy(
        update={
            "actions": ActionsSettings(
                rollback_commands=[RollbackCommand(workload="deployment/checkout", argv=argv)]
            )
        }
    )
    app = CockpitApp(
        Runtime.build(config, demo=True, clock=clock, db=db, read_only=read_only)
    )
    async with app.run_test(size=(100, 30)) as pilot:
        world = await started(pilot, app)
        revision = world.revision
        await pilot.press("U")
        if read_only:  # refused before the preview: nothing started, nothing recorded
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmAction)
            assert world.revision == revision and actions_recorded(db) == []
            assert not marker.exists() and not (tmp_path / "injected").exists()
            return
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        assert "without a shell" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(actions_recorded(db)) >= 2)
        outcome = actions_recorded(db)[1][1]
    assert world.revision == revision  # the command replaced `rollout undo`
    assert not (tmp_path / "injected").exists()
    assert outcome.startswith("Done:") and marker.read_text() == release
