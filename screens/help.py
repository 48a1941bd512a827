"""Help: every key the cockpit answers to, generated from the live bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def bindings_table(bindings: list[tuple[str, str]]) -> Content:
    lines = [Content.styled("Keys", "bold"), Content("")]
    width = max((len(k) for k, _ in bindings), default=4)
    for key, description in bindings:
        lines.append(Content.assemble((f"{key:>{width}}", "bold $accent"), "  ", description))
    lines += [Content(""), Content.styled("esc or ? closes this help", "$text-muted")]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self._keys = bindings

    def compose(self) -> ComposeResult:
        # Scrolls: on 80x24 the full list is longer than the screen.
        with VerticalScroll():
            yield Static(bindings_table(self._keys))
