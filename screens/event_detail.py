"""One timeline entry in full: the row in the timeline is cut to one line, this is all of it —
when it happened and when it was written down, who and what wrote it, the whole text and the
data recorded with it (an action's request and outcome, an alert's labels)."""

from __future__ import annotations

import json
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.core.records import Event
from cockpit.core.safe_text import terminal_safe


def _utc(event_time: object) -> str:
    return f"{event_time:%Y-%m-%d %H:%M:%S} UTC"


def event_lines(event: Event) -> list[Content]:
    """The entry as lines: headline, times, text, data. Recorded text may come from an
    import or another tool, so every part goes through the terminal filter."""
    head = f"{event.kind.value} · {event.actor} · {event.source}"
    lines = [
        Content.assemble((_utc(event.occurred_at), "bold"), "  ", terminal_safe(head)),
    ]
    if event.recorded_at != event.occurred_at:
        lines.append(Content.styled(f"recorded {_utc(event.recorded_at)}", "$text-muted"))
    if event.supersedes:
        lines.append(Content.styled(f"edits entry {event.supersedes}", "$text-muted"))
    if event.pinned:
        lines.append(Content.styled("pinned", "$text-muted"))
    lines.append(Content(""))
    lines += [Content(line) for line in terminal_safe(event.text, multiline=True).split("\n")]
    data = {k: v for k, v in event.data.items() if k not in ("state_key",)}
    if data:
        lines += [Content(""), Content.styled("Data", "bold underline")]
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        lines += [Content(line) for line in terminal_safe(text, multiline=True).split("\n")]
    lines += [Content(""), Content.styled("esc closes", "$text-muted")]
    return lines


class EventDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Close", id="event.close"),
    ]

    def __init__(self, event: Event) -> None:
        super().__init__(id="event-detail")
        self.event = event

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content("\n").join(event_lines(self.event)), id="event-detail-body")
