"""The incident timeline: newest at the bottom, filter by kind, search, pin.

The screen renders what the app gives it and asks for other views with messages; it never
touches the store itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from cockpit.core.records import Event, EventKind, Incident
from cockpit.core.safe_text import terminal_safe
from cockpit.core.units import format_elapsed
from cockpit.widgets.header import ProductionBar
from cockpit.widgets.outside import safe_cell, safe_line
from cockpit.widgets.theme_styles import on_theme_change, rich_style

# `f` steps through these; None shows every kind.
KIND_FILTERS: tuple[EventKind | None, ...] = (None, *EventKind)
# Theme styles (resolved when rows are drawn); the Kind column says the kind in words.
KIND_STYLE = {
    EventKind.NOTE: "bold",
    EventKind.ACTION: "bold $accent",
    EventKind.ALERT: "bold $error",
    EventKind.SLO: "$warning",
    EventKind.STATUS: "bold $primary",
    EventKind.SYSTEM: "dim",
}
PIN_STYLE = "bold $warning"
EDITED_STYLE = "dim"


def row_styles(app: App[object]) -> dict[EventKind | str, Style]:
    """The styles of a row's parts in the app's current theme: per kind, "pinned", "edited"."""
    styles: dict[EventKind | str, Style] = {
        kind: rich_style(app, spec) for kind, spec in KIND_STYLE.items()
    }
    styles["pinned"] = rich_style(app, PIN_STYLE)
    styles["edited"] = rich_style(app, EDITED_STYLE)
    return styles


class TimelineQuery(Message):
    """The user changed the filter or the search; the app answers with `show_events`."""

    def __init__(self, kind: EventKind | None, search: str) -> None:
        super().__init__()
        self.kind = kind
        self.search = search


class EditRequested(Message):
    """`e` or `x` on an event: the app asks for the new text (or confirms) and supersedes it."""

    def __init__(self, event: Event, delete: bool) -> None:
        super().__init__()
        self.event = event
        self.delete = delete


class PinToggled(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


def incident_line(incident: Incident | None, now_elapsed: float | None = None) -> Content:
    """The incident over the table; its title may have come in an import."""
    if incident is None:
        return Content("No incident declared — D declares one, then n adds notes")
    parts = [incident.severity.value, incident.status.value.upper(), incident.title]
    if now_elapsed is not None:
        parts.insert(1, f"T+{format_elapsed(now_elapsed)}")
    return safe_line(" · ".join(parts) + f"  [{incident.short_id}]")


class TimelineScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t", "back", "Back", id="timeline.back"),
        Binding("f", "next_filter", "Filter kind", id="timeline.filter"),
        Binding("slash", "search", "Search", id="timeline.search"),
        Binding("P", "pin", "Pin", id="timeline.pin"),
        Binding("e", "edit", "Edit", id="timeline.edit"),
        Binding("x", "delete", "Delete", id="timeline.delete"),
    ]
    DEFAULT_CSS = """
    TimelineScreen #timeline-title { height: 1; text-style: bold; padding: 0 1; }
    TimelineScreen #timeline-filter { height: 1; color: $text-muted; padding: 0 1; }
    TimelineScreen DataTable { height: 1fr; }
    TimelineScreen #timeline-search { dock: bottom; display: none; }
    TimelineScreen #timeline-search.-open { display: block; }
    """

    def __init__(self, *, standalone: bool = False) -> None:
        super().__init__(id="timeline")
        self.standalone = standalone  # `cockpit notes`: there is no dashboard to go back to
        self.kind: EventKind | None = None
        self.search = ""
        self.events: list[Event] = []
        self.title_line = Static("", id="timeline-title")
        self.filter_line = Static("", id="timeline-filter")
        self.table: DataTable[Text | str] = DataTable(
            id="timeline-table", cursor_type="row", zebra_stripes=False
        )
        # Columns exist before mount: the app may deliver events before the first refresh.
        self.table.add_column("UTC", key="time", width=8)
        self.table.add_column("Kind", key="kind", width=6)
        self.table.add_column("Actor", key="actor", width=14)
        self.table.add_column("Event", key="text")
        self.search_input = Input(placeholder="search words (prefix match)", id="timeline-search")

    def compose(self) -> ComposeResult:
        yield ProductionBar()
        yield self.title_line
        yield self.filter_line
        yield self.table
        yield self.search_input
        yield Footer()

    def on_mount(self) -> None:
        self._show_filter()
        on_theme_change(self, lambda: self.show_events(self.events))

    # ---- the app calls these -------------------------------------------------------------

    def show_incident(self, incident: Incident | None, elapsed: float | None = None) -> None:
        self.title_line.update(incident_line(incident, elapsed))

    def show_events(self, events: Sequence[Event]) -> None:
        at_bottom = self.table.cursor_row >= self.table.row_count - 1
        selected = self.selected_event()
        self.events = list(events)
        self.table.clear()
        styles = row_styles(self.app)
        for event in self.events:
            self.table.add_row(*_row(event, styles), key=event.uuid)
        if not self.events:
            return
        # Follow new entries like `tail -f`, unless the user moved up to read something.
        if at_bottom or selected is None:
            self.table.move_cursor(row=len(self.events) - 1)
        else:
            index = next((i for i, e in enumerate(self.events) if e.uuid == selected.uuid), -1)
            self.table.move_cursor(row=index if index >= 0 else len(self.events) - 1)

    def selected_event(self) -> Event | None:
        row = self.table.cursor_row
        if 0 <= row < len(self.events):
            return self.events[row]
        return None

    # ---- keys ---------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#timeline-table")
    def _open_entry(self, message: DataTable.RowSelected) -> None:
        # Enter on a row: the entry in full (the row shows one line of it).
        from cockpit.screens.event_detail import EventDetailScreen

        message.stop()
        event = self.selected_event()
        if event is not None:
            self.app.push_screen(EventDetailScreen(event))

    def action_back(self) -> None:
        if self.search_input.has_class("-open"):
            self._close_search()
            return
        if not self.standalone:
            self.dismiss()

    def action_next_filter(self) -> None:
        index = KIND_FILTERS.index(self.kind)
        self.kind = KIND_FILTERS[(index + 1) % len(KIND_FILTERS)]
        self._show_filter()
        self.post_message(TimelineQuery(self.kind, self.search))

    def action_search(self) -> None:
        self.search_input.add_class("-open")
        self.search_input.value = self.search
        self.search_input.focus()

    def action_pin(self) -> None:
        event = self.selected_event()
        if event is not None:
            self.post_message(PinToggled(event))

    def action_edit(self) -> None:
        event = self.selected_event()
        if event is not None:
            self.post_message(EditRequested(event, delete=False))

    def action_delete(self) -> None:
        event = self.selected_event()
        if event is not None:
            self.post_message(EditRequested(event, delete=True))

    @on(Input.Submitted, "#timeline-search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        self.search = message.value.strip()
        self._close_search()
        self._show_filter()
        self.post_message(TimelineQuery(self.kind, self.search))

    def _close_search(self) -> None:
        self.search_input.remove_class("-open")
        self.table.focus()

    def _show_filter(self) -> None:
        kind = self.kind.value if self.kind else "all kinds"
        search = f' · search "{self.search}"' if self.search else ""
        self.filter_line.update(
            safe_line(
                f"{kind}{search} · ⏎ open · f filter · / search · P pin · e edit · x delete"
                " · n note"
            )
        )


def _row(
    event: Event, styles: Mapping[EventKind | str, Style] | None = None
) -> tuple[Text | str, ...]:
    """Where a timeline event becomes a row on screen: its text and actor may have come in an
    import, so both are terminal-safe here, and cells are `Text` (a `str` cell is markup).
    `styles` are the theme's (`row_styles`); the kind is said in words either way."""
    styles = styles or {}
    kind = event.kind
    text = Text()
    if event.pinned:
        text.append("◆ ", style=styles.get("pinned", ""))
    if event.supersedes:
        text.append("(edited) ", style=styles.get("edited", ""))
    lines = terminal_safe(event.text, multiline=True).replace("\t", " ")
    text.append(lines.replace("\n", " ⏎ "))
    return (
        event.occurred_at.strftime("%H:%M:%S"),
        Text(kind.value, style=styles.get(kind, "")),
        safe_cell(event.actor),
        text,
    )
