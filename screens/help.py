"""Help: every key the cockpit answers to, generated from the live bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

COLUMN = 37  # two columns side by side in the 78-column box, at 80x24


def _entry(key: str, description: str, key_width: int) -> Content:
    room = COLUMN - key_width - 2
    if len(description) > room:
        description = description[: room - 1] + "…"
    return Content.assemble(
        (f"{key:>{key_width}}", "bold $accent"), "  ", f"{description:<{room}}"
    )


def bindings_table(bindings: list[tuple[str, str]]) -> Content:
    """Keys and what they act on, in two columns (read down the left, then the right)."""
    width = min(9, max((len(k) for k, _ in bindings), default=4))
    entries = [_entry(key[:width], description, width) for key, description in bindings]
    half = (len(entries) + 1) // 2
    left, right = entries[:half], entries[half:]
    lines = [Content.styled("Keys", "bold")]
    for index, entry in enumerate(left):
        other = right[index] if index < len(right) else Content("")
        lines.append(Content.assemble(entry, "  ", other))
    lines.append(Content.styled("esc or ? closes this help", "$text-muted"))
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
