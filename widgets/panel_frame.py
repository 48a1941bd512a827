"""The frame every panel shares: border title, status class and the age in the subtitle."""

from __future__ import annotations

from textual.containers import Vertical

from cockpit.model import PanelView, Status
from cockpit.widgets.panel_text import age_label, status_class

_STATUS_CLASSES = tuple(status_class(s) for s in Status)


class PanelFrame(Vertical):
    def __init__(self, panel: str, title: str, id_prefix: str = "panel") -> None:
        super().__init__(id=f"{id_prefix}-{panel}", classes="panel")
        self.panel = panel
        self.border_title = title
        self.border_subtitle = "no data yet"

    def show_frame(self, view: PanelView) -> None:
        self.remove_class(*_STATUS_CLASSES)
        self.add_class(status_class(view.status))
        self.border_subtitle = age_label(view)
