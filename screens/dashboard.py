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

from cockpit.config.schema import PanelSpec
from cockpit.core.model import HeaderInfo, PanelView
from cockpit.screens.panel_widgets import AREAS, WIDGETS, Area, Painter
from cockpit.widgets.header import HeaderBar
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

    def __init__(self, specs: Sequence[PanelSpec]) -> None:
        """`specs`: the panels in display order; each kind's widget comes from its registration
        in cockpit.screens.panel_widgets."""
        super().__init__(id="dashboard")
        self.header = HeaderBar()
        self.rollout = Static("", id="rollout")
        # Panel id → the widget showing it (panels of one kind may share it, as the custom
        # metrics share their table, each with its own source and row).
        self.panels: dict[str, Widget] = {}
        self._painters: dict[str, Painter] = {}
        self._placed: list[tuple[Area, Widget]] = []
        by_kind: dict[str, list[PanelSpec]] = {}
        for spec in specs:
            by_kind.setdefault(spec.kind, []).append(spec)
        for kind, members in by_kind.items():
            part = WIDGETS.get(kind)
            widget = part.make([(spec.panel, spec.title) for spec in members])
            self._placed.append((part.area, widget))
            for spec in members:
                self.panels[spec.panel] = widget
                self._painters[spec.panel] = part.show

    def compose(self) -> ComposeResult:
        yield self.header
        with Container(id="metrics"):
            yield from self._in("grid")
        for area in AREAS[1:]:
            yield from self._in(area)
        yield self.rollout
        yield Footer()

    def _in(self, area: Area) -> list[Widget]:
        return [widget for placed, widget in self._placed if placed == area]

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
        paint = self._painters.get(view.panel)
        if paint is not None:
            paint(self.panels[view.panel], view, trend, now)
