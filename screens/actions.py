"""Action screens: ask for a replica count, pick a revision, confirm with the preview.

They show what the app hands them and return the user's choice; the app previews, records and
applies. Nothing here talks to a cluster. Names, images, change causes and the server's
messages are the cluster's text: each is drawn through `cockpit.widgets.outside`, never as
markup and never with its control characters.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from cockpit.core.changes import Change, Role, diff_lines
from cockpit.core.mitigation import ActionPreview, Revision, Workload
from cockpit.core.safe_text import terminal_safe
from cockpit.core.units import short_age
from cockpit.widgets.outside import safe_cell, safe_line


def sentence(text: str) -> str:
    """`text` with its first letter upper-cased and the rest as given: a headline must show
    `deployment/web-API` as it is named (`str.capitalize` would lower the rest)."""
    return text[:1].upper() + text[1:]


ROLE_STYLE: dict[Role, str] = {
    "header": "bold $text-muted",
    "field": "bold",
    "label": "$text-muted",
    "current": "",
    "new": "bold",
    "space": "",
}


class ChangesView(Static):
    """Field, current and new in aligned columns, laid out again for the width it gets (at
    80 columns a long annotation path stacks its values under it instead of wrapping)."""

    DEFAULT_CSS = "ChangesView { height: auto; }"

    def __init__(self, changes: Sequence[Change], **kwargs: str) -> None:
        # Made safe before the columns are measured, so a stand-in for a control character
        # cannot push a column out of line.
        self.changes = tuple(
            (terminal_safe(field), terminal_safe(current), terminal_safe(new))
            for field, current, new in changes
        )
        super().__init__(self._content(0), **kwargs)

    def _content(self, width: int) -> Content:
        # Every part is the cluster's text or a path built from it: drawn safe, never markup.
        return Content("\n").join(
            Content.assemble(*(safe_line(text, ROLE_STYLE[role]) for text, role in line))
            for line in diff_lines(self.changes, width)
        )

    def on_resize(self, event: events.Resize) -> None:
        self.update(self._content(event.size.width))


class WorkloadPicker(ModalScreen[Workload | None]):
    """Which Deployment the action is for, when the namespace has more than one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
    ]

    def __init__(self, verb: str, workloads: Sequence[Workload]) -> None:
        super().__init__(classes="action-modal")
        self.verb = verb
        self.workloads = list(workloads)

    def compose(self) -> ComposeResult:
        options = [
            Option(
                safe_line(
                    f"{w.kind}/{w.name}  {w.available}/{w.replicas} available"
                    + ("  (paused)" if w.paused else "")
                ),
                id=str(i),
            )
            for i, w in enumerate(self.workloads)
        ]
        with Vertical():
            yield Label(safe_line(f"{sentence(self.verb)} which workload?"), classes="form-title")
            yield OptionList(*options, id="workload-options")
            yield Static("enter picks · esc cancels", classes="form-help")

    @on(OptionList.OptionSelected)
    def _picked(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(self.workloads[int(message.option.id or 0)])


class ScaleForm(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
    ]

    def __init__(self, workload: Workload) -> None:
        super().__init__(classes="action-modal")
        self.workload = workload

    def compose(self) -> ComposeResult:
        w = self.workload
        with Vertical():
            yield Label(
                safe_line(f"Scale {w.kind}/{w.name} in {w.namespace}"), classes="form-title"
            )
            yield Static(Content(f"now: {w.replicas} wanted, {w.ready} ready"), classes="form-help")
            yield Input(str(w.replicas), type="integer", id="replicas")
            yield Static("enter previews · esc cancels", classes="form-help")
            yield Static("", classes="form-error", id="form-error")

    @on(Input.Submitted, "#replicas")
    def _submitted(self, message: Input.Submitted) -> None:
        text = message.value.strip()
        if not text.isdigit():
            self.query_one("#form-error", Static).update("enter a whole number, 0 or more")
            return
        self.dismiss(int(text))


class HistoryScreen(ModalScreen[int | None]):
    """`kubectl rollout history`: pick the revision to roll back to (default: the previous)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
        Binding("enter", "pick", "Roll back to this", id="history.pick", priority=True),
    ]

    def __init__(
        self, workload: Workload, revisions: Sequence[Revision], now: datetime | None = None
    ) -> None:
        super().__init__(classes="action-modal")
        self.workload = workload
        self.revisions = list(revisions)
        now = now or datetime.now(UTC)
        self.table: DataTable[str | Text] = DataTable(cursor_type="row", id="history-table")
        self.table.add_column("REVISION", key="rev", width=12)
        self.table.add_column("AGE", key="age", width=6)
        self.table.add_column("IMAGES", key="images")
        self.table.add_column("CHANGE-CAUSE", key="cause")
        for revision in self.revisions:
            number = Text(
                f"{revision.number}{' (current)' if revision.current else ''}",
                style="bold" if revision.current else "",
            )
            created = revision.created_at
            age = short_age((now - created).total_seconds()) if created else "-"
            # A change cause is any annotation anyone wrote: a cell of plain, safe text.
            self.table.add_row(
                number,
                age,
                safe_cell(", ".join(revision.images)),
                safe_cell(revision.change_cause or "<none>"),
            )

    def compose(self) -> ComposeResult:
        w = self.workload
        with Vertical():
            yield Label(safe_line(f"Rollout history of {w.kind}/{w.name}"), classes="form-title")
            yield self.table
            yield Static(
                "enter rolls back to the selected revision · esc cancels", classes="form-help"
            )

    def on_mount(self) -> None:
        current = next((i for i, r in enumerate(self.revisions) if r.current), 0)
        self.table.move_cursor(row=max(0, current - 1))
        self.table.focus()

    def action_pick(self) -> None:
        row = self.table.cursor_row
        if 0 <= row < len(self.revisions):
            self.dismiss(self.revisions[row].number)


class ConfirmAction(ModalScreen[bool]):
    """What, where, current → new, the dry run's verdict; `y` confirms, anything else backs out.

    Never shown in read-only mode: the action is refused before any dialog (`ActionController`)."""

    # The keys' line and the name input stay in view; a long diff scrolls above them (a
    # rollback at 80x24 has more rows than the screen).
    DEFAULT_CSS = """
    ConfirmAction > Vertical { overflow-y: auto; }
    ConfirmAction .confirm-gap { margin-top: 1; }
    ConfirmAction #confirm-foot { dock: bottom; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, apply", id="confirm.yes"),
        Binding("escape,n", "dismiss(False)", "Cancel", id="confirm.no"),
        Binding("down", "scroll_diff(1)", "Scroll down", show=False, id="confirm.down"),
        Binding("up", "scroll_diff(-1)", "Scroll up", show=False, id="confirm.up"),
    ]

    def __init__(self, preview: ActionPreview, *, context: str, production: bool = False) -> None:
        super().__init__(classes="action-modal")
        self.preview = preview
        self.context = context
        # On a production context `y` is not enough: the object's name must be typed.
        self.production = production

    def compose(self) -> ComposeResult:
        p, r = self.preview, self.preview.request
        lines: list[Content] = [
            safe_line(sentence(r.describe()), "bold"),
            Content.assemble(
                ("context   ", "bold"), safe_line(self.context or "(current context)")
            ),
            Content.assemble(("namespace ", "bold"), safe_line(r.namespace)),
            Content.assemble(("object    ", "bold"), safe_line(f"{r.kind}.apps/{r.name}")),
            Content.assemble(
                ("same as   ", "bold"), safe_line(shlex.join(r.argv()), "$text-muted")
            ),
        ]
        after: list[Content] = [safe_line(note, "$text-muted") for note in p.notes]
        if p.message:
            style = "$text-muted" if p.ok else "$error bold"
            after.append(safe_line(("" if p.ok else "✗ ") + p.message, style))
        if after:
            after.append(Content(""))
        after += self._verdict(self.applicable)
        with Vertical(id="confirm-box"):
            yield Static(Content("\n").join(lines), id="confirm-body")
            if p.changes:
                yield ChangesView(p.changes, id="confirm-changes", classes="confirm-gap")
            with Vertical(id="confirm-foot", classes="confirm-gap"):
                yield Static(Content("\n").join(after), id="confirm-verdict")
                if self.applicable and self.production:
                    yield Input(placeholder=r.name, id="confirm-name")

    @property
    def applicable(self) -> bool:
        return self.preview.ok and bool(self.preview.changes)

    def _verdict(self, applicable: bool) -> list[Content]:
        """The last lines: what the keys do now."""
        if not applicable:
            return [Content.styled("nothing to apply · esc closes", "bold")]
        if self.production:
            name = self.preview.request.name
            return [
                safe_line(
                    f"PRODUCTION context: type {name} and press enter to apply · esc cancels",
                    "$warning bold",
                )
            ]
        return [Content.styled("dry run passed · y applies · esc cancels", "bold")]

    def action_scroll_diff(self, lines: int) -> None:
        self.query_one("#confirm-box").scroll_relative(y=lines, animate=False)

    def action_confirm(self) -> None:
        # On a production context only the typed name confirms.
        if self.applicable and not self.production:
            self.dismiss(True)

    @on(Input.Submitted, "#confirm-name")
    def _typed(self, message: Input.Submitted) -> None:
        if message.value.strip() == self.preview.request.name:
            self.dismiss(True)
        else:
            message.input.value = ""
            message.input.placeholder = f"that is not {self.preview.request.name}; try again"
