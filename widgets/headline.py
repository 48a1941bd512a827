"""A headline tile for the presenter view: one number in large digits, its status and SLO.

Readable from the back of a room: the number is drawn with Textual's `Digits`, the status is a
word and a symbol, and the unit and bound sit under it in plain text.
"""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Digits, Static

from cockpit.core.model import PanelView, Status
from cockpit.core.units import format_threshold
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import status_badge


def big_number(unit: str, value: float | None) -> tuple[str, str]:
    """(digits, unit text) for a value; `Digits` draws numbers only, so the unit is separate."""
    if value is None or math.isnan(value):
        return "--", ""
    if unit == "seconds":
        return f"{value * 1000:.0f}", "ms"
    if unit == "ratio":
        pct = value * 100
        return (f"{pct:.1f}" if pct < 100 else "100"), "%"
    if unit == "age":
        return f"{value / 3600:.1f}", "h old"
    if value >= 100_000:
        return f"{value / 1000:.0f}", "thousand"
    return f"{value:.0f}", ""


class HeadlineTile(PanelFrame):
    def __init__(self, panel: str, title: str, key: str) -> None:
        super().__init__(panel, title, id_prefix="headline")
        self.key = key
        self._status = Static("", classes="headline-status")
        self._digits = Digits("--", classes="headline-digits")
        self._unit = Static("", classes="headline-unit")

    def compose(self) -> ComposeResult:
        yield self._status
        yield self._digits
        yield self._unit

    def show(self, view: PanelView) -> None:
        self.show_frame(view)
        measure = next((m for m in view.measures if m.key == self.key), None)
        if measure is None and view.measures:
            measure = view.measures[0]
        value = view.values.get(measure.key) if measure else None
        status = view.measure_status(measure) if measure and value is not None else view.status
        if view.error is not None and not view.values:
            status = Status.ERROR
        label = measure.label if measure else ""
        self._status.update(Content.assemble(status_badge(status), " ", label))
        digits, unit = big_number(measure.unit if measure else "count", value)
        if self._digits.value != digits:
            self._digits.update(digits)
        bound = (
            format_threshold(measure.unit, measure.threshold.crit, measure.threshold.warn)
            if measure
            else ""
        )
        self._unit.update(f"{unit}  SLO {bound}".strip())
