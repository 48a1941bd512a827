"""The dashboard driven through Textual's Pilot, asserting what a person would read."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from cockpit.app.cockpit_app import CockpitApp, ReadingArrived
from cockpit.config.schema import demo_config, panel_specs
from cockpit.core.model import Reading, Status
from cockpit.runtime.wiring import Runtime, SourceSet, build_sources
from cockpit.sources.demo.simulation import DemoClock, DemoWorld
from tests.conftest import FakeClock
from tests.support.screen_text import screen_lines, screen_text, settled_screen, wait_for


def demo_runtime(clock: FakeClock, **flags: object) -> Runtime:
    return Runtime.for_demo(clock=clock, **flags)


async def feed_demo(app: CockpitApp) -> None:
    """One read of every demo source, delivered through the app's own message path."""
    assert app.source_set is not None
    for source, _ in app.source_set.sources:
        app.post_message(ReadingArrived(await source.read()))
    app._tick()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_demo_dashboard_shows_the_incident(clock: FakeClock, size: tuple[int, int]) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=size) as pilot:
        app.source_set = build_sources(app.runtime)
        await feed_demo(app)
        # The footer lists the keys once the bindings are known: drawn, not merely due.
        await wait_for(pilot, lambda: "? Keys" in screen_lines(app)[-1])
        await app.settle()
        await settled_screen(pilot)
        text = screen_text(app)
        lines = screen_lines(app)
        assert len(lines) == size[1]
        # Header: where, which incident, how long, the UTC clock.
        assert "demo/shop" in lines[0] and "SEV2" in lines[0]
        # The clock's seconds give way before the place at 80 columns.
        assert "14:02:00 UTC" in lines[0] or "14:02 UTC" in lines[0]
        assert "T+00:01:54" in lines[0]  # the incident started 114 s before the demo opens
        for title in ("Latency", "Error rate", "Queue depth", "Backup freshness", "Pods"):
            assert title in text
        # Value, threshold and status as words and symbols, never colour alone.
        assert "p95" in text and "✗ CRIT" in text and "< 300 ms" in text, text
        assert "< 1.00 %" in text and "< 100" in text, text
        assert "▲ WARN" in text and "< 12h/36h" in text and "last ok" in text, text
        assert "CrashLoopBackOff" in text and "RESTARTS" in text, text
        assert "0s ago" in text, text
        # Nothing spills past the screen edge and the footer keys are there.
        assert all(len(line) <= size[0] for line in lines)
        # At 80 columns the footer keeps the keys an incident needs, "? Keys" first.
        footer = lines[-1]
        assert footer.index("? Keys") < footer.index("n Note") < footer.index("s Scale")
        assert "U Rollback" in footer


