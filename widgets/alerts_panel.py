"""Firing alerts: how many, and the worst few with severity, name, summary and age."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from cockpit.model import FiringAlert, PanelView
from cockpit.units import short_age
from cockpit.widgets.panel_frame import StripPanel
from cockpit.widgets.panel_text import error_line, status_badge

SHOWN = 3


def alert_lines(view: PanelView, now: datetime, shown: int = SHOWN) -> list[Content]:
    alerts = [a for a in view.detail or () if isinstance(a, FiringAlert)]
    firing = int(view.values.get("firing", len(alerts)))
    lines = []
    if view.values or alerts:
        head = "none firing" if firing == 0 else f"{firing} firing"
        lines.append(Content.assemble(status_badge(view.status), "  ", (head, "bold")))
    for alert in alerts[:shown]:
        age = short_age((now - alert.starts_at).total_seconds())
        critical = alert.severity.lower() in ("critical", "page")
        severity_style = "$error bold" if critical else "$warning"
        lines.append(
            Content.assemble(
                (f"{alert.severity[:4]:<4} ", severity_style),
                (alert.name, "bold"),
                f" {age} ",
                (alert.summary, "$text-muted"),
            )
        )
    if len(alerts) > shown:
        lines.append(Content.styled(f"+{len(alerts) - shown} more", "$text-muted"))
    error = error_line(view)
    if error is not None:
        lines.append(error)
    return lines


def alert_strip(view: PanelView) -> Content:
    """One line for a short screen: the count and the worst alert's name."""
    alerts = [a for a in view.detail or () if isinstance(a, FiringAlert)]
    parts: list[Content | str | tuple[str, str]] = [
        (view.title, "bold"),
        " ",
        status_badge(view.status),
    ]
    if view.error:
        parts.append((f" {view.error}", "$error"))
    elif alerts:
        more = f" +{len(alerts) - 1}" if len(alerts) > 1 else ""
        parts += [f" {len(alerts)} firing: ", (alerts[0].name, "bold"), more]
    elif view.values:
        parts.append(" none firing")
    return Content.assemble(*parts)


class AlertsPanel(StripPanel):
    def render_body(self, view: PanelView, now: datetime) -> tuple[Content, Content]:
        return Content("\n").join(alert_lines(view, now)), alert_strip(view)
