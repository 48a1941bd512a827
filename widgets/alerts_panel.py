"""Firing alerts: how many, and the worst few with severity, name, summary and age."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message

from cockpit.core.model import FiringAlert, PanelView
from cockpit.core.units import short_age
from cockpit.widgets.panel_frame import UNLIMITED, StripPanel, fit_lines, fit_strip
from cockpit.widgets.panel_text import error_line, status_badge


def alert_line(alert: FiringAlert, now: datetime) -> Content:
    age = short_age((now - alert.starts_at).total_seconds())
    critical = alert.severity.lower() in ("critical", "page")
    severity_style = "$error bold" if critical else "$warning"
    return Content.assemble(
        (f"{alert.severity[:4]:<4} ", severity_style),
        (alert.name, "bold"),
        f" {age} ",
        (alert.summary, "$text-muted"),
    )


def alert_lines(
    view: PanelView, now: datetime, room: Size = UNLIMITED
) -> tuple[list[Content], int]:
    """The count, then one alert per line, worst first, in at most `room.height` lines; and
    how many alerts had no room."""
    alerts = [a for a in view.detail or () if isinstance(a, FiringAlert)]
    firing = int(view.values.get("firing", len(alerts)))
    error = error_line(view)
    lines = []
    if view.values or alerts:
        head = "none firing" if firing == 0 else f"{firing} firing"
        hint = "  enter opens" if alerts else ""
        lines.append(
            Content.assemble(status_badge(view.status), "  ", (head, "bold"), (hint, "$text-muted"))
        )
    fixed = len(lines) + (1 if error is not None else 0)
    shown, hidden = fit_lines([(alert_line(a, now), 1) for a in alerts], room.height, fixed)
    lines += shown
    if error is not None:
        lines.append(error)
    return lines, hidden


def alert_strip(view: PanelView, width: int = 0) -> Content:
    """One line for a short screen: the count and the names of the worst alerts that fit in
    `width`, the rest counted."""
    alerts = [a for a in view.detail or () if isinstance(a, FiringAlert)]
    parts: list[Content | str | tuple[str, str]] = [
        (view.title, "bold"),
        " ",
        status_badge(view.status),
    ]
    if view.error:
        parts.append((f" {view.error}", "$error"))
    elif alerts:
        parts.append(f" {len(alerts)} firing: ")
        names = [(Content.styled(a.name, "bold"), 1) for a in alerts]
        return fit_strip(parts, names, width)
    elif view.values:
        parts.append(" none firing")
    return Content.assemble(*parts)


class AlertsRequested(Message):
    """Enter on the alerts panel: the user wants the firing alerts in full."""

    def __init__(self, panel: str) -> None:
        super().__init__()
        self.panel = panel


class AlertsPanel(StripPanel):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open alerts", id="alerts.open"),
    ]

    def render_body(
        self, view: PanelView, now: datetime, room: Size
    ) -> tuple[Content, Content, int]:
        lines, hidden = alert_lines(view, now, room)
        return Content("\n").join(lines), alert_strip(view, room.width), hidden

    def action_open(self) -> None:
        self.post_message(AlertsRequested(self.panel))
