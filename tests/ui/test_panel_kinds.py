"""Panel kinds: one record registers a new kind's table, source and widget, and the dashboard
shows it with nothing else edited; the config, runtime and screen registries agree."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from cockpit.app.cockpit_app import CockpitApp
from cockpit.app.panel_kinds import PanelKindParts, disagreements, register, unregister
from cockpit.config.panel_kinds import KINDS, PanelKind
from cockpit.config.schema import (
    ConfigError,
    Line,
    PanelSettings,
    PanelSpec,
    load_config,
    panel_specs,
    parse_config,
)
from cockpit.core.model import Measure, PanelView, Reading, Threshold, evaluate
from cockpit.runtime.panel_sources import SOURCES, SourceBuild, settings_of
from cockpit.runtime.wiring import Runtime
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.panel_widgets import WIDGETS, one_each
from cockpit.sources.base import Clock, Source
from cockpit.widgets.metrics_table import MetricsTable
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import measure_line
from cockpit.widgets.pods_panel import PodsPanel
from tests.support.screen_text import screen_text, wait_for

# ---- a toy kind, whole: "the number in a file" -------------------------------------------------


class GaugePanel(PanelSettings):
    source: Literal["file"] = "file"
    path: Line = Field(min_length=1, description="a file holding one number")
    crit: float = 10.0

    def measures(self) -> tuple[Measure, ...]:
        return (Measure("level", "level", "count", Threshold(crit=self.crit)),)


class GaugeSource:
    def __init__(self, panel: str, measures: tuple[Measure, ...], path: Path, clock: Clock):
        self.panel = panel
        self.measures = measures
        self.path = path
        self.clock = clock

    async def read(self) -> Reading:
        text = await asyncio.to_thread(self.path.read_text, "utf-8")
        values = {"level": float(text)}
        return Reading(self.panel, self.clock(), values, evaluate(self.measures, values))

    async def aclose(self) -> None:
        return None


def gauge_source(spec: PanelSpec, build: SourceBuild) -> Source:
    gauge = settings_of(spec, GaugePanel)
    return GaugeSource(spec.panel, spec.measures, Path(gauge.path), build.runtime.clock)


class GaugeWidget(PanelFrame):
    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self.body = Static("", classes="body")

    def compose(self) -> ComposeResult:
        yield self.body

    def show(self, view: PanelView) -> None:
        self.show_frame(view)
        self.body.update(measure_line(view, view.measures[0]))


def show_gauge(widget: Widget, view: PanelView, trend: list[float], now: datetime) -> None:
    assert isinstance(widget, GaugeWidget)
    widget.show(view)


GAUGE = PanelKindParts(
    PanelKind("gauge", GaugePanel, "Gauge", headline="level", trend="level"),
    sources={"file": gauge_source},
    widget=one_each(GaugeWidget),
    show=show_gauge,
)


GAUGE_LINE = re.compile(r"level +12 +✗ CRIT +< 10")


@pytest.fixture
def gauge_kind() -> Iterator[PanelKindParts]:
    register(GAUGE)
    try:
        yield GAUGE
    finally:
        unregister("gauge")


# ---- the tests ------------------------------------------------------------------------------


def test_the_config_runtime_and_screen_registries_name_the_same_kinds() -> None:
    assert disagreements() == []
    assert KINDS.names() == SOURCES.names() == WIDGETS.names()
    assert KINDS.names() == (
        "pods", "latency", "error_rate", "queue", "backup", "alerts", "health", "custom",
    )


def test_a_table_accepting_a_source_without_a_factory_is_a_disagreement() -> None:
    half = PanelKindParts(
        PanelKind("halfgauge", GaugePanel, "Half"),
        sources={},
        widget=one_each(GaugeWidget),
        show=show_gauge,
    )
    register(half)
    try:
        assert disagreements() == [
            "panel kind 'halfgauge': its table accepts source = ['file'] but there are "
            "factories for []"
        ]
    finally:
        unregister("halfgauge")
    assert disagreements() == []


def test_a_kind_is_registered_in_all_three_layers_or_in_none() -> None:
    WIDGETS.add("gauge", WIDGETS.get("latency"))
    try:
        with pytest.raises(ValueError, match="'gauge' already has its widget registered"):
            register(GAUGE)
        assert "gauge" not in KINDS and "gauge" not in SOURCES
    finally:
        WIDGETS.remove("gauge")


def test_a_config_names_a_kind_only_once_it_is_registered(tmp_path: Path) -> None:
    config = tmp_path / "cockpit.toml"
    config.write_text('[panels.gauge]\npath = "level.txt"\n')
    with pytest.raises(ConfigError) as unknown:
        load_config(config)
    assert "panels.gauge: unknown key" in unknown.value.render()
    register(GAUGE)
    try:
        assert load_config(config).panels.configured()[0][0] == "gauge"
        # The new table's mistakes are worded like every other table's.
        config.write_text('[panels.gauge]\npth = "level.txt"\n')
        with pytest.raises(ConfigError) as typo:
            load_config(config)
        assert 'panels.gauge.pth: unknown key; did you mean "path"?' in typo.value.problems
    finally:
        unregister("gauge")


async def test_a_registered_kind_is_shown_on_the_dashboard(
    gauge_kind: PanelKindParts, tmp_path: Path
) -> None:
    level = tmp_path / "level.txt"
    level.write_text("12\n")
    config = tmp_path / "cockpit.toml"
    config.write_text(
        f'[panels.gauge]\npath = "{level}"\ncrit = 10\n[panels.queue]\nsource = "demo"\n'
    )
    runtime = Runtime.build(load_config(config), config_path=config)
    app = CockpitApp(runtime, start_sources=False)
    async with app.run_test(size=(100, 30)) as pilot:
        # Built by the kind's own factory and read by the scheduler, like any panel.
        app.start_sources()
        panel = app.dashboard.panels["gauge"]
        assert isinstance(panel, GaugeWidget)
        # The number from the file, judged by the kind's measure: 12 against CRIT at 10.
        await wait_for(pilot, lambda: GAUGE_LINE.search(screen_text(app)))
        assert "Gauge" in screen_text(app)
        # In the grid after the built-in kinds: the registry's order is the display order.
        assert list(app.dashboard.panels) == ["queue", "gauge"]
        assert panel.parent is not None and panel.parent.id == "metrics"


# Every built-in kind that the demo can feed, and custom metrics (Prometheus only).
DEMO_KINDS = ("pods", "latency", "error_rate", "queue", "backup", "alerts", "health")


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(DEMO_KINDS), unique=True),
    custom=st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), unique=True, max_size=3),
)
def test_the_dashboard_has_one_panel_per_configured_panel_in_display_order(
    kinds: list[str], custom: list[str]
) -> None:
    tables: dict[str, object] = {kind: {"source": "demo"} for kind in kinds}
    tables["custom"] = [{"name": name, "query": "up"} for name in custom]
    config = parse_config({"prometheus": {}, "panels": tables})
    specs = panel_specs(config)
    dashboard = DashboardScreen(specs)
    # The registry's order, whatever the order of the tables in the file.
    assert list(dashboard.panels) == [k for k in DEMO_KINDS if k in kinds] + [
        f"custom_{name}" for name in custom
    ]
    for spec in specs:
        assert dashboard.panels[spec.panel] is not None
    # The pods table fills what is left under the grid; the custom metrics share one table.
    grid = dashboard._in("grid")
    assert [w for w in grid if isinstance(w, PodsPanel | MetricsTable)] == []
    assert len(grid) == len([k for k in kinds if k != "pods"])
    tables_shown = {id(dashboard.panels[f"custom_{name}"]) for name in custom}
    assert len(tables_shown) == (1 if custom else 0)
    assert [type(w) for w in dashboard._in("fill")] == ([PodsPanel] if "pods" in kinds else [])
