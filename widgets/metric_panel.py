"""A metric panel: its numbers with threshold and status, the reading's age, errors, a trend."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Sparkline, Static

from cockpit.core.model import PanelView
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import (
    error_line,
    measure_line,
    note_line,
)


class ChartRequested(Message):
    """Enter on a metric panel: the user wants its chart."""

    def __init__(self, panel: str) -> None:
        super().__init__()
        self.panel = panel


class MetricPanel(PanelFrame, can_focus=True):
    """Latency, error rate and queue depth: one or two measures and the trend of the last one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "chart", "Chart", id="panel.chart"),
    ]

    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self._body = Static("", classes="body")
        self._trend = Sparkline([], summary_function=max)
        self._last_body = ""
        self._last_trend: tuple[float, ...] = ()

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._trend

    def show(self, view: PanelView, trend: list[float]) -> None:
        self.show_frame(view)
        lines = self.body_lines(view)
        body = Content("\n").join(lines)
        if body.plain != self._last_body:
            # A layout pass only when the number of lines changes (an error appears or
            # clears); a changed number in place needs a repaint, not a re-layout.
            relayout = body.plain.count("\n") != self._last_body.count("\n")
            self._last_body = body.plain
            self._body.update(body, layout=relayout)
        # The trend gives way to the error text: a failing panel says why before it shows history.
        show_trend = view.error is None and len(trend) >= 2
        self._trend.display = show_trend
        compact = tuple(trend[-120:])
        if show_trend and compact != self._last_trend:
            self._last_trend = compact
            self._trend.data = list(compact)

    def action_chart(self) -> None:
        self.post_message(ChartRequested(self.panel))

    def body_lines(self, view: PanelView) -> list[Content]:
        lines = [measure_line(view, m) for m in view.measures]
        for extra in (error_line(view), note_line(view)):
            if extra is not None:
                lines.append(extra)
        return lines
