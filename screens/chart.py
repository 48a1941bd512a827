"""A metric over the last 15 min / 1 h / 6 h, with its SLO line and the incident's events on the
time axis. Opened with Enter on a metric panel; the app loads the data and calls `show`."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from cockpit.core.charts import WINDOWS, ChartData
from cockpit.widgets.header import ProductionBar
from cockpit.widgets.outside import safe_line
from cockpit.widgets.theme_styles import on_theme_change, theme_rgb

# Theme variables. Plotext draws with the colours it is given, so they are looked up in the
# running theme each time the plot is drawn; the legend names every marker in words.
SERIES_COLOURS = ("primary", "secondary", "success")
SLO_COLOUR = "error"
MARKER_COLOURS = {"action": "accent", "note": "foreground", "status": "warning"}


class ChartWindowChanged(Message):
    def __init__(self, panel: str, window: float) -> None:
        super().__init__()
        self.panel = panel
        self.window = window


class ChartScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="chart.back"),
        Binding("1", "window(0)", "15m", id="chart.15m"),
        Binding("2", "window(1)", "1h", id="chart.1h"),
        Binding("3", "window(2)", "6h", id="chart.6h"),
    ]

    def __init__(self, panel: str, title: str, window: float) -> None:
        super().__init__(id="chart")
        self.panel = panel
        self.title_text = title
        self.window = window
        self.data: ChartData | None = None
        self.caption = Static(safe_line(f"{title}: loading…"), id="chart-caption")
        self.plot = PlotextPlot(id="chart-plot")
        self.legend = Static("", id="chart-legend")

    def compose(self) -> ComposeResult:
        yield ProductionBar()
        yield self.caption
        yield self.plot
        yield self.legend
        yield Footer()

    def on_mount(self) -> None:
        on_theme_change(self, self._redraw)

    def _redraw(self) -> None:
        if self.data is not None:
            self.show(self.data)

    def action_window(self, index: int) -> None:
        label, seconds = WINDOWS[index]
        self.window = seconds
        self.caption.update(safe_line(f"{self.title_text}: last {label}, loading…"))
        self.post_message(ChartWindowChanged(self.panel, seconds))

    def show(self, data: ChartData) -> None:
        self.data = data
        label = next((name for name, secs in WINDOWS if secs == data.window), "")
        problem = f" — {data.error}" if data.error else ""
        empty = " — no data in this window" if data.empty and not data.error else ""
        # The problem quotes the server; the markers' labels are timeline text.
        self.caption.update(
            safe_line(
                f"{data.title}: last {label} ({data.unit_label or 'value'}), "
                f"1 15m · 2 1h · 3 6h{problem}{empty}"
            )
        )
        plt = self.plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlim(-data.window / 60.0, 0)
        if data.ticks:
            plt.xticks([t for t, _ in data.ticks], [label for _, label in data.ticks])
        app = self.app
        for index, series in enumerate(data.series):
            colour = theme_rgb(app, SERIES_COLOURS[index % len(SERIES_COLOURS)])
            plt.plot(list(series.x), list(series.y), label=series.label, color=colour)
        if data.slo is not None:
            plt.hline(data.slo, theme_rgb(app, SLO_COLOUR))
        for marker in data.markers:
            plt.vline(
                marker.at_minutes, theme_rgb(app, MARKER_COLOURS.get(marker.kind, "foreground"))
            )
        plt.ylabel(data.unit_label)
        self.plot.refresh()
        lines = []
        if data.slo is not None:
            lines.append(safe_line(f"red line: {data.slo_label} ({data.slo:g} {data.unit_label})"))
        for marker in data.markers[-6:]:
            moment = data.now.timestamp() + marker.at_minutes * 60
            when = _hhmm(moment, data)
            lines.append(safe_line(f"| {when} {marker.kind}: {marker.label}"))
        self.legend.update(Content("\n").join(lines))


def _hhmm(stamp: float, data: ChartData) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(stamp, data.now.tzinfo).strftime("%H:%M")