async def test_numbers_turn_stale_when_the_source_goes_quiet(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.source_set = build_sources(app.runtime)
        await feed_demo(app)
        await pilot.pause()
        clock.advance(2)
        app._tick()
        await settled_screen(pilot)
        assert "2s ago" in screen_text(app)
        clock.advance(5)  # the demo polls every 1 s: older than 3 s is stale
        app._tick()
        await settled_screen(pilot)
        text = screen_text(app)
        assert "STALE 7s" in text
        assert "◌ STALE" in text
        assert "✗ CRIT" not in screen_lines(app)[2]  # the old latency number no longer claims CRIT


async def test_a_failing_panel_says_why_and_the_rest_keep_working(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.source_set = build_sources(app.runtime)
        await feed_demo(app)
        clock.advance(1)
        app.post_message(ReadingArrived(Reading.failure(
            "queue", clock.now, "cannot reach 127.0.0.1:9090: connection refused")))
        await settled_screen(pilot)
        text = screen_text(app)
        # Long messages wrap inside the panel rather than being cut.
        assert "! cannot reach 127.0.0.1:9090:" in text and "connection refused" in text
        assert "Latency" in text and "p95" in text
        queue = app.states["queue"].view(clock.now)
        assert queue.status is Status.ERROR


async def test_read_only_badge_and_focus_moves_between_panels(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock, read_only=True), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled_screen(pilot)
        assert "READ-ONLY" in screen_lines(app)[0]
        assert app.focused is not None
        focused = [app.focused.id]
        for _ in range(7):
            await pilot.press("tab")
            assert app.focused is not None
            focused.append(app.focused.id)
        assert focused == [
            "panel-latency",
            "panel-error_rate",
            "panel-queue",
            "panel-backup",
            "panel-alerts",
            "panel-health",
            "pods-table",
            "panel-latency",
        ]
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "pods-table"


async def test_help_lists_the_live_keys(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await settled_screen(pilot)
        text = screen_text(app)
        # Every key at 80x24 without scrolling, each saying what it acts on.
        assert "Pause/resume refreshing" in text and "Refresh every panel now" in text
        assert "Undo a Deployment rollout" in text and "Scale a Deployment/STS" in text
        assert "Quit" in text and "closes this help" in text
        await pilot.press("escape")
        await settled_screen(pilot)
        assert "closes this help" not in screen_text(app)


class NeverAnswers:
    def __init__(self, panel: str) -> None:
        self.panel = panel

    async def read(self) -> Reading:
        await asyncio.Event().wait()
        raise AssertionError

    async def aclose(self) -> None:
        return None


async def test_a_hanging_source_never_delays_a_key_press(clock: FakeClock) -> None:
    """Latency never answers; the queue panel still updates and keys act at once."""
    runtime = demo_runtime(clock)
    specs = [s for s in panel_specs(demo_config(), refresh_override=0.5)
             if s.panel in ("latency", "queue")]
    runtime.specs = specs

    def sources(rt: Runtime) -> SourceSet:
        from cockpit.sources.demo.simulation import DemoQueue

        world, demo_clock = DemoWorld(), DemoClock(clock)
        queue = DemoQueue("queue", world, demo_clock, specs[1].measures)
        return SourceSet([(NeverAnswers("latency"), specs[0]), (queue, specs[1])])

    arrived: list[Reading] = []

    def hook(message: object) -> None:
        if isinstance(message, ReadingArrived):
            arrived.append(message.reading)

    app = CockpitApp(runtime, sources_factory=sources)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        async with asyncio.timeout(20):
            while not any(r.panel == "queue" for r in arrived):
                await pilot.pause(0.05)
        await pilot.press("p")
        assert app.scheduler is not None and app.scheduler.paused
        assert "PAUSED" in screen_lines(app)[0]
        await pilot.press("p")
        assert not app.scheduler.paused
        # The hanging read times out into an error the panel shows.
        async with asyncio.timeout(20):
            while not any(r.panel == "latency" for r in arrived):
                await pilot.pause(0.05)
        # The queue keeps updating (good readings, again and again) while every latency
        # reading is the timeout of a read that never answered.
        async with asyncio.timeout(20):
            while sum(r.panel == "queue" for r in arrived) < 3:
                await pilot.pause(0.05)
        queue = [r for r in arrived if r.panel == "queue"]
        assert [r.error for r in queue] == [None] * len(queue)
        latency = [r.error for r in arrived if r.panel == "latency"]
        assert latency and latency == ["timed out after 0.5s"] * len(latency)


async def test_demo_sources_start_after_the_first_frame(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock))
    async with app.run_test(size=(80, 24)) as pilot:
        async with asyncio.timeout(20):
            while app.states["latency"].latest is None:
                await pilot.pause(0.05)
        clock.advance(1)
        app._tick()
        await settled_screen(pilot)
        assert "p95" in screen_text(app)
        assert app.states["latency"].view(clock.now).age == pytest.approx(1, abs=1)
        assert clock.now - app.states["latency"].latest.observed_at <= timedelta(seconds=1)


async def test_pods_panel_shows_the_error_and_keeps_the_last_list(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.source_set = build_sources(app.runtime)
        await feed_demo(app)
        clock.advance(1)
        app.post_message(ReadingArrived(Reading.failure(
            "pods", clock.now, 'forbidden: cannot list pods in namespace "shop"')))
        await settled_screen(pilot)
        text = screen_text(app)
        assert 'forbidden: cannot list pods in namespace "shop"' in text
        assert "CrashLoopBackOff" in text  # the last good list stays, with its age
        assert "1s ago" in text


async def test_pods_table_keeps_the_cursor_on_its_pod(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.source_set = build_sources(app.runtime)
        await feed_demo(app)
        await pilot.pause()
        table = app.dashboard.query_one("#pods-table")
        table.focus()
        await pilot.press("down", "down")
        from textual.widgets import DataTable

        assert isinstance(table, DataTable)
        chosen = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        # Time passes: pods restart, get replaced, rows are added and removed around it.
        for _ in range(3):
            clock.advance(1)
            await feed_demo(app)
            await pilot.pause()
        keys = [row.key.value for row in table.ordered_rows]
        if chosen in keys:
            assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == chosen


async def test_slash_filters_the_pods_table_and_esc_clears_it(clock: FakeClock) -> None:
    app = CockpitApp(demo_runtime(clock))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            if screen_text(app).count("checkout-") >= 4:
                break
            await pilot.pause(0.02)
        await pilot.press("slash", *"running")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert 'filter "running": 1 of 4 pods (esc clears)' in text
        assert text.count("checkout-") == 1 and "CrashLoopBackOff   3" not in text
        await pilot.press("enter", "escape")
        await pilot.pause(0.1)
        assert screen_text(app).count("checkout-") == 4
