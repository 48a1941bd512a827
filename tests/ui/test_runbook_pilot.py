"""The runbook key in the demo: breach → the panel's section beside the dashboard → mark a
step done (space, confirmed; recorded in the timeline, read back) → a runbook command as the
cockpit's own action, previewed and confirmed like the keys; commands for another namespace
are refused."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import RunbooksSettings, demo_config
from cockpit.core.model import Status
from cockpit.runbooks import load as runbook_load
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction
from cockpit.screens.runbook import ConfirmStep, RunbookScreen
from cockpit.sources.demo.simulation import DemoWorld
from tests.conftest import FakeClock
from tests.support.demo_cockpit import demo_cockpit
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import runbooks_read, sources_ready, timeline_ready
from tests.ui.test_actions_pilot import actions_recorded


def runbook_events(db: Path) -> list[tuple[str, str, dict[str, object]]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, text, data FROM events WHERE source LIKE 'runbook:%' ORDER BY seq"
        ).fetchall()
    return [(kind, text, json.loads(data)) for kind, text, data in rows]


async def breaching(pilot: Pilot[None], app: CockpitApp, panel: str) -> None:
    await timeline_ready(pilot, app)
    await sources_ready(pilot, app)
    await runbooks_read(pilot, app)
    await wait_for(pilot, lambda: app.states[panel].view(app.now()).status is Status.CRIT)


def notices(app: CockpitApp) -> str:
    """What the toasts say (they are drawn on a layer the screen's strips do not hold)."""
    return "\n".join(str(n.message) for n in app._notifications)


async def open_runbook(pilot: Pilot[None], app: CockpitApp, panel: str) -> RunbookScreen:
    """`b` on the panel: its runbook section beside the dashboard."""
    app.dashboard.panels[panel].focus()
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
    screen = app.screen
    assert isinstance(screen, RunbookScreen)
    return screen


async def open_on_breach(pilot: Pilot[None], app: CockpitApp, panel: str) -> RunbookScreen:
    await breaching(pilot, app, panel)
    return await open_runbook(pilot, app, panel)


async def mark(pilot: Pilot[None], app: CockpitApp) -> None:
    """Space marks the highlighted step done once y answers its question."""
    await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmStep))
    await pilot.press("y")


def highlight(screen: RunbookScreen, text: str) -> None:
    index = next(i for i, o in enumerate(screen.offers) if o.command.text == text)
    screen.items.highlighted = screen.items.get_option_index(f"c{index}")


async def test_breach_section_tick_timeline_and_action_preview(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "latency")
        text = screen_text(app)
        assert "api-service.md › High latency (p95 > 300ms)" in text
        assert "[ ] 1. Check whether a rollout is in progress" in text
        # Beside the dashboard: the pane takes the right, the panels stay under the left.
        assert app.screen_stack[-2] is app.dashboard
        assert app.screen.query_one("#runbook-pane").region.x >= 40
        assert app.screen.styles.background.a == 0  # see-through: the panels show on the left
        await mark(pilot, app)  # the first step is highlighted
        await wait_for(pilot, lambda: runbook_events(db))
        kind, recorded, data = runbook_events(db)[0]
        assert kind == "note"
        assert recorded.startswith("Runbook step done: Check whether a rollout is in progress")
        assert data["runbook"] == "api-service.md" and data["ticked"] is True
        await wait_for(pilot, lambda: "[x] 1. Check whether" in screen_text(app))
        await wait_for(pilot, lambda: "1/5 steps done" in screen_text(app))
        # The scale command in step 3 is offered as the cockpit's scale, with its preview.
        highlight(screen, "kubectl scale deployment/checkout --replicas=8 -n shop")
        assert "enter: scale deployment/checkout to 8 replicas" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        preview = screen_text(app)
        assert "Scale deployment/checkout to 8 replicas" in preview
        # The count on screen is the precondition, as with the `s` key.
        assert "--current-replicas=4" in preview and "spec.replicas  4        8" in preview
        await pilot.press("y")
        world = app.source_set.world if app.source_set else None
        assert isinstance(world, DemoWorld)
        await wait_for(pilot, lambda: world.replicas == 8)


async def test_ticks_are_read_back_when_the_section_opens_again(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    async with demo_cockpit(clock, db, size=(120, 40)) as (app, pilot):
        await open_on_breach(pilot, app, "latency")
        await pilot.press("down")
        await mark(pilot, app)
        await wait_for(pilot, lambda: runbook_events(db))
        await pilot.press("b")  # b again closes it
        await wait_for(pilot, lambda: not isinstance(app.screen, RunbookScreen))
        assert len(app.screen_stack) == 2  # the default screen and the dashboard: none left over
        app.dashboard.panels["latency"].focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: "[x] 2. Look at the pods panel" in screen_text(app))
        await wait_for(pilot, lambda: "1/5 steps done" in screen_text(app))
        assert "[ ] 1. Check whether" in screen_text(app)


async def test_a_command_for_another_namespace_is_refused_and_nothing_is_previewed(
    clock: FakeClock, tmp_path: Path
) -> None:
    async with demo_cockpit(clock, tmp_path / "t.db", size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "queue")
        assert "queue-consumer.md › When the queue backs up" in screen_text(app)
        restart = "kubectl -n jobs rollout restart deployment orders-worker"
        highlight(screen, restart)
        await pilot.pause()
        assert "not here: the runbook says namespace 'jobs'" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not run: the runbook says namespace 'jobs'" in notices(app))
        assert isinstance(app.screen, RunbookScreen)  # no preview, nothing sent
        assert app.source_set is not None


