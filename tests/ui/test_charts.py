"""Charts: series in display units, the SLO line, and the incident's events on the time axis."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from cockpit.app.cockpit_app import CockpitApp
from cockpit.core.charts import build_chart, time_ticks
from cockpit.core.model import Measure, Reading, Status, Threshold
from cockpit.core.records import Event
from cockpit.runtime.wiring import Runtime
from cockpit.screens.chart import ChartScreen
from tests.conftest import T0, FakeClock
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import timeline_ready

P50 = Measure("p50", "p50", "seconds", Threshold(crit=0.15))
P95 = Measure("p95", "p95", "seconds", Threshold(crit=0.3))


def reading(minutes_ago: float, p50: float, p95: float, error: str | None = None) -> Reading:
    at = T0 - timedelta(minutes=minutes_ago)
    if error:
        return Reading.failure("latency", at, error)
    return Reading("latency", at, {"p50": p50, "p95": p95}, Status.OK)


def event(minutes_ago: float, kind: str, text: str) -> Event:
    at = T0 - timedelta(minutes=minutes_ago)
    return Event("u" + text, "inc", at, at, kind, "ana@laptop", "cockpit", text)


def test_chart_data_is_in_display_units_with_slo_and_markers() -> None:
    readings = [
        reading(90, 0.1, 0.2),  # outside a 1 h window
        reading(50, 0.3, 2.4),
        reading(30, 0.0, 0.0, error="timed out"),  # failures are gaps, not zeros
        reading(10, 0.1, 0.25),
    ]
    events = [
        event(40, "action", "rollout undo deployment/checkout to revision 3"),
        event(20, "slo", "Latency: SLO recovered"),  # machine events are not marked
        event(5, "note", "p95 back under SLO"),
        event(120, "note", "too old"),
    ]
    data = build_chart("Latency", (P50, P95), readings, events, T0, 3600)
    assert [s.label for s in data.series] == ["p50", "p95"]
    p95 = data.series[1]
    assert p95.x == (-50.0, -10.0) and p95.y == (2400.0, 250.0)
    assert data.unit_label == "ms" and data.slo == 300.0 and data.slo_label == "p95 SLO"
    assert [(m.at_minutes, m.kind) for m in data.markers] == [(-40.0, "action"), (-5.0, "note")]
    assert data.markers[0].label == "rollout undo deployment/checkout to revision 3"


def test_time_ticks_are_utc_wall_clock() -> None:
    assert time_ticks(T0, 3600, count=3) == ((-60.0, "13:02"), (-30.0, "13:32"), (0.0, "14:02"))



async def test_enter_on_a_metric_panel_opens_its_chart_with_the_incident_marked(
    clock: FakeClock, tmp_path: Path
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("n", *"rolled back to v1.8.2", "enter")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        app.dashboard.panels["latency"].focus()
        clock.advance(30)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChartScreen))
        screen = app.screen
        assert isinstance(screen, ChartScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        text = screen_text(app)
        assert "Latency: last 1h (ms)" in text
        assert "red line: p95 SLO (300 ms)" in text
        assert "14:02 note: rolled back to v1.8.2" in text
        assert screen.data is not None and not screen.data.empty
        await pilot.press("1")
        await wait_for(pilot, lambda: "last 15m" in screen_text(app))
        await pilot.press("escape")
        await asyncio.sleep(0)
        assert app.screen is app.dashboard
