"""Panel kinds, the screen side: the widget that draws each kind on the dashboard, and where.

Every kind registered in `cockpit.config.panel_kinds` has a `PanelWidget` here under the same
name. One widget shows all the panels of its kind: one for most kinds, a row each for the
`[[panels.custom]]` metrics in their shared table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from textual.widget import Widget

from cockpit.config.panel_kinds import KindRegistry
from cockpit.core.model import PanelView
from cockpit.widgets.alerts_panel import AlertsPanel
from cockpit.widgets.backup_panel import BackupPanel
from cockpit.widgets.health_panel import HealthPanel
from cockpit.widgets.metric_panel import MetricPanel
from cockpit.widgets.metrics_table import MetricsTable
from cockpit.widgets.pods_panel import PodsPanel

# Where on the dashboard, top to bottom: the grid of panels that reflows with the width,
# full-width rows under it, then the part that takes the remaining height (the pods table).
Area = Literal["grid", "rows", "fill"]
AREAS: tuple[Area, ...] = ("grid", "rows", "fill")

# (panel id, title) of every panel of the kind, in display order → the widget showing them.
WidgetFactory = Callable[[Sequence[tuple[str, str]]], Widget]
# Draws one panel's view: the widget, the view, its trend line's values and the time now.
Painter = Callable[[Widget, PanelView, list[float], datetime], None]


@dataclass(frozen=True, slots=True)
class PanelWidget:
    """The screen side of one panel kind."""

    kind: str
    make: WidgetFactory
    show: Painter
    area: Area = "grid"


WIDGETS: KindRegistry[PanelWidget] = KindRegistry("widget")


def register_panel_widget(
    kind: str, make: WidgetFactory, show: Painter, area: Area = "grid"
) -> PanelWidget:
    if area not in AREAS:
        raise ValueError(f"panel kind {kind!r}: area must be one of {', '.join(AREAS)}")
    return WIDGETS.add(kind, PanelWidget(kind, make, show, area))


def one_each(cls: Callable[[str, str], Widget]) -> WidgetFactory:
    """The factory for a kind with one panel: `cls(panel id, title)`."""

    def make(panels: Sequence[tuple[str, str]]) -> Widget:
        ((panel, title),) = panels
        return cls(panel, title)

    return make


def _with_trend(widget: Widget, view: PanelView, trend: list[float], now: datetime) -> None:
    assert isinstance(widget, MetricPanel | BackupPanel | MetricsTable)
    widget.show(view, trend)


def _at(widget: Widget, view: PanelView, trend: list[float], now: datetime) -> None:
    assert isinstance(widget, PodsPanel | AlertsPanel | HealthPanel)
    widget.show(view, now)


# The built-in kinds, under the names cockpit.config.schema registers their settings with.
register_panel_widget("pods", one_each(PodsPanel), _at, area="fill")
register_panel_widget("latency", one_each(MetricPanel), _with_trend)
register_panel_widget("error_rate", one_each(MetricPanel), _with_trend)
register_panel_widget("queue", one_each(MetricPanel), _with_trend)
register_panel_widget("backup", one_each(BackupPanel), _with_trend)
register_panel_widget("alerts", one_each(AlertsPanel), _at)
register_panel_widget("health", one_each(HealthPanel), _at)
register_panel_widget("custom", lambda panels: MetricsTable(list(panels)), _with_trend, "rows")
