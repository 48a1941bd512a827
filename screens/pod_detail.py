"""One pod, the way `kubectl describe pod` and `kubectl logs -f` would show it: containers with
their state and last termination, recent events, the last log lines (kept current while open)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from cockpit.core.pod_detail import PodDetail
from cockpit.core.safe_text import terminal_safe
from cockpit.widgets.header import ProductionBar
from cockpit.widgets.outside import safe_line


def detail_lines(detail: PodDetail) -> list[Content]:
    """Where a pod's details become lines on screen. Everything in them is the cluster's text
    (names, reasons, event messages, the container's own log lines), so each piece is made
    terminal-safe here, one line each: a log line's CR or escape sequence is shown, not run."""
    s = terminal_safe
    lines = [
        Content.assemble(
            (f"pod/{s(detail.name)}", "bold"),
            f"  {s(detail.namespace)} · {s(detail.status)} · ",
            f"node {s(detail.node)}",
        ),
        Content(""),
        Content.styled("Containers", "bold underline"),
    ]
    for c in detail.containers:
        ready = "ready" if c.ready else "not ready"
        lines.append(
            Content.assemble((s(c.name), "bold"), f"  {s(c.image)}  {ready}, {c.restarts} restarts")
        )
        lines.append(Content(f"  state:      {s(c.state)}"))
        if c.last_state:
            style = "$error bold" if "OOMKilled" in c.last_state or "Error" in c.last_state else ""
            lines.append(Content.assemble("  last state: ", (s(c.last_state), style)))
    lines += [Content(""), Content.styled("Events (newest first)", "bold underline")]
    if not detail.events:
        lines.append(Content.styled("  none recorded", "$text-muted"))
    for e in detail.events:
        style = "$warning" if e.type == "Warning" else ""
        times = f" (x{e.count})" if e.count > 1 else ""
        lines.append(
            Content.assemble(
                f"  {s(e.age):>5}  ",
                (f"{s(e.type):<8}", style),
                f" {s(e.reason)}{times}  ",
                s(e.message),
            )
        )
    lines += [Content(""), Content.styled("Logs (last lines, following)", "bold underline")]
    if not detail.logs:
        lines.append(Content.styled("  no log lines", "$text-muted"))
    lines += [Content(f"  {s(line)}") for line in detail.logs]
    for problem in detail.problems:
        lines.append(Content.styled(f"! {s(problem)}", "$warning"))
    return lines


class PodDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="pod.back"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__(id="pod-detail")
        self.pod_name = name
        self.detail: PodDetail | None = None
        self.body = Static(safe_line(f"pod/{name}: loading…"), id="pod-detail-body")

    def compose(self) -> ComposeResult:
        yield ProductionBar()
        with VerticalScroll():
            yield self.body
        yield Footer()

    def show(self, detail: PodDetail) -> None:
        self.detail = detail
        self.body.update(Content("\n").join(detail_lines(detail)))

    def show_error(self, message: str) -> None:
        self.body.update(safe_line(f"pod/{self.pod_name}: {message}", "$error bold"))
