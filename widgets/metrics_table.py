"""The configured extra metrics ([[panels.custom]]) as one table: a row per metric with its
value, status word, threshold, age and a short trend. Twenty numbers fit where twenty panels
would not; each row is its own source, so one failing query marks only its row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from cockpit.core.model import PanelView, Status, worst
from cockpit.core.units import format_threshold, format_value
from cockpit.widgets.metric_panel import ChartRequested
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import STATUS_STYLE, age_label
from cockpit.widgets.quiet_table import QuietTable
from cockpit.widgets.theme_styles import on_theme_change, rich_style

COLUMNS = (("metric", "METRIC"), ("value", "VALUE"), ("status", "STATUS"),
           ("threshold", "SLO"), ("age", "AGE"), ("trend", "TREND"))  # fmt: skip
TREND_POINTS = 12
_BARS = "▁▂▃▄▅▆▇█"
# The panels' status styles; a row in good health stays plain, and muted text in a Rich cell is
# `dim` (a theme's muted colour depends on the background it is drawn on).
ROW_STYLE = {**STATUS_STYLE, Status.OK: "", Status.UNKNOWN: "dim"}


def spark(values: list[float]) -> str:
    """The last few readings as block characters, scaled between their own min and max."""
    points = values[-TREND_POINTS:]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    return "".join(_BARS[int((v - low) / span * (len(_BARS) - 1))] for v in points)


def metric_cells(
    view: PanelView, trend: list[float], styles: Mapping[Status, Style | str] | None = None
) -> dict[str, str | Text]:
    """A row's cells; `styles` colours the status (the theme's, from `status_styles`), and the
    symbol and word say it without colour."""
    styles = styles or {}
    measure = view.measures[0]
    value = view.values.get(measure.key)
    status = view.status if view.error or value is None else view.measure_status(measure)
    if view.stale:
        status = Status.STALE
    style = styles.get(status, "")
    if view.error:
        shown: str | Text = Text(f"! {view.error}", style=styles.get(Status.ERROR, ""))
    else:
        shown = format_value(measure.unit, value) if value is not None else "—"
    return {
        "metric": Text(view.title, end=""),  # a configured title; a str cell would be markup
        "value": shown,
        "status": Text(f"{status.symbol} {status.word}", style=style),
        "threshold": format_threshold(measure.unit, measure.threshold.crit, measure.threshold.warn),
        "age": age_label(view),
        "trend": "" if view.error else spark(trend),
    }


def status_styles(app: App[object]) -> dict[Status, Style]:
    """The row styles in the app's current theme."""
    return {status: rich_style(app, spec) for status, spec in ROW_STYLE.items()}


class MetricsTable(PanelFrame, can_focus=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "chart", "Chart", id="panel.chart"),
    ]

    def __init__(self, panels: list[tuple[str, str]]) -> None:
        super().__init__("custom", "Metrics")
        self.table = QuietTable(cursor_type="row", id="metrics-table")
        self._rows = list(panels)
        self._statuses: dict[str, Status] = {panel: Status.UNKNOWN for panel, _ in panels}
        self._cells: dict[str, dict[str, str]] = {}
        self._shown: dict[str, tuple[PanelView, list[float]]] = {}
        self._styles: tuple[str, dict[Status, Style]] | None = None  # (theme, its row styles)

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        # Columns measure their labels with the app's console: only once mounted.
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        for panel, title in self._rows:
            self.table.add_row(Text(title, end=""), "—", "no data yet", "", "", "", key=panel)
        on_theme_change(self, self._recolour)

    @property
    def panels(self) -> list[str]:
        return list(self._statuses)

    def show(self, view: PanelView, trend: list[float]) -> None:
        if not self.table.row_count:
            return  # not mounted yet; the next tick shows it
        self._shown[view.panel] = (view, trend)
        cells = metric_cells(view, trend, self._row_styles())
        plain = {k: v.plain if isinstance(v, Text) else v for k, v in cells.items()}
        before = self._cells.get(view.panel, {})
        for column, value in cells.items():
            if before.get(column) == plain[column]:
                continue
            if cell_len(plain[column]) > self.table.columns[ColumnKey(column)].content_width:
                # A column keeps the width it was measured at: a wider text would be cut
                # ("< 5" for "< 500"), so that column is measured again.
                self.table.update_cell(view.panel, column, value, update_width=True)
            else:
                self.table.set_cell(view.panel, column, value)
        self._cells[view.panel] = plain
        self._statuses[view.panel] = Status.STALE if view.stale else view.status
        self._show_summary()

    def _row_styles(self) -> dict[Status, Style]:
        if self._styles is None or self._styles[0] != self.app.theme:
            self._styles = (self.app.theme, status_styles(self.app))
        return self._styles[1]

    def _recolour(self) -> None:
        # Only changed text is written again; a new theme changes no text, so every row is.
        self._cells.clear()
        for view, trend in list(self._shown.values()):
            self.show(view, trend)

    def _show_summary(self) -> None:
        bad = sum(1 for s in self._statuses.values() if s in (Status.CRIT, Status.ERROR))
        subtitle = f"{len(self._statuses)} metrics" + (f" · {bad} failing" if bad else "")
        self.show_status(worst(self._statuses.values()), subtitle)

    def action_chart(self) -> None:
        if self.table.row_count:
            key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key
            if key.value:
                self.post_message(ChartRequested(key.value))

    @on(DataTable.RowSelected)
    def _selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        if message.row_key.value:
            self.post_message(ChartRequested(message.row_key.value))
