"""Small modal forms for the incident record: a note, declaring an incident, a status update.

Each form is given a `save` coroutine by the app and stays open until it succeeds: when the
disk is full or the file read-only, the text stays in the input with the reason beside it, so
nothing typed at 3 a.m. is lost. The forms themselves do no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from cockpit.core.records import Incident, IncidentStatus, Severity
from cockpit.core.safe_text import terminal_safe
from cockpit.widgets.outside import safe_line

# The app's save callback returns None on success, or the message to show.
Save = Callable[..., Awaitable[str | None]]
Value = TypeVar("Value")


class FormSelect(Select[Value], inherit_bindings=False):
    """A Select inside a form whose hint says "enter declares" (or posts): Enter submits the
    form, as it does from the form's input; up, down and space open the list. The stock
    Select opens its list on Enter, which made the hint a lie."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,space,up", "show_overlay", "Show menu", show=False, id="form.list"),
        Binding("enter", "submit", "Submit", show=False, id="form.submit"),
    ]

    class Submitted(Message):
        """Enter on the closed list: the form should do what its hint says."""

        def __init__(self, select: FormSelect[object]) -> None:
            super().__init__()
            self.select = select

        @property
        def control(self) -> FormSelect[object]:
            return self.select

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))


class _Form(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]
    DEFAULT_CSS = """
    _Form, NoteForm, DeclareForm, StatusForm { align: center middle; }
    _Form > Vertical, NoteForm > Vertical, DeclareForm > Vertical, StatusForm > Vertical {
        width: 90%; max-width: 100; height: auto; padding: 0 1;
        border: round $accent; background: $panel;
    }
    .form-title { text-style: bold; }
    .form-help { color: $text-muted; }
    .form-error { color: $error; text-style: bold; }
    #note-editor { height: 8; }
    """

    def __init__(self, save: Save) -> None:
        super().__init__()
        self._save = save
        self._busy = False
        self.error = Static("", classes="form-error", id="form-error")

    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(False)

    async def _submit(self, *args: object) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            problem = await self._save(*args)
        finally:
            self._busy = False
        if problem is None:
            self.dismiss(True)
        else:
            self.error.update(safe_line(problem))  # it quotes the disk's or the store's words


class NoteForm(_Form):
    """One line + Enter; ctrl+e opens a multi-line editor (ctrl+s saves there)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the focused Input would otherwise take ctrl+e as "end of line".
        Binding("ctrl+e", "expand", "Multi-line", id="note.expand", priority=True),
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
    ]

    def __init__(self, save: Save, incident_label: str, text: str = "") -> None:
        super().__init__(save)
        self._label = incident_label
        # A note being edited may have been imported: what the input shows is what is saved.
        self._initial = terminal_safe(text, multiline=True)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_line(f"Note → {self._label}"), classes="form-title")
            yield Input(self._initial, placeholder="what you saw, did or decided", id="note-input")
            yield Static(
                "enter saves · ctrl+e multi-line · esc cancels", classes="form-help", id="note-help"
            )
            yield self.error

    @property
    def text(self) -> str:
        editors = self.query(TextArea)
        if editors:
            return editors.first().text
        return self.query_one(Input).value

    def action_expand(self) -> None:
        if self.query(TextArea):
            return
        line = self.query_one(Input)
        editor = TextArea(line.value, id="note-editor", soft_wrap=True)
        self.query_one(Vertical).mount(editor, after=line)
        line.remove()
        self.query_one("#note-help", Static).update("ctrl+s saves · esc cancels")
        editor.focus()
        editor.move_cursor(editor.document.end)

    @on(Input.Submitted, "#note-input")
    async def _line_submitted(self) -> None:
        await self.action_save()

    async def action_save(self) -> None:
        text = self.text
        if not text.strip():
            self.error.update("a note needs some text")
            return
        await self._submit(text)


SEVERITY_HELP = {
    Severity.SEV1: "SEV1 critical: customers broadly affected",
    Severity.SEV2: "SEV2 major: a key function degraded",
    Severity.SEV3: "SEV3 minor: limited impact",
    Severity.SEV4: "SEV4 low: no customer impact yet",
}


class DeclareForm(_Form):
    def __init__(self, save: Save, title: str = "", severity: str = "SEV3") -> None:
        super().__init__(save)
        self._title = title
        self._severity = Severity.parse(severity)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Declare an incident", classes="form-title")
            yield Input(
                self._title, placeholder="title, e.g. checkout 5xx after deploy", id="title"
            )
            yield FormSelect(
                [(SEVERITY_HELP[s], s.value) for s in Severity],
                value=self._severity.value,
                allow_blank=False,
                id="severity",
            )
            yield Static("enter declares · esc cancels", classes="form-help")
            yield self.error

    @on(Input.Submitted, "#title")
    @on(FormSelect.Submitted, "#severity")
    async def _declare(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.error.update("an incident needs a title")
            return
        severity = self.query_one("#severity", Select).value
        await self._submit(title, str(severity))


class StatusForm(_Form):
    """A status update (the reminder's answer), optionally moving the incident's status."""

    def __init__(self, save: Save, current: IncidentStatus) -> None:
        super().__init__(save)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Status update", classes="form-title")
            yield FormSelect(
                [(f"status: {s.value}", s.value) for s in IncidentStatus],
                value=self._current.value,
                allow_blank=False,
                id="status",
            )
            yield Input(placeholder="what stakeholders need to know now", id="update")
            yield Static("enter posts · esc cancels", classes="form-help")
            yield self.error

    def on_mount(self) -> None:
        self.query_one("#update", Input).focus()

    @on(Input.Submitted, "#update")
    @on(FormSelect.Submitted, "#status")
    async def _post(self) -> None:
        text = self.query_one("#update", Input).value.strip()
        status = str(self.query_one("#status", Select).value)
        if not text and status == self._current.value:
            self.error.update("write an update or pick a new status")
            return
        await self._submit(text, status)


class IncidentPicker(ModalScreen[str | None]):
    """Attach to one of the open incidents (newest first), or declare a new one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
    ]
    NEW = "__new__"

    def __init__(self, incidents: Sequence[Incident], current: str | None) -> None:
        super().__init__(classes="action-modal")
        self.incidents = list(incidents)
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(
                safe_line(
                    f"{i.severity.value} {i.status.value:<9} {i.title}"
                    + ("  (attached)" if i.id == self.current else "")
                ),
                id=i.id,
            )
            for i in self.incidents
        ]
        options.append(Option(Content("+ declare a new incident"), id=self.NEW))
        with Vertical():
            yield Label("Open incidents", classes="form-title")
            yield OptionList(*options, id="incident-options")
            yield Static("enter attaches · esc cancels", classes="form-help")

    @on(OptionList.OptionSelected)
    def _picked(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)
