"""Mark the incident's phase by hand: the record says which phase it is in, but the person on
call knows better ("still triaging, the scale was a guess"). It returns the choice; the app
records it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option


class PhasePicker(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
    ]

    def __init__(self, phases: Sequence[tuple[str, str]], current: str) -> None:
        """`phases`: (name, time box as shown) in order; `current`: the phase now."""
        super().__init__(classes="action-modal")
        self.phases = list(phases)
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content(f"{name:<12} time box {box}" + ("  (now)" if name == self.current else "")),
                id=name,
            )
            for name, box in self.phases
        ]
        with Vertical():
            yield Label("Incident phase", classes="form-title")
            yield OptionList(*options, id="phase-options")
            yield Static("enter marks it (recorded) · esc cancels", classes="form-help")

    def on_mount(self) -> None:
        names = [name for name, _ in self.phases]
        # The next phase is the usual choice.
        if self.current in names:
            self.query_one(OptionList).highlighted = min(
                names.index(self.current) + 1, len(names) - 1
            )

    @on(OptionList.OptionSelected)
    def _picked(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)