async def test_copy_puts_the_command_on_the_clipboard(clock: FakeClock, tmp_path: Path) -> None:
    async with demo_cockpit(clock, tmp_path / "t.db", size=(120, 40)) as (app, pilot):
        screen = await open_on_breach(pilot, app, "latency")
        highlight(screen, "curl -fsS https://payments.internal.example.com/healthz")
        await pilot.press("c")
        assert app.clipboard == "curl -fsS https://payments.internal.example.com/healthz"


async def test_an_alert_opens_its_linked_section_else_the_one_its_name_points_to(
    clock: FakeClock, tmp_path: Path
) -> None:
    async with demo_cockpit(clock, tmp_path / "t.db", size=(120, 40)) as (app, pilot):
        await breaching(pilot, app, "alerts")
        await wait_for(pilot, lambda: app.runbook_controls.firing_alerts())
        # The critical one first.
        assert app.runbook_controls.firing_alerts()[0].name == "CheckoutHighErrorRate"
        await open_runbook(pilot, app, "alerts")
        assert "api-service.md › Error rate above 1 %" in screen_text(app)
    config = demo_config()
    linked = config.model_copy(
        update={
            "runbooks": RunbooksSettings(
                dirs=config.runbooks.dirs,
                alerts={"CheckoutHighErrorRate": "api-service.md#roll-back"},
            )
        }
    )
    app = CockpitApp(Runtime.build(linked, demo=True, clock=clock, db=tmp_path / "u.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await breaching(pilot, app, "alerts")
        await wait_for(pilot, lambda: app.runbook_controls.firing_alerts())
        await open_runbook(pilot, app, "alerts")
        assert "api-service.md › Roll back" in screen_text(app)
        assert "linked: api-service.md#roll-back" in screen_text(app)


async def test_runbooks_are_read_off_the_event_loop_and_never_hold_the_first_frame(
    clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_load(places: object) -> tuple[list[object], list[str]]:
        release.wait(timeout=30)  # a slow network share, in the worker thread
        return [], ["runbooks/: not mounted"]

    monkeypatch.setattr(runbook_load, "load_runbooks", slow_load)
    async with demo_cockpit(clock, tmp_path / "t.db", size=(120, 40)) as (app, pilot):
        await wait_for(pilot, lambda: "demo/shop" in screen_text(app))
        await wait_for(pilot, lambda: "Latency" in screen_text(app))
        assert app.runbooks is None
        await pilot.press("b")
        await wait_for(pilot, lambda: "Runbooks are still being read" in notices(app))
        release.set()
        await runbooks_read(pilot, app)
        assert app.runbooks == []
        await pilot.press("b")
        await wait_for(pilot, lambda: "No runbooks (runbooks/: not mounted)" in notices(app))


async def test_a_link_to_no_section_is_said_at_start_and_b_falls_back_to_a_match(
    clock: FakeClock, tmp_path: Path
) -> None:
    config = demo_config()
    latency = config.panels.latency
    assert latency is not None
    panels = config.panels.model_copy(
        update={"latency": latency.model_copy(update={"runbook": "api-service.md#gone-zz"})}
    )
    app = CockpitApp(
        Runtime.build(
            config.model_copy(update={"panels": panels}),
            demo=True,
            clock=clock,
            db=tmp_path / "t.db",
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await breaching(pilot, app, "latency")
        await wait_for(
            pilot,
            lambda: (
                "panels.latency.runbook = 'api-service.md#gone-zz' matches no runbook section"
                in notices(app)
            ),
        )
        await open_runbook(pilot, app, "latency")
        assert "api-service.md › High latency (p95 > 300ms)" in screen_text(app)


@pytest.mark.parametrize("read_only", [False, True])
async def test_helm_rollback_is_previewed_as_an_argv_and_read_only_refuses_it(
    clock: FakeClock, tmp_path: Path, read_only: bool
) -> None:
    db = tmp_path / "t.db"
    config = demo_config()
    latency = config.panels.latency
    assert latency is not None
    panels = config.panels.model_copy(
        update={"latency": latency.model_copy(update={"runbook": "api-service.md#roll-back"})}
    )
    runtime = Runtime.build(
        config.model_copy(update={"panels": panels}),
        demo=True,
        clock=clock,
        db=db,
        read_only=read_only,
    )
    app = CockpitApp(runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_on_breach(pilot, app, "latency")
        highlight(screen, "helm rollback checkout -n shop")
        await pilot.press("enter")
        if read_only:
            # Refused before the preview: one notice, no dialog, nothing recorded.
            await wait_for(pilot, lambda: "read-only: actions are refused" in notices(app))
            assert isinstance(app.screen, RunbookScreen)
            assert actions_recorded(db) == []
            return
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        preview = screen_text(app)
        assert "helm rollback checkout --namespace shop --kube-context demo" in preview
        assert "from runbook api-service.md" in preview
        await pilot.press("escape")  # never run here: helm is not this test's to start
        await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
        assert actions_recorded(db) == []


async def test_a_missing_runbook_directory_is_said_at_start(
    clock: FakeClock, tmp_path: Path
) -> None:
    config = demo_config()
    missing = tmp_path / "no-such-dir"
    books = RunbooksSettings(dirs=[*config.runbooks.dirs, str(missing)])
    runtime = Runtime.build(
        config.model_copy(update={"runbooks": books}), demo=True, clock=clock, db=tmp_path / "t.db"
    )
    app = CockpitApp(runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: f"{missing}: no such file or directory" in notices(app))
        assert app.runbooks is not None and len(app.runbooks) == 3  # the others still load
