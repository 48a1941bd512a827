"""Health checks as a compact strip: each check's verdict, latency, and its last failure."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.geometry import Size

from cockpit.core.model import HealthResult, PanelView, Status
from cockpit.widgets.panel_frame import UNLIMITED, StripPanel, fit_lines, fit_strip
from cockpit.widgets.panel_text import STATUS_STYLE, error_line, status_badge


def check_text(result: HealthResult) -> Content:
    if result.ok:
        latency = f" {result.latency_s * 1000:.0f}ms" if result.latency_s is not None else ""
        return Content.assemble(
            (f"{Status.OK.symbol} ", STATUS_STYLE[Status.OK]), result.name, (latency, "$text-muted")
        )
    since = result.failing_since or result.last_failure
    when = f" since {since:%H:%M:%S}" if since else ""
    return Content.assemble(
        (f"{Status.CRIT.symbol} ", STATUS_STYLE[Status.CRIT]),
        (result.name, "bold"),
        f" {result.message}",
        (when, "$text-muted"),
    )


def _results(view: PanelView) -> list[HealthResult]:
    results = [r for r in view.detail or () if isinstance(r, HealthResult)]
    # Failing checks first: they are what the panel is for.
    results.sort(key=lambda r: (r.ok, r.name))
    return results


def health_lines(view: PanelView, room: Size = UNLIMITED) -> tuple[list[Content], int]:
    """A failing check per line, passing ones side by side as far as `room.width` allows, in
    at most `room.height` lines; and how many checks had no room."""
    results = _results(view)
    error = error_line(view)
    items: list[tuple[Content, int]] = []
    line, count = Content(""), 0
    for result in results:
        text = check_text(result)
        if not result.ok:
            items.append((text, 1))
            continue
        joined = Content.assemble(line, "  ", text) if count else text
        if count and room.width and joined.cell_length > room.width:
            items.append((line, count))
            joined, count = text, 0
        line, count = joined, count + 1
    if count:
        items.append((line, count))
    lines, hidden = fit_lines(items, room.height, fixed=1 if error is not None else 0)
    if error is not None:
        lines.append(error)
    return lines, hidden


def health_strip(view: PanelView, width: int = 0) -> Content:
    """One line for a short screen: failing checks first, then how many pass."""
    results = _results(view)
    failing = [r for r in results if not r.ok]
    head: list[Content | str | tuple[str, str]] = [(view.title, "bold"), " "]
    if view.error:
        head += [status_badge(view.status), (f" {view.error}", "$error"), " "]
    items = [(check_text(r), 1) for r in failing]
    passing = len(results) - len(failing)
    if passing:
        items.append((Content.styled(f"{Status.OK.symbol} {passing} ok", STATUS_STYLE[Status.OK]),
                      passing))  # fmt: skip
    return fit_strip(head, items, width)


class HealthPanel(StripPanel):
    def render_body(
        self, view: PanelView, now: datetime, room: Size
    ) -> tuple[Content, Content, int]:
        del now
        lines, hidden = health_lines(view, room)
        return Content("\n").join(lines), health_strip(view, room.width), hidden
