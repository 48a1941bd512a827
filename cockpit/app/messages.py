"""Messages between the app's controllers and what shows their results."""

from __future__ import annotations

from textual.message import Message

from cockpit.core.model import Reading


class TimelineChanged(Message):
    """Something in the incident record changed: whatever shows it re-reads it.

    Posted by whoever wrote (a form, an automatic entry, an action); handled once by the app,
    which refreshes the header, the timeline screen, the presenter's list and the phases.
    A burst of changes is one refresh: a newer message replaces one still queued.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TimelineChanged)


class ReadingArrived(Message):
    """A source delivered a reading (good or failed)."""

    def __init__(self, reading: Reading) -> None:
        super().__init__()
        self.reading = reading


class BackfillArrived(Message):
    """A source filled a panel's trend line from its history (once, at start)."""

    def __init__(self, panel: str, readings: list[Reading]) -> None:
        super().__init__()
        self.panel = panel
        self.readings = readings
