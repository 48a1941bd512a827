"""Backup freshness: age of the last success, when it was, and the RPO status."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from cockpit.core.model import BackupInfo, PanelView
from cockpit.core.records import format_utc
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import error_line, measure_line, note_line


class BackupPanel(PanelFrame, can_focus=True):
    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self._body = Static("", classes="body")
        self._last = ""

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, view: PanelView, trend: list[float]) -> None:
        del trend  # a backup age only ever grows between runs; a trend says nothing here
        self.show_frame(view)
        lines = [measure_line(view, m) for m in view.measures]
        info = view.detail if isinstance(view.detail, BackupInfo) else None
        if info is not None:
            if info.last_success is not None:
                shown = format_utc(info.last_success, for_people=True)
                lines.append(Content.assemble(("last ok ", "bold"), shown))
            else:
                lines.append(Content.styled("no backup recorded", "$error bold"))
        for extra in (error_line(view), note_line(view)):
            if extra is not None:
                lines.append(extra)
        if info is not None and info.detail and len(lines) < 3:
            lines.append(Content.styled(info.detail, "$text-muted"))
        body = Content("\n").join(lines)
        if body.plain != self._last:
            relayout = body.plain.count("\n") != self._last.count("\n")
            self._last = body.plain
            self._body.update(body, layout=relayout)
