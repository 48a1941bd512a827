"""Pure functions from a `PanelView` to the lines a panel shows (shared by every panel kind).

Styles name theme variables ($success, $error…), so every theme, high-contrast included, colours
the same words; the words and symbols carry the status on their own.
"""

from __future__ import annotations

from textual.content import Content

from cockpit.core.model import Measure, PanelView, Status
from cockpit.core.units import format_threshold, format_value

STATUS_STYLE = {
    Status.OK: "$success",
    Status.WARN: "$warning bold",
    Status.CRIT: "$error bold",
    Status.ERROR: "$error bold",
    Status.STALE: "$warning",
    Status.UNKNOWN: "$text-muted",
}


def status_class(status: Status) -> str:
    return f"-{status.value}"


def age_label(view: PanelView) -> str:
    """The border subtitle: how old the number is, loudly when it is too old to trust."""
    prefix = "paused · " if view.paused else ""
    if view.age is None:
        return f"{prefix}no data yet" if view.error is None else f"{prefix}no data"
    if view.stale:
        return f"{prefix}STALE {int(view.age)}s"
    return f"{prefix}{int(view.age)}s ago"


def status_badge(status: Status) -> Content:
    return Content.styled(f"{status.symbol} {status.word}", STATUS_STYLE[status])


def measure_line(view: PanelView, measure: Measure, label_width: int = 4) -> Content:
    value = view.values.get(measure.key)
    if value is None:
        status = Status.STALE if view.stale else Status.UNKNOWN
    else:
        status = view.measure_status(measure)
    shown = format_value(measure.unit, value) if value is not None else "—"
    value_style = "bold" if status in (Status.CRIT, Status.WARN) else ""
    if view.stale:
        value_style = "$text-muted strike"
    return Content.assemble(
        (f"{measure.label:<{label_width}} ", "bold"),
        (f"{shown:>9}", value_style),
        "  ",
        status_badge(status),
        " " * (5 - len(status.word) + 1),
        (
            format_threshold(measure.unit, measure.threshold.crit, measure.threshold.warn),
            "$text-muted",
        ),
    )


def error_line(view: PanelView) -> Content | None:
    if not view.error:
        return None
    return Content.styled(f"! {view.error}", "$error")


def note_line(view: PanelView) -> Content | None:
    parts = []
    if view.warnings:
        parts.append(f"⚑ partial data: {view.warnings[0]}")
    if view.note:
        parts.append(view.note)
    if not parts:
        return None
    return Content.styled("  ".join(parts), "$text-muted")
