"""The presenter view for a shared screen: the headline numbers large, the incident clock, and
the last few timeline entries. One key in, the same key (or esc) out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from cockpit.core.model import HeaderInfo, PanelView
from cockpit.core.records import Event
from cockpit.widgets.header import HeaderBar
from cockpit.widgets.headline import HeadlineTile
from cockpit.widgets.outside import safe_line

RECENT = 5


class PresenterScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,z", "app.pop_screen", "Back", id="presenter.back"),
    ]
    # Styles live in themes/cockpit.tcss: they must win over the generic `.panel` rules.

    def __init__(self, headlines: Sequence[tuple[str, str, str]]) -> None:
        """`headlines`: (panel id, title, measure key) in display order."""
        super().__init__(id="presenter")
        self.header = HeaderBar()
        self.tiles = {panel: HeadlineTile(panel, title, key) for panel, title, key in headlines}
        self.recent = Static("", id="recent")
        self.recent.border_title = "Latest in the timeline"

    def compose(self) -> ComposeResult:
        yield self.header
        with Container(id="headlines"):
            yield from self.tiles.values()
        yield self.recent
        yield Footer()

    def show_header(self, info: HeaderInfo) -> None:
        self.header.show(info)

    def show_panel(self, view: PanelView) -> None:
        tile = self.tiles.get(view.panel)
        if tile is not None:
            tile.show(view)

    def show_recent(self, events: Sequence[Event]) -> None:
        if not events:
            self.recent.update(Content.styled("nothing recorded yet", "$text-muted"))
            return
        lines = [
            Content.assemble(
                (e.occurred_at.strftime("%H:%M"), "bold"),
                f" {e.kind.value:<6} ",
                # A timeline entry may have come in an import: one safe line each.
                safe_line(e.text),
            )
            for e in events[-RECENT:]
        ]
        self.recent.update(Content("\n").join(lines))
