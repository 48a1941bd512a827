"""The frame every panel shares: border title, status class and the age in the subtitle."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from cockpit.model import PanelView, Status
from cockpit.widgets.panel_text import age_label, status_class

_STATUS_CLASSES = tuple(status_class(s) for s in Status)


class PanelFrame(Vertical):
    def __init__(self, panel: str, title: str, id_prefix: str = "panel") -> None:
        super().__init__(id=f"{id_prefix}-{panel}", classes="panel")
        self.panel = panel
        # A configured title is text, not markup: "Queue [prod]" must keep its brackets.
        self.border_title = Content(title)
        self.border_subtitle = "no data yet"

    def show_frame(self, view: PanelView) -> None:
        self.show_status(view.status, age_label(view))

    def show_status(self, status: Status, subtitle: str) -> None:
        # Only on change: a class swap restyles and a subtitle assignment repaints the whole
        # panel even when nothing differs, and this runs every second for every panel.
        wanted = status_class(status)
        if not self.has_class(wanted):
            self.remove_class(*_STATUS_CLASSES)
            self.add_class(wanted)
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle


class StripPanel(PanelFrame, can_focus=True):
    """A panel that folds into one line on a short screen (`Screen.-short` in the stylesheet),
    so 80x24 keeps room for the pods table. Both forms are kept current; CSS picks one."""

    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self.add_class("-strippable")
        self._body = Static("", classes="body")
        self._strip = Static("", classes="strip")
        self._last = ("", "")

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._strip

    def render_body(self, view: PanelView, now: datetime) -> tuple[Content, Content]:
        raise NotImplementedError

    def show(self, view: PanelView, now: datetime) -> None:
        self.show_frame(view)
        body, strip = self.render_body(view, now)
        if body.plain != self._last[0]:
            self._body.update(body, layout=body.plain.count("\n") != self._last[0].count("\n"))
        if strip.plain != self._last[1]:
            self._strip.update(strip, layout=False)
        self._last = (body.plain, strip.plain)
