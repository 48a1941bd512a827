"""The dashboard: header, metric panels in a grid that reflows, the pods table, the footer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from cockpit.core.model import HeaderInfo, PanelView
from cockpit.widgets.alerts_panel import AlertsPanel
from cockpit.widgets.backup_panel import BackupPanel
from cockpit.widgets.header import HeaderBar
from cockpit.widgets.health_panel import HealthPanel
from cockpit.widgets.metric_panel import MetricPanel
from cockpit.widgets.metrics_table import MetricsTable
from cockpit.widgets.outside import safe_line
from cockpit.widgets.pods_panel import PodsPanel

# Where the screen switches to the wide layout: four metric panels in a row, taller trends.
WIDE_COLUMNS = 140
WIDE_ROWS = 40
SHORT_ROWS = 32


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter_pods", "Filter pods", show=False, id="pods.filter"),
        Binding("S", "sort_pods", "Sort pods", show=False, id="pods.sort"),
    ]

    def __init__(self, panels: Sequence[tuple[str, str]]) -> None:
        """`panels`: (panel id, title) in display order."""
        super().__init__(id="dashboard")
        self.header = HeaderBar()
        self.rollout = Static("", id="rollout")
        self.panels: dict[str, Widget] = {}
        custom = [(panel, title) for panel, title in panels if panel.startswith("custom_")]
        # Extra metrics share one table; each keeps its own source and row.
        self.metrics = MetricsTable(custom) if custom else None
        for panel, title in panels:
            if panel.startswith("custom_"):
                continue
            if panel == "pods":
                self.panels[panel] = PodsPanel(panel, title)
            elif panel == "backup":
                self.panels[panel] = BackupPanel(panel, title)
            elif panel == "alerts":
                self.panels[panel] = AlertsPanel(panel, title)
            elif panel == "health":
                self.panels[panel] = HealthPanel(panel, title)
            else:
                self.panels[panel] = MetricPanel(panel, title)

    def compose(self) -> ComposeResult:
        yield self.header
        with Container(id="metrics"):
            for name, widget in self.panels.items():
                if name != "pods":
                    yield widget
        if self.metrics is not None:
            yield self.metrics
        if "pods" in self.panels:
            yield self.panels["pods"]
        yield self.rollout
        yield Footer()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE_COLUMNS and event.size.height >= WIDE_ROWS, "-wide")
        # Short screens fold alerts and health checks into one line each: rows go to pods.
        self.set_class(event.size.height < SHORT_ROWS, "-short")

    def action_filter_pods(self) -> None:
        pods = self.panels.get("pods")
        if isinstance(pods, PodsPanel):
            pods.open_filter()

    def action_sort_pods(self) -> None:
        pods = self.panels.get("pods")
        if isinstance(pods, PodsPanel):
            pods.cycle_sort()

    def show_rollout(self, message: str | None, done: bool, failed: bool = False) -> None:
        """Live `kubectl rollout status` of the last action; None hides the line."""
        if message is None:
            self.rollout.remove_class("-active")
            return
        mark = "✗" if failed else "✓" if done else "◌"
        self.rollout.update(safe_line(f"{mark} {message}"))  # the server's rollout words
        self.rollout.add_class("-active")

    def show_header(self, info: HeaderInfo) -> None:
        self.header.show(info)

    def show_panel(self, view: PanelView, trend: list[float], now: datetime) -> None:
        if self.metrics is not None and view.panel.startswith("custom_"):
            self.metrics.show(view, trend)
            return
        widget = self.panels.get(view.panel)
        if isinstance(widget, PodsPanel | AlertsPanel | HealthPanel):
            widget.show(view, now)
        elif isinstance(widget, MetricPanel | BackupPanel):
            widget.show(view, trend)
