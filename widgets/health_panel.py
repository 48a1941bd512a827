"""Health checks as a compact strip: each check's verdict, latency, and its last failure."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from cockpit.model import HealthResult, PanelView, Status
from cockpit.widgets.panel_frame import StripPanel
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


def health_lines(view: PanelView) -> list[Content]:
    results = [r for r in view.detail or () if isinstance(r, HealthResult)]
    # Failing checks first: they are what the strip is for.
    results.sort(key=lambda r: (r.ok, r.name))
    lines: list[Content] = []
    line = Content("")
    for result in results:
        text = check_text(result)
        if not result.ok:
            lines.append(text)
            continue
        line = Content.assemble(line, "  ", text) if line.plain else text
    if line.plain:
        lines.append(line)
    error = error_line(view)
    if error is not None:
        lines.append(error)
    return lines


def health_strip(view: PanelView) -> Content:
    """One line for a short screen: failing checks first, then how many pass."""
    results = [r for r in view.detail or () if isinstance(r, HealthResult)]
    failing = [r for r in results if not r.ok]
    parts: list[Content | str | tuple[str, str]] = [(view.title, "bold"), " "]
    if view.error:
        parts += [status_badge(view.status), (f" {view.error}", "$error")]
    for result in failing:
        parts += [check_text(result), " "]
    passing = len(results) - len(failing)
    if passing:
        parts.append((f"{Status.OK.symbol} {passing} ok", STATUS_STYLE[Status.OK]))
    return Content.assemble(*parts)


class HealthPanel(StripPanel):
    def render_body(self, view: PanelView, now: datetime) -> tuple[Content, Content]:
        del now
        return Content("\n").join(health_lines(view)), health_strip(view)
